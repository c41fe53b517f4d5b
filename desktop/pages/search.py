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
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
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
    tooltip_text,
)
from desktop.widgets.dates import display_date

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
MODES = [("hybrid", "Hybrid"), ("semantic", "By meaning"), ("keyword", "Keyword")]
SCREENSHOT_QUERY = "procurement"
QUERY_SHOWN = 80  # characters of the query quoted above the results: a pasted page must not widen the window
MARK_OPEN = "<span style='background-color:#ffe58a; color:#1f2933; font-weight:600'>"
PLACEHOLDER = 'Search the library: who carries the risk?  "exact phrase"  -exclude  synth*  a OR b  a AND b'
# For a narrow box (1024 px): the syntax is in the tooltip and the hint under the box.
PLACEHOLDER_SHORT = "Search the library: who carries the risk?"
SYNTAX_TIP = (
    "<b>Search syntax</b><br>"
    "plain words: ranked by meaning and by keyword<br>"
    '<code>"exact phrase"</code>: the words together, in order<br>'
    "<code>-word</code> or <code>NOT word</code>: leave out passages containing it (every mode)<br>"
    "<code>synth*</code>: any word starting with it<br>"
    "<code>a OR b</code>: either; <code>a AND b</code>: both; <code>( )</code> to group<br>"
    "Only upper-case AND, OR, NOT are operators."
)
# What the results pane says when it has no results to show (instead of two blank panes).
HINT_START = "Type a question or keywords above, then press Enter"
HINT_START_MORE = (
    'Plain words are ranked by meaning and by keyword; "quotes" find a phrase, -word leaves one out.'
)
HINT_CONTEXT = "Select a result to read the passage in its context."
CONTEXT_HEADING = "Passage in context"
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
        where += f" ({display_date(hit.date)})"
    return f"“{text}” — {where}"


TARGET_ROLE = Qt.ItemDataRole.UserRole + 2  # ("recommendation" | "action", id) on a choosable row


class WrappingTreeDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped to the tree's width: QTreeView sizes rows for one line (and
    elides the rest) however word-wrapped it is told to be."""

    def sizeHint(self, option: Any, index: Any) -> Any:  # noqa: N802 (Qt naming)
        from PySide6.QtCore import QRect

        hint = super().sizeHint(option, index)
        view = self.parent()
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = view.viewport().width() - view.indentation() * (depth + 1) - 12
        if width < 80:
            return hint
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        rect = option.fontMetrics.boundingRect(QRect(0, 0, width, 10000), Qt.TextFlag.TextWordWrap, text)
        hint.setHeight(max(hint.height(), rect.height() + 6))
        return hint


class LinkEvidenceDialog(QDialog):
    """Choose the recommendation (or action) a passage is evidence for.

    A tree, not a flat list of ~27 lines cut mid-word: the recommendations, then each organisation with its
    actions; rows wrap to show the whole text (the tooltip holds it too), and a filter narrows the tree.
    """

    def __init__(self, db: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Link as evidence")
        self.setMinimumSize(600, 540)
        layout = QVBoxLayout(self)
        # A label over the tree, not beside it: a form's label column cut it to "Evide".
        self.label = QLabel("This passage is &evidence for:")
        self.label.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by recommendation, organisation or action")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter targets")
        self.filter.textChanged.connect(self._apply_filter)
        self.target = QTreeWidget()
        self.target.setHeaderHidden(True)
        self.target.setWordWrap(True)
        self.target.setUniformRowHeights(False)
        self.target.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.target.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.target.setAccessibleName("Evidence for")
        self.target.setItemDelegate(WrappingTreeDelegate(self.target))
        self.label.setBuddy(self.target)
        self._fill(db)
        self.target.expandAll()
        self.target.currentItemChanged.connect(lambda *_: self._enable_ok())
        self.target.itemDoubleClicked.connect(
            lambda item, _col: self.accept() if item.data(0, TARGET_ROLE) else None
        )
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional note: why this passage matters")
        self.note.setAccessibleName("Note")
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.label)
        layout.addWidget(self.filter)
        layout.addWidget(self.target, 1)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self._enable_ok()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.target.doItemsLayout()  # rows re-wrap to the new width

    def _fill(self, db: Any) -> None:
        from knowledge.actions.queries import action_choices
        from knowledge.codebook import list_recommendations

        recs = QTreeWidgetItem(["Recommendations"])
        self.target.addTopLevelItem(recs)
        for rec in list_recommendations(db):
            self._choice(recs, f"Recommendation {rec.number}: {rec.title}", ("recommendation", rec.id))
        actions = QTreeWidgetItem(["Actions, by organisation"])
        self.target.addTopLevelItem(actions)
        groups: dict[str, QTreeWidgetItem] = {}
        for action in action_choices(db):
            name = action["name"] or "No organisation"
            if name not in groups:
                groups[name] = QTreeWidgetItem(actions, [name])
                groups[name].setToolTip(0, tooltip_text(name))
            self._choice(groups[name], f"#{action['id']} {action['text']}", ("action", action["id"]))
        for group in (recs, actions, *groups.values()):
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: opens and closes, is not a target
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)

    @staticmethod
    def _choice(parent: QTreeWidgetItem, text: str, target: tuple[str, int]) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, TARGET_ROLE, target)
        item.setToolTip(0, tooltip_text(text))
        return item

    def choices(self) -> list[QTreeWidgetItem]:
        """Every row that can be chosen (recommendations and actions), in order."""
        found = []
        stack = [self.target.topLevelItem(i) for i in reversed(range(self.target.topLevelItemCount()))]
        while stack:
            item = stack.pop()
            if item.data(0, TARGET_ROLE):
                found.append(item)
            stack.extend(item.child(i) for i in reversed(range(item.childCount())))
        return found

    def select(self, target: tuple[str, int]) -> bool:
        for item in self.choices():
            if tuple(item.data(0, TARGET_ROLE)) == tuple(target):
                self.target.setCurrentItem(item)
                return True
        return False

    def current_target(self) -> tuple[str, int] | None:
        item = self.target.currentItem()
        data = item.data(0, TARGET_ROLE) if item is not None else None
        return tuple(data) if data else None

    def _enable_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.current_target() is not None)

    def _apply_filter(self, text: str) -> None:
        words = text.lower().split()
        for item in self.choices():
            hay = " ".join([item.text(0), item.parent().text(0) if item.parent() else ""]).lower()
            item.setHidden(not all(w in hay for w in words))
        for i in range(self.target.topLevelItemCount()):  # a heading with nothing left under it goes too
            self._hide_empty(self.target.topLevelItem(i))

    def _hide_empty(self, item: QTreeWidgetItem) -> bool:
        if item.data(0, TARGET_ROLE):
            return not item.isHidden()
        shown = [self._hide_empty(item.child(i)) for i in range(item.childCount())]
        item.setHidden(not any(shown))
        return any(shown)


class _QueryBox(QLineEdit):
    """The search box: the whole syntax line as its placeholder when it fits, else the question alone
    (not one cut off by "…"; the syntax is in the tooltip and under the box)."""

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        room = self.width() - 60  # padding and the clear button
        fits = self.fontMetrics().horizontalAdvance(PLACEHOLDER) <= room
        self.setPlaceholderText(PLACEHOLDER if fits else PLACEHOLDER_SHORT)


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
        self.layout_.addWidget(side_by_side(self.results_stack, self._build_reader(), (1, 1), (540, 500)), 1)
        self._connect_signals()
        self._show_passage(None)  # the reading pane says what it is for before the first search

    def _build_query_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.query = _QueryBox()  # its placeholder follows its width
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
        self.date_from.setPlaceholderText("From 1/6/2024")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("To 30/6/2024")
        for box, name in ((self.date_from, "From date"), (self.date_to, "To date")):
            # As wide as its hint (cut at 150 px before) and no wider: the row must fit at 1024 px.
            box.setFixedWidth(box.fontMetrics().horizontalAdvance(box.placeholderText()) + 40)
            box.setToolTip("A date (28/02/2027, 28 Feb 2027, 2027-02-28), a month (2027-02) or a year")
            box.setAccessibleName(name)
        self.organisation = QComboBox()
        self.roundtable = QComboBox()
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(9)  # "Any kind" closed; the list shows "Roundtable notes" whole
        self.kind.setFixedWidth(self.kind.fontMetrics().horizontalAdvance("Any kind") + 70)
        for combo, least in ((self.organisation, "Any organisation"), (self.roundtable, "Any roundtable")):
            # Long names elide in the closed box (the list shows them whole); the two share the rest, each
            # at least as wide as its "Any ..." (the arrow and the frame take about 48 px).
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.setMinimumWidth(combo.fontMetrics().horizontalAdvance(least) + 52)
        for widget in (self.kind, self.date_from, self.date_to):
            filters.addWidget(widget)
        filters.setSpacing(8)  # every filter in one row at 1024 px, none cut or overlapping
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
        # Before any search and after one that found nothing, a hint takes the list's place.
        self.hint = QLabel()
        self.hint.setObjectName("emptyHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text (html_escape)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMargin(24)
        self.results_stack = QStackedWidget()
        self.results_stack.addWidget(self.hint)
        self.results_stack.addWidget(self.results)
        self._show_hint(HINT_START, HINT_START_MORE)

    def _show_hint(self, text: str, more: str = "") -> None:
        """The results pane shows `text` (and a muted second line) in place of an empty list."""
        from desktop.style import color

        second = f"<p style='color:{color('muted')}'>{html_escape(more)}</p>" if more else ""
        self.hint.setText(f"<p style='font-size:11pt'>{html_escape(text)}</p>{second}")
        self.results_stack.setCurrentWidget(self.hint)

    def hint_text(self) -> str:
        """The hint shown instead of results, as plain text ("" while results are shown)."""
        if self.results_stack.currentWidget() is not self.hint:
            return ""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.hint.text())
        return doc.toPlainText().strip()

    def _empty_hint(self, query: str, mode: str, no_close: bool) -> tuple[str, str]:
        """What to say when a search found nothing, and what to try next."""
        if no_close:
            head = f"No passage is close in meaning to “{query}”"
        else:
            head = f"No passages match “{query}”"
        tries = ["try fewer words"]
        if mode == "keyword" and self.window_.model_state == "ready":
            tries.append("or switch to “By meaning” search")
        elif mode == "keyword":
            tries.append("or the start of a word with * (synth*)")
        else:
            tries.append("or switch to Keyword search")
        if self.filters():
            tries.append("— or clear the filters")
        more = "Show the nearest passages below the search box to see what comes closest." if no_close else ""
        return f"{head} — {' '.join(tries)}", more

    def _build_reader(self) -> ReaderPane:
        self.copy_button = QPushButton("Copy citation")
        self.copy_button.clicked.connect(self.copy_citation)
        self.link_button = QPushButton("Link as evidence…")
        self.link_button.clicked.connect(self.link_dialog)
        self.open_button = QPushButton("Open document")
        self.open_button.clicked.connect(self.open_document)
        for b in (self.copy_button, self.link_button, self.open_button):
            b.setEnabled(False)
        # A plain heading until a result is chosen: the pane's text says what to do (said once, not twice).
        reader = ReaderPane(CONTEXT_HEADING, [self.copy_button, self.link_button, self.open_button])
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
                details.append(display_date(hit.date))
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
            found = len(result.hits)
            count = f"{found} {'result' if found == 1 else 'results'} for “{query}” ({result.mode})"
        self.info.setText(" · ".join([count, *notes]))
        self.nearest_button.setVisible(no_close and hits is None and bool(getattr(result, "nearest", None)))
        if shown:
            self.results_stack.setCurrentWidget(self.results)
            self.results.setCurrentIndex(self.results_model.index(0, 0))
        else:
            self._show_hint(*self._empty_hint(query, result.mode, no_close))
            self._show_passage(None)

    def show_nearest(self) -> None:
        """After "no close match": the nearest few passages, marked as such."""
        if self.last_result is not None:
            self.show_result(self.last_result, list(getattr(self.last_result, "nearest", [])))

    def _clear(self) -> None:
        self.results_model.clear()
        self.info.clear()
        self.nearest_button.setVisible(False)
        self._show_hint(HINT_START, HINT_START_MORE)
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
            from desktop.style import color

            self.passage_title.setText(CONTEXT_HEADING)
            self.passage_meta.clear()
            self.context.setHtml(f"<p style='color:{color('muted')}'>{html_escape(HINT_CONTEXT)}</p>")
            return
        self.passage_title.setText(hit.title or "Untitled")
        meta = [KIND_LABELS.get(hit.kind or "", hit.kind or "")]
        if hit.page:
            meta.append(f"page {hit.page}")
        if hit.date:
            meta.append(display_date(hit.date))
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
        from desktop.pages.library import reflow

        parts = []
        for p in around:
            # The source's line structure where it means something: list items and "Label:" lines stay on
            # lines of their own, other hard breaks join into the paragraph (as in the library's pane).
            text = html_escape(reflow(p["text"] or "")).replace("\n", "<br>")
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
        self.last_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.current_target():
            self.link_current(dialog.current_target(), dialog.note.text().strip() or None)

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
