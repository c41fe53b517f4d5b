"""The relevance floor ("no close match", --nearest, High/Medium/Low) and filters that mean what they say."""

from __future__ import annotations

import json

import pytest

from desktop.pages.search import PLACEHOLDER, PLACEHOLDER_SHORT
from indexes.embedder import HashingEmbedder, set_embedder
from indexes.relevance import MINILM, Levels, Relevance, best, keyword_level, semantic_level
from indexes.search import Searcher
from indexes.sync import sync_index
from knowledge.library import import_paths
from knowledge.workspace import open_db

NONSENSE = "blorptang quixzel vurmish snoffle"
QUESTION = "who carries the risk when the algorithm is wrong?"


def wide_hashing() -> HashingEmbedder:
    # Wide enough that no word of the corpus shares a bucket with the nonsense words: for the fake model,
    # "similar" means "shares a word", as "close in meaning" does for the real one.
    return HashingEmbedder(dim=16384, name="hashing-wide")


@pytest.fixture
def embedder():
    model = wide_hashing()
    set_embedder(model)
    yield model
    set_embedder(None)


@pytest.fixture
def library(corpus, db_path, embedder):
    """The project's corpus imported and embedded (the fast test model), on disk like a user's library."""
    db = open_db(db_path)
    assert any(o.status == "imported" for o in import_paths(db, [corpus]))
    sync_index(db, db_path, embedder=embedder)
    db.conn.close()
    return db_path


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_nonsense_finds_no_close_match(library, run_cli, mode):
    code, out, err = run_cli("--db", library, "search", NONSENSE, "--mode", mode, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"query": NONSENSE, "mode": mode, "results": []}
    code, out, err = run_cli("--db", library, "search", NONSENSE, "--mode", mode)
    assert (code, err) == (0, "")
    assert out == "no close match; --nearest shows the nearest passages anyway\n"


def test_nearest_shows_the_closest_few_on_request(library, run_cli):
    code, out, _ = run_cli("--db", library, "search", NONSENSE, "--nearest", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["results"] == [] and 1 <= len(payload["nearest"]) <= 3
    code, out, _ = run_cli("--db", library, "search", NONSENSE, "--nearest")
    assert out.startswith("no close match; the nearest passages:\n") and "\n 1. " in out


def test_a_real_question_still_finds_its_passage_first(library, run_cli):
    code, out, _ = run_cli("--db", library, "search", QUESTION, "--json")
    top = json.loads(out)["results"][0]
    assert code == 0 and "liab" in top["snippet"].lower() + top["section"].lower()  # "5. Liability"
    assert top["relevance"] in {"high", "medium", "low"}
    assert "<mark>who</mark>" not in top["snippet"].lower() and "<mark>the</mark>" not in top["snippet"]


def test_relevance_levels_come_from_calibrated_cosines_and_word_coverage():
    levels = Levels(floor=0.3, medium=0.45, high=0.6)
    assert [semantic_level(c, levels) for c in (0.7, 0.5, 0.31)] == ["high", "medium", "low"]
    assert [keyword_level(c) for c in (1.0, 0.5, 0.25)] == ["high", "medium", "low"]
    assert best(Relevance.LOW, None, Relevance.MEDIUM) == "medium" and best() == "low"
    assert 0 < MINILM.floor < MINILM.medium < MINILM.high < 1


def test_searcher_marks_every_hit_with_a_level(library, embedder):
    db = open_db(library)
    searcher = Searcher(db, library, embedder=embedder)
    try:
        for mode in ("keyword", "semantic", "hybrid"):
            hits = searcher.search("medical indemnity", mode=mode).hits
            assert hits and all(h.relevance in {"high", "medium", "low"} for h in hits), mode
            assert hits[0].relevance == "high" or mode == "semantic", mode  # both words: high
            assert (hits[0].similarity is None) == (mode == "keyword")
        nothing = searcher.search(NONSENSE, mode="hybrid")
        assert nothing.no_close_match and nothing.hits == [] and nothing.nearest
        assert not searcher.search(NONSENSE, mode="keyword").no_close_match  # keyword: "no results"
    finally:
        searcher.close()
        db.conn.close()


# -- filters ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["2024-13-45", "2024-02-30", "yesterday", "2024-1-5"])
def test_an_impossible_date_is_a_usage_error(library, capsys, value):
    from desktop.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--db", str(library), "search", "procurement", "--from", value])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    assert err.strip().splitlines()[-1].startswith("roundtable: error: argument --from:")
    assert "Traceback" not in err


def test_kind_is_repeatable(library, run_cli):
    def kinds(*extra):
        code, out, _ = run_cli("--db", library, "search", "AI", "--mode", "keyword", "--limit", "50", *extra)
        assert code == 0
        return {r["kind"] for r in json.loads(out)["results"]}

    assert kinds("--json", "--kind", "tracker") == {"tracker"}
    assert kinds("--json", "--kind", "tracker", "--kind", "report") == {"tracker", "report"}


def test_org_finds_passages_about_its_actions(library, run_cli):
    # Westmoor owns no document: its action comes from the Harbourside notes' action table, and the notes
    # name it; documents from other organisations never appear.
    code, out, err = run_cli(
        "--db",
        library,
        "search",
        "pilot results",
        "--mode",
        "keyword",
        "--org",
        "Westmoor Hospitals NHS Trust",
        "--json",
    )
    assert (code, err) == (0, "")
    results = json.loads(out)["results"]
    assert results and all("westmoor" in (r["snippet"] + r["title"]).lower() or r["kind"] for r in results)
    db = open_db(library)
    try:
        source = db.execute(
            "SELECT a.source_passage_id FROM actions a JOIN organisations o ON o.id = a.organisation_id "
            "WHERE o.name = 'Westmoor Hospitals NHS Trust'"
        ).fetchone()[0]
        named = {
            r[0]
            for r in db.execute("SELECT id FROM passages WHERE text LIKE '%Westmoor Hospitals NHS Trust%'")
        }
    finally:
        db.conn.close()
    found = {r["passage_id"] for r in results}
    assert source in found and found <= named | {source}


# -- the window ---------------------------------------------------------------------------------------------
@pytest.fixture
def wide_window(qtbot, make_desk_window, corpus):
    """corpus_window with the wide fake model (see wide_hashing)."""
    window = make_desk_window(model_loader=wide_hashing, hashing=False)
    window.show()
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=10000)
    with qtbot.waitSignal(window.indexFinished, timeout=60000):
        with qtbot.waitSignal(window.importFinished, timeout=60000):
            window.start_import([corpus])
    return window


def test_the_window_says_no_close_match_offers_the_nearest_and_shows_levels(qtbot, wide_window):
    window = wide_window
    page = window.go_to("search")
    # The syntax is always in the tooltip; the placeholder shows it whole when the box is wide enough and
    # the plain question otherwise, never a line cut off by "…".
    assert '"exact phrase"' in page.query.toolTip() and "NOT" in page.query.toolTip()
    fits = page.query.fontMetrics().horizontalAdvance(PLACEHOLDER) <= page.query.width() - 60
    assert page.query.placeholderText() == (PLACEHOLDER if fits else PLACEHOLDER_SHORT)
    page.mode.setCurrentIndex(page.mode.findData("hybrid"))
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        page.run_search(NONSENSE)
    assert blocker.args[0].hits == []
    assert page.info.text().startswith("No close match") and page.results_model.rowCount() == 0
    assert page.nearest_button.isVisibleTo(page)
    page.nearest_button.click()
    assert 1 <= page.results_model.rowCount() <= 3 and "the nearest passages" in page.info.text()
    with qtbot.waitSignal(window.searchFinished, timeout=10000):
        page.run_search("medical indemnity")
    first = page.results_model.item(0).text()
    assert "High" in first and not page.nearest_button.isVisibleTo(page)
    assert "relevance High" in page.passage_meta.text() and "score" not in page.passage_meta.text()


def test_the_window_refuses_an_impossible_date(qtbot, corpus_window):
    page = corpus_window.go_to("search")
    page.date_from.setText("2024-13-45")
    assert page.run_search("procurement") is None
    assert "is not a date" in page.info.text()
