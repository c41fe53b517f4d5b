"""Markdown reports: content, citations, as-at dates, redaction, tables and well-formed HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser

import markdown
import pytest

from knowledge.actions import create_action, link_evidence, link_recommendation, recommendation_id
from knowledge.library import import_paths
from knowledge.reports import (
    ReportError,
    build_briefing,
    build_organisation_report,
    build_recommendation_report,
    build_roundtable_report,
    excerpt,
    render_html,
    report_title,
)

SECRETS = ("jamie.fletcher@harbourside-icb.example.nhs.uk", "01632 960 412", "485 777 3457")
AS_AT = date(2024, 5, 10)


@pytest.fixture
def corpus_db(fresh_db, corpus):
    """The project's corpus imported: the article stand-in, the Harbourside notes, the Moorland tracker."""
    outcomes = import_paths(fresh_db, [corpus])
    assert all(o.status == "imported" for o in outcomes)
    return fresh_db


def passage(db, needle: str) -> dict:
    row = db.execute(
        "SELECT p.id, p.text, p.page, p.section, d.title FROM passages p"
        " JOIN documents d ON d.id = p.document_id WHERE p.text LIKE ? ORDER BY p.id LIMIT 1",
        [f"%{needle}%"],
    ).fetchone()
    assert row, needle
    return {"passage_id": row[0], "text": row[1], "page": row[2], "section": row[3], "title": row[4]}


def harbourside_id(db) -> int:
    return db.execute("SELECT id FROM roundtables WHERE title LIKE 'Harbourside%'").fetchone()[0]


class _Balance(HTMLParser):
    """Checks that every opened element is closed in order (void elements aside)."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # <br />: opened and closed at once

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def assert_well_formed(html: str) -> ET.Element:
    checker = _Balance()
    checker.feed(html)
    assert checker.errors == [] and checker.stack == []
    root = ET.fromstring(html)  # XHTML-compatible: an XML parser accepts it too
    assert root.tag == "html"
    return root


def quotes_and_citations(md: str) -> list[tuple[str, str]]:
    """(quoted text, citation line) for every blockquote of a report."""
    return re.findall(r"^> (?!— )(.+)\n>\n> — (.+)$", md, flags=re.M)


# ---- recommendation report -------------------------------------------------------------------------------


def test_recommendation_report_has_what_a_board_paper_needs(corpus_db):
    ig = passage(corpus_db, "system-level DPIA")
    md = build_recommendation_report(corpus_db, 9, passages=[ig], as_at=AS_AT)
    assert md.startswith("# Recommendation 9: System-level procurement and unified IG")
    assert "As at 10 May 2024 (2024-05-10)" in md
    assert "**Addressed to:** Integrated care boards and integrated care systems" in md
    assert "### What counts" in md and "### What does not count" in md
    # Its confirmed action (from the tracker), with organisation, owner, due, status, percent and RAG.
    assert (
        "| Moorland ICB | Agree a joint procurement approach for AI imaging across the four acute trusts "
        "| Head of Digital Procurement | 2024-09-30 | In progress | 40% | Green |" in md
    )
    assert "1 confirmed action from 1 organisation: 1 in progress; average completion 40%." in md
    # The quoted passage carries its citation: document title and section.
    cited = quotes_and_citations(md)
    assert len(cited) == 1
    assert "single system-level DPIA" in cited[0][0]
    assert cited[0][1].startswith("*Harbourside ICS – AI in Imaging Diagnostics: follow-up roundtable*")
    assert "485 777 3457" in md  # not redacted unless asked


def test_linked_evidence_comes_first_and_is_not_repeated(corpus_db):
    ig = passage(corpus_db, "system-level DPIA")
    article = passage(corpus_db, "ICBs should create clearly defined system-level")
    link_evidence(corpus_db, article["passage_id"], recommendation_id=recommendation_id(corpus_db, 9))
    md = build_recommendation_report(corpus_db, 9, passages=[ig, article], as_at=AS_AT)
    cited = quotes_and_citations(md)
    assert len(cited) == 2
    assert "ICBs should create clearly defined system-level" in cited[0][0]
    assert cited[0][1].startswith("*ICBs need robust digital procurement strategies")


def test_off_topic_search_hits_are_not_quoted(corpus_db):
    liability = passage(corpus_db, "Clinical Negligence Scheme")
    md = build_recommendation_report(corpus_db, 7, passages=[liability], as_at=AS_AT)
    assert "Negligence Scheme" not in md
    assert "No passages have been linked or found" in md


def test_long_passages_are_quoted_around_the_relevant_sentences():
    text = " ".join(f"Filler sentence number {i} about nothing much at all." for i in range(30))
    text += " Medical indemnity for AI must be clarified by NHS Resolution. " + text
    quoted = excerpt(text, ["indemnity", "NHS Resolution"], words=40)
    assert "Medical indemnity for AI must be clarified" in quoted
    assert quoted.startswith("… ") and quoted.endswith(" …")
    assert len(quoted.split()) <= 42
    assert excerpt("Short passage.", ["x"]) == "Short passage."


def test_unknown_recommendation_is_a_report_error(corpus_db):
    with pytest.raises(ReportError, match="no recommendation 42"):
        build_recommendation_report(corpus_db, 42)


def test_pipes_in_cells_stay_inside_their_cell(fresh_db):
    action = create_action(fresh_db, text="Compare vendor A | vendor B contracts", organisation="Kent ICB")
    link_recommendation(fresh_db, action, recommendation_id(fresh_db, 9), state="confirmed", origin="user")
    md = build_recommendation_report(fresh_db, 9, as_at=AS_AT)
    assert "Compare vendor A \\| vendor B contracts" in md
    html = markdown.markdown(md, extensions=["tables"])
    row = re.search(r"<tr>\s*<td>Kent ICB</td>(.*?)</tr>", html, flags=re.S).group(1)
    assert row.count("<td>") == 6
    assert "vendor A | vendor B" in row


def test_markup_in_stored_text_cannot_inject_html(fresh_db):
    create_action(fresh_db, text="<script>alert(1)</script> review", organisation="<b>Bold</b> Trust")
    md = build_organisation_report(fresh_db, "<b>Bold</b> Trust", as_at=AS_AT)
    html = render_html(md, report_title(md))
    assert "<script>" not in html and "<b>" not in html
    assert_well_formed(html)


# ---- organisation report ---------------------------------------------------------------------------------


def test_organisation_report_groups_actions_by_recommendation(corpus_db):
    md = build_organisation_report(corpus_db, "moorland royal infirmary nhs trust", as_at=AS_AT)
    assert md.startswith("# Moorland Royal Infirmary NHS Trust")
    assert "As at 10 May 2024" in md
    assert "### Recommendation 4: Multidisciplinary AI implementation teams" in md
    assert "### Recommendation 6: Involve IT teams from the start" in md
    # The job-plan action has no confirmed link yet: listed apart, not silently dropped.
    unmapped = md.split("### Not yet mapped to a recommendation")[1].split("## History")[0]
    assert "programmed activity for technology adoption" in unmapped
    assert "## History highlights" in md
    assert "## Overdue" in md


def test_organisation_report_lists_what_is_overdue_as_at_its_date(corpus_db):
    early = build_organisation_report(corpus_db, "Kingsbridge Community Hospitals", as_at=date(2024, 4, 1))
    late = build_organisation_report(corpus_db, "Kingsbridge Community Hospitals", as_at=date(2024, 5, 1))
    assert "Nothing is overdue." in early
    overdue = late.split("## Overdue")[1]
    assert "Agree protected time for AI adoption" in overdue and "| 16 |" in overdue


def test_unknown_organisation_is_a_report_error(corpus_db):
    with pytest.raises(ReportError, match="no organisation called 'Nowhere Trust'"):
        build_organisation_report(corpus_db, "Nowhere Trust")


# ---- roundtable report -----------------------------------------------------------------------------------


def test_roundtable_report_shows_meeting_notes_and_actions(corpus_db):
    md = build_roundtable_report(corpus_db, harbourside_id(corpus_db), as_at=AS_AT)
    assert md.startswith("# Harbourside ICS – AI in Imaging Diagnostics: follow-up roundtable")
    assert "**Date:** 2024-03-14" in md
    assert "**Chair:** Dr Amara Okafor" in md
    assert "**Host:** Harbourside ICB" in md
    assert "Riverside Imaging Network" in md.split("**Partners:**")[1].splitlines()[0]
    assert "(roundtable notes, 2024-03-14)" in md
    for ref in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"):
        assert f"| {ref} |" in md
    assert (
        "| A3 | Westmoor Hospitals NHS Trust | Present pilot results at the regional radiology meeting" in md
    )
    assert "Recorded in: *Harbourside ICS – AI in Imaging Diagnostics: follow-up roundtable*" in md


def test_unknown_roundtable_is_a_report_error(corpus_db):
    with pytest.raises(ReportError, match="no roundtable with id 999"):
        build_roundtable_report(corpus_db, 999)


# ---- briefing --------------------------------------------------------------------------------------------


def test_briefing_has_figures_matrix_sections_changes_and_problems(corpus_db):
    md = build_briefing(corpus_db, as_at=AS_AT, since=date(2024, 5, 1))
    assert md.startswith("# Briefing: Implementing AI in imaging diagnostics")
    assert "As at 10 May 2024 (2024-05-10). Changes reported since 2024-05-01." in md
    assert "- 17 actions from 10 organisations" in md
    assert "| Organisation | R1 | R2 | R3 | R4 | R5 | R6 | R7 | R8 | R9 | Unconfirmed |" in md
    assert "| Moorland ICB | – | – | – | – | – | – | – | – | 1 in progress | 1 |" in md
    for number in range(1, 10):
        assert re.search(rf"^### {number}\. ", md, flags=re.M)
    changes = md.split("## What changed since 2024-05-01")[1].split("## Overdue")[0]
    assert "2024-05-02 | Moorland ICB" in changes and "2024-04-18" not in changes
    assert "Agree protected time for AI adoption" in md.split("## Blocked")[1]
    assert "Agree protected time for AI adoption" in md.split("## Overdue")[1].split("## Blocked")[0]


def test_briefing_redaction_removes_every_identifier_and_counts_them(corpus_db):
    evidence = {9: [passage(corpus_db, "system-level DPIA")]}
    plain = build_briefing(corpus_db, passages_by_rec=evidence, as_at=AS_AT)
    redacted = build_briefing(corpus_db, passages_by_rec=evidence, as_at=AS_AT, redact=True)
    for secret in SECRETS:
        assert secret in plain
        assert secret not in redacted
    assert "[email redacted]" in redacted and "[phone redacted]" in redacted
    assert "[NHS number redacted]" in redacted
    assert redacted.rstrip().endswith(
        "*Redacted for onward circulation: 6 items"
        " (1 NHS number, 1 e-mail address, 1 phone number, 3 names).*"
    )  # the names (issue 16): the notes' chair (twice) and note-taker
    # Stored data is never changed by an export.
    notes = " ".join(row[0] for row in corpus_db.execute("SELECT text FROM passages ORDER BY id"))
    assert all(secret in notes for secret in SECRETS)


def test_every_report_says_when_nothing_was_redacted(corpus_db):
    md = build_recommendation_report(corpus_db, 3, as_at=AS_AT, redact=True)
    assert md.rstrip().endswith("*Redacted for onward circulation: no items.*")


def test_every_report_renders_to_well_formed_html(corpus_db):
    reports = [
        build_recommendation_report(
            corpus_db, 9, passages=[passage(corpus_db, "system-level DPIA")], as_at=AS_AT
        ),
        build_organisation_report(corpus_db, "Harbourside ICB", as_at=AS_AT, redact=True),
        build_roundtable_report(corpus_db, harbourside_id(corpus_db), as_at=AS_AT),
        build_briefing(corpus_db, as_at=AS_AT, redact=True),
    ]
    for md in reports:
        html = render_html(md, report_title(md))
        assert html.startswith("<!DOCTYPE html>")
        root = assert_well_formed(html)
        assert root.find("head/title").text == report_title(md)
        assert root.find("head/style") is not None
        assert root.findall(".//table") or "roundtable" in md.lower()
        assert "As at" in "".join(root.itertext())


def test_status_columns_use_the_vocabularys_words_and_running_text_stays_lower_case(corpus_db):
    # The window's preview shows these tables: "In progress" as in every column of the window, not
    # "in progress" (or the stored "in_progress"); a sentence keeps its lower-case words.
    md = build_briefing(corpus_db, as_at=AS_AT)
    rows = [line for line in md.splitlines() if line.startswith("| Moorland ICB | Agree a joint procurement")]
    assert rows and all("| In progress |" in row for row in rows)
    assert "in_progress" not in md and "| in progress |" not in md
    assert "1 in progress" in md  # the matrix cell and the progress sentence read as text
