"""Reports page: choose a report, toggle redaction, live preview, save as markdown or HTML, copy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.operations import reports as report_ops
from desktop.pages import Page
from desktop.widgets.common import Card, PageHeader, PlainLabel
from knowledge.redact import COVERS, PLACEHOLDER_SHOWN, placeholder_counts, redaction_line
from knowledge.vocab import ReportKind

_FIRST_HEADER = re.compile(r"(<table>\s*<thead>\s*<tr>\s*)<th([ >])")


def preview_html(html: str) -> str:
    """The report's HTML adjusted for Qt's rich-text engine, which sizes table columns evenly: the first
    column (organisation or action names) gets a fixed share so names wrap at words, not letters."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # the export's CSS is for browsers
    # 99%, not auto: Qt's table layout otherwise overflows by a pixel and shows a sideways scrollbar.
    html = _FIRST_HEADER.sub(r'\1<th width="26%"\2', html)
    return html.replace("<table>", '<table width="99%">')


# Headings use named sizes: Qt adds a heading's own size step to a size given in points (15pt showed as 20).
# What the preview uses instead of the export's browser CSS (Qt's rich text understands this subset).
PREVIEW_CSS = """
h1 { font-size: x-large; color: #1f2933; }
h2 { font-size: large; color: #1f2933; margin-top: 14px; }
h3 { font-size: medium; }
table { border-collapse: collapse; margin-top: 6px; margin-bottom: 6px; }
th { background-color: #eef2f7; font-weight: 600; }
th, td { border: 1px solid #d0d7de; padding: 2px 4px; font-size: 8.5pt; }
blockquote { color: #374151; margin-left: 12px; }
em { color: #616e7c; }
"""

# The same for the dark palette: the light colours would put dark headings on a dark page.
PREVIEW_CSS_DARK = (
    PREVIEW_CSS.replace("#1f2933", "#f0f2f5")
    .replace("#eef2f7", "#2d343d")
    .replace("#d0d7de", "#3a424d")
    .replace("#374151", "#c9ced6")
    .replace("#616e7c", "#9aa5b1")
)


_TAG = re.compile(r"(<[^>]*>)")
# Marked placeholders: amber on the light theme, a dark amber on the dark one (text stays readable).
_MARK = {False: ("#fde68a", "#1f2933"), True: ("#7a5c12", "#fff7e0")}


def mark_redactions(html: str, dark: bool = False) -> str:
    """The preview's HTML with every redaction placeholder highlighted; only text between tags is touched,
    so an attribute that happens to hold one stays as it is."""
    background, colour = _MARK[dark]
    span = f'<span style="background-color:{background}; color:{colour}">\\g<0></span>'
    parts = _TAG.split(html)
    return "".join(part if part.startswith("<") else PLACEHOLDER_SHOWN.sub(span, part) for part in parts)


def _dark() -> bool:
    app = QGuiApplication.instance()
    return bool(app is not None and app.property("roundtable_dark"))


def preview_css() -> str:
    """The preview's stylesheet for the theme the application is using now."""
    return PREVIEW_CSS_DARK if _dark() else PREVIEW_CSS


def report_kinds() -> list[Any]:
    """The registered report kinds, those about the whole workspace (the briefing pack) first."""
    from knowledge import reports

    return sorted(reports.specs(), key=lambda spec: spec.target is not None)


class ReportsPage(Page):
    previewReady = Signal(str)  # the markdown shown
    saved = Signal(str)  # path written

    def __init__(self, window: Any):
        super().__init__(window)
        self.markdown = ""
        self.html = ""
        self._seq = 0
        self.header = PageHeader("Reports", "Markdown summaries with citations, ready to circulate")
        self.layout_.addWidget(self.header)

        body = QHBoxLayout()
        body.setSpacing(16)
        controls = Card("Choose a report")
        controls.setFixedWidth(244)
        self.kind = QComboBox()
        for spec in report_kinds():
            self.kind.addItem(spec.label, spec.kind.value)
        self.target = QComboBox()
        self.target_label = QLabel("Report on")
        self.redact = QCheckBox("Redact personal data")
        self.redact.setToolTip(f"Replace {COVERS}")
        self.target_label.setObjectName("muted")
        for combo in (self.kind, self.target):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        controls.add(self.kind)
        controls.add(self.target_label)
        controls.add(self.target)
        controls.add(self.redact)
        note = QLabel("Redaction changes only the exported text; the stored data stays as it is.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        controls.add(note)
        self.save_md = QPushButton("Save as Markdown…")
        self.save_md.setObjectName("primaryButton")
        self.save_html = QPushButton("Save as HTML…")
        self.copy = QPushButton("Copy markdown")
        self.save_md.clicked.connect(lambda: self.save_dialog("md"))
        self.save_html.clicked.connect(lambda: self.save_dialog("html"))
        self.copy.clicked.connect(self.copy_markdown)
        for b in (self.save_md, self.save_html, self.copy):
            controls.add(b)
        self.status = PlainLabel()  # error messages quote names as typed
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        controls.add(self.status)
        controls.layout_.addStretch(1)

        preview = QWidget()
        p = QVBoxLayout(preview)
        p.setContentsMargins(0, 0, 0, 0)
        # Above the preview when redacting: how many items of each kind are marked in it.
        self.redaction_note = PlainLabel()
        self.redaction_note.setObjectName("muted")
        self.redaction_note.setWordWrap(True)
        self.redaction_note.hide()
        p.addWidget(self.redaction_note)
        self.preview = QTextBrowser()
        self.preview.setOpenExternalLinks(False)
        self.preview.document().setDefaultStyleSheet(preview_css())
        # Qt's default also breaks inside words ("plann-ed") when a table column is narrow.
        self.preview.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        p.addWidget(self.preview)
        body.addWidget(controls, 0, Qt.AlignmentFlag.AlignTop)
        body.addWidget(preview, 1)
        self.layout_.addLayout(body, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.render)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.target.currentIndexChanged.connect(lambda _: self._debounce.start())
        self.redact.toggled.connect(lambda _: self._debounce.start())

    def refresh(self) -> None:
        super().refresh()
        self._kind_changed()

    def _spec(self) -> Any:
        from knowledge import reports

        return reports.get(self.kind.currentData())

    def _kind_changed(self) -> None:
        spec = self._spec()
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        for label, value in spec.targets(self.db) if spec.targets else []:
            self.target.addItem(label, value)
        index = self.target.findData(current)
        self.target.setCurrentIndex(max(index, 0))
        self.target.blockSignals(False)
        visible = spec.target is not None
        self.target.setVisible(visible)
        self.target_label.setVisible(visible)
        self._debounce.start()

    def show_item(
        self, kind: str | None = None, target: Any = None, redact: bool | None = None, **_: Any
    ) -> None:
        if kind:
            self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
            self._kind_changed()
        if target is not None:
            self.target.setCurrentIndex(max(self.target.findData(target), 0))
        if redact is not None:
            self.redact.setChecked(redact)
        self._debounce.start()

    def render(self) -> Any:
        """Build the report on a worker; the preview shows it when ready."""
        self._debounce.stop()
        kind = self.kind.currentData()
        target = self.target.currentData()
        if self._spec().target is not None and target is None:
            self.preview.setHtml("<p style='color:#7b8794'>Nothing to report on yet.</p>")
            return None
        redact = self.redact.isChecked()
        self._seq += 1
        seq = self._seq
        self.status.setText("Building the report…")

        def done(answer: tuple[str, str]) -> None:
            if seq != self._seq:
                return
            self.markdown, self.html = answer
            self.preview.document().setDefaultStyleSheet(preview_css())  # the theme may have changed
            shown = preview_html(self.html)
            if redact:
                shown = mark_redactions(shown, _dark())
                self.redaction_note.setText(redaction_line(placeholder_counts(self.markdown)))
            self.redaction_note.setVisible(redact)
            self.preview.setHtml(shown)
            self.status.setText(f"{len(self.markdown.split()):,} words" + (" · redacted" if redact else ""))
            self.previewReady.emit(self.markdown)

        return self.window_.run_op(
            lambda db, job: report_ops.render_report(db, self.window_.db_path, kind, target, redact),
            write=False,
            on_done=done,
            on_error=lambda m: self.status.setText(f"Could not build the report: {m}"),
        )

    def save_dialog(self, fmt: str) -> None:
        if not self.markdown:
            return
        suffix = "md" if fmt == "md" else "html"
        name = f"{self.kind.currentData()}-report.{suffix}"
        start = str(Path(str(self.window_.settings.value("last_export_dir", str(Path.home())))) / name)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save report", start, "Markdown (*.md)" if fmt == "md" else "HTML (*.html)"
        )
        if path:
            self.window_.settings.setValue("last_export_dir", str(Path(path).parent))
            self.save(path, fmt)

    def save(self, path: str | Path, fmt: str = "md") -> Any:
        """Write the previewed report (markdown or its HTML) on a worker."""
        text = self.markdown if fmt == "md" else self.html
        return self.window_.run_op(
            lambda db, job: report_ops.write_text(str(path), text),
            write=False,
            on_done=lambda p: (self.window_.show_message(f"Report saved to {p}"), self.saved.emit(p)),
            on_error=lambda m: self.window_.show_error("Could not save the report", m),
        )

    def copy_markdown(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown)
        self.window_.show_message("Report copied to the clipboard as markdown.")

    def prepare_screenshot(self) -> None:
        self.refresh()
        self.kind.setCurrentIndex(self.kind.findData(ReportKind.BRIEFING.value))
        self.render()
