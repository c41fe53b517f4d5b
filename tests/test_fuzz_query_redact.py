"""Fuzzing with hypothesis: the keyword query builder and the redactor hold for any text.

Keyword search: whatever someone types (operators, quotes, control characters, any script, pasted pages)
builds a query FTS5 accepts, runs against a real database, and the in-memory term index ranks it exactly
as FTS5 does. Redaction: every valid NHS number in any surroundings is removed, nothing raises, and a
second pass changes nothing.
"""

from __future__ import annotations

import os

import pytest
from conftest import insert_document
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from test_terms import EVERYTHING, assert_ranks_like_fts5

from indexes.keyword import MAX_TERMS, clean_text, fts_query, keyword_search, query_terms, snippets
from indexes.terms import TermIndex
from knowledge.redact import _NOT_NAMES, nhs_number_valid, redact
from knowledge.workspace import open_db

# The rest of the settings (derandomised, no deadline, no example database) is the conftest profile; a
# failure prints the example that reproduces it. FUZZ_EXAMPLES=5000 fuzzes harder locally; the default
# keeps the file to a few seconds in CI.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "500")))

# ---- text strategies ------------------------------------------------------------------------------------

# Pieces of FTS5 syntax, SQL and awkward characters, so the fuzzer meets them far more often than chance.
HOSTILE_PIECES = [
    "AND", "OR", "NOT", "NEAR(", "NEAR", ")", "(", '"', '""', "*", "-", "+", "^", ":", "title:", "text:",
    "{text section}:", "'", "';", "drop table documents; --", "\x00", "\\", "%", "_", "medical",
    "indemnity", "imaging", "café", "NAÏVE", "医学", "🙂", "\u202e", "x" * 60, "under_score", "e-mail",
]  # fmt: skip
any_text = st.text(max_size=300)
# Lone surrogates arrive from undecodable command-line bytes and JSON escapes; st.text() never makes them.
surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), any_text, surrogates), max_size=12).map(
    " ".join
)
query_text = st.one_of(any_text, hostile_text)


# ---- keyword search ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A small real database (FTS5 table and all) and its term index, shared by every example."""
    db = open_db(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    insert_document(
        db,
        "Roundtable on AI in imaging",
        [
            "Medical indemnity and the legal responsibility of clinicians and suppliers must be clarified.",
            "Radiology departments are short-staffed; AI tools add capacity to the imaging workforce.",
            "NOT a query: AND OR NEAR(title, text) * - ^ \"quoted\" 'single' under_scored e-mail words.",
        ],
    )
    insert_document(
        db,
        "Café naïve évaluation 医学",
        ["Naïve Bayes café-style triage; Straße and STRASSE; 医学 影像; emoji 🙂 and ½ fractions."],
    )
    count = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    yield db, TermIndex.build(db), count
    db.conn.close()


@FUZZ
@given(text=query_text)
def test_any_text_builds_a_query_that_runs(library, text):
    db, _terms, count = library
    text = clean_text(text)  # what Searcher does with every query
    terms = query_terms(text)
    assert len(terms) <= MAX_TERMS
    match = fts_query(text)
    # The one documented "error": text without a single word builds no query and finds nothing.
    assert (match is None) == (not terms)
    results = keyword_search(db, text, limit=20)
    assert all(isinstance(pid, int) and isinstance(score, float) for pid, score in results)
    assert not (match is None and results)
    snippets(db, text, [pid for pid, _ in results])
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == count


@FUZZ
@given(text=query_text)
def test_the_term_index_ranks_any_text_as_fts5_does(library, text):
    db, terms, _count = library
    text = clean_text(text)
    if terms.phrases(text) is None:
        # A word FTS5 cuts in two ("under_score") is a phrase the index leaves to FTS5, as Searcher does.
        event("left to FTS5")
        assert terms.search(text, EVERYTHING) is None
        return
    event("ranked by the term index")
    assert_ranks_like_fts5(db, terms, text)


# ---- redaction --------------------------------------------------------------------------------------------

# Digit shapes of other scripts that \d (and int()) read as the same digits.
DIGIT_SETS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९"]
SEPARATORS = ["", " ", "-", "\u00a0", "\u202f", "\u2009", "\u2013", "\u2011"]


def _check_digit(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    return (11 - total % 11) % 11


# Nine-digit stems with a valid number: 10 is never a check digit, so a stem needing one has none.
stems = st.integers(0, 999_999_999).map(lambda n: f"{n:09d}").filter(lambda nine: _check_digit(nine) != 10)


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    """A valid NHS number (mod-11 check digit), bare or grouped 3-3-4, in any digit script."""
    nine = draw(stems)
    digits = nine + str(_check_digit(nine))
    assert nhs_number_valid(digits)
    table = str.maketrans("0123456789", draw(st.sampled_from(DIGIT_SETS)))
    sep = draw(st.sampled_from(SEPARATORS))
    return f"{digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}".translate(table)


# Characters near the patterns' edges (e-mails, phones, postcodes, amounts), so the fuzzer probes the
# boundaries far more than arbitrary text would.
near_miss = st.text(alphabet="0123456789 -.,@+()/£_\u00a0AEGILNSWXaz", max_size=40)
surroundings = st.one_of(any_text, near_miss)


def _not_touching(before: str, after: str) -> tuple[str, str]:
    """A digit right beside the number makes it part of a longer number, which is not redacted by design."""
    if before[-1:].isdecimal():
        before += " "
    if after[:1].isdecimal():
        after = " " + after
    return before, after


@FUZZ
@given(before=surroundings, number=nhs_numbers(), after=surroundings)
def test_every_valid_nhs_number_is_redacted_wherever_it_stands(before, number, after):
    before, after = _not_touching(before, after)
    assume(number not in before and number not in after)  # e.g. an 11-digit run of zeros: not this number
    text, counts = redact(before + number + after)
    assert number not in text
    # Removed as an NHS number, or inside an e-mail address that was removed whole or in part.
    assert counts.get("nhs_number") or counts.get("email")


@FUZZ
@given(text=st.one_of(any_text, near_miss, hostile_text))
def test_redaction_never_raises_and_a_second_pass_changes_nothing(text):
    once, counts = redact(text)
    assert isinstance(once, str) and all(n > 0 for n in counts.values())
    assert redact(once) == (once, {})


@pytest.mark.parametrize(
    "text",
    [
        "NHS-4857773457",
        "no.4857773457",
        "id_4857773457",
        "4857773457th",
        "£4857773457",
        "485\u00a0777\u00a03457",
    ]
    + ["485\u2013777\u20133457", "485 777-3457", "٤٨٥٧٧٧٣٤٥٧", "NHS number:４８５７７７３４５７."],
)
def test_a_number_beside_letters_or_punctuation_or_in_another_script_is_redacted(text):
    assert redact(text)[1] == {"nhs_number": 1}


@pytest.mark.parametrize("text", ["14857773457", "48577734571", "order 1234857773457", "4857773456"])
def test_longer_digit_runs_and_failed_checks_are_left_alone(text):
    assert redact(text) == (text, {})


# ---- people, postcodes in any case (issue 16) --------------------------------------------------------

name_words = st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True).filter(lambda w: w.lower() not in _NOT_NAMES)


@FUZZ
@given(
    title=st.sampled_from(["Dr", "Dr.", "Prof", "Mr", "Mrs", "Ms", "Miss", "Mx", "Sir", "Dame"]),
    first=name_words,
    last=name_words,
    before=st.sampled_from(["", "Met ", "(", "Thanks to "]),
    after=st.sampled_from(["", " said.", ", CCIO", ") agreed"]),
)
def test_a_name_after_a_title_never_survives(title, first, last, before, after):
    text, counts = redact(f"{before}{title} {first} {last}{after}")
    assert f"{first} {last}" not in text and counts.get("person") == 1


@FUZZ
@given(
    outward=st.sampled_from(["LS1", "SW1A", "M1", "B33", "DN55", "EC1A", "CR2"]),
    inward=st.sampled_from(["4AP", "1AA", "8TH", "1PT", "6XH"]),
    case=st.sampled_from([str.upper, str.lower, str.title]),
)
def test_a_postcode_in_any_case_is_redacted(outward, inward, case):
    code = case(f"{outward} {inward}")
    text, counts = redact(f"The hub at {code}.")
    assert code not in text and counts == {"postcode": 1}
