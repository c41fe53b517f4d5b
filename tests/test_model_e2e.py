"""The real all-MiniLM-L6-v2 end to end on the source article: embed, index, search by meaning."""

import json

import pytest
from conftest import insert_document

from desktop.cli import main
from indexes.embedder import get_embedder, set_embedder
from indexes.related import related_to_recommendation
from indexes.search import Searcher
from indexes.sync import sync_index
from indexes.vectors import VectorIndex, index_folder

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model():
    set_embedder(None)
    embedder = get_embedder()  # loaded once for the module (~5 s)
    yield embedder
    set_embedder(None)


@pytest.fixture
def article_db(corpus, fresh_db, db_path, model):
    """The roundtable article as passages (one per paragraph or recommendation), embedded by the model."""
    text = (corpus / "ppp-ai-imaging-roundtable-2023.txt").read_text(encoding="utf-8")
    paragraphs = [line.strip(" •\t") for line in text.splitlines() if len(line.split()) > 12]
    half = len(paragraphs) // 2
    insert_document(fresh_db, "ICBs need robust digital procurement strategies", paragraphs[:half])
    insert_document(fresh_db, "Report recommendations", paragraphs[half:], external_id="recs")
    set_embedder(model)
    report = sync_index(fresh_db, db_path)
    assert report.embedded == len(paragraphs)
    return fresh_db, db_path


def test_semantic_search_finds_the_indemnity_passage(article_db, model):
    db, db_path = article_db
    searcher = Searcher(db, db_path, embedder=model)
    result = searcher.search("who carries the risk when the algorithm is wrong?", mode="semantic", limit=3)
    assert result.mode == "semantic" and result.warning is None
    assert "indemnity" in result.hits[0].text.lower()
    assert -1.0 <= result.hits[0].score <= 1.0
    assert VectorIndex.load(index_folder(db_path)).model == "all-MiniLM-L6-v2"


def test_hybrid_search_through_the_cli(article_db, capsys):
    db, db_path = article_db
    db.conn.close()
    code = main(
        ["--db", str(db_path), "search", "who carries the risk when the algorithm is wrong?", "--json"]
    )
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["mode"] == "hybrid"
    top = payload["results"][0]
    indemnity = db_passage_id(db_path, "Medical indemnity for AI")
    assert top["passage_id"] == indemnity and "<mark>risk</mark>" in top["snippet"]


def db_passage_id(db_path, start):
    from knowledge.workspace import open_db

    db = open_db(db_path)
    try:
        return db.execute("SELECT id FROM passages WHERE text LIKE ?", ["%" + start + "%"]).fetchone()[0]
    finally:
        db.conn.close()


def test_related_passages_for_the_indemnity_recommendation(article_db, model):
    db, db_path = article_db
    rec = db.execute("SELECT id FROM recommendations WHERE number = 8").fetchone()[0]
    hits = related_to_recommendation(db, Searcher(db, db_path, embedder=model), rec, limit=3)
    assert any("indemnity" in h.text.lower() for h in hits)
