"""Back up and restore from the window: off the UI thread, asked before replacing, and undoable."""

from __future__ import annotations

import re

from conftest import insert_document

from knowledge.backup import inspect_database
from knowledge.workspace import open_db


def _titles(window) -> list[str]:
    model = window.pages["library"].model
    return sorted(model.row_dict(r)["title"] for r in range(model.rowCount()))


def test_backup_then_restore_from_the_window(make_desk_window, qtbot, db_path, tmp_path):
    db = open_db(db_path)
    insert_document(db, "Indemnity review", ["Medical indemnity for AI technologies must be clarified."])
    db.conn.close()
    window = make_desk_window(db_path, load_model=False)
    window.go_to("library")

    target = tmp_path / "copy.db"
    with qtbot.waitSignal(window.backupFinished, timeout=20000) as done:
        window.start_backup(target)
    assert "Backed up" in done.args[0] and inspect_database(target).documents == 1

    other = open_db(db_path)
    insert_document(other, "Added after the backup", ["Workforce planning for radiographers."])
    other.conn.close()
    window.refresh_all()
    assert _titles(window) == ["Added after the backup", "Indemnity review"]

    # Saying no changes nothing.
    window.confirm = lambda title, text: False
    assert window.start_restore(target) is None
    assert _titles(window) == ["Added after the backup", "Indemnity review"]

    questions = []
    window.confirm = lambda title, text: questions.append(text) or True
    with qtbot.waitSignal(window.restoreFinished, timeout=20000) as restored:
        window.start_restore(target)
    assert "1 documents" in questions[0]  # the question says what the backup holds
    assert _titles(window) == ["Indemnity review"]
    undo = re.search(r"contents are in (\S+\.db)", restored.args[0]).group(1)
    assert inspect_database(undo).documents == 2

    # File → Undo restore puts the replaced contents back.
    assert window.undo_restore_action.isEnabled()
    with qtbot.waitSignal(window.restoreFinished, timeout=20000):
        window.undo_restore_action.trigger()
    assert _titles(window) == ["Added after the backup", "Indemnity review"]


def test_restoring_a_file_that_is_not_a_backup_is_refused(make_desk_window, db_path, tmp_path):
    window = make_desk_window(db_path, load_model=False)
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    window.confirm = lambda title, text: (_ for _ in ()).throw(AssertionError("must not ask"))
    assert window.start_restore(notes) is None
    assert "not SQLite" in window.statusBar().currentMessage()
