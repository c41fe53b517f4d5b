"""Backups: `roundtable backup`, `restore` and `check`, undo of a restore, the copy before a migration."""

from __future__ import annotations

import json
import re
import sqlite3
import threading

import pytest
from conftest import insert_document, version_one_database

from knowledge.backup import backup_database, inspect_database
from knowledge.db import SCHEMA_VERSION, DatabaseError, backup_folder, schema_version
from knowledge.workspace import open_db

# About the SQLite file itself (backups of it, WAL, locks): a team workspace's server has its own.
pytestmark = pytest.mark.sqlite_only


def titles(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT title FROM documents"))
    finally:
        conn.close()


@pytest.fixture
def two_documents(db_path):
    db = open_db(db_path)
    insert_document(db, "Indemnity review", ["Medical indemnity for AI technologies must be clarified."])
    insert_document(db, "Data report", ["Synthetic data could train imaging models."])
    db.conn.close()
    return db_path


def test_backup_restore_and_undo_round_trip(run_cli, two_documents, tmp_path):
    db_path, backup = two_documents, tmp_path / "saved.db"
    code, _, err = run_cli("--db", db_path, "backup", backup)
    assert code == 0 and "2 documents" in err
    assert inspect_database(backup).documents == 2

    run_cli("--db", db_path, "delete", "1")
    assert titles(db_path) == ["Data report"]

    code, _, err = run_cli("--db", db_path, "restore", backup)
    assert code == 0, err
    assert titles(db_path) == ["Data report", "Indemnity review"]
    # The replaced contents were kept, and the message says how to get them back.
    undo = re.search(r"saved in (\S+\.db)", err).group(1)
    assert titles(undo) == ["Data report"]
    code, _, err = run_cli("--db", db_path, "restore", undo)
    assert code == 0 and titles(db_path) == ["Data report"]
    code, out, _ = run_cli("--db", db_path, "check")
    assert code == 0 and "ok" in out


def test_backup_never_overwrites_by_accident(run_cli, two_documents, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("something precious")
    code, _, err = run_cli("--db", two_documents, "backup", target)
    assert code == 1 and "--force" in err and target.read_text() == "something precious"
    assert run_cli("--db", two_documents, "backup", target, "--force")[0] == 0
    assert inspect_database(target).documents == 2
    # Into a folder: a dated file of its own.
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run_cli("--db", two_documents, "backup", folder)[0] == 0
    assert [p.suffix for p in folder.iterdir()] == [".db"]
    # The database itself is never the target.
    code, _, err = run_cli("--db", two_documents, "backup", two_documents, "--force")
    assert code == 1 and "itself" in err and titles(two_documents) == ["Data report", "Indemnity review"]


def _newer_schema(path):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _other_program(path):
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda p: p.write_text("just some notes"), "not SQLite"),
        (_other_program, "not a Roundtable Desk database"),
        (_newer_schema, "newer Roundtable Desk"),
        (_truncated, "damaged"),
        (lambda p: p.unlink(), "no such file"),
    ],
    ids=["text", "other-program", "newer", "truncated", "missing"],
)
def test_restore_refuses_unfit_files_and_changes_nothing(run_cli, two_documents, tmp_path, spoil, reason):
    candidate = tmp_path / "candidate.db"
    run_cli("--db", two_documents, "backup", candidate)
    spoil(candidate)
    code, out, err = run_cli("--db", two_documents, "restore", candidate)
    assert code == 1 and reason in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert titles(two_documents) == ["Data report", "Indemnity review"]
    assert not backup_folder(two_documents).exists()  # nothing was replaced, so nothing needed saving


def test_backup_is_consistent_while_another_program_writes(two_documents, tmp_path):
    db = open_db(two_documents)
    writer = sqlite3.connect(two_documents, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO settings (key, value) VALUES ('half-done', 'x')")
    # The backup runs while the other program's transaction is open, and waits for nothing.
    done = threading.Event()
    info = None

    def backup():
        nonlocal info
        info = backup_database(db, tmp_path / "during.db")
        done.set()

    thread = threading.Thread(target=backup)
    thread.start()
    assert done.wait(10)
    thread.join()
    writer.execute("COMMIT")
    assert info.documents == 2
    conn = sqlite3.connect(tmp_path / "during.db")
    assert conn.execute("SELECT count(*) FROM settings WHERE key = 'half-done'").fetchone()[0] == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    conn.close()


def test_a_migration_is_preceded_by_an_automatic_backup(tmp_path):
    path = tmp_path / "old.db"
    version_one_database(path)
    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    db.conn.close()
    saved = list(backup_folder(path).glob("old-schema1-*.db"))
    assert len(saved) == 1
    info = inspect_database(saved[0])
    assert info.schema_version == 1 and info.documents == 1
    # Opening it again migrates nothing, so no second copy.
    open_db(path).conn.close()
    assert len(list(backup_folder(path).iterdir())) == 1
    # A new database has nothing to protect: no backup folder at all.
    open_db(tmp_path / "new.db").conn.close()
    assert not backup_folder(tmp_path / "new.db").exists()


def test_restoring_an_old_backup_upgrades_it(run_cli, db_path, tmp_path):
    old = tmp_path / "old-backup.db"
    version_one_database(old)
    open_db(db_path).conn.close()
    code, _, err = run_cli("--db", db_path, "restore", old)
    assert code == 0 and "upgraded" in err
    db = open_db(db_path)
    assert schema_version(db) == SCHEMA_VERSION
    assert [r[0] for r in db.execute("SELECT title FROM documents")] == ["Old indemnity report"]
    # The restored passages are keyword-searchable: the FTS table came with the migration.
    assert db.execute("SELECT count(*) FROM recommendations").fetchone()[0] == 9
    db.conn.close()


def test_search_after_restore_uses_the_restored_passages(run_cli, db_path, tmp_path, hashing_embedder):
    """SQLite reuses the ids of deleted passages: an index kept from before the restore would hold the
    vectors of other text under the same ids, and rank the wrong passages."""
    indemnity = "medical indemnity liability insurance clarified"
    synthetic = "synthetic data training imaging models"
    db = open_db(db_path)
    insert_document(db, "Indemnity review", [indemnity])
    insert_document(db, "Data report", [synthetic])
    db.conn.close()
    run_cli("--db", db_path, "index")
    run_cli("--db", db_path, "backup", tmp_path / "before.db")
    run_cli("--db", db_path, "delete", "1", "2")
    db = open_db(db_path)
    insert_document(db, "Later data note", [synthetic])  # takes passage id 1
    insert_document(db, "Later indemnity note", [indemnity])  # takes passage id 2
    db.conn.close()
    run_cli("--db", db_path, "index")

    assert run_cli("--db", db_path, "restore", tmp_path / "before.db")[0] == 0
    code, out, _ = run_cli("--db", db_path, "search", indemnity, "--mode", "semantic", "--json")
    assert code == 0
    # A stale index would rank the reused id's vector ("Data report") first. The unrelated passage falls
    # below the relevance floor (issue 14), so it is offered only as a nearest match.
    assert [r["title"] for r in json.loads(out)["results"]] == ["Indemnity review"]


def test_check_reports_a_missing_database(run_cli, tmp_path):
    code, _, err = run_cli("--db", tmp_path / "absent.db", "check")
    assert code == 1 and "no database" in err
    assert not (tmp_path / "absent.db").exists()


def test_inspect_rejects_a_folder(tmp_path):
    with pytest.raises(DatabaseError, match="not a file"):
        inspect_database(tmp_path)


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    import knowledge.db as kdb

    path = tmp_path / "current.db"
    db = open_db(path)
    insert_document(db, "Precious notes", ["Months of work."])
    db.conn.close()
    broken = [*kdb.MIGRATIONS, ("999_broken", "ALTER TABLE passages ADD COLUMN x; SELECT * FROM nowhere;")]
    monkeypatch.setattr(kdb, "MIGRATIONS", broken)
    monkeypatch.setattr(kdb, "SCHEMA_VERSION", len(broken))
    with pytest.raises(DatabaseError, match="999_broken failed.*unchanged; a copy from before is in"):
        open_db(path)
    monkeypatch.undo()
    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert "x" not in {c.name for c in db["passages"].columns}  # the half-done step was rolled back
    assert [r[0] for r in db.execute("SELECT title FROM documents")] == ["Precious notes"]
    db.conn.close()


def test_a_damaged_database_is_named_as_such_and_left_untouched(run_cli, two_documents):
    db_path = two_documents
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    damaged = db_path.read_bytes()
    for command in (["documents"], ["check"], ["search", "indemnity"]):
        code, _, err = run_cli("--db", db_path, *command)
        assert code == 1 and "is damaged" in err and "restore a backup" in err, err
        assert len(err.strip().splitlines()) == 1
    assert db_path.read_bytes() == damaged  # nothing was written to it


def test_a_backup_that_cannot_be_written_is_one_line(run_cli, two_documents, tmp_path):
    # Missing folders on the way are created.
    assert run_cli("--db", two_documents, "backup", tmp_path / "new" / "folder" / "x.db")[0] == 0
    # A path through a file cannot be written, whoever runs the test (root ignores permissions).
    (tmp_path / "blocked").write_text("a file, not a folder")
    code, _, err = run_cli("--db", two_documents, "backup", tmp_path / "blocked" / "x.db")
    assert code == 1 and err.startswith("roundtable: cannot write") and len(err.strip().splitlines()) == 1
