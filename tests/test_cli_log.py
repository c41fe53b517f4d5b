"""`roundtable log` and `--who`: every change in one JSON object per line, filtered; who on every command."""

from __future__ import annotations

import json

import pytest

from knowledge import changelog

CONTRACT_KEYS = ("at", "who", "entity", "entity_id", "change", "before", "after", "note")


def _log(run_cli, db_path, *args) -> list[dict]:
    code, out, err = run_cli("--db", db_path, "log", "--json", *args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def login(monkeypatch):
    """The operating system's login name, and no $ROUNDTABLE_USER."""
    monkeypatch.setattr(changelog.getpass, "getuser", lambda: "jsmith")
    monkeypatch.delenv("ROUNDTABLE_USER", raising=False)
    return "jsmith"


def test_who_is_the_option_else_the_environment_else_the_login_name(run_cli, db_path, login, monkeypatch):
    add = ("action", "add", "Write a procurement strategy", "--org", "Moorland ICB", "--new-org")
    assert run_cli("--db", db_path, *add)[0] == 0
    monkeypatch.setenv("ROUNDTABLE_USER", "Jo Smith")
    assert run_cli("--db", db_path, "action", "update", "1", "--percent", "10")[0] == 0
    assert run_cli("--db", db_path, "--who", "Ann Lead", "action", "update", "1", "--percent", "20")[0] == 0
    assert run_cli("--db", db_path, "action", "update", "1", "--percent", "30", "--who", "Bob")[0] == 0
    monkeypatch.setenv("ROUNDTABLE_USER", "  ")
    assert run_cli("--db", db_path, "action", "update", "1", "--percent", "40", "--who", "")[0] == 0
    actions = _log(run_cli, db_path, "--entity", "action")
    assert [(e["change"], e["who"]) for e in actions] == [
        ("created", login),
        ("percent", "Jo Smith"),
        ("percent", "Ann Lead"),
        ("percent", "Bob"),
        ("percent", login),  # blank names count as not given: never an empty who
    ]
    # The progress table records the same people.
    code, out, _ = run_cli("--db", db_path, "action", "history", "1", "--json")
    assert [h["who"] for h in json.loads(out)] == [login, "Jo Smith", "Ann Lead", "Bob", login]


def test_decisions_renames_merges_deletes_and_evidence_appear_in_the_log(run_cli, db_path, corpus, login):
    def ok(*args):
        code, _, err = run_cli("--db", db_path, "--who", "Ann Lead", *args)
        assert code == 0, err

    ok("import", corpus / "moorland-icb-ai-tracker.csv", "--no-index", "--quiet")
    ok("action", "confirm", "2", "9")
    ok("action", "reject", "2", "4")
    ok("org", "add", "Moorland Integrated Care Board HQ", "--type", "icb")
    ok("org", "rename", "Moorland Integrated Care Board HQ", "Moorland ICB Office")
    ok("org", "merge", "Moorland ICB", "Moorland ICB Office")
    ok("action", "delete", "3")
    # Evidence links: added from a search hit, through the operations layer as the window does.
    from desktop.operations import tracking
    from knowledge.workspace import open_db

    db = open_db(db_path)
    passage = db.execute("SELECT min(id) FROM passages").fetchone()[0]
    tracking.link_evidence(db, passage, ("action", 2), "the tracker row", who="Bob")
    db.conn.close()
    ok("delete", "1")
    log = _log(run_cli, db_path, "--who", "ann lead")  # any case
    kinds = [(e["entity"], e["change"]) for e in log]
    for kind in [
        ("document", "imported"),
        ("organisation", "added"),
        ("action", "created"),
        ("link", "confirmed"),
        ("link", "rejected"),
        ("organisation", "renamed"),
        ("organisation", "merged"),
        ("action", "deleted"),
        ("document", "deleted"),
    ]:
        assert kind in kinds, kind
    for entry in log:
        assert tuple(entry)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
        assert entry["who"] == "Ann Lead" and entry["at"][:4].isdigit()
        assert entry["before"] is None or isinstance(entry["before"], dict)  # objects, not strings
        assert entry["after"] is None or isinstance(entry["after"], dict)
    [confirmed] = [e for e in log if e["change"] == "confirmed" and e["after"]["origin"] == "user"]
    assert (confirmed["entity_id"], confirmed["after"]["recommendation"], confirmed["after"]["state"]) == (
        2,
        9,
        "confirmed",
    )
    [merged] = [e for e in log if e["change"] == "merged"]
    assert merged["before"]["removed"]["name"] == "Moorland ICB Office"
    [evidence] = _log(run_cli, db_path, "--entity", "evidence")
    assert (evidence["change"], evidence["who"], evidence["after"]["passage_id"]) == ("added", "Bob", passage)


def test_filters_by_dates_person_kind_and_id(run_cli, db_path, login):
    run_cli("--db", db_path, "--who", "Ann", "action", "add", "First", "--org", "Moorland ICB", "--new-org")
    run_cli("--db", db_path, "--who", "Bob", "action", "add", "Second", "--org", "Moorland ICB")
    for day, percent in (("2024-03-01", 10), ("2024-04-01", 20), ("2024-05-01", 30)):
        run_cli("--db", db_path, "--who", "Ann", "action", "update", "1", "--percent", percent, "--date", day)
    dated = _log(run_cli, db_path, "--since", "2024-03-15", "--until", "2024-04-01")
    assert [(e["at"], e["after"]["percent"]) for e in dated] == [("2024-04-01", 20)]
    assert [e["entity_id"] for e in _log(run_cli, db_path, "--entity", "action", "--who", "BOB")] == [2]
    assert len(_log(run_cli, db_path, "--entity", "action", "--id", "1")) == 4
    assert len(_log(run_cli, db_path, "--entity", "action", "--limit", "2")) == 2
    # Oldest first, by when each change took effect.
    ats = [e["at"] for e in _log(run_cli, db_path, "--entity", "action", "--id", "1")]
    assert ats == sorted(ats)


def test_the_readable_table_and_mistakes(run_cli, db_path, login, capsys):
    run_cli(
        "--db",
        db_path,
        "--who",
        "Ann",
        "action",
        "add",
        "Publish IG guidance",
        "--org",
        "Moorland ICB",
        "--new-org",
    )
    code, out, err = run_cli("--db", db_path, "log", "--entity", "action")
    assert code == 0 and err == ""
    header, line = out.splitlines()
    assert header.split()[:4] == ["when", "who", "what", "change"]
    assert "Ann" in line and "action 1" in line and "created" in line and "Publish IG guidance" in line
    code, out, err = run_cli("--db", db_path, "log", "--who", "Nobody")
    assert code == 0 and out == "" and "no changes" in err
    for bad, message in (
        (("--since", "next spring"), "not a date"),
        (("--entity", "spaceship"), "invalid choice"),
    ):
        with pytest.raises(SystemExit) as exit_:
            run_cli("--db", db_path, "log", *bad)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and message in err and "Traceback" not in err
