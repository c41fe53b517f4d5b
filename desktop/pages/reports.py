"""Reports page: choose a report, toggle redaction, live preview, save as markdown, HTML, Word, PDF, Excel."""

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
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import exporters
from desktop.operations import reports as report_ops
from desktop.pages import Page
from desktop.style import color
from desktop.widgets.common import Card, PageHeader, PlainLabel
from desktop.widgets.sets import SetSwitcher
from desktop.widgets.settings_dialog import REDACT_KEY, export_folder, setting_bool
from knowledge.redact import COVERS, PLACEHOLDER_SHOWN, placeholder_counts, redaction_line
from knowledge.vocab import ReportKind

_FIRST_HEADER = re.compile(r"(<table>\s*<thead>\s*<tr>\s*)<th([ >])")


def first_column_width(view_width: int) -> int:
    """Pixels for a preview table's first column (organisation or action names) in a view this wide."""
    return max(110, min(300, int(view_width * 0.24)))


def preview_html(html: str, first_width: int | None = None) -> str:
    """The report's HTML adjusted for Qt's rich-text engine, which sizes table columns evenly: the first
    column (organisation or action names) gets a fixed share so names wrap at words, not letters.

    `first_width` gives that share in pixels: with the preview's word-only wrapping (no "plann-ed") Qt
    ignores a percentage, and names wrapped to one word a line ("Royal College / of / Radiologists")."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # the export's CSS is for browsers
    width = str(first_width) if first_width else "26%"
    html = _FIRST_HEADER.sub(rf'\1<th width="{width}"\2', html)
    # 99%, not auto: Qt's table layout otherwise overflows by a pixel and shows a sideways scrollbar.
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


class _PreviewBrowser(QTextBrowser):
    """The preview; says when its width changed (its tables' first column follows)."""

    resized = Signal()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.resized.emit()


class ReportsPage(Page):
    previewReady = Signal(str)  # the markdown shown
    saved = Signal(str)  # path written
    verified = Signal(object)  # the knowledge.verify.VerifyReport of a saved report checked

    def __init__(self, window: Any):
        super().__init__(window)
        self.markdown = ""
        self.html = ""
        self.built: tuple[Any, Any, bool] = (None, None, False)  # kind, target, redact of the preview
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
        self.redact.setChecked(setting_bool(window.settings, REDACT_KEY))  # Settings: redaction by default
        self.target_label.setObjectName("muted")
        for combo in (self.kind, self.target):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
            # The card is narrow; the open list is not, so every item is read whole there.
            combo.view().setMinimumWidth(420)
            combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
            combo.setAccessibleName("Report kind" if combo is self.kind else "Report on")
        controls.add(self.kind)
        # A recommendation report is about one set's recommendation; the other kinds cover every set.
        self.set_switcher = SetSwitcher(window)
        self.set_switcher.setChanged.connect(lambda _: self._kind_changed())
        controls.add(self.set_switcher)
        controls.add(self.target_label)
        controls.add(self.target)
        controls.add(self.redact)
        note = QLabel("Redaction changes only the exported text; the stored data stays as it is.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        controls.add(note)
        controls.add(self._save_buttons())
        self.copy = QPushButton("Copy markdown")
        self.copy.clicked.connect(self.copy_markdown)
        controls.add(self.copy)
        self.verify = QPushButton("Verify a saved report…")
        self.verify.setToolTip("Check that every quote of a saved markdown or HTML report matches its source")
        self.verify.clicked.connect(self.verify_dialog)
        controls.add(self.verify)
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
        self.preview = _PreviewBrowser()
        self.preview.setOpenExternalLinks(False)
        self.preview.document().setDefaultStyleSheet(preview_css())
        # Qt's default also breaks inside words ("plann-ed") when a table column is narrow.
        self.preview.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self._shown_width = 0
        self.preview.resized.connect(self._preview_resized)
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

    def _save_buttons(self) -> QWidget:
        """'Save as' and a button per format of the exporter registry, two to a row."""
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setSpacing(6)
        caption = QLabel("Save as")
        caption.setObjectName("muted")
        grid.addWidget(caption, 0, 0, 1, 2)
        self.save_buttons: dict[str, QPushButton] = {}
        for i, exporter in enumerate(exporters.exporters()):
            button = QPushButton(exporter.label.split()[0] + "…")  # "Word document" -> "Word…"
            button.setToolTip(f"Save the report as {exporter.file_filter}")
            button.clicked.connect(lambda _=False, name=exporter.name: self.save_dialog(name))
            grid.addWidget(button, 1 + i // 2, i % 2)
            self.save_buttons[exporter.name] = button
        self.save_md, self.save_html = self.save_buttons["md"], self.save_buttons["html"]
        self.save_md.setObjectName("primaryButton")
        return box

    def refresh(self) -> None:
        super().refresh()
        self._kind_changed()

    def _spec(self) -> Any:
        from knowledge import reports

        return reports.get(self.kind.currentData())

    def _set_slug(self) -> str | None:
        """The set a report of this kind is about, when the kind takes one (recommendation, briefing...)."""
        return self.set_switcher.slug() if "set_slug" in self._spec().options else None

    def _kind_changed(self) -> None:
        spec = self._spec()
        self.set_switcher.fill(self.db)
        if "set_slug" not in spec.options:
            self.set_switcher.hide()
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        for label, value in spec.target_choices(self.db, self._set_slug()):
            self.target.addItem(label, value)
        index = self.target.findData(current)
        self.target.setCurrentIndex(max(index, 0))
        self.target.blockSignals(False)
        visible = spec.target is not None
        self.target.setVisible(visible)
        self.target_label.setVisible(visible)
        for exporter in exporters.exporters():  # Excel only for the reports that have a spreadsheet form
            self.save_buttons[exporter.name].setEnabled(not exporter.workbook or spec.workbook is not None)
        self._debounce.start()

    def show_item(
        self,
        kind: str | None = None,
        target: Any = None,
        redact: bool | None = None,
        set_slug: str | None = None,
        **_: Any,
    ) -> None:
        if set_slug:
            self.window_.set_slug = set_slug  # the switcher shows it when the kind is filled in
            self._kind_changed()
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
            self.preview.setHtml(f"<p style='color:{color('muted')}'>Nothing to report on yet.</p>")
            return None
        redact = self.redact.isChecked()
        set_slug = self._set_slug()
        self._seq += 1
        seq = self._seq
        self.status.setText("Building the report…")

        def done(answer: tuple[str, str]) -> None:
            if seq != self._seq:
                return
            self.markdown, self.html = answer
            self.built = (kind, target, redact)  # what a save writes: the report as previewed
            self.preview.document().setDefaultStyleSheet(preview_css())  # the theme may have changed
            if redact:
                self.redaction_note.setText(redaction_line(placeholder_counts(self.markdown)))
            self.redaction_note.setVisible(redact)
            self._show_preview()
            self.status.setText(f"{len(self.markdown.split()):,} words" + (" · redacted" if redact else ""))
            self.previewReady.emit(self.markdown)

        return self.window_.run_op(
            lambda db, job: report_ops.render_report(
                db, self.window_.db_path, kind, target, redact, set_slug=set_slug
            ),
            write=False,
            on_done=done,
            on_error=lambda m: self.status.setText(f"Could not build the report: {m}"),
        )

    def save_dialog(self, fmt: str) -> None:
        if not self.markdown:
            return
        exporter = exporters.get(fmt)
        # A redacted copy says so in its name: it is the one that may be circulated.
        redacted = "-redacted" if self.built[2] else ""
        name = f"{self.kind.currentData()}-report{redacted}{exporter.suffix}"
        start = str(Path(export_folder(self.window_.settings)) / name)
        path, _ = QFileDialog.getSaveFileName(self, "Save report", start, exporter.file_filter)
        if path:
            self.window_.settings.setValue("last_export_dir", str(Path(path).parent))
            self.save(path, fmt)

    def save(self, path: str | Path, fmt: str = "md") -> Any:
        """Write the previewed report in a format of desktop.exporters ('md', 'html', 'docx', 'pdf',
        'xlsx') on a worker: Word and PDF from the same HTML as the preview, Excel from the database."""
        markdown, html = self.markdown, self.html
        kind, target, redact = self.built

        def work(db: Any, job: Any) -> Any:
            return report_ops.save_report(
                db, path, fmt, markdown=markdown, html=html, kind=kind, target=target, redact=redact
            )

        return self.window_.run_op(
            work,
            write=False,
            on_done=lambda p: (self.window_.show_message(f"Report saved to {p}"), self.saved.emit(p)),
            on_error=lambda m: self.window_.show_error("Could not save the report", m),
        )

    def verify_dialog(self) -> None:
        start = str(self.window_.settings.value("last_export_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Verify a saved report", start, "Reports (*.md *.html *.htm);;All files (*)"
        )
        if path:
            self.verify_saved(path)

    def verify_saved(self, path: str | Path) -> Any:
        """Check a saved report's citations against the database on a worker; say what was found."""

        def done(report: Any) -> None:
            if report.ok:
                self.window_.show_message(report.summary())
            else:
                name = Path(report.path).name
                lines = [report.summary(), "", *(f.line(name) for f in report.problems)]
                self.window_.show_error("Citations that do not match their sources", "\n".join(lines))
            self.verified.emit(report)

        return self.window_.run_op(
            lambda db, job: report_ops.verify_saved_report(db, str(path)),
            write=False,
            on_done=done,
            on_error=lambda m: self.window_.show_error("Could not verify the report", m),
        )

    def copy_markdown(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown)
        self.window_.show_message("Report copied to the clipboard as markdown.")

    def _show_preview(self) -> None:
        """The built report in the preview, its tables' first column sized for the preview's width."""
        width = first_column_width(self.preview.viewport().width())
        self._shown_width = width
        shown = preview_html(self.html, width)
        if self.built[2]:  # redacted
            shown = mark_redactions(shown, _dark())
        scroll = self.preview.verticalScrollBar().value()
        self.preview.setHtml(shown)
        self.preview.verticalScrollBar().setValue(scroll)

    def _preview_resized(self) -> None:
        # A wider or narrower window: the names' column follows (from the built HTML, no rebuild).
        if self.html and abs(first_column_width(self.preview.viewport().width()) - self._shown_width) >= 16:
            self._show_preview()

    def prepare_screenshot(self) -> None:
        self.refresh()
        self.kind.setCurrentIndex(self.kind.findData(ReportKind.BRIEFING.value))
        self.render()
