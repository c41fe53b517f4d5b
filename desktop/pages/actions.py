"""Organisations & actions page: organisation tree, editable actions table, links, history, returns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.operations import tracking
from desktop.operations.changes import Changes, Result
from desktop.pages import Page
from desktop.qtmodels import ROW_ROLE, SORT_ROLE, ActionsTableModel
from desktop.style import LINK_MARKS_EXPLAINED, color, org_type_label, status_color, status_label
from desktop.widgets.common import (
    PageHeader,
    PlainLabel,
    html_escape,
    remember_splitter,
    short_name,
    status_dot,
    tooltip_text,
)
from desktop.widgets.dates import display_date
from desktop.widgets.dialogs import (
    DateDelegate,
    NewActionDialog,
    PercentDelegate,
    ProgressDialog,
    StatusDelegate,
)
from knowledge.vocab import LinkState, ReportKind

ORG_ROLE = Qt.ItemDataRole.UserRole + 1
ORG_NAME_ROLE = Qt.ItemDataRole.UserRole + 3  # the full name; the tree shows the abbreviated one
LABEL_ROLE = Qt.ItemDataRole.UserRole + 4  # the "All organisations (n)" row's label in full
LINK_ROLE = Qt.ItemDataRole.UserRole + 2
# Starting widths of #, Action (stretches), Organisation, Recs, Status, %, Owner, Due.
COLUMN_WIDTHS = (40, 0, 150, 60, 120, 60, 110, 104)
ACTION_ROOM = 300  # the least the Action column keeps before another column gives way


def create_action(db: Any, job: Any, values: dict[str, Any]) -> Result[int]:
    """Create the action and confirm the recommendations the user ticked (suggestions kept as suggested)."""
    return tracking.add_action(
        db,
        organisation=values["organisation"],
        text=values["text"],
        owner=values.get("owner"),
        due=values.get("due"),
        recommendation_ids=values.get("recommendation_ids", []),
    )


# The workflow states the table can be narrowed to: drafts (extracted from notes, not yet accepted) and
# suggestions awaiting a person's confirmation are different jobs, so they are filtered apart.
SHOW_FILTERS: dict[str, tuple[str, Any]] = {
    "all": ("All actions", lambda row: True),
    "drafts": ("Drafts to review", lambda row: bool(row.get("draft"))),
    "awaiting": ("Suggested, awaiting confirmation", lambda row: bool(row.get("awaiting"))),
    "none": ("No recommendation fits", lambda row: bool(row.get("fits_none"))),
}


class ActionFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.text = ""
        self.state = "all"
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        self.text = text.lower().strip()
        self.invalidateFilter()

    def set_state(self, key: str) -> None:
        self.state = key if key in SHOW_FILTERS else "all"
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:  # noqa: N802 (Qt naming)
        row = self.sourceModel().row_dict(source_row)
        if not SHOW_FILTERS[self.state][1](row):
            return False
        if not self.text:
            return True
        hay = " ".join(str(row.get(k) or "") for k in ("text", "organisation", "owner", "status")).lower()
        return all(w in hay for w in self.text.split())


class ActionsPage(Page):
    actionSaved = Signal(int)  # an action was created or changed (after the write landed)
    shows = Changes(actions=True, links=True, organisations=True, recommendations=True)

    def __init__(self, window: Any):
        super().__init__(window)
        self.organisation_ids: list[int] | None = None
        self._build_header()
        self._build_tree()
        right = QWidget()
        r = QVBoxLayout(right)
        r.setContentsMargins(12, 0, 0, 0)
        r.addLayout(self._build_tools())
        self._build_table()
        # The table over the selected action's details, in a splitter the person can drag (remembered).
        detail = QWidget()
        d = QVBoxLayout(detail)
        d.setContentsMargins(0, 4, 0, 0)
        self._build_action_title(d)
        self._build_detail_tabs()
        d.addWidget(self.tabs, 1)
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.table)
        self.vsplit.addWidget(detail)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 1)
        self.vsplit.setSizes([440, 230])
        remember_splitter(self.vsplit, window.settings, "actions/detail_split")
        r.addWidget(self.vsplit, 1)
        self.legend = QLabel(
            f"{LINK_MARKS_EXPLAINED} · double-click or F2 edits a cell · right-click for more"
        )
        self.legend.setObjectName("muted")
        self.legend.setWordWrap(True)
        r.addWidget(self.legend)
        self._build_splitter(right)
        self._link_buttons()

    # -- building ----------------------------------------------------------------------------------
    def _build_header(self) -> None:
        self.header = PageHeader(
            "Organisations & actions", "Who has committed to what, and how far each has got"
        )
        self.new_button = self.header.add_button(QPushButton("New action…"))
        self.new_button.setObjectName("primaryButton")
        self.new_button.clicked.connect(self.new_action_dialog)
        # Progress returns in one menu button: the header must fit a 1024 px window.
        self.returns_button = self.header.add_button(QPushButton("Returns"))
        self.returns_button.setToolTip("Send an organisation its progress return, or import a filled one")
        returns = QMenu(self.returns_button)
        self.export_return_action = returns.addAction("Export return for this organisation…")
        self.export_return_action.triggered.connect(self.export_return_dialog)
        self.import_return_action = returns.addAction("Import a filled return…")
        self.import_return_action.triggered.connect(self.import_return_dialog)
        self.returns_button.setMenu(returns)
        self.returns_button.setMinimumWidth(self.returns_button.sizeHint().width() + 16)
        self.export_tracker_button = self.header.add_button(QPushButton("Export tracker…"))
        self.export_tracker_button.setToolTip("Every action as an Excel workbook, with filters and RAG")
        self.export_tracker_button.clicked.connect(self.export_tracker_dialog)
        self.layout_.addWidget(self.header)

    def _build_tree(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Organisation", "n"])
        self.tree.headerItem().setToolTip(1, "Actions recorded for the organisation")
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)  # names, not the tree's steps, should get the width
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setMinimumWidth(170)
        self.tree.setAccessibleName("Organisations")
        # In the middle, so four "Northshire …" rows in a narrow tree stay apart ("Northsh…ICB", "…Forum");
        # the full name is in the tooltip.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setColumnWidth(1, 36)
        self.tree.currentItemChanged.connect(lambda *_: self._org_selected())

    def _build_tools(self) -> QHBoxLayout:
        tools = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter actions")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter actions")
        self.show_filter = QComboBox()
        self.show_filter.setObjectName("showFilter")
        self.show_filter.setAccessibleName("Show")
        for key, (label, _) in SHOW_FILTERS.items():
            self.show_filter.addItem(label, key)
        self.progress_button = QPushButton("Update progress…")
        self.progress_button.clicked.connect(self.progress_dialog)
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.show_filter)
        tools.addWidget(self.progress_button)
        return tools

    def _build_table(self) -> None:
        self.model = ActionsTableModel(self)
        self.model.editRequested.connect(self._edit_requested)
        self.proxy = ActionFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.show_filter.currentIndexChanged.connect(
            lambda _: self.proxy.set_state(self.show_filter.currentData())
        )
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Actions")
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # columns fit instead
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._double_clicked)
        # The viewport's resize, not the table's: that comes first, while the viewport still has its old
        # width, and a tree dragged wider (and remembered) was then taken back on every start.
        self.table.viewport().installEventFilter(self)
        self.table.setItemDelegateForColumn(4, StatusDelegate(self.table))
        self.table.setItemDelegateForColumn(5, PercentDelegate(self.table))
        self.table.setItemDelegateForColumn(7, DateDelegate(self.table))
        self._size_table_columns()
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._action_selected())

    def _size_table_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the action's words get the room
        header.setMinimumSectionSize(36)
        for col, width in enumerate(COLUMN_WIDTHS):
            if width:
                self.table.setColumnWidth(col, width)

    def fit_columns(self) -> None:
        """Give the Action column the room: below ACTION_ROOM the Organisation column, then the owner, give
        way (both are in the line under the table), so no column ever hides behind a sideways scrollbar."""
        single = self._single_organisation()
        room = self.table.viewport().width()
        fixed = sum(w for c, w in enumerate(COLUMN_WIDTHS) if w and c not in (2, 6))
        show_org = not single and room - fixed - COLUMN_WIDTHS[2] >= ACTION_ROOM
        show_owner = single and room - fixed - COLUMN_WIDTHS[6] >= ACTION_ROOM
        self.table.setColumnHidden(2, not show_org)
        self.table.setColumnHidden(6, not show_owner)
        self._label_everything()  # the tree gave way or took back room

    def _label_everything(self) -> None:
        """ "All organisations (11)" where it fits, else "All (11)" (not "All org…ns (11)")."""
        everything = self.tree.topLevelItem(0)
        if everything is None:
            return
        full = everything.data(0, LABEL_ROLE) or everything.text(0)
        room = self.tree.columnWidth(0) - self.tree.indentation() - 24
        fits = self.tree.fontMetrics().horizontalAdvance(full) <= room
        everything.setText(0, full if fits else full.replace("All organisations", "All"))

    def _give_table_room(self) -> None:
        """In a narrow window the tree gives way first (to its minimum), before any column does."""
        split = getattr(self, "split", None)
        fixed = sum(w for c, w in enumerate(COLUMN_WIDTHS) if w and c not in (2, 6))
        if split is None or self.table.viewport().width() - fixed >= ACTION_ROOM:
            return
        tree, rest = split.sizes()
        narrowest = self.tree.minimumWidth()
        if tree > narrowest:
            give = min(tree - narrowest, ACTION_ROOM - (self.table.viewport().width() - fixed))
            split.setSizes([tree - give, rest + give])

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self._give_table_room()
        self.fit_columns()

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 (Qt naming)
        from PySide6.QtCore import QEvent

        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._give_table_room()
            self.fit_columns()
        return super().eventFilter(watched, event)

    def _build_action_title(self, layout: QVBoxLayout) -> None:
        # The table elides long actions: the selected one is shown in full here.
        self.action_title = PlainLabel()
        self.action_title.setObjectName("actionTitle")
        self.action_title.setWordWrap(True)
        self.action_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_meta = PlainLabel()
        self.action_meta.setObjectName("muted")
        self.action_meta.setWordWrap(True)
        layout.addSpacing(6)
        layout.addWidget(self.action_title)
        layout.addWidget(self.action_meta)

    def _build_detail_tabs(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_links_tab(), "Recommendations")
        self.history = QTextBrowser()
        self.tabs.addTab(self.history, "History")

    def _build_links_tab(self) -> QWidget:
        links_tab = QWidget()
        lt = QVBoxLayout(links_tab)
        self.links = QListWidget()
        self.links.currentItemChanged.connect(lambda *_: self._link_buttons())
        link_buttons = QHBoxLayout()
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.clicked.connect(lambda: self.decide_link(LinkState.CONFIRMED))
        self.reject_button = QPushButton("Reject")
        self.reject_button.clicked.connect(lambda: self.decide_link(LinkState.REJECTED))
        link_buttons.addWidget(QLabel("Recommendations this action serves"))
        link_buttons.addStretch(1)
        link_buttons.addWidget(self.confirm_button)
        link_buttons.addWidget(self.reject_button)
        lt.addLayout(link_buttons)
        lt.addWidget(self.links)
        return links_tab

    def _build_splitter(self, right: QWidget) -> None:
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([270, 800])
        remember_splitter(split, self.window_.settings, "actions/tree_split")
        self.split = split
        self.layout_.addWidget(split, 1)

    # -- data --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        self._fill_tree()
        self._load_actions()

    def _fill_tree(self) -> None:
        from knowledge.actions.queries import action_counts_by_organisation
        from knowledge.organisations import list_organisations

        current = self.organisation_ids
        counts = action_counts_by_organisation(self.db)
        orgs = list_organisations(self.db)
        self.tree.blockSignals(True)
        self.tree.clear()
        everything = QTreeWidgetItem([f"All organisations ({len(orgs)})", str(sum(counts.values()))])
        everything.setData(0, ORG_ROLE, None)
        everything.setData(0, LABEL_ROLE, f"All organisations ({len(orgs)})")
        everything.setToolTip(0, f"All {len(orgs)} organisations")
        self.tree.addTopLevelItem(everything)
        items: dict[int, QTreeWidgetItem] = {}
        for org in orgs:
            item = QTreeWidgetItem([short_name(org["name"]), str(counts.get(org["id"], 0))])
            item.setData(0, ORG_ROLE, org["id"])
            item.setData(0, ORG_NAME_ROLE, org["name"])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, tooltip_text(f"{org['name']} · {org_type_label(org['type'])}"))
            items[org["id"]] = item
        for org in orgs:  # an ICS holds its ICB and trusts
            parent = items.get(org["parent_id"]) if org["parent_id"] else None
            (parent.addChild if parent else everything.addChild)(items[org["id"]])
        self.tree.expandAll()
        self._label_everything()
        self.tree.blockSignals(False)
        target = everything
        if current and len(current) >= 1:
            target = items.get(current[0], everything)
        self.tree.setCurrentItem(target)

    def _subtree_ids(self, item: QTreeWidgetItem) -> list[int]:
        ids = [item.data(0, ORG_ROLE)]
        for i in range(item.childCount()):
            ids += self._subtree_ids(item.child(i))
        return [i for i in ids if i is not None]

    def _org_selected(self) -> None:
        item = self.tree.currentItem()
        if item is None or item.data(0, ORG_ROLE) is None:
            self.organisation_ids = None
        else:
            self.organisation_ids = self._subtree_ids(item)
        self._load_actions()

    def select_organisation(self, name: str) -> bool:
        everything = self.tree.topLevelItem(0)
        stack = [everything] if everything is not None else []
        while stack:
            item = stack.pop()
            if item.data(0, ORG_NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return True
            stack.extend(item.child(i) for i in range(item.childCount()))
        return False

    def _load_actions(self) -> None:
        selected = self.selected_action()
        # One organisation without children: its name in every row would only take the action's room;
        # across organisations the owner gives way to the organisation (fit_columns decides).
        self._give_table_room()
        self.fit_columns()
        self.model.set_rows(tracking.action_rows(self.db, self.organisation_ids))
        if not (selected and self.select_action(selected["id"])) and self.proxy.rowCount():
            self.table.selectRow(0)
        self._action_selected()

    def _single_organisation(self) -> bool:
        item = self.tree.currentItem()
        return item is not None and item.data(0, ORG_ROLE) is not None and item.childCount() == 0

    def selected_action(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_action(self, action_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ROW_ROLE)["id"] == action_id:
                self.table.selectRow(row)
                return True
        return False

    def show_item(self, action_id: int | None = None, organisation: str | None = None, **_: Any) -> None:
        if organisation:
            self.select_organisation(organisation)
        if action_id is not None:
            if not self.select_action(action_id):
                self.tree.setCurrentItem(self.tree.topLevelItem(0))
                self.select_action(action_id)

    def _action_selected(self) -> None:
        action = self.selected_action()
        self.progress_button.setEnabled(action is not None)
        self.links.clear()
        self._show_action_title(action)
        if action is None:
            self.history.setHtml(
                f"<p style='color:{color('muted')}'>Select an action to see its history.</p>"
            )
            self._link_buttons()
            return
        for link in action.get("links", []):
            state = link["state"]
            score = f" · score {link['score']:.2f}" if link.get("score") is not None else ""
            shown = LinkState(state).label if state in {s.value for s in LinkState} else str(state)
            item = QListWidgetItem(f"R{link['number']}  {link['title']}   [{shown}{score}]")
            item.setData(LINK_ROLE, link)
            if state == LinkState.REJECTED:
                item.setForeground(QColor(color("muted")))
            self.links.addItem(item)
        if not action.get("links") and action.get("fits_none"):
            item = QListWidgetItem("No recommendation fits: the matcher judged it unrelated to all of them.")
            item.setForeground(QColor(color("muted")))
            self.links.addItem(item)
        elif not action.get("links"):
            self.links.addItem(QListWidgetItem("No recommendation linked yet."))
        else:  # a suggestion waiting for a decision first, so Confirm / Reject work straight away
            states = [link["state"] for link in action["links"]]
            waiting = LinkState.SUGGESTED
            self.links.setCurrentRow(states.index(waiting) if waiting in states else 0)
        self.history.setHtml(self._history_html(action))
        self._link_buttons()

    def _show_action_title(self, action: dict[str, Any] | None) -> None:
        if action is None:
            self.action_title.setText("Select an action to see its recommendations and history.")
            self.action_meta.setText("")
            return
        self.action_title.setText(f"#{action['id']} · {action['text']}")
        parts = [
            action.get("organisation") or "",
            f"owner {action['owner']}" if action.get("owner") else "",
            f"due {display_date(action['due'])}" if action.get("due") else "",
        ]
        self.action_meta.setText(" · ".join(p for p in parts if p))

    def _history_html(self, action: dict[str, Any]) -> str:
        from knowledge.actions import action_history

        rows = list(reversed(action_history(self.db, action["id"])))  # newest first
        due = f" · due {html_escape(display_date(action['due']))}" if action.get("due") else ""
        parts = [f"<p><b>{status_dot(action['status'])}</b> · {action.get('percent') or 0}%{due}</p>"]
        if not rows:
            parts.append(f"<p style='color:{color('muted')}'>No progress updates yet.</p>")
        for u in rows:
            parts.append(self._history_entry(u))
        return "".join(parts)

    @staticmethod
    def _history_entry(u: dict[str, Any]) -> str:
        """One dated entry of the timeline: what changed (or what was first recorded), who, the note."""
        if u.get("old_status") is None and u.get("old_percent") is None:  # the action's first record
            first = [f"recorded as <b>{html_escape(status_label(u.get('new_status')))}</b>"]
            if u.get("new_percent"):
                first.append(f"{u['new_percent']}%")
            if u.get("new_due"):
                first.append(f"due {html_escape(display_date(u['new_due']))}")
            change = [" · ".join(first)]
        else:
            change = []
            if u.get("new_status") and u.get("new_status") != u.get("old_status"):
                change.append(
                    f"{html_escape(status_label(u.get('old_status')))} → "
                    f"<b>{html_escape(status_label(u['new_status']))}</b>"
                )
            if u.get("new_percent") is not None and u.get("new_percent") != u.get("old_percent"):
                change.append(f"{u.get('old_percent') or 0}% → <b>{u['new_percent']}%</b>")
            if u.get("new_due") and u.get("new_due") != u.get("old_due"):
                old_due = html_escape(display_date(u.get("old_due")) or "—")
                change.append(f"due {old_due} → <b>{html_escape(display_date(u['new_due']))}</b>")
            if not change:
                change.append("note added")
        dot = status_color(u.get("new_status"))
        who = f" · {html_escape(u['who'])}" if u.get("who") else ""
        muted = color("muted")
        note = f"<br><span style='color:{muted}'>{html_escape(u['note'])}</span>" if u.get("note") else ""
        when = html_escape(display_date(str(u["at"])[:10]))
        return (
            f"<p><span style='color:{dot}'>&#9679;</span>&nbsp;<b>{when}</b>"
            f"{who}<br>{'; '.join(change)}{note}</p>"
        )

    def _link_buttons(self) -> None:
        item = self.links.currentItem()
        link = item.data(LINK_ROLE) if item else None
        self.confirm_button.setEnabled(bool(link) and link["state"] != LinkState.CONFIRMED)
        self.reject_button.setEnabled(bool(link) and link["state"] != LinkState.REJECTED)

    # -- writes ------------------------------------------------------------------------------------
    def _write(self, fn: Any, done_message: str, action_id: int | None = None) -> Any:
        def landed(result: Any) -> None:
            self.window_.show_message(done_message)
            saved = action_id if action_id is not None else result
            if isinstance(saved, int):
                self.select_action(saved)
                self.actionSaved.emit(saved)

        return self.window_.run_op(
            fn,
            on_done=landed,
            on_error=lambda m: (
                self.window_.show_error("Could not save", m),
                self.window_.dataChanged.emit(self.shows),  # put the values as stored back
            ),
        )

    def _edit_requested(self, action_id: int, field: str, value: Any) -> None:
        reason = None
        if field == "due":
            reason, ok = QInputDialog.getText(self, "Change due date", "Reason for the new due date:")
            if not ok or not reason.strip():
                self.window_.dataChanged.emit(self.shows)  # put the old date back
                return
        self.edit_action(action_id, field, value, reason, version=self._version_of(action_id))

    def _version_of(self, action_id: int) -> int | None:
        """The version of the action as this page shows it: a save made from it cannot overwrite a
        change someone else made since (the save is refused, naming them, and the row reloads)."""
        for row in range(self.proxy.rowCount()):
            data = self.proxy.index(row, 0).data(ROW_ROLE)
            if data and data["id"] == action_id:
                return data.get("version")
        return None

    def _double_clicked(self, index: Any) -> None:
        """The Action text and the read-only columns open their editors too (the table edits the rest)."""
        if index.column() == 1:
            self.edit_text_dialog()
        elif index.column() in (0, 2, 3):
            self.progress_dialog()

    def edit_text_dialog(self) -> str | None:
        action = self.selected_action()
        if action is None:
            return None
        text, ok = QInputDialog.getMultiLineText(self, "Edit action", "What will be done:", action["text"])
        if ok and text.strip() and text.strip() != action["text"]:
            self.edit_text(action["id"], text.strip(), version=action.get("version"))
            return text.strip()
        return None

    def edit_text(self, action_id: int, text: str, *, version: int | None = None) -> Any:
        return self._write(
            lambda db, job: tracking.edit_action(db, action_id, text=text, expected_version=version),
            f"Action #{action_id}: wording saved",
            action_id,
        )

    def context_menu(self) -> QMenu:
        """What can be done with the selected action: the same entries as the buttons and the cells."""
        menu = QMenu(self)
        action = self.selected_action()
        entries = (
            ("Update progress…", self.progress_dialog),
            ("Edit wording…", self.edit_text_dialog),
            ("Change due date…", lambda: self._edit_cell(7)),
            ("Change owner…", lambda: self._edit_cell(6)),
            ("Copy action text", self.copy_text),
        )
        for label, slot in entries:
            entry = menu.addAction(label)
            entry.setEnabled(action is not None)
            entry.triggered.connect(slot)
        menu.addSeparator()
        menu.addAction("New action…").triggered.connect(self.new_action_dialog)
        return menu

    def _context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        self.last_menu = self.context_menu()
        self.last_menu.popup(self.table.viewport().mapToGlobal(pos))

    def _edit_cell(self, column: int) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            if self.table.isColumnHidden(column):
                self.table.setColumnHidden(column, False)  # the owner column may have given way
            self.table.edit(index.siblingAtColumn(column))

    def copy_text(self) -> None:
        action = self.selected_action()
        if action is not None:
            QGuiApplication.clipboard().setText(action["text"])
            self.window_.show_message("Action text copied", 3000)

    def edit_action(
        self, action_id: int, field: str, value: Any, reason: str | None = None, *, version: int | None = None
    ) -> Any:
        return self._write(
            lambda db, job: tracking.update_action_field(
                db, action_id, field, value, reason, expected_version=version
            ),
            f"Action #{action_id}: {field} saved",
            action_id,
        )

    def new_action_dialog(self) -> NewActionDialog:
        item = self.tree.currentItem()
        org = item.data(0, ORG_NAME_ROLE) if item is not None and item.data(0, ORG_ROLE) is not None else None
        dialog = NewActionDialog(self.window_, org, self)
        dialog.saveRequested.connect(self.save_new_action)
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def save_new_action(self, values: dict[str, Any]) -> Any:
        return self._write(lambda db, job: create_action(db, job, values), "Action saved")

    def progress_dialog(self) -> ProgressDialog | None:
        action = self.selected_action()
        if action is None:
            return None
        dialog = ProgressDialog(action, self)
        version = action.get("version")
        dialog.saveRequested.connect(lambda values: self.save_progress(action["id"], values, version=version))
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def save_progress(self, action_id: int, values: dict[str, Any], *, version: int | None = None) -> Any:
        def work(db: Any, job: Any) -> Result[Any]:
            return tracking.update_progress(
                db,
                action_id,
                status=values.get("status"),
                percent=values.get("percent"),
                note=values.get("note"),
                who=values.get("who"),
                expected_version=version,
            )

        return self._write(work, "Progress recorded", action_id)

    def decide_link(self, state: str) -> Any:
        item = self.links.currentItem()
        action = self.selected_action()
        link = item.data(LINK_ROLE) if item else None
        if not link or not action:
            return None
        action_id, rec_id = action["id"], link["recommendation_id"]

        def work(db: Any, job: Any) -> Result[None]:
            return tracking.decide_links(db, action_id, [rec_id], state)

        return self._write(work, f"Recommendation {link['number']} {state}", action_id)

    # -- progress returns --------------------------------------------------------------------------
    def export_return_dialog(self) -> None:
        item = self.tree.currentItem()
        if item is None or item.data(0, ORG_ROLE) is None:
            self.window_.show_error("Export return", "Choose an organisation first.")
            return
        name = item.data(0, ORG_NAME_ROLE)
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export progress return", f"{name} return.xlsx", "Excel workbook (*.xlsx);;CSV (*.csv)"
        )
        if path:
            suffix = ".csv" if chosen.startswith("CSV") else ".xlsx"  # the form follows the file's suffix
            self.export_return(name, path if path.lower().endswith((".csv", ".xlsx")) else path + suffix)

    def export_tracker_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export tracker", "tracker.xlsx", "Excel workbook (*.xlsx)"
        )
        if path:
            self.export_tracker(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export_tracker(self, path: str) -> Any:
        """Every action as a workbook (the tracker report's spreadsheet form), on a worker."""
        from desktop.operations import reports

        return self.window_.run_op(
            lambda db, job: reports.export_report(
                db, self.window_.db_path, ReportKind.TRACKER, outputs={"xlsx": path}, evidence="none"
            ),
            write=False,
            on_done=lambda export: self.window_.show_message(f"Tracker written to {export.written[0]}"),
            on_error=lambda m: self.window_.show_error("Could not export the tracker", m),
        )

    def export_return(self, organisation: str, path: str) -> Any:
        return self.window_.run_op(
            lambda db, job: tracking.export_return(db, organisation, path),
            write=False,
            on_done=lambda p: self.window_.show_message(f"Return form written to {p}"),
            on_error=lambda m: self.window_.show_error("Could not export the return", m),
        )

    def import_return_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import progress return", "", "Progress returns (*.xlsx *.xlsm *.csv)"
        )
        if path:
            self.import_return(path)

    def import_return(self, path: str) -> Any:
        def landed(result: Any) -> None:
            problems = getattr(result, "problems", None) or getattr(result, "unknown", None) or []
            applied = getattr(result, "applied", None)
            message = "Return imported" + (f": {applied} update(s)" if applied is not None else "")
            if problems:
                self.window_.show_error("Return imported with problems", "\n".join(map(str, problems)))
            self.window_.show_message(message)

        return self.window_.run_op(
            lambda db, job: tracking.import_return(db, path),
            on_done=landed,
            on_error=lambda m: self.window_.show_error("Could not import the return", m),
        )

    # -- screenshot --------------------------------------------------------------------------------
    def prepare_screenshot(self) -> None:
        self.refresh()
        from knowledge.actions.queries import busiest_organisation

        best = busiest_organisation(self.db)
        if best:
            self.select_organisation(best)
        if self.proxy.rowCount():
            self.table.selectRow(0)
