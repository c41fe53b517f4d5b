"""A team workspace on a real PostgreSQL server: members and roles held by the server, concurrent edits."""

from __future__ import annotations

import json

import psycopg
import pytest
from conftest import roundtable

pytestmark = pytest.mark.postgres


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_member(url: str, login: str) -> str:
    """The same workspace URL, connecting as another login (trust on the test cluster's socket)."""
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


@pytest.fixture
def team(pg_database):
    """A workspace with two trusts, an action each, and four members: an editor, a contributor for each
    trust, a viewer. Returns (admin URL, {name: action id})."""
    url = pg_database
    ids = {}
    for org in ("Trust A", "Trust B"):
        out = ok(roundtable("--db", url, "action", "add", f"Report AI turnaround at {org}", "--org", org,
                            "--new-org", "--json"))  # fmt: skip
        ids[org] = json.loads(out)["id"]
    ok(roundtable("--db", url, "members", "add", "alice", "--role", "contributor", "--org", "Trust A",
                  "--name", "Alice Able"))  # fmt: skip
    ok(roundtable("--db", url, "members", "add", "bruno", "--role", "contributor", "--org", "Trust B"))
    ok(roundtable("--db", url, "members", "add", "erin", "--role", "editor"))
    ok(roundtable("--db", url, "members", "add", "vic", "--role", "viewer"))
    return url, ids


def test_members_list_and_roles(team):
    url, _ = team
    members = {m["login"]: m for m in json.loads(ok(roundtable("--db", url, "members", "list", "--json")))}
    assert members["alice"]["role"] == "contributor"
    assert members["alice"]["organisations"] == ["Trust A"]
    assert members["alice"]["name"] == "Alice Able"
    assert members["postgres"]["role"] == "admin"  # whoever created the workspace
    assert {"bruno", "erin", "vic"} <= set(members)


def test_membership_changes_are_in_the_log_with_what_they_were(team):
    url, _ = team
    ok(roundtable("--db", url, "members", "set-role", "vic", "--role", "contributor", "--org", "Trust B"))
    ok(roundtable("--db", url, "members", "remove", "vic"))
    log = [json.loads(line) for line in ok(roundtable("--db", url, "log", "--json")).splitlines()]
    vic = [e for e in log if e["entity"] == "member" and "vic" in json.dumps([e["before"], e["after"]])]
    by_change = {e["change"]: e for e in vic}
    assert by_change["added"]["after"] == {"login": "vic", "role": "viewer", "organisations": []}
    assert by_change["changed"]["before"] == by_change["added"]["after"]
    became = {"login": "vic", "role": "contributor", "organisations": ["Trust B"]}
    assert by_change["changed"]["after"] == became
    assert by_change["removed"]["before"] == by_change["changed"]["after"]
    assert all(e["who"] == "postgres" for e in vic)


def test_a_contributor_changes_only_their_organisations_actions(team):
    url, ids = team
    alice = as_member(url, "alice")
    ok(roundtable("--db", alice, "action", "update", ids["Trust A"], "--status", "in_progress"))
    refused = roundtable("--db", alice, "action", "update", ids["Trust B"], "--status", "in_progress")
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "alice (contributor for Trust A) may not change action" in refused.stderr
    assert "Trust B" in refused.stderr and "Traceback" not in refused.stderr
    # The admin can; and each sees the other's change.
    ok(
        roundtable(
            "--db", url, "action", "update", ids["Trust B"], "--status", "in_progress", "--percent", "40"
        )
    )
    seen_by_alice = json.loads(ok(roundtable("--db", alice, "action", "show", ids["Trust B"], "--json")))
    assert (seen_by_alice["status"], seen_by_alice["percent"]) == ("in_progress", 40)
    seen_by_admin = json.loads(ok(roundtable("--db", url, "action", "show", ids["Trust A"], "--json")))
    assert seen_by_admin["status"] == "in_progress"
    log = [json.loads(line) for line in ok(roundtable("--db", url, "log", "--json")).splitlines()]
    who = {(e["entity_id"], e["who"]) for e in log if e["entity"] == "action" and e["change"] == "status"}
    assert (ids["Trust A"], "alice") in who and (ids["Trust B"], "postgres") in who


def test_the_server_refuses_plain_sql_outside_the_members_rights(team):
    url, ids = team
    with psycopg.connect(as_member(url, "alice"), autocommit=True) as alice:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute("UPDATE actions SET status = 'done', percent = 100 WHERE id = %s", [ids["Trust B"]])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute("DELETE FROM actions WHERE id = %s", [ids["Trust B"]])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute(
                "INSERT INTO actions (organisation_id, text, created_at, updated_at)"
                " SELECT organisation_id, 'sneaked in', 'x', 'x' FROM actions WHERE id = %s",
                [ids["Trust B"]],
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute("UPDATE documents SET title = 'mine'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute(
                "INSERT INTO members (login, role, added_at, added_by) VALUES ('x', 'admin', '', '')"
            )
        # Her own trust's action she may change directly too; the log records her whatever she writes.
        alice.execute("UPDATE actions SET percent = 10 WHERE id = %s", [ids["Trust A"]])
        alice.execute(
            "INSERT INTO change_log (at, recorded_at, who, entity, entity_id, change)"
            " VALUES ('2026-01-01', '2026-01-01', 'somebody else', 'action', %s, 'percent')",
            [ids["Trust A"]],
        )
        who = alice.execute("SELECT who FROM change_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert who == "alice"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no member may edit the log
            alice.execute("UPDATE change_log SET who = 'x'")
    with psycopg.connect(url, autocommit=True) as admin:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            admin.execute("DELETE FROM change_log")
        status = admin.execute("SELECT status FROM actions WHERE id = %s", [ids["Trust B"]]).fetchone()[0]
        assert status == "not_started"  # nothing alice tried on Trust B's action took effect


def test_editor_changes_any_organisation_and_viewer_only_reads(team):
    url, ids = team
    ok(roundtable("--db", as_member(url, "erin"), "action", "update", ids["Trust B"], "--percent", "20"))
    vic = as_member(url, "vic")
    listed = json.loads(ok(roundtable("--db", vic, "action", "list", "--json")))
    assert {a["id"] for a in listed} == set(ids.values())
    refused = roundtable("--db", vic, "action", "update", ids["Trust A"], "--percent", "20")
    assert refused.returncode == 1 and "vic (viewer) may not change" in refused.stderr
    refused = roundtable("--db", vic, "members", "add", "zed", "--role", "admin")
    assert refused.returncode == 1 and "only an admin" in refused.stderr


def test_a_concurrent_edit_is_refused_naming_who_changed_it(team):
    url, ids = team
    action = ids["Trust A"]
    version = json.loads(ok(roundtable("--db", url, "action", "show", action, "--json")))["version"]
    alice, erin = as_member(url, "alice"), as_member(url, "erin")
    # Both loaded the action at the same version; alice saves first.
    ok(roundtable("--db", alice, "action", "update", action, "--percent", "30", "--if-version", version))
    late = roundtable("--db", erin, "action", "update", action, "--percent", "60", "--if-version", version)
    assert late.returncode == 1
    assert len(late.stderr.strip().splitlines()) == 1
    assert "alice changed it" in late.stderr and "not saved" in late.stderr
    shown = json.loads(ok(roundtable("--db", url, "action", "show", action, "--json")))
    assert shown["percent"] == 30 and shown["version"] == version + 1
    # Reloaded, erin's change goes through.
    ok(roundtable("--db", erin, "action", "update", action, "--percent", "60", "--if-version", version + 1))


def test_two_connections_racing_on_one_action_lose_nothing(pg_database):
    from knowledge.actions import EditConflict, action_history, create_action, get_action, update_progress
    from knowledge.workspace import open_db

    first, second = open_db(pg_database), open_db(pg_database)
    try:
        action = create_action(first, text="Publish the AI imaging pathway", organisation="Trust A")
        loaded = get_action(second, action)["version"]
        update_progress(first, action, percent=25, expected_version=loaded)
        with pytest.raises(EditConflict) as conflict:
            update_progress(second, action, percent=50, expected_version=loaded)
        assert conflict.value.latest["who"] == "postgres"
        assert get_action(first, action)["percent"] == 25
        assert [h["change"] for h in action_history(first, action)] == ["created", "percent"]
    finally:
        first.close()
        second.close()


def test_members_commands_on_a_file_say_what_they_need(run_cli, tmp_path):
    code, _, err = run_cli("--db", tmp_path / "mine.db", "members", "list")
    assert code == 1
    assert "team workspace" in err and "postgresql://" in err


def test_a_listener_hears_another_members_change(team):
    from knowledge.pg.listen import Listener

    url, ids = team
    listener = Listener(url)
    try:
        assert listener.wait(0.1) == set()  # nothing yet
        ok(roundtable("--db", as_member(url, "alice"), "action", "update", ids["Trust A"], "--percent", "5"))
        heard = listener.wait(10)
        assert "actions" in heard and "change_log" in heard
    finally:
        listener.close()


def test_a_login_that_is_not_a_member_is_told_so(team, pg_cluster):
    import psycopg as pg

    url, _ = team
    with pg.connect(pg_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS stranger")
        admin.execute("CREATE ROLE stranger LOGIN")
    refused = roundtable("--db", as_member(url, "stranger"), "action", "list")
    assert refused.returncode == 1
    assert "stranger is not a member of the team workspace" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
