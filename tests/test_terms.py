"""The in-memory BM25 term index ranks exactly as FTS5 does, keeps up with changes, and survives restarts."""

import re

import pytest
from conftest import insert_document

from indexes.embedder import HashingEmbedder
from indexes.keyword import SearchFilters, keyword_search
from indexes.search import Searcher
from indexes.sync import sync_index
from indexes.terms import FILE, TermIndex, sync_terms
from indexes.vectors import index_folder
from knowledge.library import delete_document, import_paths

EVERYTHING = 100_000  # a limit past every match, so whole result sets are compared


@pytest.fixture
def library(fresh_db, corpus):
    """The article stand-in and roundtable notes through the real importers, plus awkward Unicode text."""
    outcomes = import_paths(fresh_db, [corpus])
    assert any(o.status == "imported" for o in outcomes)
    insert_document(
        fresh_db,
        "Café naïve évaluation — ÉTUDE",
        [
            "Naïve Bayes café-style triage: the Ærø pilot (ß-version) scored 93.5% on X-RAY reads.",
            "Straße, STRASSE and strasse; «quoted» words, under_scored_words and e-mail@example.org.",
            "Ünïcödé text with ﬁ ligatures, ½ fractions, Ⅻ numerals and 医学 影像 characters.",
        ],
    )
    return fresh_db


def assert_ranks_like_fts5(db, terms: TermIndex, query: str) -> None:
    expected = dict(keyword_search(db, query, limit=EVERYTHING))
    got = terms.search(query, EVERYTHING)
    assert got is not None, query
    assert set(dict(got)) == set(expected), query
    for pid, score in got:
        assert score == pytest.approx(expected[pid], rel=1e-5), (query, pid)
    assert [s for _p, s in got] == sorted((s for _p, s in got), reverse=True)


QUERIES = [
    "medical indemnity",
    "Who carries the risk when the algorithm is wrong?",
    "procurement strategies ICBs",
    "x-ray X-RAY xray",
    "NHS 2023 trusts",
    "café naive NAÏVE",
    "strasse straße",
    "fractions ½ Ⅻ",
    "医学",
    "the of and",  # only stop words: FTS5 gets them all
    "clarified clarify clarification",
    "",
]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_fts5_bm25(library, query):
    assert_ranks_like_fts5(library, TermIndex.build(library), query)


def test_queries_of_corpus_words_rank_as_fts5(library):
    terms = TermIndex.build(library)
    words = sorted(
        {
            w
            for (text,) in library.execute("SELECT text FROM passages")
            for w in re.findall(r"[A-Za-z]{4,}", text)
        }
    )
    assert len(words) > 300
    for start in range(0, 240, 4):  # 60 queries of 3 words spread over the vocabulary
        query = " ".join(words[start * 5 : start * 5 + 15 : 5])
        assert_ranks_like_fts5(library, terms, query)


def test_a_limit_keeps_the_best_passages(library):
    terms = TermIndex.build(library)
    full = keyword_search(library, "AI imaging adoption", limit=EVERYTHING)
    top = terms.search("AI imaging adoption", 5)
    assert len(full) > 5
    assert [s for _p, s in top] == pytest.approx([s for _p, s in full[:5]], rel=1e-5)


def test_changes_in_the_database_are_caught_up(library):
    terms = TermIndex.build(library)
    docs = [r[0] for r in library.execute("SELECT id FROM documents ORDER BY id")]
    delete_document(library, docs[0])
    library.execute("UPDATE documents SET title = 'Indemnity and liability briefing' WHERE id = ?", [docs[1]])
    edited = library.execute("SELECT min(id) FROM passages WHERE document_id = ?", [docs[2]]).fetchone()[0]
    library.execute(
        "UPDATE passages SET text = 'Liability for algorithm errors sits with vendors.' WHERE id = ?",
        [edited],
    )
    # SQLite hands the highest deleted id to the next passage: the index must not keep the old words.
    last_doc = docs[-1]
    last_ids = [r[0] for r in library.execute("SELECT id FROM passages WHERE document_id = ?", [last_doc])]
    delete_document(library, last_doc)
    _, new_ids = insert_document(library, "New liability note", ["Vendors accept liability for errors."])
    if getattr(library, "dialect", "sqlite") == "sqlite":  # PostgreSQL's identity columns never reuse ids
        assert set(new_ids) & set(last_ids)

    assert terms.reconcile(library) is True
    for query in ("indemnity liability", "algorithm errors vendors", "naïve café", "medical indemnity"):
        assert_ranks_like_fts5(library, terms, query)
    assert terms.reconcile(library) is False


def test_catching_up_too_much_is_declined(library):
    terms = TermIndex.build(library)
    insert_document(library, "Another", ["One passage.", "Two passages."])
    before = terms.stats()
    assert terms.reconcile(library, max_add=1) is None
    assert terms.stats() == before


def test_saved_index_loads_and_a_corrupt_file_is_rebuilt(library, db_path):
    folder = index_folder(db_path)
    built = sync_terms(library, folder)
    assert (folder / FILE).exists()
    loaded = TermIndex.load(folder, library)
    assert loaded is not None and loaded.stats() == built.stats()
    assert_ranks_like_fts5(library, loaded, "medical indemnity workforce")

    (folder / FILE).write_bytes(b"not an index")
    assert TermIndex.load(folder, library) is None
    rebuilt = sync_terms(library, folder)
    assert rebuilt.stats() == built.stats()
    assert TermIndex.load(folder, library) is not None


def test_a_word_fts5_splits_is_left_to_fts5(library):
    terms = TermIndex.build(library)
    assert terms.search("under_scored", 10) is None
    assert terms.phrases("medical indemnity") is not None


@pytest.fixture
def searcher(library, db_path):
    embedder = HashingEmbedder()
    sync_index(library, db_path, embedder=embedder)
    found = Searcher(library, db_path, embedder=embedder)
    yield found
    found.close()


def test_searches_use_the_saved_term_index_and_agree_with_fts5(searcher, library):
    assert searcher.term_index() is not None
    for query in ("medical indemnity", "under_scored words"):  # the second goes to FTS5
        hits = searcher.search(query, mode="keyword", limit=20).hits
        expected = keyword_search(library, query, limit=20)
        assert [h.score for h in hits] == pytest.approx([s for _p, s in expected], rel=1e-5)


def test_filtered_keyword_search_agrees_with_fts5(searcher, library):
    filters = SearchFilters(kinds=["roundtable_notes"])
    hits = searcher.search("AI adoption trusts", mode="keyword", limit=50, filters=filters).hits
    expected = keyword_search(library, "AI adoption trusts", limit=50, filters=filters)
    assert hits and {h.kind for h in hits} == {"roundtable_notes"}
    assert [h.passage_id for h in hits] == [p for p, _s in expected]


def test_a_passage_stored_after_the_last_sync_is_found(searcher, library):
    searcher.search("warm up", mode="keyword")
    _, ids = insert_document(library, "Late note", ["Zygomorphic procurement frameworks for imaging."])
    hits = searcher.search("zygomorphic", mode="keyword").hits
    assert [h.passage_id for h in hits] == ids
    assert searcher.term_index() is not None


# Queries with syntax: on a PostgreSQL workspace these are answered by indexes/termquery.py, which must
# match and score exactly as FTS5 does (checked here against FTS5 itself on the SQLite back end).
SYNTAX_QUERIES = [
    '"medical indemnity"',
    '"the risk"',
    "indemn* workforce",
    "procurem* OR imaging",
    "AI AND imaging",
    "(AI OR algorithm) AND (risk OR indemnity)",
    "imaging -indemnity",
    'trusts NOT "medical indemnity"',
    "under_scored words",
    '"x-ray" naïve*',
    "train* AND NOT procurement",
    'clarif* "legal responsibility" -vendors',
    "a AND b AND the",
]


@pytest.mark.parametrize("query", SYNTAX_QUERIES)
def test_the_term_query_evaluator_scores_as_fts5(library, query):
    from indexes.keyword import parsed
    from indexes.termquery import Evaluation, fetch_passages, match_expr

    terms = TermIndex.build(library)
    expr = match_expr(parsed(query))
    got = Evaluation(terms, fetch_passages(library)).bm25(expr, EVERYTHING)
    expected = keyword_search(library, query, limit=EVERYTHING)
    assert set(dict(got)) == set(dict(expected)), query
    assert [p for p, _s in got] == [p for p, _s in expected], query  # ties too: FTS5 breaks them by rowid
    for pid, score in got:
        assert score == pytest.approx(dict(expected)[pid], rel=1e-9), (query, pid)
