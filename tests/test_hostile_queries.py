"""Search survives any text: FTS5 operators, SQL, unbalanced quotes, control characters, 20,000 characters.

Through `roundtable search` (one query and --queries), the Searcher and the window's Search page, every
query answers normally (results or "no results", exit 0) or, for an empty one, with a one-line usage
message (exit 2); never a traceback, quickly, and the database is exactly as it was.
"""

from __future__ import annotations

import gc
import json
import random
import sqlite3
import time
from contextlib import closing

import pytest
from conftest import insert_document

from indexes.keyword import MAX_TERMS, query_terms
from indexes.search import Searcher
from indexes.sync import sync_index
from indexes.terms import Tokenizer, fts_tokenizer_spec
from knowledge.workspace import open_db

MODES = ("keyword", "semantic", "hybrid")


def pasted_page(chars: int = 20_000) -> str:
    """A page of text pasted into the search box: thousands of distinct words, operators, stray quotes."""
    rng = random.Random(7)
    pieces = ["NEAR(", '"', "OR", "*", "-", "AI", *(f"term{i}" for i in range(3000))]
    return ("indemnity " + " ".join(rng.choice(pieces) for _ in range(chars // 4)))[:chars]


LONG_QUERY = pasted_page()
THOUSAND_WORDS = " ".join(f"w{i}" for i in range(1000)) + " indemnity"
# What Python makes of invalid UTF-8 in argv, and a JSON escape: neither can be typed into the window.
UNTYPEABLE = ["\udcff\udcfe undecodable bytes from a shell", "\ud800 a lone surrogate"]
TYPEABLE = [
    '"unbalanced',
    "AND",
    "NEAR(",
    "*",
    "-",
    "title:x",
    "'; drop table documents; --",
    "医" * 20_000,  # one 60 KB "word": FTS5 cuts such a token inside a character
    "nul\x00inside indemnity",
    "\u202eRTL override עברית عربي 😀🙂 indemnity",
    "?!.,;:()[]{}<>\"'`~@#$%^&*_+=|\\/",
    LONG_QUERY,
    THOUSAND_WORDS,
]
HOSTILE = [*UNTYPEABLE, *TYPEABLE]
EMPTY = ["", "   ", "\t\n"]


@pytest.fixture
def library(db_path, hashing_embedder):
    """Two documents, embedded (the fast test model) and keyword-indexed, on disk like a user's library."""
    db = open_db(db_path)
    insert_document(
        db,
        "AI roundtable",
        ["Medical indemnity for AI must be clarified.", 'NOT AND OR: the NEAR(title) "operators" as words.'],
    )
    insert_document(db, "Procurement", ["ICBs write digital procurement strategies."], kind="guidance")
    sync_index(db, db_path)
    db.conn.close()
    return db_path


def snapshot(path) -> tuple:
    """What must not change: row counts, SQLite's integrity check and FTS5's own (on a PostgreSQL
    workspace, which has neither: row counts and a digest of every passage's text)."""
    if str(path).startswith("postgresql://"):
        db = open_db(path)
        try:
            counts = tuple(
                db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "passages")
            )
            digest = db.execute("SELECT md5(string_agg(text, '|' ORDER BY id)) FROM passages").fetchone()[0]
        finally:
            db.conn.close()
        return counts, "ok", digest
    with closing(sqlite3.connect(path)) as conn:
        counts = tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "passages")
        )
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        # FTS5's own check raises if the keyword index disagrees with the passages.
        conn.execute("INSERT INTO passages_fts (passages_fts) VALUES ('integrity-check')")
    return counts, integrity


@pytest.mark.parametrize("mode", MODES)
def test_hostile_queries_answer_normally_and_leave_the_data_intact(library, run_cli, mode):
    before = snapshot(library)
    assert before[1] == "ok"
    for query in HOSTILE:
        code, out, err = run_cli("--db", str(library), "search", query, "--mode", mode, "--json")
        assert (code, err) == (0, ""), query[:40]
        payload = json.loads(out)
        assert payload["mode"] == mode and isinstance(payload["results"], list)
        code, out, err = run_cli("--db", str(library), "search", query, "--mode", mode)
        assert (code, err) == (0, "") and out.strip(), query[:40]
    assert snapshot(library) == before


def test_operators_and_sql_are_searched_as_words(library, run_cli):
    _, out, _ = run_cli(
        "--db", str(library), "search", '"operators AND NOT: OR', "--mode", "keyword", "--json"
    )
    snippets = [r["snippet"] for r in json.loads(out)["results"]]
    assert len(snippets) == 1 and "<mark>operators</mark>" in snippets[0]
    _, out, _ = run_cli("--db", str(library), "search", "'; drop table documents; --", "--mode", "keyword")
    assert out == "no results\n"


@pytest.mark.parametrize("query", EMPTY)
def test_an_empty_query_is_a_one_line_usage_error(library, run_cli, query):
    code, out, err = run_cli("--db", str(library), "search", query)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nothing to search for" in err


def test_hostile_queries_in_a_batch_file(library, run_cli, tmp_path):
    queries = tmp_path / "queries.jsonl"
    lines = [json.dumps({"id": i, "text": q}) for i, q in enumerate([*HOSTILE, *EMPTY])]
    # A query id no UTF-8 can hold, and a line of bytes that are not UTF-8 at all.
    lines.append('{"id": "\\ud800", "text": "indemnity"}')
    queries.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "bad-bytes", "text": "\xff\xfe"}\n')
    code, out, err = run_cli("--db", str(library), "search", "--queries", str(queries), "--json")
    assert (code, err) == (0, "")
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query_id"] for a in answers] == [*range(len(HOSTILE) + len(EMPTY)), "\ufffd", "bad-bytes"]
    assert all(a["results"] == [] for a in answers[len(HOSTILE) : len(HOSTILE) + len(EMPTY)])
    assert answers[-2]["results"]


def test_action_suggest_takes_any_text(library, run_cli, tmp_path):
    # The model's tokenizer rejects lone surrogates: the text reaches it (and the output) as U+FFFD.
    code, out, err = run_cli("--db", str(library), "action", "suggest", "\udcff set up an AI team", "--json")
    assert (code, err) == (0, "") and json.loads(out)["suggestions"]
    assert json.loads(out)["text"] == "\ufffd set up an AI team"
    batch = tmp_path / "actions.jsonl"
    lines = [json.dumps({"id": i, "text": q}) for i, q in enumerate(HOSTILE)]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("--db", str(library), "action", "suggest", "--batch", str(batch), "--json")
    assert (code, err) == (0, "")
    assert [json.loads(line)["id"] for line in out.splitlines()] == list(range(len(HOSTILE)))


@pytest.mark.parametrize("mode", MODES)
def test_a_20000_character_query_answers_well_under_a_second(library, mode, hashing_embedder):
    assert len(LONG_QUERY) == 20_000 and len(query_terms(LONG_QUERY)) <= MAX_TERMS
    db = open_db(library)
    searcher = Searcher(db, library, embedder=hashing_embedder)
    try:
        searcher.search("warm up", mode=mode)  # index loading is not the query's cost
        # Nor is a collection of the rest of the test session's garbage: timed as timeit does, GC off.
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = searcher.search(LONG_QUERY, mode=mode)
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
    finally:
        searcher.close()
        db.conn.close()
    assert result.mode == mode and result.hits
    assert elapsed < 0.5, f"{mode}: {elapsed:.3f} s"


def test_a_token_fts5_cuts_inside_a_character_leaves_the_term_index_working(library):
    db = open_db(library)
    tokenizer = Tokenizer(fts_tokenizer_spec(db))
    db.conn.close()
    # An 11,000-character run of CJK text (33 KB) is one token, cut by FTS5 inside a character.
    (term,) = tokenizer.terms_of(["医" * 11_000])[0]
    assert term.startswith("医" * 10_000)
    assert tokenizer.terms_of(["indemnity"]) == [("indemn",)]  # and the tokenizer still works


def test_the_search_page_answers_every_hostile_query(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("search")
    before = snapshot(window.db_path)
    for mode in ("keyword", "hybrid"):
        for query in TYPEABLE:
            with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
                page.run_search(query, mode)
            assert blocker.args[0].mode == mode
            info = page.info.text()  # one short line: a pasted page must not widen the window
            assert "failed" not in info and "\n" not in info and len(info) < 200
    for query in EMPTY:  # nothing to search for: the page clears, no search runs
        assert page.run_search(query, "keyword") is None
        assert page.results_model.rowCount() == 0 and page.info.text() == ""
    assert snapshot(window.db_path) == before
