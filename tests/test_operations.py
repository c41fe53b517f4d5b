"""The operations layer: each operation does its work on a fresh database and says what it changed."""

from __future__ import annotations

import pytest

from desktop.operations import Changes, admin, library, reports, tracking
from knowledge.actions import get_action, recommendation_id
from knowledge.library import list_documents
from knowledge.vocab import LinkState, Status

NOTES = (
    "# Harbourside ICB roundtable\n\nThe ICB agreed to consult IT teams from the start of AI procurement.\n"
)


def _import_notes(db, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return library.import_files(db, [str(path)])


def test_changes_say_which_pages_must_refresh():
    actions_page = Changes(actions=True, links=True)
    assert actions_page.touches(Changes(links=True))
    assert not actions_page.touches(Changes(documents=True, passages=True))
    assert not Changes() and Changes(actions=True)
    assert (Changes(actions=True) | Changes(links=True)) == actions_page
    assert Changes.everything().touches(Changes(roundtables=True))


def test_import_reports_documents_changed_and_a_repeat_changes_nothing(fresh_db, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"not a pdf at all")
    first = _import_notes(fresh_db, tmp_path)
    summary = first.value
    assert (summary.imported, summary.duplicates) == (1, 0) and summary.passages >= 1
    assert first.changes.documents and first.changes.passages
    assert [d["title"] for d in list_documents(fresh_db)] == ["Harbourside ICB roundtable"]

    again = library.import_files(fresh_db, [str(tmp_path / "notes.md"), str(bad)])
    assert (again.value.imported, again.value.duplicates, len(again.value.failed)) == (0, 1, 1)
    assert not again.changes
    # One count, two wordings: the window's status bar and the command line's summary line.
    assert again.value.message().startswith("Imported 0 document(s)") and "1 failed" in again.value.message()
    assert (
        again.value.cli_line() == "imported 0 document(s), 0 passage(s); skipped 1 already imported; 1 failed"
    )
    assert [o.path for o in again.value.failed_outcomes()] == [str(bad)]


def test_delete_then_restore_a_document(fresh_db, tmp_path):
    document_id = _import_notes(fresh_db, tmp_path).value.document_ids[0]
    passages = admin.counts(fresh_db)["passages"]

    deleted = library.delete_document(fresh_db, document_id)
    assert deleted.changes.documents and deleted.value is not None
    assert admin.counts(fresh_db) == {"documents": 0, "passages": 0, "unindexed": 0}

    restored = library.restore_document(fresh_db, deleted.value)
    assert restored.changes.documents
    assert admin.counts(fresh_db)["passages"] == passages
    assert library.delete_document(fresh_db, 999).changes == Changes()


def test_index_embeds_every_passage_and_reports_the_index_changed(
    fresh_db, tmp_path, db_path, hashing_embedder
):
    _import_notes(fresh_db, tmp_path)
    assert library.pending_passages(fresh_db) > 0
    result = library.index_passages(fresh_db, db_path, embedder=hashing_embedder)
    assert result.value == "ready" and result.changes.passages
    assert library.pending_passages(fresh_db) == 0


def test_add_action_and_progress_update_change_actions_only(fresh_db):
    rec = recommendation_id(fresh_db, 6)
    added = tracking.add_action(
        fresh_db, text="Consult IT from the start", organisation="Harbourside ICB", recommendation_ids=[rec]
    )
    action = get_action(fresh_db, added.value)
    assert action["organisation"] == "Harbourside ICB"
    assert [(link["recommendation_id"], link["state"]) for link in action["links"]] == [
        (rec, LinkState.CONFIRMED)
    ]
    assert added.changes.actions and added.changes.organisations

    update = tracking.update_progress(
        fresh_db, added.value, status=Status.IN_PROGRESS, percent=40, note="kick-off"
    )
    assert update.changes == Changes(actions=True)
    assert (get_action(fresh_db, added.value)["status"], get_action(fresh_db, added.value)["percent"]) == (
        Status.IN_PROGRESS,
        40,
    )
    # The same values again, with no note, record nothing and change nothing.
    assert not tracking.update_progress(fresh_db, added.value, status=Status.IN_PROGRESS, percent=40).changes


def test_confirm_and_reject_change_links_only(fresh_db):
    action_id = tracking.add_action(
        fresh_db, text="Publish a procurement strategy", organisation="Moorland ICB"
    ).value
    rec9, rec4 = recommendation_id(fresh_db, 9), recommendation_id(fresh_db, 4)
    confirmed = tracking.confirm_link(fresh_db, action_id, rec9)
    rejected = tracking.reject_link(fresh_db, action_id, rec4)
    assert confirmed.changes == rejected.changes == Changes(links=True)
    states = {link["recommendation_id"]: link["state"] for link in get_action(fresh_db, action_id)["links"]}
    assert states == {rec9: LinkState.CONFIRMED, rec4: LinkState.REJECTED}


def test_export_writes_markdown_and_html_and_changes_nothing(fresh_db, db_path, tmp_path):
    tracking.add_action(
        fresh_db,
        text="Bring IT into imaging AI procurement",
        organisation="Harbourside ICB",
        recommendation_ids=[recommendation_id(fresh_db, 6)],
    )
    md, html = tmp_path / "r6.md", tmp_path / "r6.html"
    result = reports.export_report(
        fresh_db, db_path, "recommendation", 6, md_path=md, html_path=html, evidence="none"
    )
    assert not result.changes
    assert result.value.written == (str(md), str(html))
    assert "Bring IT into imaging AI procurement" in md.read_text(encoding="utf-8")
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


@pytest.mark.sqlite_only  # a backup is a copy of the SQLite file (a team workspace's is the server's)
def test_backup_then_restore_puts_the_contents_back_and_drops_the_old_indexes(fresh_db, db_path, tmp_path):
    from indexes.vectors import index_folder

    _import_notes(fresh_db, tmp_path)
    copy = admin.backup(fresh_db, tmp_path / "copy.db")
    assert copy.value.path.exists() and not copy.changes
    library.delete_document(fresh_db, list_documents(fresh_db)[0]["id"])
    index_folder(db_path).mkdir(parents=True, exist_ok=True)

    restored = admin.restore(fresh_db, copy.value.path, db_path)
    assert restored.changes == Changes.everything()
    assert [d["title"] for d in list_documents(fresh_db)] == ["Harbourside ICB roundtable"]
    assert restored.value.previous.exists()  # the contents it replaced, to undo the restore
    assert not index_folder(db_path).exists()
    assert admin.check(fresh_db, db_path).value.ok


@pytest.mark.postgres
def test_backup_restore_and_check_refuse_a_team_workspace_in_one_line(fresh_db, db_path, tmp_path):
    from knowledge.db import DatabaseError

    for run, words in (
        (lambda: admin.backup(fresh_db, tmp_path / "copy.db"), "pg_dump"),
        (lambda: admin.restore(fresh_db, tmp_path / "copy.db", db_path), "pg_restore"),
        (lambda: admin.check(fresh_db, db_path), "its server"),
    ):
        with pytest.raises(DatabaseError, match=words) as refused:
            run()
        assert "is for a database file" in str(refused.value) and "\n" not in str(refused.value)
    assert not (tmp_path / "copy.db").exists() and list_documents(fresh_db) == []


def test_the_window_refreshes_only_the_pages_showing_what_changed(qtbot, make_desk_window):
    window = make_desk_window(load_model=False)
    action_id = tracking.add_action(window.db, text="Set up an AI team", organisation="Eastbrook ICB").value
    for key in ("search", "actions", "dashboard"):
        window.go_to(key)  # each page loaded once
    window._dirty.clear()
    shown = []
    window.pages["dashboard"].refresh = lambda: shown.append("dashboard")
    with qtbot.waitSignal(window.dataChanged, timeout=10000) as changed:
        window.run_op(lambda db, job: tracking.update_progress(db, action_id, percent=30))
    assert changed.args[0] == Changes(actions=True)
    assert shown == ["dashboard"], "the page on screen refreshed at once"
    assert "actions" in window._dirty, "a page showing actions refreshes when next shown"
    assert "search" not in window._dirty, "the search page shows no actions"


def test_history_details_read_as_people_say_them():
    from desktop.operations.history import describe

    entry = {
        "change": "status",
        "before": {"status": "in_progress", "percent": 40},
        "after": {"status": "done", "percent": 100},
    }
    assert describe(entry) == "status In progress -> Done; percent 40% -> 100%"
