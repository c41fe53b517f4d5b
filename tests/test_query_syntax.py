"""The search syntax people type: phrases, exclusions, prefixes, OR and AND, parsed once, on the corpus.

The parser is a pure function: any text parses and compiles to an FTS5 expression that runs (hypothesis).
On the project's corpus, each operator does what the README says in keyword mode, and an excluded word
or a phrase filters semantic and hybrid results too.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexes.keyword import highlight, query_terms
from indexes.query import All, Any_, Phrase, Term, fts_match, parse
from indexes.search import Searcher
from indexes.sync import sync_index
from knowledge.library import import_paths
from knowledge.workspace import open_db

MODES = ("keyword", "semantic", "hybrid")


def test_plain_words_are_parsed_as_before():
    parsed = parse("Who carries the risk when the algorithm is wrong?")
    assert parsed.plain and not parsed.constrains and not parsed.excluded
    assert parsed.words == ("carries", "risk", "algorithm", "wrong")  # stop words ("who", "when") left out
    assert parsed.semantic_text == "Who carries the risk when the algorithm is wrong?"  # embedded as typed
    assert fts_match(parsed) == '"carries" OR "risk" OR "algorithm" OR "wrong"'


@pytest.mark.parametrize(
    ("text", "match", "excluded"),
    [
        ('"governance rules"', Phrase(("governance", "rules")), ()),
        ("procurement -ICB", Term("procurement"), (Term("icb"),)),
        ("procurement NOT ICB", Term("procurement"), (Term("icb"),)),
        ('consent -"data sharing"', Term("consent"), (Phrase(("data", "sharing")),)),
        ("synth*", Term("synth", prefix=True), ()),
        ("indemnity AND liability", All((Term("indemnity"), Term("liability"))), ()),
        ("pilot trust AND vendor", Any_((Term("pilot"), All((Term("trust"), Term("vendor"))))), ()),
        ("(trust OR vendor) AND pilot", All((Any_((Term("trust"), Term("vendor"))), Term("pilot"))), ()),
    ],
)
def test_each_operator_parses_into_the_tree(text, match, excluded):
    parsed = parse(text)
    assert (parsed.match, parsed.excluded) == (match, excluded)
    assert not parsed.plain


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('NOT "indemnity', ["indemnity"]),  # nothing left once read as syntax: read again as words
        ("-", []),
        ("NEAR(", ["near"]),
        ("AND", ["and"]),
        ("x-ray non-clinical", ["x", "ray", "non", "clinical"]),  # a hyphen inside a word excludes nothing
        ("ICB OR trust", ["icb", "trust"]),  # OR is the default: the same as the plain words
        ("lower and or not", ["lower"]),  # lower-case operators are words (stop words here)
        ('"unclosed phrase', ["unclosed", "phrase"]),  # a quote still being typed: its words meanwhile
    ],
)
def test_awkward_text_still_makes_a_sensible_query(text, words):
    assert query_terms(text) == words


def test_a_prefix_longer_than_the_stem_still_matches():
    # FTS5 stores "procurement" as "procur": "procurem*" must still find it.
    assert fts_match(parse("procurem*")) == '("procurem"* OR "procure" OR "procur")'


TOKENS = ['"', "-", "NOT", "AND", "OR", "(", ")", "*", "NEAR(", "word", "x-ray", "a*", ":", "^", "''"]


@given(text=st.text(max_size=300) | st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_any_text_parses_and_its_fts5_expression_runs(text):
    parsed = parse(text)  # never raises
    assert len(parsed.words) <= 64
    match = fts_match(parsed)
    assert (match is None) == (parsed.match is None)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t VALUES ('word x ray a ab near')")
    if match is not None:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [match]).fetchall()  # a valid FTS5 expression
    conn.close()


def test_a_20000_character_query_parses_quickly():
    import time

    text = ("(" * 5000) + " ".join(f'"w{i}" -x{i} y{i}* AND' for i in range(2000))
    start = time.perf_counter()
    parsed = parse(text)
    assert time.perf_counter() - start < 0.5
    assert len(parsed.words) <= 64 and len(parsed.excluded) <= 64


def test_stop_words_are_not_highlighted():
    text = "Who carries the risk when the algorithm is wrong? The clinician, the trust or the vendor."
    marked = highlight(text, "who carries the risk when the algorithm is wrong?")
    assert "<mark>risk</mark>" in marked and "<mark>algorithm</mark>" in marked
    assert "<mark>who</mark>" not in marked.lower() and "<mark>the</mark>" not in marked.lower()
    assert "<mark>when</mark>" not in marked.lower()
    assert "<mark>synthetic</mark>" in highlight("synthetic data", "synth*")


# -- on the corpus ------------------------------------------------------------------------------------------
@pytest.fixture
def corpus_library(corpus, db_path, hashing_embedder):
    """The project's corpus (article stand-in, Harbourside notes, Moorland tracker), embedded, on disk."""
    db = open_db(db_path)
    assert any(o.status == "imported" for o in import_paths(db, [corpus]))
    sync_index(db, db_path, embedder=hashing_embedder)
    searcher = Searcher(db, db_path, embedder=hashing_embedder)
    yield db, searcher
    searcher.close()
    db.conn.close()


def texts(searcher, query, mode, limit=50):
    """Each hit's title, section and text as lower-case words (as FTS5 sees them: punctuation is a space)."""
    hits = searcher.search(query, mode=mode, limit=limit).hits
    return [" ".join(re.findall(r"\w+", f"{h.title}\n{h.section}\n{h.text}".lower())) for h in hits]


def test_a_phrase_matches_the_words_together_only(corpus_library):
    _db, searcher = corpus_library
    loose = texts(searcher, "governance rules", "keyword")
    phrase = texts(searcher, '"governance rules"', "keyword")
    assert phrase and all("governance rules" in t for t in phrase)
    assert len(loose) > len(phrase)  # the words apart are found only without the quotes


@pytest.mark.parametrize("query", ["procurement -ICB", "procurement NOT ICB"])
@pytest.mark.parametrize("mode", MODES)
def test_an_excluded_word_removes_passages_in_every_mode(corpus_library, query, mode):
    _db, searcher = corpus_library
    assert any("icb" in t for t in texts(searcher, "procurement", mode))
    excluded = texts(searcher, query, mode)
    # FTS5 stems "ICBs" to "icb" as well: the plural is excluded too, in the title as in the text.
    assert excluded and not any("icb" in t for t in excluded)


def test_a_prefix_finds_words_starting_with_it(corpus_library):
    _db, searcher = corpus_library
    assert texts(searcher, "synth", "keyword") == []
    found = texts(searcher, "synth*", "keyword")
    assert found and all("synth" in t for t in found)


def test_or_finds_either_and_and_needs_both(corpus_library):
    _db, searcher = corpus_library
    indemnity = set(texts(searcher, "indemnity", "keyword"))
    procurement = set(texts(searcher, "procurement", "keyword"))
    either = set(texts(searcher, "indemnity OR procurement", "keyword"))
    both = texts(searcher, "indemnity AND procurement", "keyword")
    assert either == indemnity | procurement
    assert set(both) == indemnity & procurement
    assert all("indemnity" in t and "procur" in t for t in both)


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_phrase_filters_results_by_meaning_too(corpus_library, mode):
    _db, searcher = corpus_library
    found = texts(searcher, '"information governance"', mode)
    assert found and all("information governance" in t for t in found)


def test_the_cli_reads_the_syntax(corpus_library, db_path, run_cli):
    code, out, err = run_cli("--db", db_path, "search", "procurement -ICB", "--mode", "keyword", "--json")
    assert code == 0 and err == ""
    results = json.loads(out)["results"]
    assert results and not any("icb" in f"{r['title']} {r['snippet']}".lower() for r in results)


def test_search_help_documents_the_syntax(capsys):
    from desktop.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["search", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for piece in ('"exact phrase"', "-word, NOT word", "word*", "a OR b", "a AND b", "--nearest"):
        assert piece in out
