"""The window on a team workspace: it hears another member's change and refreshes; Connect opens one."""

from __future__ import annotations

import pytest
from conftest import roundtable

pytestmark = pytest.mark.postgres


def test_the_window_refreshes_when_another_member_changes_an_action(qtbot, make_desk_window, pg_database):
    window = make_desk_window(pg_database, load_model=False)
    assert window.is_team and window.db_label_side.text().startswith("Team: ")
    assert "postgresql://" in window.db_label.toolTip() or "postgresql://" in window.db_label.text()
    qtbot.waitUntil(lambda: window.listener.isRunning(), timeout=5000)
    with qtbot.waitSignal(window.dataChanged, timeout=10_000) as changed:
        done = roundtable(
            "--db", pg_database, "action", "add", "Share the AI audit", "--org", "Trust A", "--new-org"
        )
        assert done.returncode == 0, done.stderr
    assert changed.args[0].actions  # everything re-read, the actions page among it
    window.go_to("actions")
    qtbot.waitUntil(lambda: window.pages["actions"].proxy.rowCount() == 1, timeout=5000)


def test_connect_opens_the_team_workspace_in_a_new_window(
    qtbot, make_desk_window, pg_database, monkeypatch, tmp_path
):
    import desktop.window as window_module

    window = make_desk_window(tmp_path / "mine.db", load_model=False)  # a file first
    assert not window.is_team
    monkeypatch.setattr(window_module, "ask_team_url", lambda parent, last="": pg_database)
    team = window.connect_team_dialog()
    assert team is not None and team.is_team
    qtbot.addWidget(team)
    assert team.db_path == pg_database
    assert team.settings.value("last_team_url") == pg_database  # no password in it to hide
    team.listener.stop()
    team.workers.shutdown()


def test_backup_on_a_team_workspace_explains_instead(qtbot, make_desk_window, pg_database, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    window = make_desk_window(pg_database, load_model=False)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("no file dialog"))
    window.backup_dialog()
    assert told and "pg_dump" in told[0] and "workspace pull" in told[0]
