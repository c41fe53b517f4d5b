"""History page: the change log (who changed what, when), filtered by kind, person and dates."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
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
from desktop.widgets.dates import DATE_HINT, filter_date
from knowledge.vocab import Entity

# The page shows at most this many entries, the newest (the filters narrow it down).
SHOWN = 2000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

HISTORY_COLUMNS = [
    Column("at", "When", format=lambda v: str(v or "")[:16].replace("T", " ")),
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
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.layout_.addWidget(self.table, 1)
        self.info = QLabel()
        self.info.setObjectName("muted")
        self.layout_.addWidget(self.info)
        self._seq = 0

    def _build_filters(self) -> None:
        row = QHBoxLayout()
        self.entity = QComboBox()
        self.entity.addItem("Everything", None)
        for entity in Entity:
            self.entity.addItem(entity.label, entity.value)
        self.who = QComboBox()
        self.who.addItem("Anyone", None)
        self.since = QLineEdit()
        self.until = QLineEdit()
        for edit, hint in ((self.since, "from, e.g. 01/06/2024"), (self.until, "to, e.g. 30/06/2024")):
            edit.setPlaceholderText(hint)
            edit.setClearButtonEnabled(True)
            edit.setMaximumWidth(150)
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
        self.table.resizeColumnsToContents()
        more = f" (the newest {SHOWN}; narrow the filters to see older ones)" if len(found) >= SHOWN else ""
        self.info.setText(f"{len(found)} change(s){more}")
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
