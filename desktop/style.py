"""How the vocabulary looks in the window: one colour and icon per status, RAG rating and link state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from knowledge.vocab import DocumentKind, LinkState, OrgType, Rag, Status

# The two themes' colours by role. Every text role reads at 4.5:1 or more against "base" and "window" (WCAG
# AA for body text; tests/test_desktop_polish.py computes it); the stylesheets in resources/ use these values.
PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "window": "#f4f6f9",
        "base": "#ffffff",
        "alt": "#f7f9fb",
        "text": "#1f2933",
        "muted": "#5f6b7a",
        "heading": "#2f5bb7",
        "link": "#2f5bb7",
        "danger": "#c53030",
        "button": "#ffffff",
        "highlight": "#3b6fd8",
        "hl_text": "#ffffff",
        "selection": "#dbe6fb",
        "mid": "#d9dee5",
        "placeholder": "#5f6b7a",
        "disabled": "#5f6b7a",
    },
    "dark": {
        "window": "#1d2229",
        "base": "#242a32",
        "alt": "#2a313a",
        "text": "#e4e7eb",
        "muted": "#a9b4c0",
        "heading": "#8ab4f8",
        "link": "#8ab4f8",
        "danger": "#f28b82",
        "button": "#2d343d",
        "highlight": "#3d6fd6",
        "hl_text": "#ffffff",
        "selection": "#34496e",
        "mid": "#3a424d",
        "placeholder": "#9aa5b1",
        "disabled": "#9aa5b1",
    },
}
TEXT_ROLES = ("text", "muted", "heading", "link", "danger", "placeholder", "disabled")
BACKGROUND_ROLES = ("base", "window", "alt")


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    c = QColor(color)
    return 0.2126 * _linear(c.redF()) + 0.7152 * _linear(c.greenF()) + 0.0722 * _linear(c.blueF())


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio (1 to 21) between two colours."""
    high, low = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def theme_name() -> str:
    """ "dark" or "light": the theme the application applied (light before one is applied)."""
    app = QApplication.instance()
    return "dark" if app is not None and app.property("roundtable_dark") else "light"


def color(role: str) -> str:
    """A palette colour of the current theme, for HTML the pages write (grey notes, headings, warnings)."""
    return PALETTES[theme_name()][role]


def readable_on(background: str) -> str:
    """Dark or white text, whichever reads better on `background` (chips and bars in status colours)."""
    dark = PALETTES["light"]["text"]
    return dark if contrast_ratio(dark, background) >= contrast_ratio("#ffffff", background) else "#ffffff"


UNKNOWN_COLOR = "#999999"  # a value this version does not know (a newer database): grey, never a crash
# Colour per status, chosen to read as a traffic light on both light and dark backgrounds.
STATUS_COLORS: dict[str, str] = {
    Status.NOT_STARTED: "#9aa5b1",
    Status.PLANNED: "#5b8def",
    Status.IN_PROGRESS: "#f0b429",
    Status.BLOCKED: "#e25c5c",
    Status.DONE: "#3fb37f",
    Status.DROPPED: "#7b8794",
}
# The same traffic light for RAG ratings, so a red rating and a blocked action look alike.
RAG_COLORS: dict[str, str] = {
    Rag.RED: STATUS_COLORS[Status.BLOCKED],
    Rag.AMBER: STATUS_COLORS[Status.IN_PROGRESS],
    Rag.GREEN: STATUS_COLORS[Status.DONE],
    Rag.GREY: STATUS_COLORS[Status.DROPPED],
}
LINK_COLORS: dict[str, str] = {
    LinkState.SUGGESTED: STATUS_COLORS[Status.PLANNED],
    LinkState.CONFIRMED: STATUS_COLORS[Status.DONE],
    LinkState.REJECTED: STATUS_COLORS[Status.DROPPED],
}
# What follows a recommendation number in a dense cell ("R4?" is only suggested so far).
LINK_MARKS: dict[str, str] = {LinkState.SUGGESTED: "?", LinkState.CONFIRMED: "", LinkState.REJECTED: "×"}
# What the marks mean, for column header tooltips and legends ("R9?" is never left unexplained).
LINK_MARKS_EXPLAINED = "R4: serves recommendation 4 (confirmed) · R4?: suggested, awaiting confirmation"

# Labels come from the vocabulary; these maps only key them by stored string for combo boxes and columns.
STATUS_LABELS: dict[str, str] = {status.value: status.display for status in Status}
KIND_LABELS: dict[str, str] = {kind.value: kind.label for kind in DocumentKind}
ORG_TYPE_LABELS: dict[str, str] = {org_type.value: org_type.label for org_type in OrgType}


def status_label(status: str | None) -> str:
    """A status as a person reads it ("In progress"); an unknown value is shown in words, not hidden."""
    return STATUS_LABELS.get(status or "", (status or "").replace("_", " ").capitalize())


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", kind or "")


def org_type_label(org_type: str | None) -> str:
    return ORG_TYPE_LABELS.get(org_type or "", org_type or "")


def status_color(status: str | None) -> str:
    return STATUS_COLORS.get(status or "", UNKNOWN_COLOR)


def rag_color(rag: str | None) -> str:
    return RAG_COLORS.get(rag or "", UNKNOWN_COLOR)


def link_color(state: str | None) -> str:
    return LINK_COLORS.get(state or "", UNKNOWN_COLOR)


def dot_icon(color: str) -> QIcon:
    """A filled circle in `color`: a status shown as a dot, since green or amber text on white reads badly."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


def status_icon(status: str | None) -> QIcon:
    return dot_icon(status_color(status))


def rag_icon(rag: str | None) -> QIcon:
    return dot_icon(rag_color(rag))
