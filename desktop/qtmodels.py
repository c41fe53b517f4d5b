"""Qt item models over plain dict rows: a read-only table and the editable actions table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from desktop.style import LINK_MARKS, color, status_color, status_label
from desktop.widgets.common import short_name, tooltip_text
from desktop.widgets.dates import display_date
from knowledge.vocab import LinkState

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole dict row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers as numbers)

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


@dataclass
class Column:
    key: str
    header: str
    format: Callable[[Any], str] | None = None
    align_right: bool = False
    editable: bool = False


class DictTableModel(QAbstractTableModel):
    """Rows are dicts; columns pick keys. Sorting and filtering go through a QSortFilterProxyModel."""

    def __init__(self, columns: list[Column], parent: Any = None):
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_dict(self, row: int) -> dict[str, Any]:
        return self.rows[row]

    def rowCount(self, parent: Index = _ROOT) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header
        return None

    @staticmethod
    def _text(column: Column, value: Any) -> str:
        if column.format:
            return column.format(value)
        return "" if value is None else str(value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        value = row.get(column.key)
        if role == Qt.ItemDataRole.DisplayRole:  # item views draw DisplayRole as plain text
            return self._text(column, value)
        if role == Qt.ItemDataRole.ToolTipRole:  # but a tooltip that looks like HTML is rendered
            return tooltip_text(self._text(column, value))
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == SORT_ROLE:
            if isinstance(value, int | float):
                return value
            return "" if value is None else str(value).lower()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


ACTION_COLUMNS = [
    Column("id", "#", align_right=True),
    Column("text", "Action"),
    Column("organisation", "Organisation"),
    Column("recommendations", "Recs"),
    Column("status", "Status", format=status_label, editable=True),
    Column("percent", "%", format=lambda v: f"{v or 0}%", align_right=True, editable=True),
    Column("owner", "Owner", editable=True),
    Column("due", "Due", format=display_date, editable=True),  # sorts on the ISO value (SORT_ROLE)
]


class ActionsTableModel(DictTableModel):
    """The actions table; status, percent, owner and due are edited in place.

    An edit does not write to the database itself: it emits editRequested, the page sends the change
    through the write queue, and the row shows the new value at once (refreshed when the write lands).
    """

    editRequested = Signal(int, str, object)  # action id, field, new value

    def __init__(self, parent: Any = None):
        super().__init__(ACTION_COLUMNS, parent)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.columns[index.column()].editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()].key
        if key == "status" and role == Qt.ItemDataRole.DecorationRole:
            return QColor(status_color(row.get("status")))
        if key == "due" and role == Qt.ItemDataRole.ForegroundRole and row.get("overdue"):
            return QBrush(QColor(color("danger")))  # the theme's red, legible on both backgrounds
        if key == "recommendations" and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _recs_text(row)
        if key == "text" and role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(row.get("text"))
        if key == "organisation" and role == Qt.ItemDataRole.DisplayRole:
            return short_name(row.get("organisation") or "")  # the tooltip keeps the full name
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row = self.rows[index.row()]
        key = self.columns[index.column()].key
        if key == "percent":
            value = max(0, min(100, int(value)))
        elif isinstance(value, str):
            value = value.strip() or None
        if row.get(key) == value:
            return False
        row[key] = value
        self.dataChanged.emit(index, index)
        self.editRequested.emit(int(row["id"]), key, value)
        return True


NONE_FITS = "none fits"


def _recs_text(row: dict[str, Any]) -> str:
    """Confirmed recommendation numbers, suggested ones with a question mark."""
    parts = []
    for link in row.get("links") or []:
        number = link.get("number") or link.get("recommendation_number") or link.get("rec")
        state = link.get("state", LinkState.CONFIRMED)
        if state == LinkState.REJECTED or number is None:
            continue
        parts.append(f"R{number}" + LINK_MARKS.get(state, ""))
    if not parts and row.get("fits_none"):
        return NONE_FITS  # judged unrelated to every recommendation: no chip pretends otherwise
    if not parts:
        recs = row.get("recommendations")
        if isinstance(recs, list | tuple):
            parts = [f"R{r}" for r in recs]
        elif recs:
            return str(recs)
    return ", ".join(parts)
