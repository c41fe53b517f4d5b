"""Reports as at a date: the record replayed from the change log, nothing recorded later, said so on top."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from knowledge.actions import (
    change_due_date,
    create_action,
    delete_action,
    link_recommendation,
    list_actions,
    recommendation_id,
    update_progress,
)
from knowledge.library import import_paths
from knowledge.reports import build_report, kinds
from knowledge.reports.as_at import actions_as_at
from knowledge.reports.writer import RECORDED_NOTE
from knowledge.vocab import LinkOrigin, LinkState
from knowledge.workspace import open_db

TODAY = date.today().isoformat()
JUNE = date(2024, 6, 1)


@pytest.fixture
def moorland_path(db_path, corpus):
    db = open_db(db_path)
    import_paths(db, [corpus / "moorland-icb-ai-tracker.csv"])
    db.conn.close()
    return db_path


def procurement(db) -> dict:
    return next(a for a in list_actions(db, organisation="Moorland ICB") if "procurement" in a["text"])


def test_moorland_procurement_shows_40_percent_on_1_june_2024(run_cli, moorland_path):
    db = open_db(moorland_path)
    action_id = str(procurement(db)["id"])
    db.conn.close()
    # Today's changes: the scenario of the issue, where the as-at report showed them.
    assert (
        run_cli("--db", moorland_path, "action", "update", action_id, "--percent", "60", "--note", "OBC")[0]
        == 0
    )
    assert (
        run_cli("--db", moorland_path, "action", "due", action_id, "2025-03-31", "--reason", "re-scoped")[0]
        == 0
    )
    argv = ("--db", moorland_path, "export", "organisation", "Moorland ICB", "--evidence", "none")
    code, then, err = run_cli(*argv, "--as-at", "2024-06-01")
    assert code == 0, err
    assert RECORDED_NOTE in then.split("\n## ")[0]  # said in the heading
    row = next(line for line in then.splitlines() if line.startswith("| Agree a joint procurement"))
    assert "| 2024-09-30 | In progress | 40% |" in row
    assert "60%" not in then and "2025-03-31" not in then and TODAY not in then and "OBC" not in then
    history = then.split("## History highlights")[1].split("## Overdue")[0]
    assert "2024-05-02" in history and "re-scoped" not in history
    code, now, _ = run_cli(*argv)
    row = next(line for line in now.splitlines() if line.startswith("| Agree a joint procurement"))
    assert "| 2025-03-31 | In progress" in row and "| 60% |" in row and RECORDED_NOTE not in now


def timeline(db) -> int:
    """An action with a status, percent and due-date history over the first half of 2024."""
    action = create_action(
        db,
        text="Set up an AI implementation team",
        organisation="Kent ICB",
        due="2024-03-31",
        at="2024-01-10",
    )
    # As a tracker states it: the link counts from the row that created the action.
    rec = recommendation_id(db, 4)
    link_recommendation(db, action, rec, state=LinkState.CONFIRMED, origin=LinkOrigin.TRACKER)
    update_progress(db, action, status="planned", note="terms of reference drafted", at="2024-02-01")
    update_progress(db, action, status="in_progress", percent=30, at="2024-03-01")
    change_due_date(db, action, "2024-06-30", reason="chair appointed late", at="2024-03-15")
    update_progress(db, action, status="blocked", percent=40, note="no IG lead", at="2024-04-10")
    update_progress(db, action, status="done", at="2024-05-20")
    return action


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 1, 31), ("not_started", 0, "2024-03-31", False)),
        (date(2024, 2, 15), ("planned", 0, "2024-03-31", False)),
        (date(2024, 3, 10), ("in_progress", 30, "2024-03-31", False)),
        (date(2024, 4, 1), ("in_progress", 30, "2024-06-30", False)),  # the moved due date: not overdue
        (date(2024, 4, 30), ("blocked", 40, "2024-06-30", False)),
        (date(2024, 5, 20), ("done", 100, "2024-06-30", False)),
    ],
)
def test_status_percent_and_due_date_are_replayed_day_by_day(memory_db, day, expected):
    action = timeline(memory_db)
    [state] = [a for a in actions_as_at(memory_db, day) if a["id"] == action]
    assert (state["status"], state["percent"], state["due"], state["overdue"]) == expected


def test_an_overdue_action_is_judged_by_the_due_date_of_its_day(memory_db):
    action = timeline(memory_db)
    [state] = [a for a in actions_as_at(memory_db, date(2024, 3, 12)) if a["id"] == action]
    assert state["due"] == "2024-03-31" and not state["overdue"]
    md = build_report(memory_db, "organisation", "Kent ICB", as_at=date(2024, 3, 14), as_recorded=True)
    assert "| 2024-03-31 | In progress | 30% |" in md and "chair appointed late" not in md
    md = build_report(memory_db, "organisation", "Kent ICB", as_at=date(2024, 4, 20), as_recorded=True)
    assert "| 2024-06-30 | Blocked | 40% |" in md and "no IG lead" in md and "Nothing is overdue." in md


def test_actions_created_later_are_left_out_and_deleted_later_kept(memory_db):
    early = timeline(memory_db)
    late = create_action(memory_db, text="Publish the AI register", organisation="Kent ICB", at="2024-05-01")
    delete_action(memory_db, early)  # today: on 1 June it was still on the record
    ids = {a["id"] for a in actions_as_at(memory_db, date(2024, 4, 1))}
    assert early in ids and late not in ids
    assert {a["id"] for a in actions_as_at(memory_db, JUNE)} >= {early, late}
    assert early not in {a["id"] for a in list_actions(memory_db)}


def test_links_count_from_when_they_were_made_and_a_trackers_from_its_row(moorland_path):
    db = open_db(moorland_path)
    rec6 = recommendation_id(db, 6)
    action = procurement(db)
    link_recommendation(db, action["id"], rec6, state=LinkState.SUGGESTED, origin=LinkOrigin.MODEL, score=0.4)
    [then] = [a for a in actions_as_at(db, JUNE) if a["id"] == action["id"]]
    assert then["recommendations"] == [9] and then["suggested"] == []  # the suggestion was made today
    r9 = build_report(db, "recommendation", 9, as_at=JUNE, as_recorded=True)
    assert "| Moorland ICB | Agree a joint procurement approach" in r9  # the tracker stated R9 on 2 May
    april = build_report(db, "recommendation", 9, as_at=date(2024, 4, 1), as_recorded=True)
    assert "Agree a joint procurement approach" not in april  # not on the record before 2 May
    assert "No organisation has a confirmed action against this recommendation yet." in april
    db.conn.close()


def test_the_briefing_as_at_shows_the_state_and_changes_of_its_day(moorland_path):
    db = open_db(moorland_path)
    update_progress(db, procurement(db)["id"], percent=60, note="outline business case approved")
    md = build_report(db, "briefing", as_at=JUNE, as_recorded=True)
    assert RECORDED_NOTE in md.split("\n## ")[0]
    section = md.split("### 9.")[1].split("\n### ")[0]
    assert (
        "| Moorland ICB | Agree a joint procurement approach for AI imaging across the four acute trusts |"
        in section
    )
    assert "| 40% |" in section and "60%" not in md and "outline business case" not in md
    db.conn.close()


def test_every_report_kind_takes_as_at(run_cli, moorland_path):
    targets = {"recommendation": ["9"], "organisation": ["Moorland ICB"], "roundtable": None}
    for kind in kinds():
        if kind == "roundtable":
            continue  # the Moorland tracker holds no roundtable: test_a_roundtables_actions_as_at covers it
        argv = ["--db", moorland_path, "export", kind, *(targets.get(kind) or []), "--evidence", "none"]
        code, out, err = run_cli(*argv, "--as-at", "2024-06-01")
        assert code == 0, (kind, err)
        assert "As at 1 June 2024" in out and RECORDED_NOTE in out, kind


def test_a_roundtables_actions_as_at(memory_db, corpus):
    import_paths(memory_db, [corpus / "harbourside-roundtable-notes-2024-03.md"])
    rt = memory_db.execute("SELECT id FROM roundtables").fetchone()[0]
    before = build_report(memory_db, "roundtable", rt, as_at=date(2024, 3, 1), as_recorded=True)
    after = build_report(memory_db, "roundtable", rt, as_at=date(2024, 3, 20), as_recorded=True)
    assert "No actions are recorded against this roundtable." in before  # the meeting was on 14 March
    assert "| A8 | Riverside Imaging Network |" in after


def test_a_bare_date_judges_todays_record_on_it(moorland_path):
    db = open_db(moorland_path)
    update_progress(db, procurement(db)["id"], percent=60)
    md = build_report(db, "organisation", "Moorland ICB", as_at=JUNE)  # no as_recorded: a report date
    assert "60%" in md and RECORDED_NOTE not in md
    db.conn.close()


def test_history_from_before_the_change_log_is_replayed(tmp_path):
    """A database written before the log (schema 3): its progress history moves into the log on opening,
    and a report as at a date reads it."""
    from knowledge.db import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for _, script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute(
        "INSERT INTO organisations (id, name, type, created_at) VALUES (1, 'Kent ICB', 'icb', '2024-01-01')"
    )
    conn.execute(
        "INSERT INTO actions (id, organisation_id, text, due, original_due, status, percent, created_at,"
        " updated_at) VALUES (1, 1, 'Write the procurement strategy', '2024-09-30', '2024-09-30',"
        " 'in_progress', 50, '2024-01-05', '2024-04-02')"
    )
    history = [
        ("2024-01-05", None, "not_started", None, 0, None, "2024-09-30", "created"),
        ("2024-02-01", "not_started", "in_progress", 0, 20, None, None, "kick-off"),
        ("2024-04-02", "in_progress", "in_progress", 20, 50, None, None, "draft out"),
    ]
    conn.executemany(
        "INSERT INTO progress_updates (action_id, at, recorded_at, who, old_status, new_status, old_percent,"
        " new_percent, old_due, new_due, note) VALUES (1, ?, ?, 'pmo', ?, ?, ?, ?, ?, ?, ?)",
        [(at, at, *rest) for at, *rest in history],
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    db = open_db(path)
    # A link from before the log (no entry of its own), as a tracker made it: dated by the action's row.
    db.execute(
        "INSERT INTO action_recommendations (action_id, recommendation_id, state, origin, created_at)"
        " VALUES (1, ?, 'confirmed', 'tracker', '2024-04-02')",
        [recommendation_id(db, 9)],
    )
    march = build_report(db, "organisation", "Kent ICB", as_at=date(2024, 3, 1), as_recorded=True)
    assert "| 2024-09-30 | In progress | 20% |" in march and "draft out" not in march
    assert "| 50% |" in build_report(db, "organisation", "Kent ICB")  # today: the whole history
    db.conn.close()
