"""The change log: append-only in SQLite, every change kind recorded with its who and when, who resolved."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import recorded_as

from knowledge import changelog
from knowledge.actions import (
    action_history,
    change_due_date,
    confirm_link,
    create_action,
    delete_action,
    edit_action,
    get_action,
    link_evidence,
    link_recommendation,
    recommendation_id,
    reject_link,
    remove_evidence,
    remove_link,
    restore_action,
    store_suggestions,
    update_progress,
)
from knowledge.changelog import BEFORE_THE_LOG, UNKNOWN_USER, act_as, entries, record, resolve_who
from knowledge.codebook import BUILTIN_SET, load_codebook
from knowledge.library import delete_document, import_paths, restore_document, update_document
from knowledge.organisations import (
    add_organisation,
    delete_organisation,
    ensure_organisation,
    get_organisation,
    merge_organisations,
    rename_organisation,
    set_contact_role,
    set_parent,
    set_type,
)
from knowledge.vocab import Change, Entity
from knowledge.workspace import open_db


def _last(db, entity, change) -> dict:
    return [e for e in entries(db, entity=entity) if e["change"] == change][-1]


# -- append-only --------------------------------------------------------------------------------------------


@pytest.mark.sqlite_only  # the SQLite file's own triggers; the server's: the test below
def test_sqlite_refuses_to_update_or_delete_log_entries(db_path, fresh_db):
    create_action(fresh_db, text="Write a procurement strategy", organisation="Moorland ICB", who="Ann")
    count = len(entries(fresh_db))
    fresh_db.conn.close()
    conn = sqlite3.connect(db_path)  # straight into SQLite, past everything in the program
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE change_log SET who = 'Mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM change_log WHERE entity = 'action'")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO change_log (at, recorded_at, who, entity, change)"
            " VALUES ('x', 'x', '  ', 'action', 'x')"
        )
    conn.close()
    db = open_db(db_path)
    assert len(entries(db)) == count and {e["who"] for e in entries(db, entity="action")} == {"Ann"}
    db.conn.close()


@pytest.mark.postgres
def test_the_server_refuses_to_update_or_delete_log_entries_and_records_the_member(db_path, fresh_db):
    import psycopg

    create_action(fresh_db, text="Write a procurement strategy", organisation="Moorland ICB", who="Ann")
    count = len(entries(fresh_db))
    member = fresh_db.login
    fresh_db.conn.close()
    with psycopg.connect(db_path, autocommit=True) as pg:  # plain SQL, past everything in the program
        with pytest.raises(psycopg.Error, match="append-only"):
            pg.execute("UPDATE change_log SET who = 'Mallory'")
        with pytest.raises(psycopg.Error, match="append-only"):
            pg.execute("DELETE FROM change_log WHERE entity = 'action'")
        # A client cannot claim to be someone else: the server writes the member connected.
        pg.execute(
            "INSERT INTO change_log (at, recorded_at, who, entity, change)"
            " VALUES ('x', 'x', 'Mallory', 'action', 'x')"
        )
    db = open_db(db_path)
    assert len(entries(db)) == count + 1 and {e["who"] for e in entries(db)} == {member}
    db.conn.close()


def test_a_change_and_its_entry_are_kept_or_lost_together(memory_db, monkeypatch):
    action_id = create_action(memory_db, text="Publish IG guidance", organisation="Moorland ICB", who="Ann")

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("knowledge.actions.store.record", broken)
    with pytest.raises(sqlite3.OperationalError):
        update_progress(memory_db, action_id, status="in_progress", percent=30, who="Ann")
    action = get_action(memory_db, action_id)
    assert (action["status"], action["percent"]) == ("not_started", 0)
    assert memory_db.execute("SELECT count(*) FROM progress_updates").fetchone()[0] == 1


def test_record_checks_the_entity_and_its_change(memory_db):
    with pytest.raises(ValueError):
        record(memory_db, who="Ann", entity="spaceship", entity_id=1, change=Change.CREATED)
    with pytest.raises(ValueError, match="not a change"):
        record(memory_db, who="Ann", entity=Entity.DOCUMENT, entity_id=1, change=Change.MERGED)
    entry_id = record(
        memory_db,
        who="  Ann   Lead ",
        entity=Entity.ACTION,
        entity_id=3,
        change=Change.EDITED,
        after={"a": 1},
    )
    [entry] = [e for e in entries(memory_db) if e["id"] == entry_id]
    assert entry["who"] == "Ann Lead" and entry["after"] == {"a": 1} and entry["at"] == entry["recorded_at"]


# -- who ----------------------------------------------------------------------------------------------------


def test_who_is_the_name_given_else_the_environment_else_the_login_name(monkeypatch):
    monkeypatch.setattr(changelog.getpass, "getuser", lambda: "jsmith")
    monkeypatch.delenv("ROUNDTABLE_USER", raising=False)
    assert resolve_who() == "jsmith"
    monkeypatch.setenv("ROUNDTABLE_USER", "Jo Smith (ICB)")
    assert resolve_who() == "Jo Smith (ICB)"
    assert resolve_who("Ann Lead") == "Ann Lead"
    assert resolve_who("   ") == "Jo Smith (ICB)"  # blank counts as not given
    monkeypatch.setenv("ROUNDTABLE_USER", "")

    def nobody():
        raise OSError("no login name")

    monkeypatch.setattr(changelog.getpass, "getuser", nobody)
    assert resolve_who() == UNKNOWN_USER  # never empty


def test_a_connection_acts_for_one_person_unless_a_change_names_another(memory_db, monkeypatch):
    monkeypatch.setenv("ROUNDTABLE_USER", "env user")
    first = create_action(memory_db, text="A", organisation="Moorland ICB")
    act_as(memory_db, "Window User")
    second = create_action(memory_db, text="B", organisation="Moorland ICB")
    update_progress(memory_db, second, percent=10, who="On behalf: CCIO")
    assert _last(memory_db, "organisation", "added")["who"] == "env user"
    assert [h["who"] for h in action_history(memory_db, first)] == ["env user"]
    assert [h["who"] for h in action_history(memory_db, second)] == ["Window User", "On behalf: CCIO"]
    assert memory_db.execute("SELECT who FROM progress_updates ORDER BY id").fetchall() == [
        ("env user",),
        ("Window User",),
        ("On behalf: CCIO",),
    ]


# -- every change kind ----------------------------------------------------------------------------------


def test_every_action_change_is_logged_with_who_and_when(memory_db):
    db = memory_db
    action_id = create_action(
        db,
        text="Draft a procurement strategy",
        organisation="Harbourside ICB",
        due="2024-06-30",
        draft=True,
        at="2024-03-01",
        who="Notes import",
    )
    update_progress(db, action_id, status="in_progress", percent=20, who="Ann", at="2024-04-01")
    update_progress(db, action_id, percent=40, who="Ann", at="2024-05-01")
    update_progress(db, action_id, note="waiting for the board", who="Ann", at="2024-05-02")
    change_due_date(db, action_id, "2024-09-30", reason="board moved", who="Bob")
    edit_action(db, action_id, owner="Head of Digital", who="Bob")
    edit_action(db, action_id, draft=False, who="Carol")
    assert delete_action(db, action_id, who="Dan")
    assert restore_action(db, action_id, who="Erin")
    log = entries(db, entity="action", entity_id=action_id)
    assert [(e["change"], e["who"]) for e in log] == [
        ("created", "Notes import"),
        ("status", "Ann"),
        ("percent", "Ann"),
        ("updated", "Ann"),
        ("due", "Bob"),
        ("edited", "Bob"),
        ("accepted", "Carol"),
        ("deleted", "Dan"),
        ("restored", "Erin"),
    ]
    assert [e["at"][:10] for e in log[:4]] == ["2024-03-01", "2024-04-01", "2024-05-01", "2024-05-02"]
    assert all(e["recorded_at"] for e in log)
    due = log[4]
    assert (due["before"], due["after"], due["note"]) == (
        {"due": "2024-06-30"},
        {"due": "2024-09-30"},
        "board moved",
    )
    assert log[5]["before"] == {"owner": None} and log[5]["after"] == {"owner": "Head of Digital"}
    assert log[6]["after"] == {"draft": False}
    # The action's history is read from the log: full old and new values at each step.
    history = action_history(db, action_id)
    assert [(h["old_percent"], h["new_percent"]) for h in history[:4]] == [
        (None, 0),
        (0, 20),
        (20, 40),
        (40, 40),
    ]
    assert (history[4]["old_due"], history[4]["new_due"], history[4]["new_status"]) == (
        "2024-06-30",
        "2024-09-30",
        "in_progress",
    )
    assert history[-1]["change"] == "restored" and history[-1]["who"] == "Erin"


def test_link_and_evidence_changes_are_logged(memory_db):
    db = memory_db
    action_id = create_action(db, text="Consult the IT team from the start", organisation="Kingsbridge Trust")
    rec6, rec9 = recommendation_id(db, 6), recommendation_id(db, 9)
    assert store_suggestions(db, [(action_id, rec6, 0.81), (action_id, rec9, 0.4)], who="Model run") == 2
    assert store_suggestions(db, [(action_id, rec6, 0.9)]) == 0  # already there: no second entry
    confirm_link(db, action_id, rec6, who="Ann")
    confirm_link(db, action_id, rec6, who="Bob")  # nothing changes: no entry
    reject_link(db, action_id, rec9, who="Ann")
    link_recommendation(db, action_id, recommendation_id(db, 4), state="confirmed", origin="user", who="Ann")
    assert remove_link(db, action_id, recommendation_id(db, 4), who="Carol")
    assert not remove_link(db, action_id, recommendation_id(db, 4), who="Carol")
    links = entries(db, entity="link", entity_id=action_id)
    assert [(e["change"], e["after"] or e["before"]) for e in links] == [
        (
            "suggested",
            {
                "recommendation": 6,
                "recommendation_id": rec6,
                "set": BUILTIN_SET,
                "state": "suggested",
                "origin": "model",
                "score": 0.81,
            },
        ),
        (
            "suggested",
            {
                "recommendation": 9,
                "recommendation_id": rec9,
                "set": BUILTIN_SET,
                "state": "suggested",
                "origin": "model",
                "score": 0.4,
            },
        ),
        (
            "confirmed",
            {
                "recommendation": 6,
                "recommendation_id": rec6,
                "set": BUILTIN_SET,
                "state": "confirmed",
                "origin": "model",
                "score": None,
            },
        ),
        (
            "rejected",
            {
                "recommendation": 9,
                "recommendation_id": rec9,
                "set": BUILTIN_SET,
                "state": "rejected",
                "origin": "model",
                "score": None,
            },
        ),
        (
            "confirmed",
            {
                "recommendation": 4,
                "recommendation_id": recommendation_id(db, 4),
                "set": BUILTIN_SET,
                "state": "confirmed",
                "origin": "user",
                "score": None,
            },
        ),
        (
            "removed",
            {
                "recommendation": 4,
                "recommendation_id": recommendation_id(db, 4),
                "set": BUILTIN_SET,
                "state": "confirmed",
                "origin": "user",
                "score": None,
                "decided_by": "Ann",
            },
        ),
    ]
    assert [e["who"] for e in links] == ["Model run", "Model run", "Ann", "Ann", "Ann", "Carol"]
    assert links[2]["before"]["state"] == "suggested"

    doc = db.execute(
        "INSERT INTO documents (title, kind, content_hash, imported_at)"
        " VALUES ('Notes', 'report', 'h', 'now')"
    ).lastrowid
    passage = db.execute(
        "INSERT INTO passages (document_id, ordinal, text, page) VALUES (?, 0, 'IT teams were consulted', 3)",
        [doc],
    ).lastrowid
    link_id = link_evidence(db, passage, action_id=action_id, note="the commitment", who="Ann")
    assert remove_evidence(db, link_id, who="Bob") and not remove_evidence(db, link_id)
    added, removed = entries(db, entity="evidence", entity_id=link_id)
    assert (added["change"], added["who"], added["after"]["page"], added["after"]["document_id"]) == (
        "added",
        "Ann",
        3,
        doc,
    )
    assert (removed["change"], removed["who"], removed["before"]["note"]) == (
        "removed",
        "Bob",
        "the commitment",
    )


def test_organisation_changes_are_logged_and_a_merge_can_be_reversed_from_its_entry(memory_db):
    db = memory_db
    ics = add_organisation(db, "Moorland ICS", "ics", who="Ann")
    icb = add_organisation(db, "Moorland ICB", who="Ann")
    dup = ensure_organisation(db, "Moorland Commissioning Office", who="Importer")
    rename_organisation(db, dup, "Moorland ICB (duplicate)", who="Bob")
    rename_organisation(db, dup, "Moorland ICB (duplicate)", who="Bob")  # the same name: no entry
    set_type(db, dup, "icb", who="Bob")
    set_parent(db, dup, ics, who="Bob")
    set_contact_role(db, icb, "Director of Digital", who="Bob")
    moved = [create_action(db, text=f"Action {n}", organisation=dup, who="Ann") for n in range(2)]
    stays = create_action(db, text="Own action", organisation=icb, who="Ann")
    doc = db.execute(
        "INSERT INTO documents (title, kind, content_hash, organisation_id, imported_at)"
        " VALUES ('Board paper', 'report', 'h1', ?, 'now')",
        [dup],
    ).lastrowid
    removed_row = get_organisation(db, dup)
    assert merge_organisations(db, icb, dup, who="Carol") == {"actions": 2, "documents": 1, "children": 0}
    other = add_organisation(db, "Temporary Body", who="Ann")
    delete_organisation(db, other, who="Dan")

    log = entries(db, entity="organisation")
    assert [(e["entity_id"], e["change"], e["who"]) for e in log] == [
        (ics, "added", "Ann"),
        (icb, "added", "Ann"),
        (dup, "added", "Importer"),
        (dup, "renamed", "Bob"),
        (dup, "retyped", "Bob"),
        (dup, "reparented", "Bob"),
        (icb, "edited", "Bob"),
        (icb, "merged", "Carol"),
        (other, "added", "Ann"),
        (other, "deleted", "Dan"),
    ]
    renamed = log[3]
    assert renamed["before"] == {"name": "Moorland Commissioning Office"}
    assert renamed["after"] == {"name": "Moorland ICB (duplicate)"}
    merge = log[7]
    assert merge["before"]["removed"] == removed_row  # the whole row, to put it back
    assert merge["after"]["moved_actions"] == moved and stays not in merge["after"]["moved_actions"]
    assert merge["after"]["moved_documents"] == [doc] and merge["after"]["moved_children"] == []
    assert "merged into Moorland ICB" in merge["note"]


def test_document_and_recommendation_set_changes_are_logged(fresh_db, corpus):
    db = fresh_db
    assert [(e["change"], e["after"]["slug"]) for e in entries(db, entity="recommendation_set")] == [
        ("loaded", BUILTIN_SET)
    ]
    [outcome] = import_paths(db, [corpus / "ppp-ai-imaging-roundtable-2023.txt"], who="Ann")
    doc_id = outcome.document_id
    update_document(db, doc_id, title="The roundtable article", kind="report", who="Bob")
    update_document(db, doc_id, title="The roundtable article", who="Bob")  # nothing changed: no entry
    delete_document(db, doc_id, who="Carol")
    restore_document(db, doc_id, who="Dan")
    log = entries(db, entity="document", entity_id=doc_id)
    assert [(e["change"], e["who"]) for e in log] == [
        ("imported", recorded_as(db, "Ann")),
        ("edited", recorded_as(db, "Bob")),
        ("deleted", recorded_as(db, "Carol")),
        ("restored", recorded_as(db, "Dan")),
    ]
    assert log[0]["after"]["passages"] == outcome.passages and log[0]["after"]["content_hash"]
    assert log[1]["after"] == {"title": "The roundtable article"}  # the kind was already "report"
    assert log[2]["before"]["passages"] == outcome.passages

    other = {
        "slug": "second-set",
        "title": "Another report",
        "recommendations": [{"number": 1, "title": "One", "summary": "First."}],
    }
    set_id = load_codebook(db, other, who="Erin")
    load_codebook(db, other, who="Erin")  # the same again: no entry
    changed = {
        **other,
        "recommendations": [*other["recommendations"], {"number": 2, "title": "Two", "summary": "2."}],
    }
    load_codebook(db, changed, who="Fay")
    sets = entries(db, entity="recommendation_set", entity_id=set_id)
    assert [(e["change"], e["who"]) for e in sets] == [
        ("loaded", recorded_as(db, "Erin")),
        ("changed", recorded_as(db, "Fay")),
    ]
    assert sets[1]["after"]["added"] == [2] and sets[1]["before"]["recommendations"] == [1]


# -- the migration ------------------------------------------------------------------------------------------


def _old_database_with_history(path) -> None:
    """A version-1 database (what an early release wrote) holding an action and its progress history."""
    from conftest import version_one_database

    version_one_database(path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO organisations (id, name, type, created_at)"
        " VALUES (1, 'Moorland ICB', 'icb', '2024-01-01')"
    )
    conn.execute(
        "INSERT INTO actions (id, organisation_id, text, original_due, due, status, percent, created_at,"
        " updated_at) VALUES (1, 1, 'Agree a joint procurement approach', '2024-06-30', '2024-09-30',"
        " 'in_progress', 40, '2024-01-10', '2024-05-02')"
    )
    conn.executemany(
        "INSERT INTO progress_updates (action_id, at, recorded_at, who, old_status, new_status, old_percent,"
        " new_percent, old_due, new_due, note) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                "2024-01-10",
                "2024-01-10T09:00:00+00:00",
                None,
                None,
                "not_started",
                None,
                0,
                None,
                "2024-06-30",
                "created",
            ),
            (
                "2024-03-01",
                "2024-03-01T09:00:00+00:00",
                "Head of Digital",
                "not_started",
                "in_progress",
                0,
                20,
                None,
                None,
                "kick-off",
            ),
            (
                "2024-04-01",
                "2024-04-01T09:00:00+00:00",
                "",
                "in_progress",
                "in_progress",
                20,
                40,
                None,
                None,
                None,
            ),
            (
                "2024-05-02",
                "2024-05-02T09:00:00+00:00",
                "CCIO",
                "in_progress",
                "in_progress",
                40,
                40,
                "2024-06-30",
                "2024-09-30",
                "board moved",
            ),
        ],
    )
    conn.commit()
    conn.close()


def test_the_migration_brings_an_old_databases_progress_history_into_the_log(tmp_path):
    path = tmp_path / "old.db"
    _old_database_with_history(path)
    db = open_db(path)
    log = entries(db, entity="action", entity_id=1)
    assert [(e["at"], e["recorded_at"][:10], e["who"], e["change"], e["note"]) for e in log] == [
        ("2024-01-10", "2024-01-10", BEFORE_THE_LOG, "created", "created"),
        ("2024-03-01", "2024-03-01", "Head of Digital", "status", "kick-off"),
        ("2024-04-01", "2024-04-01", BEFORE_THE_LOG, "percent", None),
        ("2024-05-02", "2024-05-02", "CCIO", "due", "board moved"),
    ]
    history = action_history(db, 1)
    old = db.execute(
        "SELECT at, old_status, new_status, old_percent, new_percent FROM progress_updates ORDER BY id"
    ).fetchall()
    assert [
        (h["at"], h["old_status"], h["new_status"], h["old_percent"], h["new_percent"]) for h in history
    ] == [tuple(row) for row in old]
    assert (history[-1]["old_due"], history[-1]["new_due"]) == ("2024-06-30", "2024-09-30")
    # The old rows stay where they were, the actions gained their delete columns, and new work is logged.
    assert db.execute("SELECT count(*) FROM progress_updates").fetchone()[0] == 4
    update_progress(db, 1, percent=60, who="Ann")
    assert [h["new_percent"] for h in action_history(db, 1)][-1] == 60
    assert delete_action(db, 1, who="Ann") and get_action(db, 1) is None
    db.conn.close()
