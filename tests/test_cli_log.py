"""`roundtable log` and `--who`: every change in one JSON object per line, filtered; who on every command."""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import pytest
from conftest import recorded_as

from knowledge import changelog
from knowledge.pg.connection import is_server_url
from knowledge.workspace import open_db

CONTRACT_KEYS = ("at", "who", "entity", "entity_id", "change", "before", "after", "note")


def _log(run_cli, db_path, *args) -> list[dict]:
    code, out, err = run_cli("--db", db_path, "log", "--json", *args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def as_person(db_path, name: str) -> tuple[list, str]:
    """The arguments that act as `name`, and the who the log then records: `--who NAME` on a SQLite file;
    on a team workspace, where who is the member connected, the URL of an editor made for them whose
    login is the name in lower case ("Ann Lead" -> ann_lead)."""
    if not is_server_url(db_path):
        return ["--db", db_path, "--who", name], name
    from knowledge.members import add_member, list_members

    login = "_".join(name.lower().split())
    db = open_db(db_path)
    try:
        if login not in {m.login for m in list_members(db)}:
            add_member(db, login, "editor")
    finally:
        db.close()
    parts = urlsplit(str(db_path))
    return ["--db", urlunsplit(parts._replace(netloc=f"{login}@{parts.hostname or ''}"))], login


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
    people = [recorded_as(db_path, n) for n in (login, "Jo Smith", "Ann Lead", "Bob", login)]
    # blank names count as not given: never an empty who
    assert [e["change"] for e in actions] == ["created"] + ["percent"] * 4
    assert [e["who"] for e in actions] == people
    # The progress table records the same people.
    code, out, _ = run_cli("--db", db_path, "action", "history", "1", "--json")
    assert [h["who"] for h in json.loads(out)] == people


def test_decisions_renames_merges_deletes_and_evidence_appear_in_the_log(run_cli, db_path, corpus, login):
    ann, ann_who = as_person(db_path, "Ann Lead")

    def ok(*args):
        code, _, err = run_cli(*ann, *args)
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
    log = _log(run_cli, db_path, "--who", ann_who.lower())  # any case
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
        assert entry["who"] == ann_who and entry["at"][:4].isdigit()
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
    bob = recorded_as(db_path, "Bob")
    assert (evidence["change"], evidence["who"], evidence["after"]["passage_id"]) == ("added", bob, passage)


def test_filters_by_dates_person_kind_and_id(run_cli, db_path, login):
    (ann, _), (bob, bob_who) = as_person(db_path, "Ann"), as_person(db_path, "Bob")
    run_cli(*ann, "action", "add", "First", "--org", "Moorland ICB", "--new-org")
    run_cli(*bob, "action", "add", "Second", "--org", "Moorland ICB")
    for day, percent in (("2024-03-01", 10), ("2024-04-01", 20), ("2024-05-01", 30)):
        run_cli(*ann, "action", "update", "1", "--percent", percent, "--date", day)
    dated = _log(run_cli, db_path, "--since", "2024-03-15", "--until", "2024-04-01")
    assert [(e["at"], e["after"]["percent"]) for e in dated] == [("2024-04-01", 20)]
    by_bob = _log(run_cli, db_path, "--entity", "action", "--who", bob_who.upper())
    assert [e["entity_id"] for e in by_bob] == [2]
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
    assert recorded_as(db_path, "Ann") in line and "action 1" in line and "created" in line
    assert "Publish IG guidance" in line
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
