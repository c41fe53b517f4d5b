"""Searching from the window: keyword as you type, semantic on Enter, opening a result, citations."""

from __future__ import annotations


def test_keyword_search_as_you_type_and_open_a_result(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("search")
    page.mode.setCurrentIndex(page.mode.findData("keyword"))
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        qtbot.keyClicks(page.query, "medical indemnity")
    result = blocker.args[0]
    assert result.mode == "keyword"
    assert result.hits
    assert any("indemnity" in hit.text.lower() for hit in result.hits)
    # The first result is opened: its passage shown in context, highlighted words in the list.
    assert page.current_hit is result.hits[0]
    assert "indemnity" in page.context.toPlainText().lower()
    assert "background-color:#ffe58a" in page.results_model.item(0).text().lower()
    citation = page.copy_citation()
    assert result.hits[0].title in citation
    # Opening the document goes to the library with that document selected.
    page.open_document()
    assert window.current_page_key() == "library"
    assert window.pages["library"].selected_document()["id"] == result.hits[0].document_id


def test_semantic_search_on_enter_uses_the_model(qtbot, corpus_window):
    from PySide6.QtCore import Qt

    window = corpus_window
    page = window.go_to("search")
    page.mode.setCurrentIndex(page.mode.findData("semantic"))
    page.query.setText("who is liable when the algorithm is wrong")
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        qtbot.keyClick(page.query, Qt.Key.Key_Return)
    result = blocker.args[0]
    assert result.mode == "semantic"
    assert result.hits
    page.results.setCurrentIndex(page.results_model.index(1, 0))
    assert page.current_hit is result.hits[1]
    assert page.passage_title.text() == result.hits[1].title


def test_search_filters_and_hostile_queries_never_fail(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("search")
    page.kind.setCurrentIndex(page.kind.findData("tracker"))
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        page.run_search("procurement", "keyword")
    assert blocker.args[0].hits
    assert {hit.kind for hit in blocker.args[0].hits} == {"tracker"}
    page.kind.setCurrentIndex(0)
    with qtbot.waitSignal(window.searchFinished, timeout=10000):
        page.run_search('"AI OR (NEAR* :', "keyword")


def test_link_a_result_as_evidence_for_a_recommendation(qtbot, corpus_window):
    window = corpus_window
    page = window.go_to("search")
    with qtbot.waitSignal(window.searchFinished, timeout=10000):
        page.run_search("indemnity", "keyword")
    rec_id = window.db.execute("SELECT id FROM recommendations WHERE number = 8").fetchone()[0]
    with qtbot.waitSignal(window.dataChanged, timeout=10000):
        page.link_current(("recommendation", rec_id), "liability evidence")
    count = window.db.execute(
        "SELECT count(*) FROM evidence_links WHERE recommendation_id = ? AND passage_id = ?",
        [rec_id, page.current_hit.passage_id],
    ).fetchone()[0]
    assert count == 1
