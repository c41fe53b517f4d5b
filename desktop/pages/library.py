"""Library page: the documents table, a welcome panel for an empty library, the document view."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.operations import library as library_ops
from desktop.operations.changes import Changes
from desktop.pages import Page
from desktop.qtmodels import ROW_ROLE, SORT_ROLE, Column, DictTableModel
from desktop.style import KIND_LABELS, color
from desktop.widgets.common import (
    Card,
    PageHeader,
    PlainLabel,
    ReaderPane,
    html_escape,
    remember_splitter,
    side_by_side,
    status_dot,
)
from desktop.widgets.dates import DateField, display_date

DOC_COLUMNS = [
    Column("title", "Title"),
    Column("kind", "Kind", format=lambda v: KIND_LABELS.get(v or "", v or "")),
    Column("date", "Date", format=lambda v: display_date(v) or "—"),  # sorts on the ISO value
    Column("organisation", "Organisation", format=lambda v: v or "—"),
    Column("pages", "Pages", align_right=True, format=lambda v: "—" if v is None else str(v)),
    Column("passages", "Passages", align_right=True),
]


def list_documents(db: Any) -> list[dict[str, Any]]:
    """Documents with their organisation and passage counts, newest first."""
    from knowledge.library import list_documents as _list

    return [dict(r) for r in _list(db)]


def document_passages(db: Any, document_id: int) -> list[dict[str, Any]]:
    from knowledge.library import document_passages as _passages

    return [dict(p) for p in _passages(db, document_id)]


# Lines that start a line of their own: list items, and "Label: value" lines (Date:, Venue:, Chair:, and
# attendee lists whose markers the extraction dropped: "St Anselm's Hospitals NHS Trust: Consultant ...").
_LIST_ITEM = re.compile(r"^\s*(([-*•·]|\d+[.)]|[a-z][.)])\s+|[A-Z][\w ()/&'’.,-]{0,60}:\s)")
# A line this much shorter than the text's longest ended where its writer ended it, not at a wrap column.
_SHORT_LINE = 0.75


def reflow(text: str) -> str:
    """Text with its hard line breaks joined into paragraphs; list items, lines after a short line (the
    last of a list: "Veritas Imaging Ltd (supplier session only)") and blank lines stay on their own."""
    lines = text.splitlines()
    wrap = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    previous = ""
    for line in lines:
        stripped = line.strip()
        ended = len(previous) < _SHORT_LINE * wrap
        if out and stripped and out[-1] and not ended and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped)
        previous = stripped
    return "\n".join(out)


class DocumentFilter(QSortFilterProxyModel):
    """Filter box text matches title or organisation; the kind box narrows by kind."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.text = ""
        self.kind = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, text: str, kind: str) -> None:
        self.text, self.kind = text.lower().strip(), kind
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:  # noqa: N802 (Qt naming)
        row = self.sourceModel().row_dict(source_row)
        if self.kind and row.get("kind") != self.kind:
            return False
        if self.text:
            # The date as stored and as shown: "2023-10" and "Oct 2023" both find it.
            shown = display_date(row.get("date"))
            hay = " ".join(str(row.get(k) or "") for k in ("title", "organisation", "date")) + " " + shown
            hay = hay.lower()
            return all(word in hay for word in self.text.split())
        return True


class EditDocumentDialog(QDialog):
    """Edit a document's title, kind, date and organisation."""

    def __init__(self, doc: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit document details")
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        self.title = QLineEdit(doc.get("title") or "")
        self.kind = QComboBox()
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(self.kind.findData(doc.get("kind")), 0))
        self.date = DateField(doc.get("date"))
        self.org = QLineEdit(doc.get("organisation") or "")
        form.addRow("Title", self.title)
        form.addRow("Kind", self.kind)
        form.addRow("Date", self.date)
        form.addRow("Organisation", self.org)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.text().strip(),
            "kind": self.kind.currentData(),
            "date": (self.date.iso() or "") if self.date.is_valid() else self.date.text().strip(),
            "organisation": self.org.text().strip(),
        }


class LibraryPage(Page):
    # The reading pane lists a document's actions and the recommendations it is evidence for.
    shows = Changes(documents=True, passages=True, actions=True, links=True, organisations=True)

    def __init__(self, window: Any):
        super().__init__(window)
        self.header = PageHeader("Library", "Reports, roundtable notes and trackers in this workspace")
        self.import_button = self.header.add_button(QPushButton("Import documents…"))
        self.import_button.setObjectName("primaryButton")
        self.import_button.clicked.connect(window.import_dialog)
        folder = self.header.add_button(QPushButton("Import folder…"))
        folder.clicked.connect(window.import_folder_dialog)
        self.layout_.addWidget(self.header)

        self.undo_bar = QWidget()
        self.undo_bar.setObjectName("undoBar")
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(12, 6, 12, 6)
        self.undo_label = PlainLabel()  # holds the deleted document's title
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_layout.addWidget(self.undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self.layout_.addWidget(self.undo_bar)
        self._snapshot: Any = None

        self.stack = QStackedWidget()
        self.stack.addWidget(self._welcome_panel())
        self.stack.addWidget(self._content_panel())
        self.layout_.addWidget(self.stack, 1)

    def _welcome_panel(self) -> QWidget:
        panel = QWidget()
        outer = QVBoxLayout(panel)
        outer.addStretch(1)
        card = Card()
        card.setObjectName("welcome")
        card.setMaximumWidth(620)
        card.layout_.setContentsMargins(28, 24, 28, 24)
        card.layout_.setSpacing(12)
        title = QLabel("Welcome to Roundtable Desk")
        title.setObjectName("welcomeTitle")
        text = QLabel(
            "Your library is empty. Import reports, roundtable notes and action trackers (PDF, Word, HTML, "
            "Markdown, text, CSV), or drop files and folders on this window. To look around first, open the "
            "demo workspace: a few documents, organisations and actions with their progress."
        )
        text.setWordWrap(True)
        text.setObjectName("welcomeText")
        card.add(title)
        card.add(text)
        row = QHBoxLayout()
        demo = QPushButton("Open demo workspace")
        demo.setObjectName("primaryButton")
        demo.clicked.connect(self.window_.load_demo)
        imp = QPushButton("Import documents…")
        imp.clicked.connect(self.window_.import_dialog)
        self.welcome_demo_button, self.welcome_import_button = demo, imp
        row.addWidget(demo)
        row.addWidget(imp)
        row.addStretch(1)
        card.layout_.addSpacing(4)
        card.layout_.addLayout(row)
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(card, 3)
        line.addStretch(1)
        outer.addLayout(line)
        outer.addStretch(2)
        return panel

    def _content_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        tools = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by title, organisation or date")
        self.filter.setClearButtonEnabled(True)
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("All kinds", "")
        for key, label in KIND_LABELS.items():
            self.kind_filter.addItem(label, key)
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.kind_filter)
        layout.addLayout(tools)

        self.model = DictTableModel(DOC_COLUMNS, self)
        self.proxy = DocumentFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Date: room for "28 Oct 2026" and the sort arrow; Passages: for its header.
        for col, width in enumerate((0, 138, 116, 120, 60, 88)):
            if width:
                self.table.setColumnWidth(col, width)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.filter.textChanged.connect(self._apply_filter)
        self.kind_filter.currentIndexChanged.connect(self._apply_filter)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())

        self.edit_button = QPushButton("Edit details…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("dangerButton")
        self.delete_button.clicked.connect(self.delete_selected)
        reader = ReaderPane("Select a document to read it", [self.edit_button, self.delete_button])
        self.doc_title, self.doc_meta, self.viewer = reader.title, reader.meta, reader.browser
        self._shown_document_id: int | None = None
        split = side_by_side(self.table, reader, (3, 2), (720, 370))
        remember_splitter(split, self.window_.settings, "library/split")
        layout.addWidget(split, 1)
        self._set_doc_buttons(False)
        return panel

    # -- data --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        selected = self.selected_document()
        docs = list_documents(self.db)
        self.model.set_rows(docs)
        # Columns nobody has filled (plain-text files have no pages) would only take the title's room.
        self.table.setColumnHidden(3, not any(d.get("organisation") for d in docs))
        self.table.setColumnHidden(4, not any(d.get("pages") for d in docs))
        self.stack.setCurrentIndex(1 if docs else 0)
        passages = sum(int(d.get("passages") or 0) for d in docs)
        self.header.subtitle.setText(
            f"{len(docs)} documents, {passages:,} passages · import with Ctrl+O or drop files on the window"
            if docs
            else "Reports, roundtable notes and trackers in this workspace"
        )
        if selected:
            self.select_document(selected["id"])
        elif docs:
            self.table.selectRow(0)

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.filter.text(), self.kind_filter.currentData() or "")

    def selected_document(self) -> dict[str, Any] | None:
        index = self.table.currentIndex() if hasattr(self, "table") else None
        if index is None or not index.isValid():
            return None
        return index.data(ROW_ROLE)

    def select_document(self, document_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ROW_ROLE)["id"] == document_id:
                self.table.selectRow(row)
                self._show_selected()
                return True
        return False

    def show_item(self, document_id: int | None = None, passage_id: int | None = None, **_: Any) -> None:
        if document_id is not None:
            self.filter.clear()
            self.kind_filter.setCurrentIndex(0)
            self.select_document(document_id)
            if passage_id is not None:
                self.show_passage(passage_id)

    def show_passage(self, passage_id: int) -> str:
        """Scroll the reading pane to a passage and select it (Open document from a search result);
        returns the selected text ("" when the passage is not in the pane)."""
        from PySide6.QtGui import QTextCursor

        passages = document_passages(self.db, self._shown_document_id) if self._shown_document_id else []
        passage = next((p for p in passages if p["id"] == passage_id), None)
        if passage is None:
            return ""
        first = reflow(passage.get("text") or "").split("\n")[0][:80]
        cursor = self.viewer.document().find(first)
        if cursor.isNull():
            return ""
        cursor.setPosition(cursor.selectionStart())
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.viewer.setTextCursor(cursor)
        self.viewer.ensureCursorVisible()
        self.viewer.setFocus()
        return cursor.selectedText()

    def _set_doc_buttons(self, enabled: bool) -> None:
        self.edit_button.setEnabled(enabled)
        self.delete_button.setEnabled(enabled)

    def _show_selected(self) -> None:
        doc = self.selected_document()
        self._set_doc_buttons(doc is not None)
        if doc is None:
            self.doc_title.setText("Select a document to read it")
            self.doc_meta.clear()
            self.viewer.clear()
            return
        self.doc_title.setText(doc.get("title") or "(untitled)")
        meta = [KIND_LABELS.get(doc.get("kind") or "", doc.get("kind") or "")]
        if doc.get("date"):
            meta.append(display_date(doc["date"]))
        if doc.get("organisation"):
            meta.append(str(doc["organisation"]))
        meta.append(f"{doc.get('passages') or 0} passages")
        if doc.get("source_path"):
            meta.append(str(doc["source_path"]).rsplit("/", 1)[-1])
        self.doc_meta.setText(" · ".join(meta))
        self._shown_document_id = doc["id"]
        self.viewer.setHtml(self._document_html(doc))

    def _document_html(self, doc: dict[str, Any]) -> str:
        from knowledge.actions.queries import document_actions
        from knowledge.library import document_evidence_for

        parts = []
        actions = document_actions(self.db, doc["id"])

        recs = document_evidence_for(self.db, doc["id"])
        if actions:
            parts.append(f"<h3>Actions from this document ({len(actions)})</h3><ul>")
            parts += [f"<li>{status_dot(a['status'])} — {html_escape(a['text'])}</li>" for a in actions]
            parts.append("</ul>")
        if recs:
            parts.append("<h3>Evidence for</h3><ul>")
            parts += [f"<li>Recommendation {r['number']}: {html_escape(r['title'])}</li>" for r in recs]
            parts.append("</ul>")
        last_page = object()
        for passage in document_passages(self.db, doc["id"])[:400]:
            page = passage.get("page")
            if page != last_page and page is not None:
                parts.append(f'<h4 style="color:{color("muted")}">Page {page}</h4>')
            last_page = page
            section = passage.get("section")
            heading = color("heading")
            head = f'<span style="color:{heading}">{html_escape(section)}</span><br>' if section else ""
            # Source files' hard line breaks would leave ragged lines: only list items keep theirs.
            text = html_escape(reflow(passage.get("text") or "")).replace("\n", "<br>")
            parts.append(f"<p>{head}{text}</p>")
        return "".join(parts)

    # -- edit and delete ---------------------------------------------------------------------------
    def edit_selected(self) -> None:
        doc = self.selected_document()
        if not doc:
            return
        dialog = EditDocumentDialog(doc, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_edit(doc["id"], dialog.values())

    def apply_edit(self, document_id: int, values: dict[str, Any]) -> Any:
        return self.window_.run_op(
            lambda db, job: library_ops.update_document(db, document_id, values),
            on_error=lambda m: self.window_.show_error("Could not save the document details", m),
        )

    def delete_selected(self) -> Any:
        doc = self.selected_document()
        if not doc:
            return None
        if not self.window_.confirm(
            "Delete document",
            f"Delete “{doc['title']}” and its {doc.get('passages') or 0} passages? You can undo this.",
        ):
            return None
        title = doc["title"]
        return self.window_.run_op(
            lambda db, job: library_ops.delete_document(db, doc["id"]),
            on_done=lambda snapshot: self._deleted(title, snapshot),
            on_error=lambda m: self.window_.show_error("Could not delete the document", m),
        )

    def _deleted(self, title: str, snapshot: Any) -> None:
        self._snapshot = snapshot
        self.undo_label.setText(f"Deleted “{title}”.")
        self.undo_bar.show()

    def undo_delete(self) -> Any:
        snapshot, self._snapshot = self._snapshot, None
        self.undo_bar.hide()
        if snapshot is None:
            return None
        return self.window_.run_op(
            lambda db, job: library_ops.restore_document(db, snapshot),
            on_done=lambda _: self._restored(),
            on_error=lambda m: self.window_.show_error("Could not restore the document", m),
        )

    def _restored(self) -> None:
        if self.window_.model_state == "ready":
            self.window_.start_index()
