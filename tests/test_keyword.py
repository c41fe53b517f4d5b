"""Keyword search: any text is a valid query, bm25 ranking, stemming, filters, highlighted snippets."""

import pytest
from conftest import insert_document

from indexes.keyword import SearchFilters, fts_query, highlight, keyword_search, snippets
from indexes.search import snippet_to_html, snippet_to_plain

HOSTILE = [
    "",
    "   ",
    "\t\n",
    '"',
    '""',
    '"unbalanced quote',
    "medical AND",
    "OR",
    "NOT indemnity",
    "AND OR NOT",
    "NEAR(indemnity legal, 3)",
    "indemnity*",
    "*",
    "title:indemnity",
    ":",
    "^indemnity",
    "(indemnity",
    "indemnity)",
    "((()))",
    "{text section}: risk",
    "-",
    "+medical -indemnity",
    "'; DROP TABLE passages; --",
    "\x00",
    "é ü ß 医学",
    "🙂",
    "a" * 5000,
    " ".join(["word"] * 500),
]


@pytest.fixture
def corpus(fresh_db):
    db = fresh_db
    insert_document(
        db,
        "Roundtable on AI in imaging",
        [
            "Medical indemnity and the legal responsibility of clinicians and suppliers must be clarified.",
            "Radiology departments are short-staffed; AI tools add capacity to the imaging workforce.",
        ],
        date="2023-10-01",
    )
    insert_document(
        db, "Procurement strategy", ["ICBs should write digital procurement strategies."], kind="guidance"
    )
    return db


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_is_a_valid_query(corpus, text):
    results = keyword_search(corpus, text)
    assert isinstance(results, list)
    snippets(corpus, text, [1, 2, 3])


def test_empty_queries_return_nothing(corpus):
    assert keyword_search(corpus, "") == []
    assert keyword_search(corpus, "   ") == []
    assert keyword_search(corpus, '""()') == []
    assert fts_query("  ") is None


def test_operators_in_user_text_are_words_not_syntax(corpus):
    hits = keyword_search(corpus, 'NOT "indemnity')
    assert hits and hits[0][0] == 1


def test_porter_stemming_matches_word_forms(corpus):
    assert [pid for pid, _ in keyword_search(corpus, "clarify")] == [1]
    assert 2 in [pid for pid, _ in keyword_search(corpus, "tool")]


def test_passages_matching_more_words_rank_higher(corpus):
    hits = keyword_search(corpus, "medical indemnity imaging")
    assert hits[0][0] == 1  # matches two of the three words
    assert {pid for pid, _ in hits} == {1, 2}  # OR: a partial match is still found
    assert hits[0][1] > hits[1][1]


def test_title_words_find_passages(corpus):
    assert [pid for pid, _ in keyword_search(corpus, "procurement strategy")][0] == 3


def test_filters_restrict_keyword_results(corpus):
    assert (
        keyword_search(corpus, "indemnity procurement", filters=SearchFilters(kinds=["guidance"]))[0][0] == 3
    )
    assert (
        len(keyword_search(corpus, "indemnity procurement", filters=SearchFilters(kinds=["guidance"]))) == 1
    )
    dated = keyword_search(corpus, "indemnity procurement", filters=SearchFilters(date_from="2023-01-01"))
    assert [pid for pid, _ in dated] == [1]
    assert keyword_search(corpus, "indemnity", filters=SearchFilters(date_to="2023-09-30")) == []
    assert keyword_search(corpus, "indemnity", filters=SearchFilters(date_to="2023-10-01"))


def test_snippet_marks_matching_words(corpus):
    marked = snippets(corpus, "indemnity suppliers", [1, 2])
    assert set(marked) == {1}
    assert "<mark>indemnity</mark>" in marked[1]
    assert "<mark>suppliers</mark>" in marked[1]


def test_snippet_helpers_escape_text_and_keep_marks():
    snippet = 'a <b> & <mark>risk</mark> "x"'
    assert snippet_to_html(snippet) == "a &lt;b&gt; &amp; <mark>risk</mark> &quot;x&quot;"
    assert snippet_to_plain(snippet) == 'a <b> & risk "x"'
    assert snippet_to_plain("<mark>risk</mark> here", "[", "]") == "[risk] here"


def test_highlight_marks_word_forms_in_a_window_of_the_passage():
    middle = " Medical indemnity must be clarified for suppliers. "
    text = " ".join(["filler"] * 40) + middle + " ".join(["tail"] * 40)
    snippet = highlight(text, "clarify the indemnities")
    assert "<mark>indemnity</mark>" in snippet and "<mark>clarified</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert len(snippet_to_plain(snippet)) <= 230  # a window, not the whole passage
    assert highlight("Nothing relevant here.", "indemnity") is None
    assert highlight("Short risk note.", '"risk') == "Short <mark>risk</mark> note."
    assert highlight("anything", "") is None
