"""Organisations & actions page: organisation tree, editable actions table, links, history, returns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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
from desktop.style import org_type_label, status_color, status_label
from desktop.widgets.common import (
    PageHeader,
    PlainLabel,
    html_escape,
    short_name,
    status_dot,
    tooltip_text,
)
from desktop.widgets.dialogs import (
    DateDelegate,
    NewActionDialog,
    PercentDelegate,
    ProgressDialog,
    StatusDelegate,
)
from knowledge.vocab import LinkState

ORG_ROLE = Qt.ItemDataRole.UserRole + 1
ORG_NAME_ROLE = Qt.ItemDataRole.UserRole + 3  # the full name; the tree shows the abbreviated one
LINK_ROLE = Qt.ItemDataRole.UserRole + 2


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


class ActionFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        self.text = text.lower().strip()
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:  # noqa: N802 (Qt naming)
        if not self.text:
            return True
        row = self.sourceModel().row_dict(source_row)
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
        r.addWidget(self.table, 3)
        self._build_action_title(r)
        self._build_detail_tabs()
        r.addWidget(self.tabs, 2)
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
        self.import_return_button = self.header.add_button(QPushButton("Import return…"))
        self.import_return_button.clicked.connect(self.import_return_dialog)
        self.export_return_button = self.header.add_button(QPushButton("Export return…"))
        self.export_return_button.clicked.connect(self.export_return_dialog)
        self.layout_.addWidget(self.header)

    def _build_tree(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Organisation", "Actions"])
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)  # names, not the tree's steps, should get the width
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setMinimumWidth(250)
        self.tree.setColumnWidth(1, 56)
        self.tree.currentItemChanged.connect(lambda *_: self._org_selected())

    def _build_tools(self) -> QHBoxLayout:
        tools = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter actions")
        self.filter.setClearButtonEnabled(True)
        self.progress_button = QPushButton("Update progress…")
        self.progress_button.clicked.connect(self.progress_dialog)
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.progress_button)
        return tools

    def _build_table(self) -> None:
        self.model = ActionsTableModel(self)
        self.model.editRequested.connect(self._edit_requested)
        self.proxy = ActionFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter.textChanged.connect(self.proxy.set_text)
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
        self.table.setItemDelegateForColumn(4, StatusDelegate(self.table))
        self.table.setItemDelegateForColumn(5, PercentDelegate(self.table))
        self.table.setItemDelegateForColumn(7, DateDelegate(self.table))
        self._size_table_columns()
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._action_selected())

    def _size_table_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in enumerate((40, 0, 140, 56, 124, 64, 110, 96)):
            if width:
                self.table.setColumnWidth(col, width)

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
        split.setStretchFactor(1, 1)
        split.setSizes([300, 740])
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
        item = self.tree.currentItem()
        # One organisation without children: its name in every row would only take the action's room.
        single = item is not None and item.data(0, ORG_ROLE) is not None and item.childCount() == 0
        self.table.setColumnHidden(2, single)
        # Across organisations the owner gives way to the organisation (it is in the line under the table).
        self.table.setColumnHidden(6, not single)
        self.model.set_rows(tracking.action_rows(self.db, self.organisation_ids))
        if not (selected and self.select_action(selected["id"])) and self.proxy.rowCount():
            self.table.selectRow(0)
        self._action_selected()

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
            self.history.setHtml("<p style='color:#7b8794'>Select an action to see its history.</p>")
            self._link_buttons()
            return
        for link in action.get("links", []):
            state = link["state"]
            score = f" · score {link['score']:.2f}" if link.get("score") is not None else ""
            item = QListWidgetItem(f"R{link['number']}  {link['title']}   [{state}{score}]")
            item.setData(LINK_ROLE, link)
            if state == LinkState.REJECTED:
                item.setForeground(Qt.GlobalColor.gray)
            self.links.addItem(item)
        if not action.get("links"):
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
            f"due {action['due']}" if action.get("due") else "",
        ]
        self.action_meta.setText(" · ".join(p for p in parts if p))

    def _history_html(self, action: dict[str, Any]) -> str:
        from knowledge.actions import action_history

        rows = list(reversed(action_history(self.db, action["id"])))  # newest first
        due = f" · due {html_escape(action['due'])}" if action.get("due") else ""
        parts = [f"<p><b>{status_dot(action['status'])}</b> · {action.get('percent') or 0}%{due}</p>"]
        if not rows:
            parts.append("<p style='color:#7b8794'>No progress updates yet.</p>")
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
                first.append(f"due {html_escape(u['new_due'])}")
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
                old_due = html_escape(u.get("old_due") or "—")
                change.append(f"due {old_due} → <b>{html_escape(u['new_due'])}</b>")
            if not change:
                change.append("note added")
        color = status_color(u.get("new_status"))
        who = f" · {html_escape(u['who'])}" if u.get("who") else ""
        note = f"<br><span style='color:#7b8794'>{html_escape(u['note'])}</span>" if u.get("note") else ""
        return (
            f"<p><span style='color:{color}'>&#9679;</span>&nbsp;<b>{html_escape(str(u['at'])[:10])}</b>"
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
        self.edit_action(action_id, field, value, reason)

    def edit_action(self, action_id: int, field: str, value: Any, reason: str | None = None) -> Any:
        return self._write(
            lambda db, job: tracking.update_action_field(db, action_id, field, value, reason),
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
        dialog.saveRequested.connect(lambda values: self.save_progress(action["id"], values))
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def save_progress(self, action_id: int, values: dict[str, Any]) -> Any:
        def work(db: Any, job: Any) -> Result[Any]:
            return tracking.update_progress(
                db,
                action_id,
                status=values.get("status"),
                percent=values.get("percent"),
                note=values.get("note"),
                who=values.get("who"),
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
        path, _ = QFileDialog.getSaveFileName(
            self, "Export progress return", f"{name} return.csv", "CSV (*.csv)"
        )
        if path:
            self.export_return(name, path)

    def export_return(self, organisation: str, path: str) -> Any:
        return self.window_.run_op(
            lambda db, job: tracking.export_return(db, organisation, path),
            write=False,
            on_done=lambda p: self.window_.show_message(f"Return form written to {p}"),
            on_error=lambda m: self.window_.show_error("Could not export the return", m),
        )

    def import_return_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import progress return", "", "CSV (*.csv)")
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
