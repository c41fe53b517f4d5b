"""Hybrid, semantic and keyword search through Searcher: filters, per-document results, fallback, batches."""

import pytest
from conftest import insert_document

from indexes.embedder import EmbedderUnavailable, HashingEmbedder
from indexes.keyword import SearchFilters
from indexes.related import related_passages, related_to_recommendation
from indexes.search import Searcher
from indexes.sync import sync_index


@pytest.fixture
def library(fresh_db, db_path):
    """Three documents of different kinds, dates and organisations, embedded with the hashing model."""
    db = fresh_db
    org = db.execute(
        "INSERT INTO organisations (name, type, created_at) VALUES ('Moorland ICB', 'icb', 'x')"
    ).lastrowid
    docs = {}
    docs["report"] = insert_document(
        db,
        "AI in imaging roundtable",
        [
            "Medical indemnity and legal responsibility for AI must be clarified by regulators.",
            "Radiology workforce shortages mean AI adds capacity for reporting scans.",
            "Indemnity cover for suppliers of imaging AI remains unclear.",
        ],
        date="2023-10-05",
        external_id="R1",
    )
    docs["notes"] = insert_document(
        db,
        "Harbourside roundtable notes",
        ["Action: the ICB procurement team will include AI in the digital strategy."],
        kind="roundtable_notes",
        date="2024-03-12",
        organisation_id=org,
    )
    docs["guidance"] = insert_document(
        db,
        "Information governance guidance",
        ["Unify information governance rules across the integrated care system."],
        kind="guidance",
        date="2022-01-01",
    )
    rt = db.execute("INSERT INTO roundtables (title, created_at) VALUES ('Harbourside', 'x')").lastrowid
    db.execute("INSERT INTO roundtable_documents VALUES (?, ?)", [rt, docs["notes"][0]])
    embedder = HashingEmbedder()
    sync_index(db, db_path, embedder=embedder)
    return db, Searcher(db, db_path, embedder=embedder), docs, org, rt


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_each_mode_finds_the_passage_and_its_document(library, mode):
    db, searcher, docs, *_ = library
    result = searcher.search("medical indemnity", mode=mode)
    assert result.mode == mode and result.warning is None
    top = result.hits[0]
    assert top.passage_id == docs["report"][1][0]
    assert (top.document_id, top.external_id, top.title, top.page) == (docs["report"][0], "R1", top.title, 1)
    assert top.title == "AI in imaging roundtable" and top.kind == "report" and top.date == "2023-10-05"
    assert "<mark>" in top.snippet and "indemnity" in top.text.lower()
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_limit_and_empty_queries(library):
    _, searcher, *_ = library
    assert len(searcher.search("AI", limit=2).hits) == 2
    assert searcher.search("", mode="hybrid").hits == []
    assert searcher.search("   ", mode="semantic").hits == []
    assert searcher.search('"(*', mode="keyword").hits == []
    with pytest.raises(ValueError):
        searcher.search("x", mode="fuzzy")


def test_per_document_returns_each_document_once_with_its_best_passage(library):
    _, searcher, docs, *_ = library
    for mode in ("hybrid", "semantic", "keyword"):
        hits = searcher.search("indemnity AI", mode=mode, per_document=True).hits
        doc_ids = [h.document_id for h in hits]
        assert len(doc_ids) == len(set(doc_ids)), mode
        assert hits[0].document_id == docs["report"][0]
        assert hits[0].passage_id in (docs["report"][1][0], docs["report"][1][2])
    all_hits = searcher.search("indemnity AI", mode="keyword").hits
    assert len({h.document_id for h in all_hits}) < len(all_hits)


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_filters_apply_in_every_mode(library, mode):
    _, searcher, docs, org, rt = library
    query = "AI indemnity procurement governance"

    def doc_ids(**kwargs):
        return {
            h.document_id for h in searcher.search(query, mode=mode, filters=SearchFilters(**kwargs)).hits
        }

    assert doc_ids(kinds=["guidance"]) == {docs["guidance"][0]}
    assert doc_ids(kinds=["report", "roundtable_notes"]) == {docs["report"][0], docs["notes"][0]}
    assert doc_ids(date_from="2023-01-01", date_to="2023-12-31") == {docs["report"][0]}
    assert doc_ids(organisation=org) == {docs["notes"][0]}
    assert doc_ids(organisation="moorland icb") == {docs["notes"][0]}
    assert doc_ids(organisation="Nobody") == set()
    assert doc_ids(roundtable_id=rt) == {docs["notes"][0]}
    assert doc_ids(document_ids=[docs["guidance"][0]]) == {docs["guidance"][0]}


def test_fallback_to_keyword_when_the_model_cannot_load(fresh_db, db_path, monkeypatch):
    import indexes.search as search

    def fail():
        raise EmbedderUnavailable("model package missing")

    monkeypatch.setattr(search, "get_embedder", fail)
    insert_document(fresh_db, "Note", ["medical indemnity for AI"])
    searcher = Searcher(fresh_db, db_path)
    first = searcher.search("indemnity", mode="hybrid")
    assert first.mode == "keyword" and first.hits
    assert first.warning == ("semantic search unavailable: model package missing; showing keyword results")
    second = searcher.search("indemnity", mode="semantic")
    assert second.mode == "keyword" and second.hits and second.warning is None  # said once
    batch = searcher.search_many(["indemnity", "AI"], mode="hybrid")
    assert [r.mode for r in batch] == ["keyword", "keyword"] and all(r.warning is None for r in batch)


def test_semantic_before_any_embedding_falls_back_with_a_hint(fresh_db, db_path):
    insert_document(fresh_db, "Note", ["medical indemnity for AI"])
    result = Searcher(fresh_db, db_path, embedder=HashingEmbedder()).search("indemnity")
    assert result.mode == "keyword" and result.hits and "roundtable index" in result.warning


def test_search_many_encodes_all_queries_in_one_call(library):
    db, searcher, docs, *_ = library
    calls = []
    original = searcher._embedder.encode

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return original(texts, **kwargs)

    searcher._embedder.encode = counting
    results = searcher.search_many(["indemnity", "workforce capacity", "governance rules"], per_document=True)
    assert calls == [3]
    assert [r.hits[0].document_id for r in results] == [
        docs["report"][0],
        docs["report"][0],
        docs["guidance"][0],
    ]


def test_new_passages_are_found_after_a_sync(library, db_path):
    db, searcher, *_ = library
    assert searcher.search("telepathy", mode="keyword").hits == []
    _, ids = insert_document(db, "Future", ["telepathy diagnostics pilot"])
    sync_index(db, db_path, embedder=searcher._embedder)
    assert searcher.search("telepathy", mode="semantic").hits[0].passage_id == ids[0]


def test_related_passages_come_from_other_documents(library):
    db, searcher, docs, *_ = library
    source = docs["report"][1][0]
    related = related_passages(db, searcher, passage_id=source, limit=3)
    assert related and all(h.document_id != docs["report"][0] for h in related)
    by_text = related_passages(db, searcher, text="digital procurement strategy", limit=2)
    assert by_text[0].document_id == docs["notes"][0]
    excluded = related_passages(
        db, searcher, text="procurement strategy", exclude_document_id=docs["notes"][0]
    )
    assert docs["notes"][0] not in {h.document_id for h in excluded}
    assert related_passages(db, searcher, passage_id=999999) == []


def test_related_passages_for_a_recommendation(library):
    db, searcher, docs, *_ = library
    rec = db.execute("SELECT id FROM recommendations WHERE number = 8").fetchone()[0]
    hits = related_to_recommendation(db, searcher, rec, limit=3)
    assert hits and hits[0].document_id == docs["report"][0]
