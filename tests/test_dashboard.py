"""Dashboard data: the organisations x recommendations matrix, completion, overdue/blocked/stale, changes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from knowledge.actions import confirm_link, list_actions, recommendation_id, update_progress
from knowledge.dashboard import dashboard, typical_status, worst_status
from knowledge.library import import_paths
from knowledge.workspace import open_db

TODAY = date(2024, 8, 1)


@pytest.fixture
def moorland(fresh_db, corpus):
    [outcome] = import_paths(fresh_db, [corpus / "moorland-icb-ai-tracker.csv"])
    assert outcome.actions == 9
    return fresh_db


def _by_text(db, start):
    return next(a for a in list_actions(db) if a["text"].startswith(start))


def _cell(data, organisation, number):
    row = next(r for r in data["matrix"]["rows"] if r["organisation"] == organisation)
    index = [r["number"] for r in data["matrix"]["recommendations"]].index(number)
    return row["cells"][index]


def test_matrix_counts_confirmed_actions_with_worst_and_typical_status(moorland):
    ig = _by_text(moorland, "Publish common information governance")
    confirm_link(moorland, ig["id"], recommendation_id(moorland, 9))  # planned, 10%
    data = dashboard(moorland, today=TODAY)
    assert [r["number"] for r in data["matrix"]["recommendations"]] == list(range(1, 10))
    cell = _cell(data, "Moorland ICB", 9)
    assert cell["count"] == 2
    # One planned, one in progress: the worst is planned, and a tie for typical goes to the worse too.
    assert cell["worst_status"] == "planned" and cell["typical_status"] == "planned"
    assert cell["mean_percent"] == 25.0
    assert _cell(data, "Dale Valley Hospitals NHS Foundation Trust", 8)["worst_status"] == "blocked"
    assert _cell(data, "Helix Imaging Ltd", 3)["worst_status"] == "done"
    assert _cell(data, "Moorland ICB", 1) is None
    filled = sum(c is not None for r in data["matrix"]["rows"] for c in r["cells"])
    assert filled == 5  # the tracker's five recommendation links, one of them now holding two actions


def test_per_recommendation_completion(moorland):
    data = dashboard(moorland, today=TODAY)
    recs = {r["number"]: r for r in data["recommendations"]}
    assert recs[4]["actions"] == 1 and recs[4]["mean_percent"] == 100 and recs[4]["by_status"]["done"] == 1
    assert recs[8]["by_status"]["blocked"] == 1 and recs[8]["mean_percent"] == 20
    assert recs[1]["actions"] == 0 and recs[1]["mean_percent"] is None


def test_overdue_blocked_stale_lists_and_totals_as_at_a_date(moorland):
    data = dashboard(moorland, today=TODAY)
    assert [a["text"][:40] for a in data["overdue"]] == ["Ask the IT department to size server and"]
    assert data["overdue"][0]["days_overdue"] == 1
    assert [a["text"][:20] for a in data["blocked"]] == ["Clarify with the tru"]
    # 90 days without an update before 1 August 2024: last updates on or before 3 May.
    assert {a["text"][:25] for a in data["stale"]} == {
        "Agree a joint procurement",
        "Publish common informatio",
        "Add a programmed activity",
        "Clarify with the trust's ",
        "Publish a UK case study w",
    }
    totals = data["totals"]
    assert (totals["actions"], totals["organisations"], totals["overdue"], totals["blocked"]) == (9, 4, 1, 1)
    assert totals["by_status"]["done"] == 2 and totals["unlinked"] == 4
    assert sum(totals["rag"].values()) == 9


def test_recent_changes_cover_the_last_thirty_days(moorland):
    action = _by_text(moorland, "Agree a joint procurement")
    update_progress(moorland, action["id"], percent=60, note="framework agreed", at="2024-07-20")
    update_progress(moorland, action["id"], percent=65, note="too early to count", at="2024-06-01")
    data = dashboard(moorland, today=TODAY)
    assert [(c["action_id"], c["new_percent"], c["note"]) for c in data["recent_changes"]] == [
        (action["id"], 60, "framework agreed")
    ]
    assert data["recent_changes"][0]["organisation"] == "Moorland ICB"


def test_dashboard_is_json_serialisable(moorland):
    data = json.loads(json.dumps(dashboard(moorland, today=TODAY)))
    assert data["as_at"] == "2024-08-01" and data["stale_days"] == 90
    assert dashboard(moorland, today=TODAY, set_slug="no-such-set")["matrix"]["recommendations"] == []


def test_an_empty_database_has_an_empty_dashboard(db_path):
    db = open_db(db_path)
    data = dashboard(db, today=TODAY)
    assert data["matrix"]["rows"] == [] and data["totals"]["actions"] == 0
    assert data["totals"]["mean_percent"] is None
    db.conn.close()


def test_worst_and_typical_status_rules():
    assert worst_status(["done", "in_progress", "blocked"]) == "blocked"
    assert worst_status(["dropped", "done"]) == "done"
    assert worst_status(["dropped"]) == "dropped"
    assert typical_status(["done", "done", "in_progress"]) == "done"
    assert typical_status([]) is None
