"""`roundtable-desk --demo` and the welcome panel's "Open demo workspace": load once, index, reopen."""

from __future__ import annotations

from pathlib import Path

from desktop.app import demo_db_path, parse_args


def _count(window, table: str) -> int:
    return window.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_demo_db_lives_next_to_the_default_database():
    from desktop.cli import default_db_path

    assert demo_db_path() == default_db_path().parent / "demo.db"
    assert parse_args(["--demo"]).demo
    assert not parse_args([]).demo


def test_welcome_button_loads_the_demo_then_indexes_it(qtbot, make_desk_window, db_path):
    window = make_desk_window(db_path)
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=20000)
    library = window.go_to("library")
    assert library.stack.currentIndex() == 0  # the welcome panel on an empty library
    with qtbot.waitSignal(window.indexFinished, timeout=60000):
        with qtbot.waitSignal(window.demoFinished, timeout=60000) as blocker:
            library.welcome_demo_button.click()
    assert blocker.args == ["loaded"]
    assert _count(window, "documents") >= 3
    assert _count(window, "actions") > 0
    assert library.stack.currentIndex() == 1 and library.model.rowCount() == _count(window, "documents")
    vectors = _count(window, "passage_vectors")
    assert vectors == _count(window, "passages") > 0
    assert "up to date" in window.index_label.text()


def test_demo_on_a_database_that_has_it_just_opens_it(qtbot, make_desk_window, db_path):
    window = make_desk_window(db_path, load_model=False)
    with qtbot.waitSignal(window.demoFinished, timeout=60000):
        window.load_demo()
    documents, actions = _count(window, "documents"), _count(window, "actions")
    with qtbot.waitSignal(window.demoFinished, timeout=60000) as blocker:
        window.load_demo()
    assert blocker.args == ["already loaded"]
    assert (_count(window, "documents"), _count(window, "actions")) == (documents, actions)
    assert getattr(window, "last_error_box", None) is None
    assert "already loaded" in window.statusBar().currentMessage()


def test_command_line_demo_opens_demo_db_and_fills_it(qtbot, tmp_path):
    from desktop.app import main
    from knowledge.workspace import open_db

    shot = tmp_path / "demo-library.png"
    assert main(["--demo", "--screenshot", str(shot), "--page", "library"]) == 0
    assert shot.stat().st_size > 10_000
    db = open_db(demo_db_path())
    try:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] >= 3
    finally:
        db.conn.close()
    # --db PATH --demo uses PATH.
    chosen = tmp_path / "chosen.db"
    assert main(["--db", str(chosen), "--demo", "--screenshot", str(shot), "--page", "dashboard"]) == 0
    db = open_db(Path(chosen))
    try:
        assert db.execute("SELECT count(*) FROM actions").fetchone()[0] > 0
    finally:
        db.conn.close()
