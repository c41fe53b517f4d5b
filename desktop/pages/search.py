"""Search page: query box, mode switch, filters, highlighted results and the passage in its context."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QWidget,
)

from desktop.operations import library as library_ops
from desktop.operations import tracking
from desktop.operations.changes import Changes
from desktop.pages import Page
from desktop.style import KIND_LABELS
from desktop.widgets.common import (
    HtmlDelegate,
    PageHeader,
    PlainLabel,
    ReaderPane,
    html_escape,
    side_by_side,
)

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
MODES = [("hybrid", "Hybrid"), ("semantic", "By meaning"), ("keyword", "Keyword")]
SCREENSHOT_QUERY = "procurement"
QUERY_SHOWN = 80  # characters of the query quoted above the results: a pasted page must not widen the window
MARK_OPEN = "<span style='background-color:#ffe58a; color:#1f2933; font-weight:600'>"
PLACEHOLDER = 'Search the library: who carries the risk?  "exact phrase"  -exclude  synth*  a OR b  a AND b'
SYNTAX_TIP = (
    "<b>Search syntax</b><br>"
    "plain words: ranked by meaning and by keyword<br>"
    '<code>"exact phrase"</code>: the words together, in order<br>'
    "<code>-word</code> or <code>NOT word</code>: leave out passages containing it (every mode)<br>"
    "<code>synth*</code>: any word starting with it<br>"
    "<code>a OR b</code>: either; <code>a AND b</code>: both; <code>( )</code> to group<br>"
    "Only upper-case AND, OR, NOT are operators."
)
RELEVANCE_STYLE = {"high": ("High", "#1e7b4f"), "medium": ("Medium", "#9a6700"), "low": ("Low", "#7b8794")}


def relevance_label(hit: Any) -> str:
    """High / Medium / Low: what the window shows instead of a raw score."""
    return RELEVANCE_STYLE.get(str(getattr(hit, "relevance", "") or "low"), RELEVANCE_STYLE["low"])[0]


def relevance_html(hit: Any) -> str:
    label, colour = RELEVANCE_STYLE.get(str(getattr(hit, "relevance", "") or "low"), RELEVANCE_STYLE["low"])
    return f"<span style='color:{colour}; font-weight:600'>{label}</span>"


def date_problem(text: str) -> str | None:
    """Why a filter date is not one (None when it is empty or a real YYYY[-MM[-DD]] date)."""
    import re
    from datetime import date

    text = text.strip()
    if not text:
        return None
    text = _iso_or_text(text)
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        year, month, day = (text.split("-") + ["01", "01"])[:3]
        try:
            date(int(year), int(month), int(day))
            return None
        except ValueError:
            pass
    return f"“{text}” is not a date (e.g. 28/02/2027, 28 Feb 2027, 2027-02-28 or 2027)"


def _iso_or_text(text: str) -> str:
    """A typed date filter as ISO when it is one in any written form; otherwise as typed (then refused)."""
    from desktop.widgets.dates import filter_date

    try:
        return filter_date(text) or ""
    except ValueError:
        return text.strip()


def snippet_html(hit: Any) -> str:
    """The hit's snippet with the matching words highlighted."""
    snippet = getattr(hit, "snippet", "") or ""
    try:
        from indexes.search import snippet_to_html

        html = snippet_to_html(snippet)
    except ImportError:
        return html_escape(snippet)
    # Qt's rich text has no <mark>: the same highlight as a styled span.
    return html.replace("<mark>", MARK_OPEN).replace("</mark>", "</span>")


def citation(hit: Any) -> str:
    """A citation someone can paste into a paper: quote, title, page, date."""
    text = " ".join((getattr(hit, "text", "") or "").split())
    if len(text) > 300:
        text = text[:297].rsplit(" ", 1)[0] + "…"
    where = hit.title or "Untitled"
    if getattr(hit, "page", None):
        where += f", p. {hit.page}"
    if getattr(hit, "date", None):
        where += f" ({hit.date})"
    return f"“{text}” — {where}"


class LinkEvidenceDialog(QDialog):
    """Choose the recommendation (or action) a passage is evidence for."""

    def __init__(self, db: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Link as evidence")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.target = QComboBox()
        from knowledge.actions.queries import action_choices
        from knowledge.codebook import list_recommendations

        for rec in list_recommendations(db):
            self.target.addItem(f"Recommendation {rec.number}: {rec.title}", ("recommendation", rec.id))
        for action in action_choices(db):
            label = f"Action #{action['id']} ({action['name'] or 'no organisation'}): {action['text'][:70]}"
            self.target.addItem(label, ("action", action["id"]))
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional note: why this passage matters")
        form.addRow("Evidence for", self.target)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SearchPage(Page):
    shows = Changes(organisations=True, roundtables=True)  # the filter lists; results are re-run by hand

    def __init__(self, window: Any):
        super().__init__(window)
        self._seq = 0
        self.last_result: Any = None
        self.current_hit: Any = None
        self.header = PageHeader("Search", "Find evidence by meaning or by keyword across every document")
        self.layout_.addWidget(self.header)
        self.layout_.addLayout(self._build_query_row())
        self.layout_.addLayout(self._build_filters())
        self.info = PlainLabel()  # quotes the query and error messages as typed
        self.info.setObjectName("muted")
        self.nearest_button = QPushButton("Show the nearest passages")
        self.nearest_button.setVisible(False)
        self.nearest_button.clicked.connect(self.show_nearest)
        info_row = QHBoxLayout()
        info_row.addWidget(self.info, 1)
        info_row.addWidget(self.nearest_button)
        self.layout_.addLayout(info_row)
        self._build_results()
        self.layout_.addWidget(side_by_side(self.results, self._build_reader(), (1, 1), (540, 500)), 1)
        self._connect_signals()

    def _build_query_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setObjectName("searchBox")
        self.query.setPlaceholderText(PLACEHOLDER)
        self.query.setToolTip(SYNTAX_TIP)
        self.query.setClearButtonEnabled(True)
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.search_button = QPushButton("Search")
        self.search_button.setObjectName("primaryButton")
        row.addWidget(self.query, 1)
        row.addWidget(self.mode)
        row.addWidget(self.search_button)
        return row

    def _build_filters(self) -> QHBoxLayout:
        filters = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.addItem("Any kind", "")
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.date_from = QLineEdit()
        self.date_from.setPlaceholderText("From, e.g. 01/06/2024")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("To, e.g. 2024-06-30")
        for box in (self.date_from, self.date_to):
            box.setFixedWidth(150)
        self.organisation = QComboBox()
        self.organisation.setMinimumWidth(180)
        self.roundtable = QComboBox()
        self.roundtable.setMinimumWidth(160)
        for combo in (self.organisation, self.roundtable):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18)
        for widget in (self.kind, self.date_from, self.date_to):
            filters.addWidget(widget)
        filters.addWidget(self.organisation, 1)
        filters.addWidget(self.roundtable, 1)
        return filters

    def _build_results(self) -> None:
        self.results_model = QStandardItemModel(self)
        self.results = QListView()
        self.results.setModel(self.results_model)
        self.results.setItemDelegate(HtmlDelegate(self.results))
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setUniformItemSizes(False)
        self.results.setWordWrap(True)
        self.results.selectionModel().currentChanged.connect(
            lambda current, _prev: self.open_hit(current.row())
        )

    def _build_reader(self) -> ReaderPane:
        self.copy_button = QPushButton("Copy citation")
        self.copy_button.clicked.connect(self.copy_citation)
        self.link_button = QPushButton("Link as evidence…")
        self.link_button.clicked.connect(self.link_dialog)
        self.open_button = QPushButton("Open document")
        self.open_button.clicked.connect(self.open_document)
        for b in (self.copy_button, self.link_button, self.open_button):
            b.setEnabled(False)
        reader = ReaderPane(
            "Select a result to read it in context", [self.copy_button, self.link_button, self.open_button]
        )
        self.passage_title, self.passage_meta, self.context = reader.title, reader.meta, reader.browser
        return reader

    def _connect_signals(self) -> None:
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(250)
        self._typing.timeout.connect(self.run_search)
        self.query.textChanged.connect(self._text_changed)
        self.query.returnPressed.connect(self.run_search)
        self.search_button.clicked.connect(self.run_search)
        # A changed mode or filter re-runs the search only when there is something to search for.
        self.mode.currentIndexChanged.connect(
            lambda _: self.run_search() if self.query.text().strip() else None
        )
        for combo in (self.kind, self.organisation, self.roundtable):
            combo.currentIndexChanged.connect(
                lambda _: self.run_search() if self.query.text().strip() else None
            )
        for box in (self.date_from, self.date_to):
            box.editingFinished.connect(lambda: self.run_search() if self.query.text().strip() else None)

    def focus_query(self) -> None:
        self.query.setFocus()
        self.query.selectAll()

    def refresh(self) -> None:
        from knowledge.organisations import list_organisations
        from knowledge.roundtables import roundtable_choices

        super().refresh()
        self._fill_combo(
            self.organisation,
            "Any organisation",
            [(r["name"], r["name"]) for r in list_organisations(self.db)],
        )
        self._fill_combo(
            self.roundtable,
            "Any roundtable",
            [(r["title"], r["id"]) for r in roundtable_choices(self.db)],
        )

    @staticmethod
    def _fill_combo(combo: QComboBox, any_label: str, items: list[tuple[str, Any]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(any_label, None)
        for label, value in items:
            combo.addItem(label, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    # -- searching ---------------------------------------------------------------------------------
    def _text_changed(self, text: str) -> None:
        if self.mode.currentData() == "keyword":
            self._typing.start()  # search as you type, after a short pause
        elif not text.strip():
            self._clear()

    def filters(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.kind.currentData():
            out["kinds"] = [self.kind.currentData()]
        if self.date_from.text().strip():  # 28/02/2027 and 28 Feb 2027 read as 2027-02-28
            out["date_from"] = _iso_or_text(self.date_from.text())
        if self.date_to.text().strip():
            out["date_to"] = _iso_or_text(self.date_to.text())
        if self.organisation.currentData():
            out["organisation"] = self.organisation.currentData()
        if self.roundtable.currentData():
            out["roundtable_id"] = self.roundtable.currentData()
        return out

    def effective_mode(self) -> tuple[str, str]:
        """The mode to run and a note when it differs (the model is still loading or unavailable)."""
        mode = self.mode.currentData()
        if mode != "keyword" and self.window_.model_state != "ready":
            state = self.window_.model_state
            why = "is still loading" if state == "loading" else "is not available"
            return "keyword", f"The embedding model {why}: showing keyword results."
        return mode, ""

    def run_search(self, query: str | None = None, mode: str | None = None) -> Any:
        """Start a search on a reader thread; answers to superseded queries are dropped."""
        self._typing.stop()
        if query is not None:
            self.query.blockSignals(True)
            self.query.setText(query)
            self.query.blockSignals(False)
        if mode is not None:
            self.mode.blockSignals(True)
            self.mode.setCurrentIndex(max(self.mode.findData(mode), 0))
            self.mode.blockSignals(False)
        text = self.query.text().strip()
        if not text:
            self._clear()
            return None
        problem = date_problem(self.date_from.text()) or date_problem(self.date_to.text())
        if problem:
            self._clear()
            self.info.setText(problem)
            return None
        run_mode, note = self.effective_mode()
        self._seq += 1
        request = library_ops.SearchRequest(query=text, mode=run_mode, filters=self.filters(), seq=self._seq)
        self._note = note
        self.info.setText("Searching…")
        embedder = self.window_.embedder if run_mode != "keyword" else None
        db_path = self.window_.db_path
        return self.window_.workers.read(
            lambda db, job: library_ops.search(db, db_path, request, embedder),
            label="search",
            on_done=self._search_done,
            on_error=lambda m: self.info.setText(f"Search failed: {m}"),
        )

    def _search_done(self, answer: tuple[int, Any]) -> None:
        seq, result = answer
        if seq != self._seq:
            return
        self.show_result(result)
        self.window_.searchFinished.emit(result)

    def show_result(self, result: Any, hits: list[Any] | None = None) -> None:
        self.last_result = result
        self.results_model.clear()
        shown = result.hits if hits is None else hits
        for hit in shown:
            where = html_escape(hit.title or "Untitled")
            details = [KIND_LABELS.get(hit.kind or "", hit.kind or "")]
            if hit.page:
                details.append(f"page {hit.page}")
            if hit.date:
                details.append(str(hit.date))
            if getattr(hit, "section", None):
                details.append(hit.section)
            detail = html_escape(" · ".join(d for d in details if d))
            html = (
                f"<b>{where}</b><br>{relevance_html(hit)} <span style='color:#7b8794'>· {detail}</span>"
                f"<br>{snippet_html(hit)}"
            )
            item = QStandardItem(html)
            item.setData(hit, HIT_ROLE)
            self.results_model.appendRow(item)
        notes = [
            n for n in (self._note if hasattr(self, "_note") else "", getattr(result, "warning", "")) if n
        ]
        query = result.query if len(result.query) <= QUERY_SHOWN else result.query[: QUERY_SHOWN - 1] + "…"
        no_close = bool(getattr(result, "no_close_match", False))
        if no_close and hits is not None:
            count = f"No close match for “{query}” ({result.mode}); the nearest passages"
        elif no_close:
            count = f"No close match for “{query}” ({result.mode})"
        else:
            count = f"{len(result.hits)} result(s) for “{query}” ({result.mode})"
        self.info.setText(" · ".join([count, *notes]))
        self.nearest_button.setVisible(no_close and hits is None and bool(getattr(result, "nearest", None)))
        if shown:
            self.results.setCurrentIndex(self.results_model.index(0, 0))
        else:
            self._show_passage(None)

    def show_nearest(self) -> None:
        """After "no close match": the nearest few passages, marked as such."""
        if self.last_result is not None:
            self.show_result(self.last_result, list(getattr(self.last_result, "nearest", [])))

    def _clear(self) -> None:
        self.results_model.clear()
        self.info.clear()
        self.nearest_button.setVisible(False)
        self._show_passage(None)

    # -- one result --------------------------------------------------------------------------------
    def open_hit(self, row: int) -> None:
        if row < 0 or row >= self.results_model.rowCount():
            return
        self._show_passage(self.results_model.item(row).data(HIT_ROLE))

    def _show_passage(self, hit: Any) -> None:
        self.current_hit = hit
        for b in (self.copy_button, self.link_button, self.open_button):
            b.setEnabled(hit is not None)
        if hit is None:
            self.passage_title.setText("Select a result to read it in context")
            self.passage_meta.clear()
            self.context.clear()
            return
        self.passage_title.setText(hit.title or "Untitled")
        meta = [KIND_LABELS.get(hit.kind or "", hit.kind or "")]
        if hit.page:
            meta.append(f"page {hit.page}")
        if hit.date:
            meta.append(str(hit.date))
        meta.append(f"relevance {relevance_label(hit)}")
        self.passage_meta.setText(" · ".join(m for m in meta if m))
        self.context.setHtml(self.context_html(hit))
        self.context.scrollToAnchor("hit")

    def context_html(self, hit: Any) -> str:
        """The passage with the two before and after it in the same document; the hit is marked."""
        from knowledge.library import passage_context

        around = passage_context(self.db, hit.passage_id)
        if not around:
            return f"<p>{html_escape(hit.text)}</p>"
        parts = []
        for p in around:
            text = html_escape(p["text"])
            if p["id"] == hit.passage_id:
                parts.append(
                    "<a name='hit'></a><table width='100%' cellpadding='8' style='background:#fff4c2;"
                    f"color:#1f2933'><tr><td>{text}</td></tr></table>"
                )
            else:
                parts.append(f"<p style='color:#7b8794'>{text}</p>")
        return "".join(parts)

    def copy_citation(self) -> str:
        if self.current_hit is None:
            return ""
        text = citation(self.current_hit)
        QGuiApplication.clipboard().setText(text)
        self.window_.show_message("Citation copied to the clipboard.")
        return text

    def open_document(self) -> None:
        if self.current_hit is not None:
            hit = self.current_hit  # the library selects this passage in the document, not its top
            self.window_.go_to("library", document_id=hit.document_id, passage_id=hit.passage_id)

    def link_dialog(self) -> None:
        if self.current_hit is None:
            return
        dialog = LinkEvidenceDialog(self.db, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.target.currentData():
            self.link_current(dialog.target.currentData(), dialog.note.text().strip() or None)

    def link_current(self, target: tuple[str, int], note: str | None = None) -> Any:
        passage_id = self.current_hit.passage_id
        return self.window_.run_op(
            lambda db, job: tracking.link_evidence(db, passage_id, target, note),
            on_done=lambda _: self.window_.show_message("Linked as evidence."),
            on_error=lambda m: self.window_.show_error("Could not link the passage", m),
        )

    # -- screenshot --------------------------------------------------------------------------------
    def prepare_screenshot(self) -> None:
        self.refresh()
        self.mode.setCurrentIndex(self.mode.findData("keyword"))
        self.run_search(SCREENSHOT_QUERY, "keyword")
