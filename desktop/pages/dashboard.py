"""Dashboard page: heat map of organisations x recommendations, completion bars, what needs attention."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import ops
from desktop.pages import Page
from desktop.widgets.common import STATUS_COLORS, Card, PageHeader, readable_on, status_label

CELL_ROLE = Qt.ItemDataRole.UserRole + 1
ACTION_ROLE = Qt.ItemDataRole.UserRole + 2
STALE_DAYS = 90


def dashboard_data(db: Any) -> dict[str, Any]:
    """knowledge.dashboard.dashboard, plus the cells keyed by (organisation id, recommendation id)."""
    from knowledge.dashboard import dashboard

    data = dashboard(db)
    recs = data["matrix"]["recommendations"]
    data["organisations"] = [(row["organisation_id"], row["organisation"]) for row in data["matrix"]["rows"]]
    data["cells"] = {
        (row["organisation_id"], rec["id"]): cell
        for row in data["matrix"]["rows"]
        for rec, cell in zip(recs, row["cells"], strict=True)
        if cell
    }
    data["recommendations"] = [
        {**rec, "done": rec["by_status"]["done"], "completion": round(rec["mean_percent"] or 0)}
        for rec in data["recommendations"]
    ]
    return data


class DashboardPage(Page):
    cellOpened = Signal(int, int)  # organisation id, recommendation id

    def __init__(self, window: Any):
        super().__init__(window)
        self.data: dict[str, Any] = {}
        self.header = PageHeader("Dashboard", "Who is where against each recommendation")
        self.layout_.addWidget(self.header)

        self.summary = QHBoxLayout()
        self.summary_labels: dict[str, QLabel] = {}
        for key, caption in (
            ("actions", "Actions"),
            ("done", "Done"),
            ("overdue", "Overdue"),
            ("blocked", "Blocked"),
            ("stale", f"No update in {STALE_DAYS} days"),
        ):
            card = Card()
            card.setObjectName("card")
            value = QLabel("0")
            value.setObjectName("bigNumber")
            value.setStyleSheet("font-size: 18pt; font-weight: 600;")
            label = QLabel(caption)
            label.setObjectName("muted")
            card.layout_.setContentsMargins(14, 8, 14, 8)
            card.layout_.setSpacing(0)
            card.add(value)
            card.add(label)
            self.summary_labels[key] = value
            if key == "stale":
                self.stale_caption = label
            self.summary.addWidget(card)
        self.layout_.addLayout(self.summary)

        heat_card = Card("Organisations × recommendations")
        self.heat = QTableWidget()
        self.heat.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heat.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)  # keep cell colours visible
        self.heat.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heat.horizontalHeader().setMinimumSectionSize(30)
        self.heat.verticalHeader().setFixedWidth(240)
        self.heat.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.heat.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.heat.verticalHeader().setDefaultSectionSize(26)
        self.heat.setStyleSheet("QHeaderView::section { padding: 2px 6px; }")
        self.heat.setShowGrid(True)
        self.heat.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.heat.cellClicked.connect(self.open_cell)
        heat_card.add(self.heat, 1)
        legend = QLabel(
            "Confirmed actions per cell, coloured by the least advanced:&nbsp; "
            + "  ".join(
                f"<span style='color:{STATUS_COLORS[s]}'>&#9632;</span> {status_label(s)}"
                for s in ("blocked", "not_started", "planned", "in_progress", "done")
            )
        )
        legend.setObjectName("muted")
        legend.setWordWrap(True)
        heat_card.add(legend)

        completion_card = Card("Completion by recommendation")
        self.completion_box = QWidget()
        self.completion_grid = QGridLayout(self.completion_box)
        self.completion_grid.setContentsMargins(0, 0, 0, 0)
        self.completion_grid.setVerticalSpacing(6)
        completion_card.add(self.completion_box)

        self.cell_card = Card("Actions in the selected cell")
        self.cell_title = QLabel("Click a cell of the heat map to list its actions.")
        self.cell_title.setObjectName("muted")
        self.cell_title.setWordWrap(True)
        self.cell_list = QListWidget()
        self.cell_list.setWordWrap(True)
        self.cell_list.setMaximumHeight(120)
        self.cell_list.itemDoubleClicked.connect(self._open_action)
        self.cell_card.add(self.cell_title)
        self.cell_card.add(self.cell_list, 1)

        self.tabs = QTabWidget()
        self.lists: dict[str, QListWidget] = {}
        for key, caption in (
            ("overdue", "Overdue"),
            ("blocked", "Blocked"),
            ("stale", "Stale"),
            ("changes", "Last 30 days"),
        ):
            widget = QListWidget()
            widget.setWordWrap(True)
            widget.itemDoubleClicked.connect(self._open_action)
            self.lists[key] = widget
            self.tabs.addTab(widget, caption)
        # Two independent columns: the heat map takes the height it needs, the lists take the rest.
        columns = QHBoxLayout()
        columns.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.setSpacing(12)
        right.setSpacing(12)
        left.addWidget(heat_card, 1)
        left.addWidget(self.cell_card, 0)
        right.addWidget(completion_card, 0)
        right.addWidget(self.tabs, 1)
        columns.addLayout(left, 5)
        columns.addLayout(right, 4)
        self.layout_.addLayout(columns, 1)

    def refresh(self) -> None:
        super().refresh()
        self.data = data = dashboard_data(self.db)
        totals = data["totals"]
        self.summary_labels["actions"].setText(str(totals["actions"]))
        self.summary_labels["done"].setText(str(totals["by_status"]["done"]))
        for key in ("overdue", "blocked", "stale"):
            self.summary_labels[key].setText(str(totals[key]))
        self.stale_caption.setText(f"No update in {data['stale_days']} days")
        self._fill_heat(data)
        self._fill_completion(data["recommendations"])
        self._fill_lists(data)

    def _fill_heat(self, data: dict[str, Any]) -> None:
        orgs, recs = data["organisations"], data["recommendations"]
        self.heat.clear()
        self.heat.setRowCount(len(orgs))
        self.heat.setColumnCount(len(recs))
        self.heat.setHorizontalHeaderLabels([f"R{r['number']}" for r in recs])
        self.heat.setVerticalHeaderLabels([name for _, name in orgs])
        for c, rec in enumerate(recs):
            self.heat.horizontalHeaderItem(c).setToolTip(f"Recommendation {rec['number']}: {rec['title']}")
        for r, (org_id, org_name) in enumerate(orgs):
            for c, rec in enumerate(recs):
                cell = data["cells"].get((org_id, rec["id"]))
                item = QTableWidgetItem(str(cell["count"]) if cell else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(CELL_ROLE, (org_id, rec["id"]))
                if cell:
                    color = STATUS_COLORS.get(cell["worst_status"] or "dropped", "#cbd2d9")
                    item.setBackground(QBrush(QColor(color)))
                    item.setForeground(QBrush(readable_on(color)))
                    item.setToolTip(
                        f"{org_name} · R{rec['number']}: {cell['count']} action(s), "
                        f"least advanced {status_label(cell['worst_status'] or 'dropped')}"
                    )
                self.heat.setItem(r, c, item)

    def cell_state(self, organisation: str, number: int) -> dict[str, Any] | None:
        """What one heat-map cell shows: count, worst status and colour (tests read this)."""
        for r, (org_id, name) in enumerate(self.data.get("organisations", [])):
            if name != organisation:
                continue
            for c, rec in enumerate(self.data["recommendations"]):
                if rec["number"] == number:
                    cell = self.data["cells"].get((org_id, rec["id"]))
                    if cell is None:
                        return None
                    item = self.heat.item(r, c)
                    return {
                        **cell,
                        "worst": cell["worst_status"],
                        "color": item.background().color().name(),
                        "row": r,
                        "column": c,
                    }
        return None

    def _fill_completion(self, recs: list[dict[str, Any]]) -> None:
        while self.completion_grid.count():
            widget = self.completion_grid.takeAt(0).widget()
            if widget:
                widget.hide()  # deleteLater is deferred: hide now so old rows never overlap new ones
                widget.setParent(None)
                widget.deleteLater()
        for row, rec in enumerate(recs):
            label = QLabel(f"R{rec['number']}")
            label.setToolTip(rec["title"])
            label.setStyleSheet("font-weight:600")
            title = QLabel(rec["title"])
            title.setObjectName("muted")
            title.setToolTip(rec["title"])
            title.setMinimumWidth(40)
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(rec["completion"])
            bar.setFormat(f"{rec['completion']}%  ({rec['done']}/{rec['actions']})")
            bar.setFixedWidth(130)
            self.completion_grid.addWidget(label, row, 0)
            self.completion_grid.addWidget(title, row, 1)
            self.completion_grid.addWidget(bar, row, 2)
        self.completion_grid.setColumnStretch(1, 1)

    def _fill_lists(self, data: dict[str, Any]) -> None:
        for key in ("overdue", "blocked", "stale"):
            widget = self.lists[key]
            widget.clear()
            for a in data[key]:
                due = f" · due {a['due']}" if a.get("due") else ""
                item = QListWidgetItem(f"{a['organisation'] or '—'}: {a['text']}{due}")
                item.setData(ACTION_ROLE, a["id"])
                widget.addItem(item)
            if not data[key]:
                widget.addItem(QListWidgetItem("Nothing here."))
            self.tabs.setTabText(list(self.lists).index(key), f"{key.capitalize()} ({len(data[key])})")
        changes = self.lists["changes"]
        changes.clear()
        for u in data["recent_changes"]:
            what = status_label(u["new_status"]) if u.get("new_status") else f"{u.get('new_percent')}%"
            item = QListWidgetItem(
                f"{str(u['at'])[:10]}  {u['organisation'] or '—'}: {what} — {u['text'][:80]}"
            )
            item.setData(ACTION_ROLE, u["action_id"])
            changes.addItem(item)
        if not data["recent_changes"]:
            changes.addItem(QListWidgetItem("No updates in the last 30 days."))
        self.tabs.setTabText(3, f"Last 30 days ({len(data['recent_changes'])})")

    def open_cell(self, row: int, column: int) -> None:
        item = self.heat.item(row, column)
        if item is None:
            return
        org_id, rec_id = item.data(CELL_ROLE)
        cell = self.data["cells"].get((org_id, rec_id))
        org_name = dict(self.data["organisations"]).get(org_id, "")
        rec = next(r for r in self.data["recommendations"] if r["id"] == rec_id)
        self.cell_list.clear()
        self.cell_title.setText(f"{org_name} · Recommendation {rec['number']}: {rec['title']}")
        actions = {a["id"]: a for a in ops.action_rows(self.db)} if cell else {}
        for action_id in (cell or {}).get("action_ids", []):
            a = actions[action_id]
            entry = QListWidgetItem(f"{status_label(a['status'])} · {a['percent'] or 0}% — {a['text']}")
            entry.setData(ACTION_ROLE, action_id)
            entry.setForeground(QBrush(QColor(STATUS_COLORS.get(a["status"], "#999"))))
            self.cell_list.addItem(entry)
        if not cell:
            self.cell_list.addItem(QListWidgetItem("No confirmed actions in this cell."))
        self.cellOpened.emit(org_id, rec_id)

    def _open_action(self, item: QListWidgetItem) -> None:
        action_id = item.data(ACTION_ROLE)
        if action_id is not None:
            self.window_.go_to("actions", action_id=action_id)

    def prepare_screenshot(self) -> None:
        self.refresh()
        best = max(self.data["cells"].items(), key=lambda kv: kv[1]["count"], default=None)
        if best:
            (org_id, rec_id), _ = best
            rows = [o for o, _ in self.data["organisations"]]
            cols = [r["id"] for r in self.data["recommendations"]]
            self.open_cell(rows.index(org_id), cols.index(rec_id))
