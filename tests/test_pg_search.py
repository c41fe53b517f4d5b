"""One library in a SQLite file and in a PostgreSQL team workspace: every search returns the same passages
in the same order, with the same scores, whatever the mode, the query syntax or the filters."""

from __future__ import annotations

import pytest
from conftest import CORPUS, insert_document

from indexes.keyword import SearchFilters, keyword_search, snippets
from indexes.search import Searcher
from indexes.sync import sync_index
from knowledge.library import import_paths
from knowledge.workspace import open_db

pytestmark = pytest.mark.postgres

EVERYTHING = 100_000

QUERIES = [
    "AI imaging",
    "Who carries the risk when the algorithm is wrong?",
    "procurement strategies ICBs",
    "medical indemnity",
    "workforce capacity radiology",
    "generous generation",  # porter and PostgreSQL's English stemmer disagree on these
    "the of and",
    '"digital procurement"',
    "procur* OR vendor*",
    "AI AND (imaging OR diagnostics)",
    "imaging -Moorland",
    'trust NOT "Harbourside ICB"',
    "under_scored x-ray naïve",
    "café",
]

FILTERS = [
    None,
    SearchFilters(kinds=["roundtable_notes"]),
    SearchFilters(kinds=["tracker", "report"]),
    SearchFilters(date_from="2024-01-01"),
    SearchFilters(date_to="2023-12-31"),
    SearchFilters(organisation="Moorland ICB"),
    SearchFilters(organisation="harbourside icb"),
    SearchFilters(organisation="Helix Imaging Ltd", kinds=["tracker"]),
]


def _fill(db) -> None:
    assert any(o.status == "imported" for o in import_paths(db, [CORPUS]))
    insert_document(
        db,
        "Café naïve évaluation",
        [
            "Naïve Bayes café-style triage scored 93.5% on X-RAY reads; under_scored words too.",
            "A generous budget for the generation of synthetic imaging data at Moorland ICB.",
        ],
        kind="guidance",
        date="2023-06-01",
    )


@pytest.fixture
def libraries(tmp_path, pg_database, hashing_embedder):
    """The project corpus (and a few awkward passages) imported into a SQLite file and a PostgreSQL
    workspace the same way, each embedded with the hashing model and indexed."""
    path = tmp_path / "library.db"
    opened = []
    for target in (path, pg_database):
        db = open_db(target)
        opened.append(db)
        _fill(db)
        sync_index(db, target, embedder=hashing_embedder)
    sqlite_db, pg_db = opened
    searchers = [Searcher(sqlite_db, path, hashing_embedder), Searcher(pg_db, pg_database, hashing_embedder)]
    yield sqlite_db, pg_db, searchers
    for searcher in searchers:
        searcher.close()
    for db in opened:
        db.conn.close()


def _keys(db) -> dict[int, tuple[str, int]]:
    """Passage id -> (document title, ordinal): what a passage is, whatever id its back end gave it."""
    rows = db.execute(
        "SELECT p.id, d.title, p.ordinal FROM passages p JOIN documents d ON d.id = p.document_id"
    )
    return {int(r[0]): (r[1], int(r[2])) for r in rows}


def test_both_back_ends_hold_the_same_library(libraries):
    sqlite_db, pg_db, _ = libraries
    assert sorted(_keys(sqlite_db).values()) == sorted(_keys(pg_db).values())
    assert _keys(sqlite_db) == _keys(pg_db)  # same import order, same ids: results compare directly


@pytest.mark.parametrize("query", QUERIES)
def test_keyword_search_ranks_alike_on_both(libraries, query):
    sqlite_db, pg_db, _ = libraries
    for filters in FILTERS:
        expected = keyword_search(sqlite_db, query, limit=EVERYTHING, filters=filters)
        got = keyword_search(pg_db, query, limit=EVERYTHING, filters=filters)
        assert [p for p, _s in got] == [p for p, _s in expected], (query, filters)
        assert [s for _p, s in got] == pytest.approx([s for _p, s in expected], rel=1e-9)


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_searches_return_the_same_hits_in_the_same_order(libraries, mode):
    _, _, (on_sqlite, on_pg) = libraries
    found_any = False
    for query in QUERIES:
        for filters in FILTERS:
            for per_document in (False, True):
                asked = {"mode": mode, "limit": 20, "filters": filters, "per_document": per_document}
                want = on_sqlite.search(query, **asked)
                got = on_pg.search(query, **asked)
                context = (query, filters, per_document)
                assert got.mode == want.mode == mode, context
                assert [h.passage_id for h in got.hits] == [h.passage_id for h in want.hits], context
                assert [h.score for h in got.hits] == pytest.approx([h.score for h in want.hits], rel=1e-6)
                assert [h.relevance for h in got.hits] == [h.relevance for h in want.hits], context
                assert [h.snippet for h in got.hits] == [h.snippet for h in want.hits], context
                assert [h.passage_id for h in got.nearest] == [h.passage_id for h in want.nearest], context
                found_any = found_any or bool(want.hits)
    assert found_any


def test_filters_narrow_as_on_sqlite(libraries):
    sqlite_db, pg_db, (on_sqlite, on_pg) = libraries
    moorland = SearchFilters(organisation="Moorland ICB")
    hits = on_pg.search("AI imaging", mode="hybrid", limit=50, filters=moorland).hits
    assert hits and [h.passage_id for h in hits] == [
        h.passage_id for h in on_sqlite.search("AI imaging", mode="hybrid", limit=50, filters=moorland).hits
    ]
    notes = on_pg.search("AI", mode="keyword", limit=50, filters=SearchFilters(kinds=["roundtable_notes"]))
    assert notes.hits and {h.kind for h in notes.hits} == {"roundtable_notes"}


def test_snippets_mark_the_same_passages(libraries):
    sqlite_db, pg_db, _ = libraries
    ids = sorted(_keys(sqlite_db))
    for query in ("indemnity suppliers", "procurement", "Moorland imaging"):
        want = snippets(sqlite_db, query, ids)
        got = snippets(pg_db, query, ids)
        assert set(got) == set(want), query
        assert all("<mark>" in text for text in got.values())


def test_a_change_on_the_server_is_searched_at_once(libraries, hashing_embedder):
    sqlite_db, pg_db, (on_sqlite, on_pg) = libraries
    on_pg.search("warm up", mode="keyword")
    for db in (sqlite_db, pg_db):
        insert_document(db, "Late note", ["Zygomorphic procurement frameworks for imaging."])
    for query in ("zygomorphic", '"procurement frameworks"', "zygo*"):
        want = [h.passage_id for h in on_sqlite.search(query, mode="keyword").hits]
        assert want and [h.passage_id for h in on_pg.search(query, mode="keyword").hits] == want
