"""workspace push and pull: the demo workspace to a team server and back, every row, vector and log kept."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from itertools import count

import pytest

from knowledge.transfer import NOT_COPIED, TABLES, TEAM_ONLY, TransferError, pull, push
from knowledge.vocab import Change, Entity

pytestmark = pytest.mark.postgres

TODAY = date(2026, 11, 29)
QUERIES = ("indemnity", "workforce capacity", "information governance template", '"data sharing" -ICB')
_NAMES = count(1)


def _new_url(pg_cluster) -> str:
    """A database name nobody has made yet on the cluster: push creates it."""
    return pg_cluster.url(f"xfer_{next(_NAMES)}_{int(time.time() * 1000) % 100000}")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo workspace in a file, its passages embedded by the instant hashing model (once per module)."""
    from desktop.operations.library import index_passages
    from indexes.embedder import HashingEmbedder, set_embedder
    from knowledge.demo import load_demo
    from knowledge.workspace import open_db

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    set_embedder(HashingEmbedder())
    try:
        db = open_db(path)
        load_demo(db, today=TODAY)
        index_passages(db, path)
        db.conn.close()
    finally:
        set_embedder(None)
    return path


def _rows(path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        key = "id" if "id" in columns else ", ".join(columns)
        return conn.execute(f"SELECT {', '.join(sorted(columns))} FROM {table} ORDER BY {key}").fetchall()
    finally:
        conn.close()


def _keyword(path, query: str) -> list[tuple[int, float]]:
    from indexes.keyword import keyword_search
    from knowledge.workspace import open_db

    db = open_db(path, create=False, seed=False)
    try:
        return keyword_search(db, query, limit=50)
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def round_trip(demo_file, pg_cluster, tmp_path_factory):
    """The demo file pushed into a new team workspace and pulled back into another file, with the reports."""
    url = _new_url(pg_cluster)
    pulled = tmp_path_factory.mktemp("pulled") / "pulled.db"
    steps: list[tuple[int, int, str]] = []
    pushed = push(demo_file, url, progress=lambda done, total, label: steps.append((done, total, label)))
    back = pull(url, pulled, who="Archivist")
    return {"url": url, "file": pulled, "push": pushed, "pull": back, "steps": steps}


def test_the_transfer_knows_every_table_of_both_schemas(demo_file, round_trip):
    conn = sqlite3.connect(demo_file)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    tables = {t for t in tables if not t.startswith(("sqlite_", "passages_fts"))}
    assert tables - NOT_COPIED == set(TABLES)
    from knowledge.pg.schema import TABLES as PG_SCRIPT

    for table in (*TABLES, *TEAM_ONLY):
        assert f"CREATE TABLE {table} (" in PG_SCRIPT


def test_push_then_pull_keeps_every_row_of_the_demo(demo_file, round_trip):
    pulled = round_trip["file"]
    for table in TABLES:
        original, back = _rows(demo_file, table), _rows(pulled, table)
        if table == "change_log":
            back = back[: len(original)]  # then the push's and the pull's own entries
        assert back == original, table
    assert round_trip["push"].counts == {t: len(_rows(demo_file, t)) for t in TABLES}
    assert round_trip["pull"].counts["change_log"] == len(_rows(demo_file, "change_log")) + 1


def test_documents_vectors_actions_and_history_are_the_same(demo_file, round_trip):
    from knowledge.actions import action_history, list_actions
    from knowledge.library import list_documents
    from knowledge.workspace import open_db

    a, b = open_db(demo_file, create=False, seed=False), open_db(round_trip["file"], create=False, seed=False)
    try:
        assert list_documents(a) == list_documents(b)
        vectors = "SELECT passage_id, model, dim, vector FROM passage_vectors ORDER BY passage_id"
        original = a.execute(vectors).fetchall()
        assert len(original) == a.execute("SELECT count(*) FROM passages").fetchone()[0] > 0
        assert b.execute(vectors).fetchall() == original  # the bytes themselves
        assert all(isinstance(row[3], bytes) for row in original)
        actions = list_actions(a, today=TODAY)
        assert len(actions) >= 15 and list_actions(b, today=TODAY) == actions
        assert [dict(r) for r in a.query("SELECT * FROM actions ORDER BY id")] == [
            dict(r) for r in b.query("SELECT * FROM actions ORDER BY id")
        ]
        for action in actions:
            assert action_history(a, action["id"]) == action_history(b, action["id"])
        sets = "SELECT * FROM recommendation_sets ORDER BY id"
        assert [dict(r) for r in a.query(sets)] == [dict(r) for r in b.query(sets)]
    finally:
        a.conn.close()
        b.conn.close()


def test_the_change_log_keeps_who_and_when_and_records_the_move(demo_file, round_trip):
    from knowledge.changelog import entries
    from knowledge.workspace import open_db

    a, b = open_db(demo_file, create=False, seed=False), open_db(round_trip["file"], create=False, seed=False)
    try:
        original, back = entries(a), entries(b)
    finally:
        a.conn.close()
        b.conn.close()
    keys = ("id", "who", "at", "recorded_at", "entity", "entity_id", "change", "before", "after", "note")
    assert len({e["who"] for e in original}) > 1  # the demo's people, not the pusher's login
    assert [{k: e[k] for k in keys} for e in back[: len(original)]] == [
        {k: e[k] for k in keys} for e in original
    ]
    pushed, pulled = back[len(original) :]
    assert (pushed["entity"], pushed["change"], pushed["who"]) == (
        Entity.WORKSPACE,
        Change.PUSHED,
        "postgres",
    )
    assert pushed["after"]["rows"]["passages"] == len(_rows(demo_file, "passages"))
    assert (pulled["entity"], pulled["change"], pulled["who"]) == (
        Entity.WORKSPACE,
        Change.PULLED,
        "Archivist",
    )
    assert "xfer_" in pulled["after"]["from"]


def test_the_team_workspace_holds_the_file_with_its_log_and_continues_its_ids(demo_file, round_trip):
    from knowledge.changelog import entries
    from knowledge.workspace import open_db

    team = open_db(round_trip["url"], create=False)
    file = open_db(demo_file, create=False, seed=False)
    try:
        shared = entries(file)
        assert [(e["id"], e["who"], e["at"]) for e in entries(team)[: len(shared)]] == [
            (e["id"], e["who"], e["at"]) for e in shared
        ]
        # New rows get ids after the copied ones (the identity sequences were moved past them).
        top = team.execute("SELECT max(id) FROM organisations").fetchone()[0]
        with team.atomic():
            new = team.execute(
                "INSERT INTO organisations (name, type, created_at) VALUES ('After the push', 'other', 'now')"
            ).lastrowid
            assert new > top
            team.execute("DELETE FROM organisations WHERE id = ?", [new])
        tsv = team.execute("SELECT count(*) FROM passages WHERE tsv IS NOT NULL").fetchone()[0]
        assert tsv == len(_rows(demo_file, "passages"))  # the server's own text index was computed
    finally:
        team.close()
        file.conn.close()


def test_keyword_and_semantic_search_give_the_same_results(demo_file, round_trip, hashing_embedder):
    from indexes.search import Searcher
    from knowledge.workspace import open_db

    for query in QUERIES:
        original = _keyword(demo_file, query)
        assert _keyword(round_trip["file"], query) == original, query
    assert any(_keyword(demo_file, q) for q in QUERIES)
    a, b = open_db(demo_file, create=False, seed=False), open_db(round_trip["file"], create=False, seed=False)
    try:
        for query in QUERIES[:2]:
            hits_a = Searcher(a, demo_file).search(query, mode="semantic", limit=10).hits
            hits_b = Searcher(b, round_trip["file"]).search(query, mode="semantic", limit=10).hits
            assert hits_a
            assert [(h.passage_id, round(h.score, 6)) for h in hits_b] == [
                (h.passage_id, round(h.score, 6)) for h in hits_a
            ]
    finally:
        a.conn.close()
        b.conn.close()


def test_the_team_workspace_itself_searches_and_lists_as_the_file_does(demo_file, round_trip):
    from indexes.keyword import keyword_search
    from knowledge.actions import list_actions
    from knowledge.workspace import open_db

    team = open_db(round_trip["url"], create=False)
    file = open_db(demo_file, create=False, seed=False)
    try:
        for query in QUERIES:
            original, shared = keyword_search(file, query, limit=50), keyword_search(team, query, limit=50)
            assert [i for i, _ in shared] == [i for i, _ in original], query
            assert [s for _, s in shared] == pytest.approx([s for _, s in original], abs=1e-6)
        assert list_actions(team, today=TODAY) == list_actions(file, today=TODAY)
    finally:
        team.close()
        file.conn.close()


def test_progress_is_reported_table_by_table(round_trip):
    steps = round_trip["steps"]
    assert [label for _, _, label in steps[: len(TABLES)]] == list(TABLES)
    assert steps[-1][0] == steps[-1][1] == len(TABLES) + 1


def test_a_push_into_a_workspace_with_work_in_it_is_refused_whole(demo_file, round_trip, pg_cluster):
    from knowledge.workspace import open_db

    url = round_trip["url"]
    with pytest.raises(TransferError, match="already holds a workspace"):
        push(demo_file, url)
    team = open_db(url, create=False)
    try:
        pushes = team.execute("SELECT count(*) FROM change_log WHERE change = ?", [Change.PUSHED]).fetchone()[
            0
        ]
        documents = team.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        team.close()
    assert (pushes, documents) == (1, len(_rows(demo_file, "documents")))


def test_a_workspace_holding_only_the_seeded_codebook_counts_as_empty(demo_file, pg_database, tmp_path):
    from knowledge.workspace import open_db

    team = open_db(pg_database, create=False)  # the fixture's workspace: schema and built-in codebook
    assert team.execute("SELECT count(*) FROM change_log").fetchone()[0] == 1
    team.close()
    push(demo_file, pg_database)
    back = tmp_path / "back.db"
    pull(pg_database, back)
    assert _rows(back, "recommendation_sets") == _rows(demo_file, "recommendation_sets")
    assert _rows(back, "change_log")[: len(_rows(demo_file, "change_log"))] == _rows(demo_file, "change_log")


def test_a_pull_onto_an_existing_file_needs_overwrite(round_trip, tmp_path):
    target = tmp_path / "mine.db"
    target.write_bytes(b"my own work")
    with pytest.raises(TransferError, match="already exists"):
        pull(round_trip["url"], target)
    assert target.read_bytes() == b"my own work"
    report = pull(round_trip["url"], target, overwrite=True)
    assert report.counts["documents"] == len(_rows(target, "documents")) > 0
    assert not list(tmp_path.glob(".mine.db.pulling-*"))


def test_bad_urls_and_missing_files_are_one_line(demo_file, pg_cluster, tmp_path):
    for url in ("mysql://somewhere/db", "postgresql://postgres@/?host=/nowhere"):
        with pytest.raises(TransferError) as caught:
            push(demo_file, url)
        assert "\n" not in str(caught.value)
    with pytest.raises(TransferError, match="cannot connect"):
        pull("postgresql://postgres@/xfer_none?host=/nonexistent-socket-dir", tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()
    with pytest.raises(TransferError, match="no database file"):
        push(tmp_path / "missing.db", _new_url(pg_cluster))
    with pytest.raises(TransferError, match="holds no Roundtable Desk workspace|does not exist"):
        pull(pg_cluster.url("xfer_never_made"), tmp_path / "y.db")


def test_passwords_never_appear_in_messages(demo_file, round_trip):
    url = round_trip["url"].replace("postgres@", "postgres:hunter2@")
    for bad in (url, "mysql://ann:hunter2@db.example/work"):
        with pytest.raises(TransferError) as caught:
            push(demo_file, bad)
        assert "hunter2" not in str(caught.value) and "***" in str(caught.value)


def test_the_command_line_pushes_and_pulls_with_counts_and_json(demo_file, pg_cluster, tmp_path, run_cli):
    url = _new_url(pg_cluster)
    code, out, err = run_cli("workspace", "push", demo_file, url)
    assert code == 0, err
    assert "passages" in out and "pushed" in err
    code, out, err = run_cli("workspace", "push", demo_file, url)
    assert code == 1 and err.count("\n") == 1 and "already holds a workspace" in err
    target = tmp_path / "pulled.db"
    code, out, err = run_cli("workspace", "pull", url, target, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["direction"] == "pulled" and report["counts"]["passages"] == len(
        _rows(demo_file, "passages")
    )
    code, out, err = run_cli("workspace", "pull", url, target)
    assert code == 1 and "--force" in err and "Traceback" not in err
    code, out, err = run_cli("workspace", "pull", url, target, "--force")
    assert code == 0, err
    code, out, err = run_cli("workspace", "push", demo_file, "postgresql://postgres@/x?host=/nonexistent-dir")
    assert code == 1 and err.count("\n") == 1 and err.startswith("roundtable: cannot connect")
    code, out, err = run_cli("--db", target, "search", "--mode", "keyword", "--json", "indemnity")
    assert code == 0, err
    code2, out2, _ = run_cli("--db", demo_file, "search", "--mode", "keyword", "--json", "indemnity")
    assert json.loads(out)["results"] == json.loads(out2)["results"]


def test_only_an_admin_may_push(demo_file, pg_database):
    from knowledge.members import add_member
    from knowledge.workspace import open_db

    team = open_db(pg_database, create=False)
    try:
        add_member(team, "xfer_viewer", "viewer")
    finally:
        team.close()
    with pytest.raises(TransferError, match="only an admin"):
        push(demo_file, pg_database.replace("postgres@", "xfer_viewer@"))
    # A member added is the team's work: the workspace is no longer an empty one to push into.
    with pytest.raises(TransferError, match="already holds a workspace"):
        push(demo_file, pg_database)
