"""The main window: navigation sidebar, stacked pages, status bar, menus, background work and the model."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.jobs import checked, default_model_loader, load_demo_once, load_model_and_warm_up
from desktop.menus import build_menus
from desktop.operations import Changes, Result, admin
from desktop.operations import library as library_ops
from desktop.team import ChangeListener, ask_password, ask_team_url, workspace_label, workspace_tooltip
from desktop.widgets.common import ElidedLabel, PlainLabel, TaskProgress, tooltip_text
from desktop.widgets.failures import FailuresDialog
from desktop.workers import Job, Workers
from knowledge.pg.connection import is_server_url, safe_url

PAGES = [
    ("library", "Library"),
    ("search", "Search"),
    ("recommendations", "Recommendations"),
    ("actions", "Organisations & actions"),
    ("dashboard", "Dashboard"),
    ("export", "Reports"),
    ("history", "History"),
]
SIDEBAR_WIDTHS = (196, 220)  # narrow windows (under 1200 px), wide ones
NARROW_STATUS_PX = 1300  # below this width a status-bar message and every permanent item do not all fit
WHO_KEY = "user/name"  # the person's name, asked once; the change log records it with each change
# How often the window looks for changes another program (a second window, the CLI) committed.
OUTSIDE_CHANGES_MS = 2000
MODEL_TEXT = {
    "off": "Model: not loaded (keyword search)",
    "loading": "Model: loading…",
    "ready": "Model: ready",
    "unavailable": "Model unavailable: keyword search only",
}


class MainWindow(QMainWindow):
    """Roundtable Desk's window; pages talk to the database through self.db (reads) and self.workers."""

    modelStateChanged = Signal(str)
    importFinished = Signal(object)  # operations.library.ImportSummary
    indexFinished = Signal(str)  # "ready", "unavailable: …", "cancelled"
    # Something was written (operations.Changes says what): the pages showing it refresh (when next shown).
    dataChanged = Signal(object)
    searchFinished = Signal(object)  # indexes.search.SearchResult
    demoFinished = Signal(str)  # "loaded", "already loaded" or "failed: …"
    backupFinished = Signal(str)  # the message shown, or "failed: …"
    restoreFinished = Signal(str)  # the message shown

    def __init__(
        self,
        db_path: str | Path,
        *,
        settings: QSettings | None = None,
        model_loader: Callable[[], Any] | None = None,
        load_model: bool = True,
    ):
        super().__init__()
        from desktop.cli import workspace_target
        from knowledge.workspace import open_db

        # A database file's Path, or a team workspace's postgresql:// URL (a str).
        self.db_path = workspace_target(str(db_path))
        self.is_team = is_server_url(self.db_path)
        self.db = open_db(self.db_path)  # the UI thread's own connection, for quick reads only
        self.settings = settings if settings is not None else QSettings()
        self.workers = Workers(self.db_path, self)
        self.model_loader = model_loader or default_model_loader
        self.model_state = "off"
        self.embedder: Any = None
        self.index_state = ""
        self._pending_index = False
        self._dirty: set[str] = set()
        self.last_failures_dialog: FailuresDialog | None = None
        self._before_restore: str | None = None  # what the last restore replaced (File → Undo restore)
        # Tests replace this to answer confirmation questions without a modal dialog.
        self.confirm: Callable[[str, str], bool] = self._confirm_dialog
        self.who_dialog: Any = None
        self._asked_who = False

        self.setWindowTitle("Roundtable Desk")
        self.setAcceptDrops(True)
        self.setMinimumSize(QSize(960, 600))
        self._build_pages()
        self._build_status_bar()
        self._build_menus()
        self.dataChanged.connect(self._mark_dirty)
        self.set_who(self.who, save=False)
        self._restore_settings()
        self.refresh_counts()
        self._data_version = self._read_data_version()
        self._outside_timer = QTimer(self)
        self._outside_timer.setInterval(OUTSIDE_CHANGES_MS)
        self._outside_timer.timeout.connect(self.check_outside_changes)
        self._outside_timer.start()
        self.listener: ChangeListener | None = None
        self._lost = ""  # the message shown while the team workspace's server cannot be reached
        if self.is_team:
            # Other members' commits arrive as notifications: refresh within a second, not at the next poll.
            self.listener = ChangeListener(str(self.db_path), self)
            self.listener.heard.connect(lambda _tables: self.check_outside_changes())
            self.listener.failed.connect(lambda message: self.show_message(message, 10000))
            self.listener.start()
        if load_model:
            self.start_model()  # on the model thread: the window does not wait for it

    # -- layout ------------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        from desktop.pages import create_pages

        central = QWidget()
        central.setObjectName("central")
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        side = self._build_sidebar()
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self.pages = create_pages(self)
        for key, _title in PAGES:
            self.stack.addWidget(self.pages[key])
        layout.addWidget(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._on_nav)

    def _build_sidebar(self) -> QWidget:
        """The brand, the page list (self.nav) and the database's name."""
        side = QWidget()
        side.setObjectName("sidebar")
        side.setFixedWidth(SIDEBAR_WIDTHS[1])
        self.sidebar = side
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 18, 12, 12)
        brand = QLabel("Roundtable Desk")
        brand.setObjectName("brand")
        brand.setWordWrap(True)  # two lines in a narrow sidebar rather than "Roundtable D"
        tagline = QLabel("Evidence & recommendation tracking")
        tagline.setObjectName("brandTagline")
        tagline.setWordWrap(True)
        side_layout.addWidget(brand)
        side_layout.addWidget(tagline)
        side_layout.addSpacing(14)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Ctrl+1…7 and the Go menu reach every page
        self.nav.setAccessibleName("Pages")
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideRight)
        for key, title in PAGES:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(0, 38))  # as wide as the sidebar, however wide that is
            item.setToolTip(f"{title} (Ctrl+{self.nav.count() + 1})")
            self.nav.addItem(item)
        side_layout.addWidget(self.nav, 1)
        self.db_label_side = PlainLabel(workspace_label(self.db_path))
        self.db_label_side.setObjectName("sideFooter")
        self.db_label_side.setToolTip(tooltip_text(workspace_tooltip(self.db_path)))
        side_layout.addWidget(self.db_label_side)
        return side

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Elided, so a long path gives way to the progress panel instead of squeezing it.
        self.db_label = ElidedLabel(workspace_tooltip(self.db_path))
        self.db_label.setObjectName("statusDb")
        self.counts_label = QLabel()
        self.model_label = QLabel(MODEL_TEXT["off"])
        self.index_label = QLabel()
        self.who_label = QLabel()
        self.progress = TaskProgress()
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.progress)
        for label in (self.counts_label, self.index_label, self.model_label, self.who_label):
            label.setObjectName("statusItem")
            bar.addPermanentWidget(label)
        bar.messageChanged.connect(self._make_room_for_message)

    def _make_room_for_message(self, message: str) -> None:
        """In a narrow window, or beside a job's progress panel, a message would be cut behind the
        permanent items: while one shows, the library counts and index state (always one click away, on
        the Library page) step aside."""
        crowded = self.width() < NARROW_STATUS_PX or self.progress.isVisible()
        for label in (self.counts_label, self.index_label):
            label.setVisible(not (message and crowded))

    def _build_menus(self) -> None:
        actions = build_menus(self, PAGES)
        self.import_action, self.export_action = actions.import_action, actions.export_action
        self.undo_restore_action, self.search_action = actions.undo_restore_action, actions.search_action

    # -- navigation --------------------------------------------------------------------------------
    def go_to(self, key: str, **kwargs: Any) -> QWidget:
        """Show a page (by key); extra arguments go to the page's show_item()."""
        keys = [k for k, _ in PAGES]
        if key not in keys:
            key = "library"
        self.nav.setCurrentRow(keys.index(key))
        page = self.pages[key]
        if kwargs and hasattr(page, "show_item"):
            page.show_item(**kwargs)
        return page

    def current_page_key(self) -> str:
        return PAGES[max(self.nav.currentRow(), 0)][0]

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        self.statusBar().clearMessage()  # a note about the last page's work does not belong on this one
        key = PAGES[row][0]
        self.stack.setCurrentIndex(row)
        if key in self._dirty or not getattr(self.pages[key], "loaded", False):
            self._dirty.discard(key)
            self.pages[key].refresh()

    def _mark_dirty(self, changes: Changes) -> None:
        """Refresh the shown page if it shows what changed; the other pages that do, when next shown."""
        current = self.current_page_key()
        stale = {key for key, page in self.pages.items() if page.shows.touches(changes)}
        self._dirty |= stale - {current}
        if current in stale:
            self.pages[current].refresh()
        if changes.documents or changes.passages:
            self.refresh_counts()
        self._data_version = self._read_data_version()

    def refresh_all(self) -> None:
        """Re-read everything shown from the database (F5): picks up what other programs wrote."""
        self.dataChanged.emit(Changes.everything())

    def _read_data_version(self) -> int:
        # Moves whenever another connection (another program, or one of our worker threads) commits.
        from knowledge.db import data_version

        return data_version(self.db)

    def run_op(
        self,
        op: Callable[[Any, Job], Result[Any]],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        write: bool = True,
    ) -> Job:
        """Run op(db, job), an operation returning a Result, on the write queue (or a reader); when it
        lands, the pages showing what it changed refresh, then on_done gets its value. A write is recorded
        as the window's person (self.who) unless it names someone itself."""
        from knowledge.changelog import act_as

        who = self.who

        def as_person(db: Any, job: Job) -> Result[Any]:
            act_as(db, who)  # the writer thread's connection is shared by every write: set it each time
            return op(db, job)

        def landed(result: Result[Any]) -> None:
            self.dataChanged.emit(result.changes)
            if on_done is not None:
                on_done(result.value)

        submit = self.workers.write if write else self.workers.read
        return submit(as_person if write else op, label=label, on_done=landed, on_error=on_error)

    def check_outside_changes(self) -> bool:
        """Refresh when another program committed since the last refresh; True when it did.

        Skipped while our own writes run: they refresh the pages when they finish, and refreshing on
        every batch they commit would only cost the UI thread time during an import."""
        if self.workers.writing():
            return False
        try:
            version = self._read_data_version()
        except sqlite3.Error as exc:  # a team workspace's server gone: say so once, try again next time
            message = f"Cannot reach the workspace: {exc}"
            if message != self._lost:
                self._lost = message
                self.show_message(message, 0)
            return False
        if self._lost:
            self._lost = ""
            self.show_message("Connected to the workspace again.", 5000)
        if version == self._data_version:
            return False
        self.dataChanged.emit(Changes.everything())  # another program's writes: we cannot see which
        return True

    def focus_search(self) -> None:
        page = self.go_to("search")
        page.focus_query()

    # -- status ------------------------------------------------------------------------------------
    def refresh_counts(self) -> None:
        c = admin.counts(self.db)
        self.counts_label.setText(f"{c['documents']:,} documents · {c['passages']:,} passages")
        if self.index_state:
            self.index_label.setText(self.index_state)
        elif c["passages"] == 0:
            self.index_label.setText("Index: empty")
        elif c["unindexed"]:
            self.index_label.setText(f"Index: {c['unindexed']:,} passages waiting")
        else:
            self.index_label.setText("Index: up to date")

    def show_message(self, text: str, msecs: int = 5000) -> None:
        """A transient note in the status bar: gone after `msecs` (5 s) or when another page is shown.
        msecs=0 keeps it, only for work still going on (its result replaces it)."""
        self.statusBar().showMessage(text, msecs)

    def show_error(self, title: str, text: str) -> None:
        """A problem the user should see; non-modal so nothing waits on it."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file names and titles as typed
        box.setModal(False)
        box.open()
        self.last_error_box = box
        self.show_message(f"{title}: {text}")

    def _confirm_dialog(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the question quotes a document's title as typed
        return box.exec() == QMessageBox.StandardButton.Yes

    # -- the embedding model -----------------------------------------------------------------------
    def start_model(self) -> Job | None:
        """Load the model on its own thread; the window stays usable and keyword search works meanwhile."""
        if self.model_state in ("loading", "ready"):
            return None
        self._set_model_state("loading")
        return self.workers.run_model(
            lambda job: load_model_and_warm_up(self.model_loader),
            on_done=self._model_ready,
            on_error=self._model_failed,
        )

    def _model_ready(self, embedder: Any) -> None:
        self.embedder = embedder
        self._set_model_state("ready")
        c = admin.counts(self.db)
        if c["unindexed"] or self._pending_index:
            self.start_index()

    def _model_failed(self, message: str) -> None:
        self._set_model_state("unavailable")
        self.model_label.setToolTip(tooltip_text(message))
        self.show_message(f"The embedding model could not be loaded ({message}); keyword search still works.")

    def _set_model_state(self, state: str) -> None:
        self.model_state = state
        self.model_label.setText(MODEL_TEXT[state])
        self.modelStateChanged.emit(state)

    # -- import and indexing -----------------------------------------------------------------------
    def import_dialog(self) -> None:
        from knowledge.ingest import readers

        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Import documents",
            str(self.settings.value("last_import_dir", str(Path.home()))),
            readers.file_filter(),
        )
        if files:
            self.settings.setValue("last_import_dir", str(Path(files[0]).parent))
            self.start_import(files)

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Import a folder", str(self.settings.value("last_import_dir", str(Path.home())))
        )
        if folder:
            self.settings.setValue("last_import_dir", folder)
            self.start_import([folder])

    def start_import(self, paths: list[str | Path], options: dict[str, Any] | None = None) -> Job:
        """Import on the write queue; progress in the status bar; one dialog for failures at the end."""
        paths = [str(p) for p in paths]
        job = self.run_op(
            lambda db, job: library_ops.import_files(
                db, paths, options, progress=job.progress, cancel=job.cancelled
            ),
            label="import",
            on_done=self._import_done,
            on_error=lambda message: self._job_failed("Import failed", message),
        )
        self.progress.track(job, "Importing")
        self.show_message(f"Importing {len(paths)} item(s)…", 0)  # ongoing: the summary replaces it
        return job

    def _import_done(self, summary: library_ops.ImportSummary) -> None:
        self.show_message(summary.message(), 12000)
        if summary.failed:
            self.last_failures_dialog = FailuresDialog(summary.failed, self)
            self.last_failures_dialog.open()
        if summary.imported or summary.actions:
            if self.model_state == "ready":
                self.start_index()
            else:
                self._pending_index = True
        self.importFinished.emit(summary)

    def start_index(self) -> Job | None:
        """Embed new passages and update the vector index (needs the model)."""
        if self.model_state != "ready":
            self._pending_index = True
            if self.model_state in ("off", "unavailable"):
                self.show_message("The search index is updated once the embedding model is loaded.")
            return None
        self._pending_index = False
        self.index_state = "Index: updating…"
        embedder = self.embedder
        self.refresh_counts()
        job = self.run_op(
            lambda db, job: checked(
                job,
                library_ops.index_passages(
                    db, self.db_path, embedder=embedder, progress=job.progress, cancel=job.cancelled
                ),
            ),
            label="index",
            on_done=self._index_done,
            on_error=self._index_failed,
        )
        self.progress.track(job, "Indexing passages")
        return job

    def _index_done(self, state: str) -> None:
        self.index_state = ""
        self.refresh_counts()
        self.indexFinished.emit(state)

    def _index_failed(self, message: str) -> None:
        self.index_state = "Index: keyword only" if message != "cancelled" else ""
        if message != "cancelled":
            self.index_label.setToolTip(tooltip_text(message))
        self.refresh_counts()
        self.indexFinished.emit(f"unavailable: {message}")

    def _job_failed(self, title: str, message: str) -> None:
        if message == "cancelled":
            self.show_message("Cancelled; the work finished so far is kept.")
            self.dataChanged.emit(Changes.everything())  # what was finished before the cancel is saved
            return
        self.show_error(title, message)
        self.dataChanged.emit(Changes.everything())

    def load_demo(self) -> Job:
        """Load the demo workspace into this database on the write queue, then index it as after an import.

        A database that already holds the demo is simply shown (demoFinished("already loaded")).
        """
        job = self.run_op(
            load_demo_once,
            label="demo",
            on_done=self._demo_done,
            on_error=self._demo_failed,
        )
        self.progress.track(job, "Loading the demo workspace")
        self.show_message("Loading the demo workspace…", 0)  # ongoing: the outcome replaces it
        return job

    def _demo_done(self, message: str | None) -> None:
        if message is None:
            self.show_message("The demo workspace is already loaded in this database.", 8000)
            self.demoFinished.emit("already loaded")
            return
        self.show_message(message, 10000)
        if self.model_state == "ready":
            self.start_index()
        else:
            self._pending_index = True
        self.demoFinished.emit("loaded")

    def _demo_failed(self, message: str) -> None:
        self._job_failed("Demo workspace", message)
        self.demoFinished.emit(f"failed: {message}")

    # -- backup and restore ------------------------------------------------------------------------
    def backup_dialog(self) -> None:
        from datetime import date

        if self.is_team:
            self._team_has_no_files("Back up database")
            return
        suggested = Path(str(self.settings.value("last_backup_dir", str(Path.home())))) / (
            f"{self.db_path.stem}-{date.today().isoformat()}.db"
        )
        target, _ = QFileDialog.getSaveFileName(self, "Back up database", str(suggested), "Database (*.db)")
        if target:
            self.settings.setValue("last_backup_dir", str(Path(target).parent))
            self.start_backup(target)

    def start_backup(self, target: str | Path) -> Job:
        """Copy the database to target on the read pool (the online backup API: other work goes on)."""
        job = self.run_op(
            # The save dialog has already asked about overwriting.
            lambda db, job: admin.backup(db, str(target), overwrite=True),
            label="backup",
            write=False,
            on_done=lambda info: self._backup_finished(f"Backed up to {info.path} ({info.describe()})."),
            on_error=lambda message: self._backup_finished(None, message),
        )
        self.progress.track(job, "Backing up")
        return job

    def _backup_finished(self, message: str | None, error: str | None = None) -> None:
        if error is not None:
            self.show_error("Backup failed", error)
        else:
            self.show_message(message or "", 12000)
        self.backupFinished.emit(message or f"failed: {error}")

    def _team_has_no_files(self, title: str) -> None:
        QMessageBox.information(
            self,
            title,
            "A team workspace lives on its server, which backs it up (pg_dump). To keep a copy as a file,"
            " use: roundtable workspace pull URL FILE.db",
        )

    def connect_team_dialog(self) -> MainWindow | None:
        """File → Connect to a team workspace…: open it in a new window (this one closes once it opens)."""
        from knowledge.db import DatabaseError
        from knowledge.pg.connection import needs_password

        url = ask_team_url(self, str(self.settings.value("last_team_url", "")))
        if url is None:
            return None
        if not is_server_url(url):
            QMessageBox.warning(self, "Connect", "A team workspace's address starts with postgresql://")
            return None
        try:
            try:
                window = MainWindow(url, settings=self.settings, model_loader=self.model_loader)
            except DatabaseError as exc:
                if not needs_password(exc) or ask_password(self, url) is None:
                    raise
                window = MainWindow(url, settings=self.settings, model_loader=self.model_loader)
        except DatabaseError as exc:
            QMessageBox.critical(self, "Connect to a team workspace", str(exc))
            return None
        self.settings.setValue("last_team_url", safe_url(url))
        window.show()
        self.close()
        return window

    def restore_dialog(self) -> None:
        if self.is_team:
            self._team_has_no_files("Restore from a backup")
            return
        source, _ = QFileDialog.getOpenFileName(
            self,
            "Restore from a backup",
            str(self.settings.value("last_backup_dir", str(Path.home()))),
            "Database (*.db);;All files (*)",
        )
        if source:
            self.start_restore(source)

    def start_restore(self, source: str | Path) -> Job | None:
        """Check the backup, ask, then replace the database's contents on the write queue (undoable:
        the current contents are saved to the backups folder first, and the message says where)."""
        from knowledge.backup import inspect_database
        from knowledge.db import DatabaseError

        try:
            info = inspect_database(source)
        except DatabaseError as exc:
            self.show_error("Cannot restore", str(exc))
            return None
        if not self.confirm(
            "Restore from backup",
            f"Replace everything in {self.db_path.name} with {info.path.name} ({info.describe()})?\n\n"
            "The current contents are saved first, so this can be undone.",
        ):
            return None
        job = self.run_op(
            lambda db, job: admin.restore(db, str(info.path), self.db_path),
            label="restore",
            on_done=self._restore_done,
            on_error=lambda message: self._job_failed("Restore failed", message),
        )
        self.progress.track(job, "Restoring")
        return job

    def _restore_done(self, report: Any) -> None:
        self._before_restore = str(report.previous)
        message = (
            f"Restored {report.restored.describe()} from {report.restored.path.name}. The previous contents "
            f"are in {report.previous} (File → Undo restore)."
        )
        self.undo_restore_action.setEnabled(True)
        self.show_message(message, 20000)
        if self.model_state == "ready":
            self.start_index()  # the restored database may hold passages without vectors
        self.restoreFinished.emit(message)

    def undo_restore(self) -> Job | None:
        """Put back what the last restore replaced (itself a restore, so it can be undone in turn)."""
        if self._before_restore is None:
            return None
        return self.start_restore(self._before_restore)

    # -- drag and drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt naming)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.go_to("library")
            self.start_import(paths)

    # -- who makes the changes ---------------------------------------------------------------------
    @property
    def who(self) -> str:
        """The person the change log records for this window's writes: the name they gave (kept in the
        settings), else $ROUNDTABLE_USER or the login name."""
        from knowledge.changelog import resolve_who

        return resolve_who(str(self.settings.value(WHO_KEY, "") or "") or None)

    def set_who(self, name: str | None, *, save: bool = True) -> str:
        """Record this window's changes as `name` from now on (kept in the settings); returns it."""
        from knowledge.changelog import act_as, resolve_who

        name = resolve_who(name)
        if save:
            self.settings.setValue(WHO_KEY, name)
        act_as(self.db, name)
        self.who_label.setText(f"Recording as {name}")
        self.who_label.setToolTip(
            tooltip_text("Every change is kept with this name: File → Your name… to change it")
        )
        return name

    def ask_who(self) -> Any:
        """Ask the person's name (the login name offered); non-modal, so nothing waits for the answer."""
        from desktop.widgets.dialogs import WhoDialog

        if self.who_dialog is not None and self.who_dialog.isVisible():
            return self.who_dialog
        self.who_dialog = WhoDialog(self.who, self)
        self.who_dialog.nameChosen.connect(lambda name: self.set_who(name))
        self.who_dialog.show()
        return self.who_dialog

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._asked_who and not self.settings.contains(WHO_KEY):
            self._asked_who = True  # once: the answer (or the name offered) is kept
            QTimer.singleShot(0, self.ask_who)

    # -- settings ----------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        size = self.settings.value("window/size")
        # The size is kept on its own too: restoreGeometry alone ignores it for never-shown windows.
        self.resize(size if isinstance(size, QSize) and size.isValid() else QSize(1280, 800))
        last = str(self.settings.value("window/page", "library"))
        self.go_to(last if last in dict(PAGES) else "library")

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/size", self.size())
        self.settings.setValue("window/page", self.current_page_key())
        self.settings.sync()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        # Below 1200 px the page needs the room more than the page names need air, but never so much
        # that a page's name is cut ("Organisations & a…"): the narrow width still fits the longest.
        wanted = SIDEBAR_WIDTHS[0] if self.width() < 1200 else SIDEBAR_WIDTHS[1]
        self.sidebar.setFixedWidth(max(wanted, self._sidebar_needs()))

    def _sidebar_needs(self) -> int:
        """The sidebar width at which every page name shows whole, in the nav's own font."""
        metrics = self.nav.fontMetrics()
        widest = max(metrics.horizontalAdvance(self.nav.item(i).text()) for i in range(self.nav.count()))
        # item padding (10 px a side, stylesheet), the sidebar's margins (12 px a side), a little air
        return widest + 2 * 10 + 2 * 12 + 8

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_settings()
        self._outside_timer.stop()
        if self.listener is not None:
            self.listener.stop()
        self.workers.shutdown()
        # self.db stays open: results already queued by workers may still arrive and read it; the
        # connection closes with the process.
        super().closeEvent(event)
