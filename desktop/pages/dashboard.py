"""Dashboard page: heat map of organisations x recommendations, completion bars, what needs attention."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.operations import tracking
from desktop.operations.changes import Changes
from desktop.pages import Page
from desktop.style import dot_icon, status_color, status_label
from desktop.widgets.common import (
    Card,
    ElidedLabel,
    HintListWidget,
    PageHeader,
    PlainLabel,
    readable_on,
    short_name,
    tooltip_text,
)
from desktop.widgets.dates import display_date
from desktop.widgets.sets import SetSwitcher
from knowledge.vocab import SEVERITY, LinkState, Status

CELL_ROLE = Qt.ItemDataRole.UserRole + 1
ACTION_ROLE = Qt.ItemDataRole.UserRole + 2
STALE_DAYS = 90
UNCONFIRMED_COLOR = "#c3ccd6"  # a neutral grey-blue: waiting for a person's decision, not a status


def unconfirmed_by_organisation(rows: list[dict[str, Any]]) -> dict[int, list[int]]:
    """Action ids per organisation id that have no confirmed recommendation link."""
    found: dict[int, list[int]] = {}
    for row in rows:
        if not any(link.get("state") == LinkState.CONFIRMED for link in row.get("links") or []):
            found.setdefault(row["organisation_id"], []).append(row["id"])
    return found


HEAT_CELL = 26  # px per recommendation column: room for a bold "R9" (19 px) and a two-digit count
NAME_LEAST = 72  # px the organisation names keep at the least ("DHSC", "Northsh…"; full name in tooltip)


def dashboard_data(db: Any, set_slug: str | None = None) -> dict[str, Any]:
    """knowledge.dashboard.dashboard for one set (the built-in one by default), plus the cells keyed by
    (organisation id, recommendation id)."""
    from knowledge.codebook import BUILTIN_SET
    from knowledge.dashboard import dashboard

    data = dashboard(db, set_slug=set_slug or BUILTIN_SET)
    recs = data["matrix"]["recommendations"]
    data["organisations"] = [(row["organisation_id"], row["organisation"]) for row in data["matrix"]["rows"]]
    data["cells"] = {
        (row["organisation_id"], rec["id"]): cell
        for row in data["matrix"]["rows"]
        for rec, cell in zip(recs, row["cells"], strict=True)
        if cell
    }
    data["recommendations"] = [
        {**rec, Status.DONE: rec["by_status"][Status.DONE], "completion": round(rec["mean_percent"] or 0)}
        for rec in data["recommendations"]
    ]
    return data


class DashboardPage(Page):
    cellOpened = Signal(int, int)  # organisation id, recommendation id
    shows = Changes(actions=True, links=True, organisations=True, recommendations=True)

    def __init__(self, window: Any):
        super().__init__(window)
        self.data: dict[str, Any] = {}
        self.header = PageHeader("Dashboard", "Who is where against each recommendation")
        self.set_switcher = SetSwitcher(window)
        self.set_switcher.setChanged.connect(lambda _: self.refresh())
        self.header.add_button(self.set_switcher)
        self.layout_.addWidget(self.header)
        self._build_summary()
        heat_card = self._build_heat_card()
        completion_card = self._build_completion_card()
        self._build_cell_card()
        self._build_attention_tabs()
        self._build_columns(heat_card, completion_card)

    def _build_summary(self) -> None:
        """The row of big numbers: actions, done, overdue, blocked, stale."""
        self.summary = QHBoxLayout()
        self.summary_labels: dict[str, QLabel] = {}
        for key, caption in (
            ("actions", "Actions"),
            (Status.DONE, Status.DONE.display),
            ("overdue", "Overdue"),
            (Status.BLOCKED, Status.BLOCKED.display),
            ("stale", f"No update in {STALE_DAYS} days"),
        ):
            self.summary.addWidget(self._summary_card(key, caption))
        self.layout_.addLayout(self.summary)

    def _summary_card(self, key: str, caption: str) -> Card:
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
        return card

    def _build_heat_card(self) -> Card:
        heat_card = Card("Organisations × recommendations")
        self.heat_card = heat_card
        self._build_heat_table()
        heat_card.add(self.heat, 1)
        # Short, so the map keeps its rows in a 700 px high window; the tooltip says it in full.
        caption = QLabel("Confirmed actions per cell, coloured by the least advanced · ?: none confirmed yet")
        caption.setToolTip(
            "Number of confirmed actions; colour = the least advanced of them; "
            "? = unconfirmed (no recommendation confirmed yet)"
        )
        caption.setWordWrap(True)  # never cut at 1024 px
        caption.setObjectName("muted")
        heat_card.add(caption)
        heat_card.add(self._build_legend())
        return heat_card

    def _build_heat_table(self) -> None:
        # Assigned before the event filter goes on: eventFilter reads self.heat.
        self.heat = heat = QTableWidget()
        heat.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        heat.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)  # keep cell colours visible
        heat.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        heat.horizontalHeader().setMinimumSectionSize(HEAT_CELL)
        heat.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        heat.verticalHeader().setDefaultSectionSize(24)
        # Organisation names in the regular weight: they are data, and bold costs a fifth of the width.
        heat.setStyleSheet(
            "QHeaderView::section { padding: 2px 3px; }"
            " QHeaderView::section:vertical { font-weight: normal; padding-left: 6px; padding-right: 4px; }"
        )
        heat.installEventFilter(self)
        heat.setShowGrid(True)
        heat.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        heat.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # As tall as its rows and no taller (an empty grey block under the map at 1600x1000 otherwise);
        # in a short window it shrinks to a few rows and scrolls. The cell card below takes what is left.
        heat.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        heat.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        heat.setMinimumHeight(24 * 4 + 28)
        heat.cellClicked.connect(self.open_cell)

    @staticmethod
    def _build_legend() -> QLabel:
        # Each entry holds together (non-breaking spaces inside it); the line wraps between entries, so a
        # narrow window shows "Done" on a second line rather than cutting it off.
        legend = QLabel(
            "&nbsp; ".join(
                f"<span style='color:{status_color(s)}; font-size:12pt'>&#9632;</span>&nbsp;{status_label(s)}"
                for s in SEVERITY
                if s is not Status.DROPPED  # the legend shows what a cell can be coloured by
            )
        )
        legend.setObjectName("muted")
        legend.setWordWrap(True)
        legend.setToolTip("Each cell: confirmed actions, coloured by the least advanced one")
        return legend

    def _build_completion_card(self) -> Card:
        completion_card = Card("Completion by recommendation")
        self.completion_box = QWidget()
        self.completion_grid = QGridLayout(self.completion_box)
        self.completion_grid.setContentsMargins(0, 0, 0, 0)
        # Tight rows: nine bars and the lists' tabs must fit under each other in a 700 px high window.
        self.completion_grid.setVerticalSpacing(3)
        completion_card.add(self.completion_box)
        # "80% · 1/3" explained once, under the bars (each bar's tooltip spells out its own figures).
        key = QLabel("Bar: average % complete · done / confirmed actions")
        key.setObjectName("muted")
        key.setWordWrap(True)
        completion_card.add(key)
        return completion_card

    def _build_cell_card(self) -> None:
        self.cell_card = Card("Actions in the selected cell")
        self.cell_title = PlainLabel("No cell selected yet.")
        self.cell_title.setObjectName("muted")
        self.cell_title.setWordWrap(True)
        # Until a cell is clicked the list says what it is for, in its middle (not an empty white box).
        self.cell_list = HintListWidget("Click a coloured cell to list its actions here.")
        self.cell_list.setWordWrap(True)
        self.cell_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Heights that never follow the content: filling the card on a click must not move the heat map
        # above it. The list takes the height the heat map leaves (its size hint is its minimum).
        self.cell_list.setMinimumHeight(44)
        self.cell_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.cell_title.setFixedHeight(self.cell_title.fontMetrics().lineSpacing() * 2 + 4)
        self.cell_list.itemDoubleClicked.connect(self._open_action)
        self.cell_card.add(self.cell_title)
        self.cell_card.add(self.cell_list, 1)

    def _build_attention_tabs(self) -> None:
        self.tabs = QTabWidget()
        self.lists: dict[str, QListWidget] = {}
        for key, caption in (
            ("overdue", "Overdue"),
            (Status.BLOCKED, Status.BLOCKED.display),
            ("stale", "Stale"),
            ("changes", "Recent"),
        ):
            widget = QListWidget()
            widget.setObjectName("attentionList")
            widget.setWordWrap(True)
            # Rows wrap to the list's width; a sideways scrollbar would only ever show a few pixels.
            widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            widget.setResizeMode(QListWidget.ResizeMode.Adjust)
            widget.itemDoubleClicked.connect(self._open_action)
            self.lists[key] = widget
            self.tabs.addTab(widget, caption)
        self.tabs.setTabToolTip(2, f"Open actions with no update in {STALE_DAYS} days or more")
        self.tabs.setTabToolTip(3, "Progress updates in the last 30 days")
        # Every tab in view: no scroll arrows hiding "Stale" and "Recent" at 1024 px. Tighter tabs than
        # the stylesheet's, and the column never narrower than its tab bar (see _fit_tabs).
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setExpanding(False)
        self.tabs.setStyleSheet("QTabBar::tab { padding: 6px 8px; }")

    def _build_columns(self, heat_card: Card, completion_card: Card) -> None:
        # Two independent columns: the heat map takes the height it needs, the lists take the rest.
        columns = QHBoxLayout()
        columns.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.setSpacing(12)
        right.setSpacing(12)
        # The heat map as tall as its rows (its size hint); the selected cell's card takes the rest.
        left.addWidget(heat_card, 0)
        left.addWidget(self.cell_card, 1)
        right.addWidget(completion_card, 0)
        right.addWidget(self.tabs, 1)
        # The heat map has an Unconfirmed column too: it gets the larger share, so names keep their room.
        columns.addLayout(left, 12)
        columns.addLayout(right, 8)
        self.layout_.addLayout(columns, 1)

    def refresh(self) -> None:
        super().refresh()
        self.data = data = dashboard_data(self.db, self.set_switcher.fill(self.db))
        totals = data["totals"]
        self.summary_labels["actions"].setText(str(totals["actions"]))
        self.summary_labels[Status.DONE].setText(str(totals["by_status"][Status.DONE]))
        for key in ("overdue", Status.BLOCKED, "stale"):
            self.summary_labels[key].setText(str(totals[key]))
        self.stale_caption.setText(f"No update in {data['stale_days']} days")
        self._fill_heat(data)
        self._fill_completion(data["recommendations"])
        self._fill_lists(data)

    def _fill_heat(self, data: dict[str, Any]) -> None:
        orgs, recs = data["organisations"], data["recommendations"]
        self.heat.clear()
        self.heat.setRowCount(len(orgs))
        # A last column, as in the briefing: actions no recommendation has been confirmed for yet.
        self.heat.setColumnCount(len(recs) + 1)
        self.heat.setHorizontalHeaderLabels([f"R{r['number']}" for r in recs] + ["?"])  # "?" as in "R4?"
        # Never so narrow that a column is cut: every column, the shortest names and a scrollbar fit.
        scrollbar = self.heat.verticalScrollBar().sizeHint().width()
        least = self.heat.columnCount() * HEAT_CELL + NAME_LEAST + scrollbar + 2 * self.heat.frameWidth() + 4
        self.heat.setMinimumWidth(least)
        for r, (_org_id, name) in enumerate(orgs):
            header = QTableWidgetItem(short_name(name))
            header.setToolTip(tooltip_text(name))
            header.setData(Qt.ItemDataRole.UserRole, name)
            self.heat.setVerticalHeaderItem(r, header)
        self._fit_heat()
        for c, rec in enumerate(recs):
            self.heat.horizontalHeaderItem(c).setToolTip(
                tooltip_text(f"Recommendation {rec['number']}: {rec['title']}")
            )
        for r, (org_id, org_name) in enumerate(orgs):
            for c, rec in enumerate(recs):
                cell = data["cells"].get((org_id, rec["id"]))
                item = QTableWidgetItem(str(cell["count"]) if cell else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(CELL_ROLE, (org_id, rec["id"]))
                if cell:
                    color = status_color(cell["worst_status"] or Status.DROPPED)
                    item.setBackground(QBrush(QColor(color)))
                    item.setForeground(QBrush(readable_on(color)))
                    item.setToolTip(
                        tooltip_text(
                            f"{org_name} · R{rec['number']}: {cell['count']} action(s), "
                            f"least advanced {status_label(cell['worst_status'] or Status.DROPPED)}"
                        )
                    )
                self.heat.setItem(r, c, item)
        self._fill_unconfirmed(orgs, len(recs))

    def _fill_unconfirmed(self, orgs: list[Any], column: int) -> None:
        self.unconfirmed = unconfirmed_by_organisation(tracking.action_rows(self.db))
        self.heat.horizontalHeaderItem(column).setToolTip(
            "?: Unconfirmed, actions with no confirmed recommendation yet (suggested or none)"
        )
        for r, (org_id, org_name) in enumerate(orgs):
            ids = self.unconfirmed.get(org_id, [])
            item = QTableWidgetItem(str(len(ids)) if ids else "")
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setData(CELL_ROLE, (org_id, None))
            if ids:
                item.setBackground(QBrush(QColor(UNCONFIRMED_COLOR)))
                item.setForeground(QBrush(readable_on(UNCONFIRMED_COLOR)))
                item.setToolTip(tooltip_text(f"{org_name}: {len(ids)} action(s) awaiting a recommendation"))
            self.heat.setItem(r, column, item)

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.heat and event.type() == QEvent.Type.Resize:
            self._fit_heat()
            # The page's own resize comes before its children are placed: the share is settled here,
            # once the map's card has its place (stable: the room does not depend on the map's height).
            self._share_height()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        QTimer.singleShot(0, self._share_height)  # once the layout has placed the cards at the new size

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self._share_height)

    def _share_height(self) -> None:
        """The heat map as tall as its rows when the window has the room, else what the selected cell's
        card leaves it (the map scrolls): a box layout would otherwise keep the map's full height and cut
        the card off at the bottom of a 700 px high window."""
        top = self.heat_card.geometry().top()
        if top <= 0:
            return  # not laid out yet
        bottom = self.height() - self.layout_.contentsMargins().bottom()
        # What the card holds besides the map (caption, legend, margins) at its width (the labels wrap); its
        # height for that width counts the map as capped.
        card = self.heat_card
        card_height = card.sizeHint().height()
        if card.hasHeightForWidth():
            card_height = card.heightForWidth(card.width())
        around = card_height - min(self.heat.sizeHint().height(), self.heat.maximumHeight())
        room = bottom - top - 12 - self.cell_card.minimumSizeHint().height() - around
        wanted = self.heat.sizeHint().height()  # AdjustToContents: every row
        self.heat.setMaximumHeight(max(self.heat.minimumHeight(), min(wanted, room)))

    def _fit_heat(self) -> None:
        """Give the organisation names what the columns leave over; elide the rest (full name in tooltip)."""
        header = self.heat.verticalHeader()
        metrics = QFontMetrics(header.font())
        items = [self.heat.verticalHeaderItem(r) for r in range(self.heat.rowCount())]
        names = [short_name(i.data(Qt.ItemDataRole.UserRole) or i.text()) for i in items if i]
        wanted = max((metrics.horizontalAdvance(n) for n in names), default=80) + 20
        rows_height = self.heat.rowCount() * header.defaultSectionSize()
        needs_scrollbar = rows_height + self.heat.horizontalHeader().height() > self.heat.height() - 4
        scrollbar = self.heat.verticalScrollBar().sizeHint().width() if needs_scrollbar else 0
        room = self.heat.width() - self.heat.columnCount() * HEAT_CELL - scrollbar - 4
        # Names elide (full name in the tooltip) before any column is cut or scrolls; 72 px still shows
        # "DHSC" or "Northsh…" at 1024 px.
        width = max(NAME_LEAST, min(wanted, room))
        header.setFixedWidth(width)
        for r in range(self.heat.rowCount()):
            item = self.heat.verticalHeaderItem(r)
            if item is None:
                continue
            full = item.data(Qt.ItemDataRole.UserRole) or item.text()
            # In the middle: "Nort…ICB" and "Nort…ICS" stay apart where "North…" twice would not.
            shown = metrics.elidedText(short_name(full), Qt.TextElideMode.ElideMiddle, width - 16)
            if shown != item.text():
                item.setText(shown)

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
            label.setToolTip(tooltip_text(rec["title"]))
            label.setStyleSheet("font-weight:600")
            title = ElidedLabel(rec["title"])
            title.setObjectName("muted")
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(rec["completion"])
            # "0% · 0/0" read as a failure: a recommendation nobody has an action for yet says so.
            counts = f"{rec['completion']}% · {rec[Status.DONE]}/{rec['actions']}"
            bar.setFormat(counts if rec["actions"] else "none yet")
            bar.setFixedWidth(112)
            bar.setFixedHeight(max(label.sizeHint().height(), 20))
            noun = "action" if rec["actions"] == 1 else "actions"
            bar.setToolTip(
                f"Recommendation {rec['number']}: average completion {rec['completion']}%, "
                f"{rec[Status.DONE]} of {rec['actions']} confirmed {noun} done"
                if rec["actions"]
                else f"Recommendation {rec['number']}: no confirmed actions yet"
            )
            self.completion_grid.addWidget(label, row, 0)
            self.completion_grid.addWidget(title, row, 1)
            self.completion_grid.addWidget(bar, row, 2)
        self.completion_grid.setColumnStretch(1, 1)

    def _fill_lists(self, data: dict[str, Any]) -> None:
        for key in ("overdue", Status.BLOCKED, "stale"):
            widget = self.lists[key]
            widget.clear()
            for a in data[key]:
                due = f" · due {display_date(a['due'])}" if a.get("due") else ""
                item = QListWidgetItem(f"{a['organisation'] or '—'}: {a['text']}{due}")
                item.setData(ACTION_ROLE, a["id"])
                if a.get("status"):
                    item.setIcon(dot_icon(status_color(a["status"])))
                    item.setToolTip(f"{status_label(a['status'])} · double-click to open the action")
                widget.addItem(item)
            if not data[key]:
                widget.addItem(QListWidgetItem("Nothing here."))
            self.tabs.setTabText(list(self.lists).index(key), f"{key.capitalize()} ({len(data[key])})")
        changes = self.lists["changes"]
        changes.clear()
        for u in data["recent_changes"]:
            what = status_label(u["new_status"]) if u.get("new_status") else f"{u.get('new_percent')}%"
            item = QListWidgetItem(
                f"{display_date(u['at'])}  {u['organisation'] or '—'}: {what} — {u['text'][:80]}"
            )
            item.setData(ACTION_ROLE, u["action_id"])
            changes.addItem(item)
        if not data["recent_changes"]:
            changes.addItem(QListWidgetItem("No updates in the last 30 days."))
        self.tabs.setTabText(3, f"Recent ({len(data['recent_changes'])})")
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """The lists' column is at least as wide as its tab bar: the heat map's names elide instead."""
        bar = self.tabs.tabBar()
        bar.ensurePolished()
        width = sum(bar.tabSizeHint(i).width() for i in range(bar.count()))
        self.tabs.setMinimumWidth(width + 6)

    def open_cell(self, row: int, column: int) -> None:
        item = self.heat.item(row, column)
        if item is None:
            return
        org_id, rec_id = item.data(CELL_ROLE)
        org_name = dict(self.data["organisations"]).get(org_id, "")
        if rec_id is None:  # the Unconfirmed column
            cell = {"action_ids": self.unconfirmed.get(org_id, [])} if self.unconfirmed.get(org_id) else None
            title = f"{org_name} · actions with no confirmed recommendation"
        else:
            cell = self.data["cells"].get((org_id, rec_id))
            rec = next(r for r in self.data["recommendations"] if r["id"] == rec_id)
            title = f"{org_name} · Recommendation {rec['number']}: {rec['title']}"
        self.cell_list.clear()
        self.cell_title.setText(title)
        actions = {a["id"]: a for a in tracking.action_rows(self.db)} if cell else {}
        for action_id in (cell or {}).get("action_ids", []):
            a = actions[action_id]
            entry = QListWidgetItem(f"{status_label(a['status'])} · {a['percent'] or 0}% — {a['text']}")
            entry.setData(ACTION_ROLE, action_id)
            # A coloured dot, not coloured text: green or amber text on white is hard to read.
            entry.setIcon(dot_icon(status_color(a["status"])))
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
