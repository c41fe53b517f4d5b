"""The main window's menu bar (File, Go, Help) and the help and about boxes it opens."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMessageBox

from desktop.operations.changes import Changes, Result


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
    add_action(window, help_menu, "&Keyboard shortcuts", "Ctrl+/", lambda: show_shortcuts(window))
    add_action(window, help_menu, "&About Roundtable Desk", None, lambda: show_about(window))
    return MenuActions(import_action, export_action, undo_restore_action, search_action)


def _file_menu(window: Any, file_menu: QMenu) -> tuple[QAction, QAction, QAction]:
    import_action = add_action(
        window, file_menu, "&Import documents…", QKeySequence.StandardKey.Open, window.import_dialog
    )
    add_action(window, file_menu, "Import &folder…", "Ctrl+Shift+O", window.import_folder_dialog)
    export_action = add_action(window, file_menu, "&Export report…", "Ctrl+E", lambda: window.go_to("export"))
    add_action(window, file_menu, "Open &demo workspace", None, window.load_demo)
    add_action(window, file_menu, "Connect to a &team workspace…", None, window.connect_team_dialog)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Rebuild search index", None, window.start_index)
    file_menu.addSeparator()
    add_action(window, file_menu, "&Back up database…", None, window.backup_dialog)
    add_action(window, file_menu, "Restore from bac&kup…", None, window.restore_dialog)
    undo_restore_action = add_action(window, file_menu, "&Undo restore", None, window.undo_restore)
    undo_restore_action.setEnabled(False)  # until a restore has saved what it replaced
    file_menu.addSeparator()
    add_action(window, file_menu, "Your &name…", None, window.ask_who)  # who the change log records
    settings_action = add_action(window, file_menu, "&Settings…", "Ctrl+,", lambda: open_settings(window))
    settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)  # "Preferences…" in the macOS app menu
    file_menu.addSeparator()
    add_action(window, file_menu, "&Quit", QKeySequence.StandardKey.Quit, window.close)
    return import_action, export_action, undo_restore_action


def _go_menu(window: Any, go_menu: QMenu, pages: Sequence[tuple[str, str]]) -> QAction:
    for number, (key, title) in enumerate(pages, start=1):
        # "&" marks a mnemonic in a menu: "Organisations & actions" needs it doubled to show.
        label = title.replace("&", "&&")
        add_action(window, go_menu, label, f"Ctrl+{number}", lambda _=False, k=key: window.go_to(k))
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
        "<b>Reports</b> (Ctrl+E): markdown and HTML reports, optionally redacted.<br>"
        "<b>History</b>: every change, who made it and when (File → Your name… sets yours).<br>"
        "<b>Settings</b> (Ctrl+,): your name, theme, stale-after days, export folder, redaction.<br>"
        "In a table, <b>F2</b> or a double-click edits a cell, the <b>menu key</b> or a right-click "
        "shows what can be done with the row; Help → Keyboard shortcuts lists every shortcut.<br><br>"
        f"Database: {html.escape(str(window.db_path))}",
    )


def show_about(window: Any) -> None:
    QMessageBox.about(
        window,
        "About Roundtable Desk",
        "Roundtable Desk: offline evidence search and recommendation tracking.\n"
        "Everything stays on this computer.",
    )


# Keys that work without a menu entry: listed in Help → Keyboard shortcuts beside the menus' own.
OTHER_SHORTCUTS = (
    ("Tab / Shift+Tab", "Move between controls"),
    ("F2 or Enter", "Edit the selected cell (actions table)"),
    ("Menu key or Shift+F10", "Actions for the selected row"),
    ("Alt+Down", "Open the calendar of a date field"),
    ("Enter / Escape", "Accept / close a dialog"),
)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu entry with a shortcut, then the keys that need no menu."""
    rows = []
    for action in window.findChildren(QAction):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys and action.text():
            rows.append((keys, action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")))
    return rows + list(OTHER_SHORTCUTS)


def show_shortcuts(window: Any) -> QMessageBox:
    rows = "".join(
        f"<tr><td style='padding-right:18px'><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
        for keys, what in shortcut_rows(window)
    )
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{rows}</table>", parent=window)
    box.setModal(False)
    box.open()
    window.last_shortcuts_box = box
    return box


def open_settings(window: Any) -> Any:
    """The Settings dialog; saving applies each value at once (theme included) and remembers it."""
    from desktop.widgets.settings_dialog import SettingsDialog
    from knowledge.actions import stale_days

    dialog = SettingsDialog(window, stale_days(window.db))
    dialog.saved.connect(lambda values: apply_settings(window, values))
    dialog.open()
    window.settings_dialog = dialog
    return dialog


def apply_settings(window: Any, values: dict[str, Any]) -> None:
    from desktop.app import THEME_KEY, apply_theme
    from desktop.widgets.settings_dialog import EXPORT_FOLDER_KEY, REDACT_KEY
    from knowledge.actions import set_stale_days, stale_days

    settings = window.settings
    window.set_who(values["name"])
    if values["theme"] != settings.value(THEME_KEY, "system"):
        settings.setValue(THEME_KEY, values["theme"])
        apply_theme(QApplication.instance(), values["theme"])
        window.refresh_all()  # pages that write HTML pick the new theme's colours
    settings.setValue(EXPORT_FOLDER_KEY, values["folder"])
    if values["folder"]:
        settings.setValue("last_export_dir", values["folder"])  # the next Save dialog starts there
    settings.setValue(REDACT_KEY, bool(values["redact"]))
    reports = getattr(window, "pages", {}).get("export")
    if reports is not None and hasattr(reports, "redact"):
        reports.redact.setChecked(bool(values["redact"]))
    settings.sync()
    if values["stale_days"] != stale_days(window.db):
        days = int(values["stale_days"])
        window.run_op(
            lambda db, job: Result(set_stale_days(db, days), Changes(actions=True)),
            on_done=lambda _: window.show_message(f"Actions are stale after {days} days without an update"),
            on_error=lambda m: window.show_error("Could not save the setting", m),
        )
    else:
        window.show_message("Settings saved", 4000)
