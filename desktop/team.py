"""The window's side of a team workspace: hearing others' changes, and the Connect dialog."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from knowledge.pg.connection import database_name, is_server_url, safe_url

LISTEN_POLL_S = 1.0  # how long one wait blocks: also how soon the thread notices it should stop


class ChangeListener(QThread):
    """Waits for the server's notifications on its own connection and emits `heard` (table names) for
    each burst; the window refreshes its pages from it, within a second of another member's commit."""

    heard = Signal(object)  # set[str]
    failed = Signal(str)

    def __init__(self, url: str, parent: QObject | None = None):
        super().__init__(parent)
        self.url = url
        self._stopping = False

    def run(self) -> None:
        from knowledge.pg.listen import Listener

        try:
            listener = Listener(self.url)
        except Exception as exc:  # the window still works (it polls), it just hears changes later
            self.failed.emit(f"cannot listen for changes on {safe_url(self.url)}: {exc}")
            return
        try:
            while not self._stopping:
                try:
                    tables = listener.wait(LISTEN_POLL_S)
                except Exception as exc:
                    self.failed.emit(f"stopped listening for changes: {exc}")
                    return
                if tables and not self._stopping:
                    self.heard.emit(tables)
        finally:
            listener.close()

    def stop(self) -> None:
        """Ask the thread to end after its current wait (at most LISTEN_POLL_S) and wait for it."""
        self._stopping = True
        self.wait(int((LISTEN_POLL_S + 2) * 1000))


def workspace_label(target: Any) -> str:
    """How the window names its workspace: the file's name, or 'team: DATABASE' for a server."""
    if is_server_url(target):
        return f"Team: {database_name(str(target))}"
    return getattr(target, "name", str(target))


def workspace_tooltip(target: Any) -> str:
    """The full location, a server URL without any password in it."""
    return safe_url(str(target)) if is_server_url(target) else str(target)


def ask_team_url(parent: QWidget, last: str = "") -> str | None:
    """Ask for a team workspace's URL; None when cancelled. A password is never asked for here (the
    standard ~/.pgpass or PGPASSWORD, or the prompt that follows a refused connection)."""
    text, ok = QInputDialog.getText(
        parent,
        "Connect to a team workspace",
        "Server and database (postgresql://LOGIN@HOST/DATABASE):",
        QLineEdit.EchoMode.Normal,
        last or "postgresql://",
    )
    text = text.strip()
    return text if ok and text else None


def ask_password(parent: QWidget, url: str) -> str | None:
    """The password for a server that asked for one, kept in this process only (PGPASSWORD), so every
    connection the window opens (its workers, its listener) uses it; never stored or logged."""
    text, ok = QInputDialog.getText(
        parent, "Password", f"Password for {safe_url(url)}:", QLineEdit.EchoMode.Password
    )
    if not ok:
        return None
    os.environ["PGPASSWORD"] = text
    return text
