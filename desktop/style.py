"""How the vocabulary looks in the window: one colour and icon per status, RAG rating and link state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from knowledge.vocab import DocumentKind, LinkState, OrgType, Rag, Status

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
