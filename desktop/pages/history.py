"""History page: the change log (who changed what, when), filtered by kind, person and dates."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
)

from desktop.operations import history as history_ops
from desktop.operations.changes import Changes
from desktop.pages import Page
from desktop.qtmodels import Column, DictTableModel
from desktop.widgets.common import PageHeader
from desktop.widgets.dates import DATE_HINT, display_datetime, filter_date
from knowledge.vocab import Entity

# The page shows at most this many entries, the newest (the filters narrow it down).
SHOWN = 2000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

HISTORY_COLUMNS = [
    Column("at", "When", format=display_datetime),  # SORT_ROLE keeps the ISO timestamp
    Column("who", "Who"),
    Column("what", "What"),
    Column("change", "Change", format=lambda v: str(v or "").capitalize()),
    Column("details", "Details"),
    Column("note", "Note", format=lambda v: v or ""),
]


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry as the table shows it."""
    what = Entity(entry["entity"]).label
    if entry["entity_id"] is not None:
        what += f" {entry['entity_id']}"
    return {**entry, "what": what, "details": history_ops.describe(entry)}


class HistoryPage(Page):
    """Every change the log holds, newest first; the filters run a read operation off the UI thread."""

    loadedEntries = Signal(int)  # how many entries the table shows after a refresh lands
    shows = Changes.everything()  # every write adds to the log

    def __init__(self, window: Any):
        super().__init__(window)
        self.header = PageHeader("History", "Who changed what, and when: every change is kept")
        self.layout_.addWidget(self.header)
        self._build_filters()
        self.model = DictTableModel(HISTORY_COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self._size_columns()
        self.layout_.addWidget(self.table, 1)
        self.info = QLabel()
        self.info.setObjectName("muted")
        self.layout_.addWidget(self.info)
        self._seq = 0

    def _size_columns(self) -> None:
        """Columns that fit the window at 1024 px: the short ones (when, what, change) as wide as their
        text, the person's name a set width, and the details and the note share what is left. Longer text
        ends in "…" and the cell's tooltip holds all of it (DictTableModel's ToolTipRole)."""
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(48)
        header.setStretchLastSection(False)
        fit, set_width = QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Interactive
        modes = (fit, set_width, set_width, fit, QHeaderView.ResizeMode.Stretch, set_width)
        for column, mode in enumerate(modes):
            header.setSectionResizeMode(column, mode)
        # Who, what and note follow the width (_share_width): the viewport's resize, which comes after the
        # table's own (a filter on the table would read the old viewport width).
        self.table.viewport().installEventFilter(self)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # columns fit instead

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 (Qt naming)
        from PySide6.QtCore import QEvent

        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._share_width()
        return super().eventFilter(watched, event)

    def _share_width(self) -> None:
        """Who, what and note take a share of the width (within bounds); the details, the longest text,
        stretch over the rest, so at 1024 px every column is in view and none needs a sideways scrollbar."""
        # What the content-sized columns (when, change) leave; the details get about two fifths of it.
        rest = self.table.viewport().width() - self.table.columnWidth(0) - self.table.columnWidth(3)
        for column, share, least, most in ((1, 0.2, 90, 220), (2, 0.2, 128, 170), (5, 0.18, 70, 360)):
            self.table.setColumnWidth(column, int(max(least, min(most, rest * share))))

    def _build_filters(self) -> None:
        row = QHBoxLayout()
        self.entity = QComboBox()
        self.entity.addItem("Everything", None)
        for entity in Entity:
            self.entity.addItem(entity.label, entity.value)
        self.who = QComboBox()
        self.who.addItem("Anyone", None)
        # Combos as wide as a short entry, not their longest one: the row must fit at 1024 px.
        for combo in (self.entity, self.who):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.since = QLineEdit()
        self.until = QLineEdit()
        # The same hints as the search page's date filters (and short: the row must fit at 1024 px).
        for edit, hint in ((self.since, "From 1/6/2024"), (self.until, "To 30/6/2024")):
            edit.setPlaceholderText(hint)
            edit.setToolTip(f"A whole day, {DATE_HINT}")
            edit.setClearButtonEnabled(True)
            # Wide enough for its hint ("from, e.g. 0…" was cut), and room for the clear button.
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(hint) + 40)
            edit.setMaximumWidth(edit.minimumWidth() + 40)
            edit.setAccessibleName(hint.split()[0] + " date")
            edit.returnPressed.connect(self.refresh)
        self.entity.currentIndexChanged.connect(self.refresh)
        self.who.currentIndexChanged.connect(self.refresh)
        apply = QPushButton("Show")
        apply.clicked.connect(self.refresh)
        for label, widget in (("Kind", self.entity), ("Who", self.who)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(QLabel("Dates"))
        row.addWidget(self.since)
        row.addWidget(self.until)
        row.addWidget(apply)
        row.addStretch(1)
        self.layout_.addLayout(row)

    def log_filter(self) -> history_ops.LogFilter | None:
        """The filter the widgets describe; None (and a message) when a date is not YYYY-MM-DD."""
        try:  # ISO or UK day-first, as everywhere a date is typed
            dates = [filter_date(edit.text()) for edit in (self.since, self.until)]
        except ValueError:
            dates = ["?"]
        if any(d and not _DAY.match(d) for d in dates):
            self.info.setText(f"Not a date: write a whole day as YYYY-MM-DD or day first, {DATE_HINT}.")
            return None
        return history_ops.LogFilter(
            since=dates[0],
            until=dates[1],
            who=self.who.currentData(),
            entity=self.entity.currentData(),
            limit=SHOWN,
        )

    def refresh(self) -> Any:
        super().refresh()
        log_filter = self.log_filter()
        if log_filter is None:
            return None
        self._seq += 1
        seq = self._seq

        def read(db: Any, job: Any) -> tuple[int, list[dict[str, Any]], list[str]]:
            return seq, history_ops.log_entries(db, log_filter).value, history_ops.log_people(db)

        return self.window_.workers.read(
            read,
            label="history",
            on_done=self._show,
            on_error=lambda message: self.info.setText(f"Could not read the history: {message}"),
        )

    def _show(self, answer: tuple[int, list[dict[str, Any]], list[str]]) -> None:
        seq, found, people = answer
        if seq != self._seq:  # a later refresh is on its way
            return
        self._set_people(people)
        self.model.set_rows([_row(e) for e in reversed(found)])  # newest first
        # No entry with a note (the usual case): the column would only take the details' room.
        self.table.setColumnHidden(5, not any(e.get("note") for e in found))
        self._share_width()  # the content-sized columns may have changed width with the rows
        more = f" (the newest {SHOWN}; narrow the filters to see older ones)" if len(found) >= SHOWN else ""
        self.info.setText(f"{len(found)} change{'' if len(found) == 1 else 's'}{more}")
        self.loadedEntries.emit(len(found))

    def _set_people(self, people: list[str]) -> None:
        """Refill the who filter, keeping the person chosen (without refreshing again)."""
        chosen = self.who.currentData()
        self.who.blockSignals(True)
        self.who.clear()
        self.who.addItem("Anyone", None)
        for name in people:
            self.who.addItem(name, name)
        index = self.who.findData(chosen) if chosen else 0
        self.who.setCurrentIndex(max(index, 0))
        self.who.blockSignals(False)

    def show_item(self, entity: str | None = None) -> None:
        """Open the page on one kind of entity (go_to("history", entity="action"))."""
        index = self.entity.findData(entity)
        if index >= 0:
            self.entity.setCurrentIndex(index)  # refreshes
        self.refresh()
