"""Recommendation sets through the command line: codebook commands, and --set on every command."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import REPO

BERWICK = REPO / "benchmarks" / "data" / "berwick-2013.json"


@pytest.fixture
def two_sets(run_cli, db_path, tmp_path):
    """A workspace holding the nine and a second set (from JSON) and a third (from CSV)."""
    code, _, err = run_cli("--db", db_path, "codebook", "import", BERWICK)
    assert code == 0 and "imported set berwick-2013: 10 recommendation(s)" in err
    sheet = tmp_path / "wachter-digest.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "title", "summary", "addressed_to"])
        writer.writerow(["1", "Digitise in stages", "Trusts should digitise in phases.", "trust"])
        writer.writerow(
            ["2", "A national CCIO", "Appoint a national chief clinical information officer.", ""]
        )
    code, _, err = run_cli("--db", db_path, "codebook", "import", sheet, "--title", "Wachter digest")
    assert code == 0 and "imported set wachter-digest: 2 recommendation(s)" in err
    return db_path


def _json(run_cli, *argv):
    code, out, err = run_cli(*argv)
    assert code == 0, err
    return json.loads(out)


def test_imported_sets_list_under_their_own_slugs(run_cli, two_sets):
    sets = _json(run_cli, "--db", two_sets, "codebook", "list", "--json")
    assert [(s["slug"], s["recommendations"]) for s in sets] == [
        ("ppp-ai-imaging-2023", 9),
        ("berwick-2013", 10),
        ("wachter-digest", 2),
    ]
    recs = _json(run_cli, "--db", two_sets, "recommendations", "--set", "wachter-digest", "--json")
    assert [(r["set"], r["number"], r["title"]) for r in recs] == [
        ("wachter-digest", 1, "Digitise in stages"),
        ("wachter-digest", 2, "A national CCIO"),
    ]
    # The default-set contract: the nine, as before.
    nine = _json(run_cli, "--db", two_sets, "recommendations", "--set", "ppp-ai-imaging-2023", "--json")
    assert [r["number"] for r in nine] == list(range(1, 10))
    code, out, _ = run_cli("--db", two_sets, "recommendations")
    assert "\n9. " in out and "[berwick-2013] 1. Reduce patient harm" in out
    assert "[wachter-digest] 2. A national CCIO" in out and "\n1. Position AI" in "\n" + out


def test_a_bad_codebook_is_refused_whole_on_one_line(run_cli, two_sets, tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(BERWICK.read_text(encoding="utf-8"))
    data["slug"] = "berwick-2013"
    data["recommendations"][0]["title"] = "Changed"
    del data["recommendations"][5]["summary"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_cli("--db", two_sets, "codebook", "import", bad)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "roundtable: bad.json: recommendation 6 is missing 'summary'; nothing was imported"
    ]
    recs = _json(run_cli, "--db", two_sets, "recommendations", "--set", "berwick-2013", "--json")
    assert recs[0]["title"] == "Reduce patient harm through an ethic of learning"  # nothing half-loaded
    code, _, err = run_cli("--db", two_sets, "recommendations", "--set", "nowhere")
    assert code == 1 and "no recommendation set called 'nowhere'" in err


def test_export_delete_and_reimport_a_set(run_cli, two_sets, tmp_path):
    out = tmp_path / "copy.json"
    code, _, err = run_cli("--db", two_sets, "codebook", "export", "wachter-digest", "--out", out)
    assert code == 0 and "wrote 2 recommendation(s)" in err
    assert json.loads(out.read_text(encoding="utf-8"))["recommendations"][0]["addressed_to"] == ["trust"]
    code, _, _ = run_cli(
        "--db",
        two_sets,
        "action",
        "add",
        "Go live with e-prescribing",
        "--org",
        "X Trust",
        "--new-org",
        "--set",
        "wachter-digest",
        "--rec",
        "1",
    )
    assert code == 0
    code, _, err = run_cli("--db", two_sets, "codebook", "delete", "wachter-digest")
    assert code == 1 and "1 confirmed, rejected or evidence link(s)" in err
    code, _, err = run_cli("--db", two_sets, "codebook", "delete", "berwick-2013")
    assert code == 0 and "deleted set berwick-2013 (10 recommendation(s))" in err
    code, _, err = run_cli("--db", two_sets, "codebook", "delete", "ppp-ai-imaging-2023")
    assert code == 1 and "built-in set" in err
    code, _, err = run_cli("--db", two_sets, "codebook", "import", out)
    assert code == 0 and "set wachter-digest is already up to date" in err
    data = json.loads(out.read_text(encoding="utf-8"))
    data["recommendations"][1]["summary"] = "Appoint a national CCIO to lead clinicians' digital work."
    out.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run_cli("--db", two_sets, "codebook", "import", out)
    assert code == 0 and "updated set wachter-digest: 2 recommendation(s)" in err
    recs = _json(run_cli, "--db", two_sets, "recommendations", "--set", "wachter-digest", "--json")
    assert recs[1]["summary"].startswith("Appoint a national CCIO to lead")


def test_set_on_add_confirm_reject_and_list(run_cli, two_sets):
    db = ("--db", two_sets)
    added = _json(
        run_cli,
        *db,
        "action",
        "add",
        "Publish ward harm data monthly",
        "--org",
        "Ashby Trust",
        "--new-org",
        "--set",
        "berwick-2013",
        "--rec",
        "7",
        "--json",
    )
    assert [(lk["set_slug"], lk["number"], lk["state"]) for lk in added["links"]] == [
        ("berwick-2013", 7, "confirmed")
    ]
    assert run_cli(*db, "action", "confirm", added["id"], "8", "--set", "berwick-2013")[0] == 0
    assert run_cli(*db, "action", "reject", added["id"], "3", "--set", "berwick-2013")[0] == 0
    assert run_cli(*db, "action", "confirm", added["id"], "2")[0] == 0  # the nine's recommendation 2
    shown = _json(run_cli, *db, "action", "show", added["id"], "--json")
    assert {(lk["set_slug"], lk["number"], lk["state"]) for lk in shown["links"]} == {
        ("berwick-2013", 7, "confirmed"),
        ("berwick-2013", 8, "confirmed"),
        ("berwick-2013", 3, "rejected"),
        ("ppp-ai-imaging-2023", 2, "confirmed"),
    }
    code, out, _ = run_cli(*db, "action", "list")
    assert "rec 2,berwick-2013:7,berwick-2013:8" in out  # each recommendation labelled with its set
    listed = _json(run_cli, *db, "action", "list", "--set", "berwick-2013", "--rec", "8", "--json")
    assert [a["id"] for a in listed] == [added["id"]]
    assert {lk["set_slug"] for lk in listed[0]["links"]} == {"berwick-2013"}
    code, _, err = run_cli(*db, "action", "confirm", added["id"], "11", "--set", "berwick-2013")
    assert code == 1 and "no recommendation 11 in set berwick-2013" in err


def test_suggest_knows_the_set_and_says_none(run_cli, two_sets, tmp_path):
    db = ("--db", two_sets)
    one = _json(
        run_cli,
        *db,
        "action",
        "suggest",
        "Teach improvement science to every new manager",
        "--set",
        "berwick-2013",
        "--json",
    )
    assert one["set"] == "berwick-2013" and one["none"] is False
    assert one["suggestions"][0]["rec"] == 5 and len(one["suggestions"]) == 10
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"id": "a", "text": "Teach improvement science to every new manager", "org_type": "trust"},
                {"id": "b", "text": "Renew the waste collection contract", "org_type": "trust"},
            ]
        ),
        encoding="utf-8",
    )
    code, out, _ = run_cli(*db, "action", "suggest", "--batch", batch, "--set", "berwick-2013", "--json")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0 and rows["a"]["none"] is False and rows["b"]["none"] is True
    assert rows["b"]["suggestions"] and set(rows["a"]) == {"id", "suggestions", "none"}
    code, out, _ = run_cli(*db, "action", "suggest", "Renew the waste collection contract")
    assert code == 0 and out.startswith("no recommendation fits")
    code, _, err = run_cli(*db, "action", "suggest", "anything", "--set", "nowhere")
    assert code == 1 and "no recommendation set called 'nowhere'" in err


def test_export_recommendation_and_dashboard_of_a_set(run_cli, two_sets):
    db = ("--db", two_sets)
    run_cli(
        *db,
        "action",
        "add",
        "Publish ward harm data monthly",
        "--org",
        "Ashby Trust",
        "--new-org",
        "--set",
        "berwick-2013",
        "--rec",
        "7",
    )
    code, out, _ = run_cli(
        *db, "export", "recommendation", "7", "--set", "berwick-2013", "--evidence", "none"
    )
    assert code == 0 and "# Recommendation 7: Complete, timely transparency" in out
    assert "Publish ward harm data monthly" in out
    code, out, _ = run_cli(*db, "export", "recommendation", "7", "--evidence", "none")
    assert code == 0 and "# Recommendation 7: A strategy for synthetic training data" in out
    code, out, _ = run_cli(*db, "export", "briefing", "--set", "berwick-2013", "--evidence", "none")
    assert code == 0 and out.startswith("# Briefing: A promise to learn")
    code, _, err = run_cli(*db, "export", "roundtable", "1", "--set", "berwick-2013", "--evidence", "none")
    assert code == 2 and "export roundtable takes no --set" in err
    data = _json(run_cli, *db, "dashboard", "--set", "berwick-2013", "--json")
    assert [r["number"] for r in data["matrix"]["recommendations"]] == list(range(1, 11))
    assert data["recommendations"][6]["actions"] == 1
    default = _json(run_cli, *db, "dashboard", "--json")
    assert [r["number"] for r in default["matrix"]["recommendations"]] == list(range(1, 10))
    code, out, _ = run_cli(*db, "dashboard", "--set", "berwick-2013")
    assert out.startswith("berwick-2013: A promise to learn") and "R10" in out


def test_tracker_import_leaves_unrelated_actions_unmapped_and_lists_show_it(run_cli, db_path, tmp_path):
    tracker = tmp_path / "tracker.csv"
    with tracker.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Organisation", "Organisation type", "Action", "Status", "Recommendation"])
        writer.writerow(
            ["Ashby Trust", "trust", "Ask NHS Resolution whether CNST covers AI errors", "Planned", ""]
        )
        writer.writerow(["Ashby Trust", "trust", "Renew the waste collection contract", "Planned", ""])
        writer.writerow(["Ashby Trust", "trust", "Form an AI implementation team", "Done", "4"])
    code, _, err = run_cli("--db", db_path, "import", tracker, "--quiet")
    assert code == 0, err
    actions = {a["text"]: a for a in _json(run_cli, "--db", db_path, "action", "list", "--json")}
    waste = actions["Renew the waste collection contract"]
    assert waste["links"] == [] and waste["fits_none"] is True and waste["awaiting"] is False
    cnst = actions["Ask NHS Resolution whether CNST covers AI errors"]
    assert cnst["awaiting"] is True and cnst["recommendations"] == []
    code, out, _ = run_cli("--db", db_path, "action", "list")
    lines = {line.split(": ", 1)[1]: line for line in out.splitlines()}
    assert "rec 8? " in lines["Ask NHS Resolution whether CNST covers AI errors"]  # suggested, marked
    assert "rec none " in lines["Renew the waste collection contract"]
    assert "rec 4 " in lines["Form an AI implementation team"]
    awaiting = _json(run_cli, "--db", db_path, "action", "list", "--awaiting", "--json")
    assert [a["text"] for a in awaiting] == ["Ask NHS Resolution whether CNST covers AI errors"]
    drafts = _json(run_cli, "--db", db_path, "action", "list", "--drafts", "--json")
    assert drafts == []  # a tracker's rows are accepted actions: awaiting confirmation is not a draft
