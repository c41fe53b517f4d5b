"""The tracking commands: org, action, return, dashboard, roundtables; their output and exit codes."""

from __future__ import annotations

import csv
import json

import pytest

from desktop.cli import main
from knowledge.library import import_paths
from knowledge.workspace import open_db


def usage_error(capsys, db_path, *argv):
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db_path), *map(str, argv)])
    return exc.value.code, capsys.readouterr().err


@pytest.fixture
def moorland_db(db_path, corpus):
    db = open_db(db_path)
    [outcome] = import_paths(db, [corpus / "moorland-icb-ai-tracker.csv"])
    db.conn.close()
    assert outcome.actions == 9
    return db_path


def test_organisation_commands(run_cli, db_path):
    assert run_cli("--db", db_path, "org", "add", "Harbourside ICS")[0] == 0
    code, out, _ = run_cli("--db", db_path, "org", "add", "Harbourside ICB", "--parent", "Harbourside ICS")
    assert code == 0 and "(icb)" in out
    assert (
        run_cli("--db", db_path, "org", "add", "Westmoor Hospitals NHS FT", "--contact-role", "AI lead")[0]
        == 0
    )
    assert (
        run_cli(
            "--db", db_path, "org", "set-parent", "Westmoor Hospitals NHS Foundation Trust", "Harbourside ICS"
        )[0]
        == 0
    )
    code, _, err = run_cli("--db", db_path, "org", "set-parent", "Harbourside ICS", "Harbourside ICB")
    assert code == 1 and "inside itself" in err and len(err.strip().splitlines()) == 1
    assert run_cli("--db", db_path, "org", "add", "Westmoor Hospitals", "--type", "trust")[0] == 0
    code, out, _ = run_cli("--db", db_path, "org", "merge", "Westmoor Hospitals NHS FT", "Westmoor Hospitals")
    assert code == 0 and "merged" in out
    assert (
        run_cli("--db", db_path, "org", "rename", "Harbourside ICB", "Harbourside Integrated Care Board")[0]
        == 0
    )
    assert run_cli("--db", db_path, "org", "set-type", "Harbourside ICS", "ics")[0] == 0
    code, out, _ = run_cli("--db", db_path, "org", "list", "--json")
    tree = json.loads(out)
    assert [n["name"] for n in tree] == ["Harbourside ICS"]
    assert sorted(c["name"] for c in tree[0]["children"]) == [
        "Harbourside Integrated Care Board",
        "Westmoor Hospitals NHS FT",
    ]
    code, out, _ = run_cli("--db", db_path, "org", "list")
    assert code == 0 and "  Harbourside Integrated Care Board" in out


def test_organisation_errors_are_one_line(capsys, run_cli, db_path):
    code, _, err = run_cli("--db", db_path, "org", "rename", "Nowhere ICB", "Somewhere ICB")
    assert code == 1 and err.strip() == "roundtable: no organisation called 'Nowhere ICB'"
    code, err = usage_error(capsys, db_path, "org", "add", "X", "--type", "spaceship")
    assert code == 2 and "unknown organisation type" in err
    run_cli("--db", db_path, "org", "add", "Moorland ICB")
    code, _, err = run_cli("--db", db_path, "org", "add", "moorland integrated care board")
    assert code == 1 and "already exists" in err


def test_action_lifecycle_from_the_command_line(run_cli, db_path):
    run_cli("--db", db_path, "org", "add", "Harbourside ICB")
    code, out, _ = run_cli(
        "--db",
        db_path,
        "action",
        "add",
        "Draft a procurement strategy",
        "--org",
        "harbourside icb",
        "--due",
        "30 April 2024",
        "--owner",
        "Director of Digital",
        "--rec",
        "9",
        "--json",
    )
    assert code == 0
    action = json.loads(out)
    assert (action["due"], action["recommendations"], action["owner"]) == (
        "2024-04-30",
        [9],
        "Director of Digital",
    )
    aid = action["id"]
    assert (
        run_cli("--db", db_path, "action", "update", aid, "--status", "In progress", "--percent", "40%")[0]
        == 0
    )
    code, _, err = run_cli("--db", db_path, "action", "update", aid, "--status", "dropped")
    assert code == 1 and "needs a note" in err
    assert run_cli("--db", db_path, "action", "due", aid, "2024-06-30", "--reason", "board moved")[0] == 0
    code, out, _ = run_cli("--db", db_path, "action", "history", aid, "--json")
    history = json.loads(out)
    assert [h["new_status"] for h in history] == ["not_started", "in_progress", "in_progress"]
    assert history[-1]["note"] == "board moved" and history[-1]["new_due"] == "2024-06-30"
    assert run_cli("--db", db_path, "action", "confirm", aid, "4")[0] == 0
    assert run_cli("--db", db_path, "action", "reject", aid, "4")[0] == 0
    code, out, _ = run_cli("--db", db_path, "action", "show", aid)
    assert code == 0 and "originally 2024-04-30" in out and "recommendation 4: rejected" in out
    code, out, _ = run_cli("--db", db_path, "action", "list", "--org", "Harbourside ICB", "--json")
    assert [a["id"] for a in json.loads(out)] == [aid]
    code, out, _ = run_cli("--db", db_path, "action", "list", "--overdue", "--as-at", "2024-07-01")
    assert code == 0 and "Draft a procurement strategy" in out and "[overdue]" in out
    assert run_cli("--db", db_path, "action", "delete", aid)[0] == 0
    assert run_cli("--db", db_path, "action", "show", aid)[0] == 1


def test_action_errors_and_exit_codes(capsys, run_cli, db_path):
    code, _, err = run_cli("--db", db_path, "action", "add", "Do a thing", "--org", "Nowhere ICB")
    assert code == 1 and "no organisation called 'Nowhere ICB'" in err
    assert (
        run_cli("--db", db_path, "action", "add", "Do a thing", "--org", "Nowhere ICB", "--new-org")[0] == 0
    )
    assert usage_error(capsys, db_path, "action", "update", "1", "--status", "finished-ish")[0] == 2
    assert usage_error(capsys, db_path, "action", "due", "1", "31/02/2024", "--reason", "x")[0] == 2
    code, err = usage_error(capsys, db_path, "action", "due", "1", "2024-09-30")
    assert code == 2 and "--reason" in err
    assert usage_error(capsys, db_path, "action", "update", "1", "--percent", "150")[0] == 2
    assert run_cli("--db", db_path, "action", "update", "42", "--percent", "10")[0] == 1
    assert run_cli("--db", db_path, "action", "update", "1")[0] == 2  # nothing to record
    assert run_cli("--db", db_path, "action", "confirm", "1", "12")[0] == 1  # no recommendation 12
    assert run_cli("--db", db_path, "action", "list", "--org", "Elsewhere")[0] == 1


def test_progress_return_round_trip(run_cli, moorland_db, tmp_path):
    form = tmp_path / "moorland-icb.csv"
    code, _, err = run_cli("--db", moorland_db, "return", "export", "Moorland ICB", "--out", form)
    assert code == 0 and "2 action(s)" in err
    with open(form, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["New %"] = "50"
    rows[1].update({"New status": "in progress", "New %": "20", "Note": "drafting"})
    rows.append({**rows[1], "Action ID": "777"})
    with open(form, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, _, err = run_cli("--db", moorland_db, "return", "import", form)
    assert code == 1
    assert "row 4: no action with id 777" in err and "2 action(s) updated" in err
    assert run_cli("--db", moorland_db, "return", "export", "Nowhere ICB", "--out", form)[0] == 1


def test_dashboard_text_and_json(run_cli, moorland_db):
    code, out, _ = run_cli("--db", moorland_db, "dashboard", "--as-at", "2024-08-01")
    assert code == 0
    assert "R1" in out and "R9" in out and "Moorland ICB" in out
    assert "Overdue:" in out and "Blocked:" in out
    row = next(line for line in out.splitlines() if line.startswith("Moorland ICB"))
    assert row.split()[-1] == "1I"  # recommendation 9: one action, in progress
    code, out, _ = run_cli("--db", moorland_db, "dashboard", "--json", "--as-at", "2024-08-01")
    data = json.loads(out)
    assert data["totals"]["actions"] == 9 and data["as_at"] == "2024-08-01"


def test_roundtables_listing(run_cli, db_path, corpus):
    notes = corpus / "harbourside-roundtable-notes-2024-03.md"
    code, _, err = run_cli("--db", db_path, "import", notes, "--no-index", "--quiet")
    assert code == 0 and "8 action(s)" in err
    code, out, _ = run_cli("--db", db_path, "roundtables", "--json")
    [rt] = json.loads(out)
    assert code == 0 and rt["date"] == "2024-03-14" and rt["actions"] == 8
    code, out, _ = run_cli("--db", db_path, "roundtables")
    assert "2024-03-14" in out and "8 action(s), 8 draft" in out
    code, out, _ = run_cli("--db", db_path, "action", "list", "--roundtable", rt["id"], "--drafts", "--json")
    assert len(json.loads(out)) == 8


def test_accepting_a_draft_and_showing_an_organisation(run_cli, db_path, corpus):
    notes = corpus / "harbourside-roundtable-notes-2024-03.md"
    run_cli("--db", db_path, "import", notes, "--no-index", "--quiet")
    _, out, _ = run_cli(
        "--db", db_path, "action", "list", "--org", "Kingsbridge Community Hospitals", "--json"
    )
    [draft] = json.loads(out)
    assert draft["draft"] and draft["status"] == "blocked"
    edit = ("action", "edit", draft["id"], "--accept", "--owner", "Clinical Director")
    assert run_cli("--db", db_path, *edit)[0] == 0
    _, out, _ = run_cli("--db", db_path, "action", "show", draft["id"], "--json")
    shown = json.loads(out)
    assert not shown["draft"] and shown["owner"] == "Clinical Director"
    assert "accepted" in shown["history"][-1]["note"]
    code, out, _ = run_cli(
        "--db", db_path, "org", "show", "Northfield Teaching Hospitals NHS Foundation Trust"
    )
    assert code == 0 and "Northfield Teaching Hospitals NHS FT (trust)" in out and "PACS integration" in out
