"""Actions: status transitions, progress history, due-date changes, overdue/stale/RAG, links, filters."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import recorded_as

from knowledge.actions import (
    TRANSITIONS,
    action_history,
    change_due_date,
    confirm_link,
    create_action,
    delete_action,
    edit_action,
    get_action,
    link_evidence,
    link_recommendation,
    list_actions,
    parse_status,
    recommendation_id,
    reject_link,
    set_stale_days,
    update_progress,
)
from knowledge.dates import parse_date
from knowledge.vocab import Status, values

TODAY = date(2024, 6, 1)


def _action(db, status="not_started", **kw):
    kw.setdefault("organisation", "Harbourside ICB")
    kw.setdefault("text", "Draft a system-level procurement strategy")
    return create_action(db, status=status, at="2024-05-01", **kw)


ALL_PAIRS = [(a, b) for a in values(Status) for b in values(Status) if a != b]


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_every_status_transition(fresh_db, old, new):
    action_id = _action(fresh_db, old)
    if new in TRANSITIONS[old]:
        result = update_progress(fresh_db, action_id, status=new, note="agreed at the board", who="CCIO")
        assert (result["old_status"], result["new_status"]) == (old, new)
        assert get_action(fresh_db, action_id)["status"] == new
        assert action_history(fresh_db, action_id)[-1]["new_status"] == new
    else:
        with pytest.raises(ValueError, match=f"cannot go from {old} to {new}"):
            update_progress(fresh_db, action_id, status=new, note="trying anyway")
        assert get_action(fresh_db, action_id)["status"] == old
        assert len(action_history(fresh_db, action_id)) == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("in_progress", "dropped", "dropping"),
        ("not_started", "dropped", "dropping"),
        ("done", "in_progress", "reopening"),
        ("dropped", "planned", "reviving"),
    ],
)
def test_some_transitions_need_a_note(fresh_db, old, new, message):
    action_id = _action(fresh_db, old)
    with pytest.raises(ValueError, match=message):
        update_progress(fresh_db, action_id, status=new)
    update_progress(fresh_db, action_id, status=new, note="the board asked for it")
    assert get_action(fresh_db, action_id)["status"] == new


def test_done_means_one_hundred_percent(fresh_db):
    action_id = _action(fresh_db, "in_progress", percent=40)
    assert update_progress(fresh_db, action_id, status="done")["new_percent"] == 100
    other = _action(fresh_db, "in_progress", text="Another")
    with pytest.raises(ValueError, match="100%"):
        update_progress(fresh_db, other, status="done", percent=60)
    # Finished but not signed off: 100% while still in progress is allowed.
    assert update_progress(fresh_db, other, percent=100)["new_status"] == "in_progress"
    assert (
        create_action(fresh_db, text="Done at once", organisation="X Ltd", status="Complete")
        and list_actions(fresh_db, status="done")[0]["percent"] == 100
    )


def test_progress_history_is_append_only_with_old_and_new_values(fresh_db):
    action_id = _action(fresh_db)
    update_progress(fresh_db, action_id, status="in_progress", percent=20, who="IG Lead", at="2024-05-10")
    update_progress(fresh_db, action_id, percent=45, note="draft shared", who="IG Lead", at="2024-05-20")
    unchanged = update_progress(fresh_db, action_id, percent=45)
    assert unchanged["changed"] is False and unchanged["id"] is None
    history = action_history(fresh_db, action_id)
    assert [(h["old_status"], h["new_status"], h["old_percent"], h["new_percent"]) for h in history] == [
        (None, "not_started", None, 0),
        ("not_started", "in_progress", 0, 20),
        ("in_progress", "in_progress", 20, 45),
    ]
    assert history[2]["note"] == "draft shared" and history[2]["who"] == recorded_as(fresh_db, "IG Lead")
    assert history[2]["at"] == "2024-05-20"
    with pytest.raises(ValueError):
        update_progress(fresh_db, action_id, percent=140)
    with pytest.raises(ValueError, match="unknown status"):
        update_progress(fresh_db, action_id, status="finished-ish")
    with pytest.raises(LookupError):
        update_progress(fresh_db, 9999, percent=5)


def test_due_date_change_needs_a_reason_and_keeps_the_original(fresh_db):
    action_id = _action(fresh_db, due="30 April 2024")
    with pytest.raises(ValueError, match="reason"):
        change_due_date(fresh_db, action_id, "2024-06-30", reason="")
    with pytest.raises(ValueError, match="not a date"):
        change_due_date(fresh_db, action_id, "next spring", reason="slipped")
    change_due_date(fresh_db, action_id, "30/06/2024", reason="board meeting moved", who="CCIO")
    change_due_date(fresh_db, action_id, "2024-07-31", reason="waiting for the DPIA")
    action = get_action(fresh_db, action_id)
    assert (action["original_due"], action["due"]) == ("2024-04-30", "2024-07-31")
    changes = [(h["old_due"], h["new_due"], h["note"]) for h in action_history(fresh_db, action_id)[1:]]
    assert changes == [
        ("2024-04-30", "2024-06-30", "board meeting moved"),
        ("2024-06-30", "2024-07-31", "waiting for the DPIA"),
    ]


def test_first_due_date_set_later_becomes_the_original(fresh_db):
    action_id = _action(fresh_db)
    change_due_date(fresh_db, action_id, "2024-09-30", reason="agreed a date")
    assert get_action(fresh_db, action_id)["original_due"] == "2024-09-30"


def test_overdue_stale_and_rag_with_a_fixed_today(fresh_db):
    overdue = _action(fresh_db, "in_progress", text="Overdue one", due="2024-05-15")
    done_late = _action(fresh_db, "done", text="Done after its date", due="2024-05-15")
    blocked = _action(fresh_db, "blocked", text="Blocked one", due="2024-12-31")
    soon = _action(fresh_db, "planned", text="Due soon", due="2024-06-10", percent=20)
    fine = _action(fresh_db, "in_progress", text="On track", due="2024-12-31", percent=30)
    old = create_action(fresh_db, text="Nobody touched this", organisation="Harbourside ICB", at="2024-01-15")
    dropped = _action(fresh_db, "not_started", text="Dropped one", due="2024-01-01")
    update_progress(fresh_db, dropped, status="dropped", note="superseded", at="2024-05-02")
    got = {a["id"]: a for a in list_actions(fresh_db, today=TODAY)}
    assert got[overdue]["overdue"] and got[overdue]["rag"] == "red" and got[overdue]["days_overdue"] == 17
    assert not got[done_late]["overdue"] and got[done_late]["rag"] == "green"
    assert got[blocked]["rag"] == "red" and not got[blocked]["overdue"]
    assert got[soon]["rag"] == "amber"
    assert got[fine]["rag"] == "green" and not got[fine]["stale"]
    assert got[old]["stale"] and got[old]["rag"] == "amber"  # 138 days without an update
    assert not got[dropped]["overdue"] and got[dropped]["rag"] == "grey"
    assert {a["id"] for a in list_actions(fresh_db, overdue=True, today=TODAY)} == {overdue}
    assert {a["id"] for a in list_actions(fresh_db, stale=True, today=TODAY)} == {old}
    # An update makes it fresh again; the threshold is a setting.
    update_progress(fresh_db, old, note="still waiting on finance", at="2024-05-30")
    assert not get_action(fresh_db, old, today=TODAY)["stale"]
    set_stale_days(fresh_db, 14)
    assert {a["id"] for a in list_actions(fresh_db, stale=True, today=TODAY)} == {
        overdue,
        blocked,
        soon,
        fine,
    }


def test_list_filters_by_organisation_recommendation_status_and_roundtable(fresh_db):
    a = _action(fresh_db, "in_progress")
    b = _action(fresh_db, "blocked", organisation="Westmoor Hospitals NHS Trust", text="Agree job plan time")
    confirm_link(fresh_db, a, recommendation_id(fresh_db, 9))
    link_recommendation(fresh_db, b, recommendation_id(fresh_db, 5), state="suggested", score=0.8)
    assert [x["id"] for x in list_actions(fresh_db, organisation="harbourside icb")] == [a]
    assert [x["id"] for x in list_actions(fresh_db, recommendation_number=9)] == [a]
    assert list_actions(fresh_db, recommendation_number=5) == []  # suggestions are not counted
    assert [x["id"] for x in list_actions(fresh_db, status="Blocked")] == [b]
    row = list_actions(fresh_db, organisation="Westmoor Hospitals NHS Trust")[0]
    assert row["suggested"] == [5] and row["recommendations"] == []
    assert row["organisation"] == "Westmoor Hospitals NHS Trust" and row["org_type"] == "trust"
    with pytest.raises(LookupError, match="no organisation"):
        list_actions(fresh_db, organisation="Nowhere ICB")


def test_a_suggestion_never_overrides_a_persons_decision(fresh_db):
    action_id = _action(fresh_db)
    rec9, rec4 = recommendation_id(fresh_db, 9), recommendation_id(fresh_db, 4)
    link_recommendation(fresh_db, action_id, rec9, score=0.7)
    link_recommendation(fresh_db, action_id, rec4, score=0.5)
    confirm_link(fresh_db, action_id, rec9, who="ICB lead")
    reject_link(fresh_db, action_id, rec4, who="ICB lead")
    link_recommendation(fresh_db, action_id, rec9, state="suggested", score=0.9)
    link_recommendation(fresh_db, action_id, rec4, state="suggested", score=0.95)
    links = {lk["number"]: lk for lk in get_action(fresh_db, action_id)["links"]}
    assert links[9]["state"] == "confirmed" and links[9]["score"] == 0.9
    assert links[9]["decided_by"] == recorded_as(fresh_db, "ICB lead")
    assert links[4]["state"] == "rejected"
    with pytest.raises(ValueError):
        link_recommendation(fresh_db, action_id, rec9, state="maybe")


def test_evidence_links_need_a_target(fresh_db):
    action_id = _action(fresh_db)
    doc = fresh_db.execute(
        "INSERT INTO documents (title, kind, content_hash, imported_at)"
        " VALUES ('Notes', 'report', 'h', 'now')"
    ).lastrowid
    passage = fresh_db.execute(
        "INSERT INTO passages (document_id, ordinal, text, page)"
        " VALUES (?, 0, 'The ICB will write a strategy', 3)",
        [doc],
    ).lastrowid
    with pytest.raises(ValueError):
        link_evidence(fresh_db, passage)
    with pytest.raises(LookupError):
        link_evidence(fresh_db, 999, action_id=action_id)
    link_evidence(fresh_db, passage, action_id=action_id, note="the commitment")
    evidence = get_action(fresh_db, action_id)["evidence"]
    assert evidence[0]["document_title"] == "Notes" and evidence[0]["page"] == 3


def test_edit_and_delete(fresh_db):
    action_id = _action(fresh_db, draft=True)
    edited = edit_action(fresh_db, action_id, owner="IG Lead", organisation="Harbourside ICB", draft=False)
    assert edited["owner"] == "IG Lead" and edited["draft"] is False
    assert "owner" in action_history(fresh_db, action_id)[-1]["note"]
    with pytest.raises(LookupError):
        edit_action(fresh_db, action_id, organisation="Unknown Body")
    assert delete_action(fresh_db, action_id) and get_action(fresh_db, action_id) is None
    assert action_history(fresh_db, action_id) == []
    assert not delete_action(fresh_db, action_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-30", "2024-04-30"),
        ("30 April 2024", "2024-04-30"),
        ("30th Apr 2024", "2024-04-30"),
        ("30/04/2024", "2024-04-30"),
        ("30/04/24", "2024-04-30"),
        ("April 30, 2024", "2024-04-30"),
        ("end of June 2024", "2024-06-30"),
        ("Sept 2024", "2024-09-30"),
        ("", None),
    ],
)
def test_dates_in_iso_and_common_uk_formats(text, expected):
    assert parse_date(text) == expected


def test_bad_dates_and_statuses_are_refused():
    for bad in ("31/02/2024", "soon", "2024-13-01"):
        with pytest.raises(ValueError):
            parse_date(bad)
    assert parse_status("In progress") == "in_progress"
    assert parse_status("Complete") == "done"
    assert parse_status("on hold") == "blocked"
    assert parse_status("Cancelled") == "dropped"
    assert parse_status("purple") is None


def test_every_change_moves_the_version_and_a_stale_save_is_refused(fresh_db):
    from knowledge.actions import EditConflict, change_due_date, edit_action, get_action, update_progress

    action = create_action(fresh_db, text="Agree the AI audit plan", organisation="Kent ICB")
    assert get_action(fresh_db, action)["version"] == 1
    update_progress(fresh_db, action, percent=20, expected_version=1)
    change_due_date(fresh_db, action, "2027-03-31", reason="board date moved", expected_version=2)
    edit_action(fresh_db, action, owner="Head of Digital", expected_version=3)
    assert get_action(fresh_db, action)["version"] == 4
    with pytest.raises(EditConflict, match="changed it \\(edited\\)"):
        update_progress(fresh_db, action, percent=90, expected_version=2)
    assert get_action(fresh_db, action)["percent"] == 20  # the stale save wrote nothing
