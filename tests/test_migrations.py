"""Schema migrations: an old (version 1) database opens, upgrades, and its passages become searchable."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import version_one_database

from knowledge.db import SCHEMA_VERSION, DatabaseError, schema_version
from knowledge.workspace import open_db


def test_old_database_is_upgraded_and_old_passages_are_searchable(tmp_path):
    path = tmp_path / "old.db"
    version_one_database(path)
    db = open_db(path)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        hits = db.execute(
            "SELECT rowid, title FROM passages_fts WHERE passages_fts MATCH 'text:indemnity'"
        ).fetchall()
        assert hits == [(1, "Old indemnity report")]
        assert db.execute("SELECT count(*) FROM passages_fts").fetchone()[0] == 2
        # The data survived and new writes keep the index in step through the triggers.
        assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 2
        db.execute("DELETE FROM documents WHERE id = 1")
        assert db.execute("SELECT count(*) FROM passages_fts").fetchone()[0] == 0
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.conn.close()


def test_opening_twice_applies_nothing_new(tmp_path):
    path = tmp_path / "new.db"
    open_db(path).conn.close()
    db = open_db(path)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.conn.close()


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer"):
        open_db(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("just some text, not SQLite " * 100, encoding="utf-8")
    with pytest.raises(DatabaseError, match="not a Roundtable Desk database"):
        open_db(path)


def test_vector_id_listing_uses_an_index_not_the_blobs(tmp_path):
    with open_db(tmp_path / "kb.db") as db:
        plan = " ".join(
            row[3]
            for row in db.execute(
                "EXPLAIN QUERY PLAN SELECT passage_id FROM passage_vectors "
                "WHERE model = ? ORDER BY passage_id",
                ["m"],
            )
        )
    assert "idx_passage_vectors_model" in plan
