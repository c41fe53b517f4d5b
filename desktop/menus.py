"""The main window's menu bar (File, Go, Help) and the help and about boxes it opens."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox


@dataclass(frozen=True)
class MenuActions:
    """The menu entries the window enables, disables or triggers later (the rest only call their slot)."""

    import_action: QAction
    export_action: QAction
    undo_restore_action: QAction
    search_action: QAction


def build_menus(window: Any, pages: Sequence[tuple[str, str]]) -> MenuActions:
    """Fill window's menu bar; pages are the (key, title) pairs the Go menu opens with Ctrl+1, Ctrl+2, …"""
    menu = window.menuBar()
    import_action, export_action, undo_restore_action = _file_menu(window, menu.addMenu("&File"))
    search_action = _go_menu(window, menu.addMenu("&Go"), pages)
    help_menu = menu.addMenu("&Help")
    add_action(window, help_menu, "&Help", QKeySequence.StandardKey.HelpContents, lambda: show_help(window))
    add_action(window, help_menu, "&About Roundtable Desk", None, lambda: show_about(window))
    return MenuActions(import_action, export_action, undo_restore_action, search_action)


def _file_menu(window: Any, file_menu: QMenu) -> tuple[QAction, QAction, QAction]:
    import_action = add_action(
        window, file_menu, "&Import documents…", QKeySequence.StandardKey.Open, window.import_dialog
    )
    add_action(window, file_menu, "Import &folder…", "Ctrl+Shift+O", window.import_folder_dialog)
    export_action = add_action(window, file_menu, "&Export report…", "Ctrl+E", lambda: window.go_to("export"))
    add_action(window, file_menu, "Open &demo workspace", None, window.load_demo)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Rebuild search index", None, window.start_index)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Back up database…", None, window.backup_dialog)
    add_action(window, file_menu, "Restore from bac&kup…", None, window.restore_dialog)
    undo_restore_action = add_action(window, file_menu, "&Undo restore", None, window.undo_restore)
    undo_restore_action.setEnabled(False)  # until a restore has saved what it replaced
    file_menu.addSeparator()
    add_action(window, file_menu, "&Quit", QKeySequence.StandardKey.Quit, window.close)
    return import_action, export_action, undo_restore_action


def _go_menu(window: Any, go_menu: QMenu, pages: Sequence[tuple[str, str]]) -> QAction:
    for number, (key, title) in enumerate(pages, start=1):
        add_action(window, go_menu, title, f"Ctrl+{number}", lambda _=False, k=key: window.go_to(k))
    search_action = add_action(window, go_menu, "&Find…", QKeySequence.StandardKey.Find, window.focus_search)
    go_menu.addSeparator()
    add_action(window, go_menu, "&Refresh", QKeySequence.StandardKey.Refresh, window.refresh_all)
    return search_action


def add_action(
    window: QMainWindow, menu: QMenu, text: str, shortcut: Any, slot: Callable[..., Any]
) -> QAction:
    """A menu entry owned by the window (so its shortcut works on every page)."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def show_help(window: Any) -> None:
    QMessageBox.information(
        window,
        "Roundtable Desk help",
        "<b>Library</b>: import reports, notes and trackers (Ctrl+O, or drop files on the window).<br>"
        "<b>Search</b> (Ctrl+F): keyword mode searches as you type; the other modes on Enter.<br>"
        "<b>Recommendations</b>: progress, evidence and related passages for each recommendation.<br>"
        "<b>Organisations &amp; actions</b>: record actions, confirm suggested recommendations, update "
        "progress (double-click a cell to edit).<br>"
        "<b>Dashboard</b>: who is where; click a cell to see its actions.<br>"
        "<b>Reports</b> (Ctrl+E): markdown and HTML reports, optionally redacted.<br><br>"
        f"Database: {html.escape(str(window.db_path))}",
    )


def show_about(window: Any) -> None:
    QMessageBox.about(
        window,
        "About Roundtable Desk",
        "Roundtable Desk: offline evidence search and recommendation tracking.\n"
        "Everything stays on this computer.",
    )
