"""Deleting an action or a document hides it everywhere, keeps it and its history, and can be undone."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from conftest import recorded_as

from desktop.operations import library as library_ops
from desktop.operations import tracking
from knowledge.actions import action_history, get_action, list_actions, update_progress
from knowledge.changelog import entries
from knowledge.dashboard import dashboard
from knowledge.library import import_paths, list_documents
from knowledge.organisations import list_organisations
from knowledge.workspace import open_db

PROCUREMENT = "Agree a joint procurement approach"


@pytest.fixture
def moorland_path(db_path, corpus):
    db = open_db(db_path)
    [outcome] = import_paths(db, [corpus / "moorland-icb-ai-tracker.csv"], who="Importer")
    assert outcome.actions == 9
    db.conn.close()
    return db_path


def _procurement(db) -> dict:
    return next(a for a in list_actions(db) if a["text"].startswith(PROCUREMENT))


def _report(run_cli, db_path) -> str:
    code, out, err = run_cli("--db", db_path, "export", "organisation", "Moorland ICB", "--evidence", "none")
    assert code == 0, err
    return out


def test_a_deleted_action_leaves_lists_dashboard_and_reports_and_comes_back(moorland_path, run_cli):
    db = open_db(moorland_path)
    action = _procurement(db)
    history = action_history(db, action["id"])
    moorland = next(o for o in list_organisations(db) if o["name"] == "Moorland ICB")
    assert PROCUREMENT in _report(run_cli, moorland_path)

    assert tracking.delete_action(db, action["id"], who="Ann Lead").value
    assert get_action(db, action["id"]) is None
    assert PROCUREMENT not in " ".join(a["text"] for a in list_actions(db))
    assert dashboard(db)["totals"]["actions"] == 8
    assert (
        next(o for o in list_organisations(db) if o["name"] == "Moorland ICB")["actions"]
        == moorland["actions"] - 1
    )
    assert PROCUREMENT not in _report(run_cli, moorland_path)
    code, out, _ = run_cli("--db", moorland_path, "action", "list", "--json")
    assert action["id"] not in [a["id"] for a in json.loads(out)]
    # Kept, with its history, and it cannot be changed while deleted.
    row = db.execute("SELECT deleted_by, percent FROM actions WHERE id = ?", [action["id"]]).fetchone()
    assert tuple(row) == (recorded_as(db, "Ann Lead"), 40)
    assert action_history(db, action["id"], include_deleted=True)[: len(history)] == history
    with pytest.raises(LookupError, match="deleted"):
        update_progress(db, action["id"], percent=50)
    code, out, _ = run_cli("--db", moorland_path, "action", "list", "--deleted", "--json")
    assert [a["id"] for a in json.loads(out)] == [action["id"]]
    code, _, err = run_cli("--db", moorland_path, "action", "show", action["id"])
    assert code == 1 and f"action restore {action['id']}" in err

    assert tracking.restore_action(db, action["id"], who="Bob").value
    assert not tracking.restore_action(db, action["id"], who="Bob").value  # not deleted any more
    back = get_action(db, action["id"])
    assert (back["percent"], back["due"], back["recommendations"]) == (action["percent"], action["due"], [9])
    assert dashboard(db)["totals"]["actions"] == 9
    assert PROCUREMENT in _report(run_cli, moorland_path)
    assert action_history(db, action["id"])[: len(history)] == history
    assert [(e["change"], e["who"]) for e in entries(db, entity="action", entity_id=action["id"])][-2:] == [
        ("deleted", recorded_as(db, "Ann Lead")),
        ("restored", recorded_as(db, "Bob")),
    ]
    db.conn.close()


def test_action_delete_prints_the_command_that_restores_it(moorland_path, run_cli):
    db = open_db(moorland_path)
    action_id = _procurement(db)["id"]
    db.conn.close()
    code, out, _ = run_cli("--db", moorland_path, "--who", "Ann", "action", "delete", action_id)
    assert code == 0
    command = re.search(r"to undo: roundtable (.+)$", out.strip()).group(1)
    restore = shlex.split(command)  # as a shell reads it (a server URL is quoted)
    assert restore == ["--db", str(moorland_path), "action", "restore", str(action_id)]
    code, out, _ = run_cli(*restore)
    assert code == 0 and f"restored action {action_id}" in out
    code, _, err = run_cli("--db", moorland_path, "action", "restore", action_id)
    assert code == 1 and "not deleted" in err
    code, _, err = run_cli("--db", moorland_path, "action", "restore", 999)
    assert code == 1 and "no action with id 999" in err and "Traceback" not in err


def test_a_tracker_imported_again_does_not_bring_a_deleted_action_back(db_path, corpus, tmp_path):
    db = open_db(db_path)
    import_paths(db, [corpus / "moorland-icb-ai-tracker.csv"])
    action = _procurement(db)
    tracking.delete_action(db, action["id"], who="Ann")
    newer = tmp_path / "moorland-later.csv"
    text = (corpus / "moorland-icb-ai-tracker.csv").read_text(encoding="utf-8")
    newer.write_text(
        text.replace("In progress,40,9,2024-05-02", "In progress,60,9,2024-07-01"), encoding="utf-8"
    )
    [outcome] = import_paths(db, [newer])
    assert outcome.status == "imported"
    assert any(f"action {action['id']} was deleted" in w for w in outcome.warnings)
    assert db.execute("SELECT percent FROM actions WHERE id = ?", [action["id"]]).fetchone()[0] == 40
    assert PROCUREMENT not in " ".join(a["text"] for a in list_actions(db))
    db.conn.close()


# -- documents ----------------------------------------------------------------------------------------------


@pytest.fixture
def indexed_docs(db_path, tmp_path, hashing_embedder, run_cli):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"id": "a", "title": "Indemnity", "text": "Medical indemnity for AI suppliers must be clarified."}\n'
        '{"id": "b", "title": "Workforce", "text": "AI adds capacity to a short-staffed radiology team."}\n',
        encoding="utf-8",
    )
    code, _, err = run_cli("--db", db_path, "import", docs, "--quiet")
    assert code == 0, err
    return db_path


def _found(run_cli, db_path, mode) -> set[str]:
    code, out, err = run_cli("--db", db_path, "search", "medical indemnity AI", "--json", "--mode", mode)
    assert code == 0, err
    return {r["external_id"] for r in json.loads(out)["results"]}


def _counts(db_path) -> tuple[int, int, int]:
    db = open_db(db_path)
    try:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "passages", "passage_vectors")
        )
    finally:
        db.conn.close()


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_deleted_document_leaves_search_and_comes_back_with_its_vectors(indexed_docs, run_cli, mode):
    assert "a" in _found(run_cli, indexed_docs, mode)
    before = _counts(indexed_docs)
    db = open_db(indexed_docs)
    doc_id = next(d["id"] for d in list_documents(db) if d["external_id"] == "a")
    db.conn.close()

    code, _, err = run_cli("--db", indexed_docs, "--who", "Ann", "delete", doc_id)
    assert code == 0 and f"document restore {doc_id}" in err
    assert "a" not in _found(run_cli, indexed_docs, mode)
    assert _counts(indexed_docs) == (before[0] - 1, before[1] - 1, before[2] - 1)
    code, out, _ = run_cli("--db", indexed_docs, "documents", "--json")
    assert doc_id not in [d["id"] for d in json.loads(out)]
    code, out, _ = run_cli("--db", indexed_docs, "documents", "--deleted", "--json")
    [binned] = json.loads(out)
    ann = recorded_as(indexed_docs, "Ann")
    assert (binned["document_id"], binned["title"], binned["deleted_by"]) == (doc_id, "Indemnity", ann)

    code, _, err = run_cli("--db", indexed_docs, "--who", "Bob", "document", "restore", doc_id)
    assert code == 0 and f"restored document {doc_id}" in err
    assert _counts(indexed_docs) == before  # the vectors came back: nothing to embed again
    assert "a" in _found(run_cli, indexed_docs, mode)
    code, _, err = run_cli("--db", indexed_docs, "document", "restore", doc_id)
    assert code == 1 and "no deleted document" in err
    db = open_db(indexed_docs)
    assert [(e["change"], e["who"]) for e in entries(db, entity="document", entity_id=doc_id)][-2:] == [
        ("deleted", recorded_as(db, "Ann")),
        ("restored", recorded_as(db, "Bob")),
    ]
    db.conn.close()


def test_a_deleted_document_keeps_its_links_and_the_actions_taken_from_it(fresh_db, corpus):
    [notes] = import_paths(fresh_db, [corpus / "harbourside-roundtable-notes-2024-03.md"])
    actions = [a["id"] for a in list_actions(fresh_db) if a["source_document_id"] == notes.document_id]
    assert actions
    passage = fresh_db.execute(
        "SELECT min(id) FROM passages WHERE document_id = ?", [notes.document_id]
    ).fetchone()[0]
    tracking.link_evidence(fresh_db, passage, ("action", actions[0]), "the commitment", who="Ann")

    deleted = library_ops.delete_document(fresh_db, notes.document_id, who="Ann")
    assert deleted.value and list_documents(fresh_db) == []
    assert get_action(fresh_db, actions[0])["evidence"] == []  # its passages are in the bin
    assert library_ops.restore_document(fresh_db, deleted.value, who="Ann").value == notes.document_id
    assert get_action(fresh_db, actions[0])["evidence"][0]["note"] == "the commitment"
    assert {a["id"] for a in list_actions(fresh_db) if a["source_document_id"] == notes.document_id} == set(
        actions
    )
    with pytest.raises(ValueError, match="imported again"):  # restoring it twice
        library_ops.restore_document(fresh_db, deleted.value)
    with pytest.raises(LookupError, match="no deleted document"):
        library_ops.restore_document(fresh_db, notes.document_id)
