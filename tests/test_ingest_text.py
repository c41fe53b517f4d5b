"""Readers for text, Markdown, HTML, Word, CSV and JSON lines, on the project's corpus and on made files."""

from __future__ import annotations

import pytest
from conftest import CORPUS, shared_material

from knowledge.ingest.base import IngestError
from knowledge.ingest.common import decode_bytes, is_chrome_line, remove_chrome
from knowledge.ingest.readers import read_documents, read_file


def _offsets_hold(doc) -> None:
    for block in doc.blocks:
        assert doc.text[block.start : block.end] == block.text


# -- plain text and page chrome ------------------------------------------------------------------------------


@pytest.mark.parametrize("article", ["stand-in", pytest.param("published", marks=pytest.mark.shared)])
def test_scraped_article_loses_page_chrome_but_keeps_every_recommendation(article):
    folder = CORPUS if article == "stand-in" else shared_material() / "corpus"
    doc = read_file(folder / "ppp-ai-imaging-roundtable-2023.txt")
    assert "Close this search box" not in doc.text
    assert "Scroll to Top" not in doc.text
    # The last line had the chrome glued onto it: the sentence itself survives.
    assert doc.text.endswith("significant confusion.")
    assert doc.title.startswith("ICBs need robust digital procurement strategies")
    assert doc.kind == "report"
    for n in range(1, 10):
        assert f"\n{n}. " in "\n" + doc.text.replace("\n ", "\n")
    recommendations = [b for b in doc.blocks if b.section == "Report recommendations"]
    assert recommendations and "Medical indemnity" in recommendations[0].text
    _offsets_hold(doc)


def test_chrome_rules_are_general_not_for_one_file():
    assert is_chrome_line("Skip to main content")
    assert is_chrome_line("Home | About us | Contact")
    assert is_chrome_line("  Back to top ")
    assert not is_chrome_line("Report recommendations")
    assert not is_chrome_line("Home care services are stretched.")
    cleaned = remove_chrome("Accept all cookies\nReal text here.Back to top\nMore real text.")
    assert cleaned == "Real text here.\nMore real text."


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_text_encodings_are_detected(tmp_path, encoding, bom):
    path = tmp_path / "note.txt"
    path.write_bytes(bom + "Café meeting – “quoted” £180,000 naïve.".encode(encoding))
    doc = read_file(path)
    assert "Café meeting – “quoted” £180,000 naïve." in doc.text
    assert "\ufeff" not in doc.text


def test_cp1252_is_the_fallback(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("Budget £180,000 – agreed by the café’s board.".encode("cp1252"))
    doc = read_file(path)
    assert "Budget £180,000 – agreed by the café’s board." in doc.text
    assert doc.metadata["encoding"] == "cp1252"


def test_binary_junk_is_refused_readably():
    with pytest.raises(IngestError, match="binary"):
        decode_bytes(b"\x00\x01\x02\x03abc\x00\xff\xfe\x00\x00\x9c")


def test_empty_text_file_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n ", encoding="utf-8")
    with pytest.raises(IngestError, match="empty"):
        read_file(path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "sheet.xyz"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(IngestError, match=r"unsupported file type \.xyz"):
        read_file(path)


# -- Markdown ------------------------------------------------------------------------------------------------


def test_roundtable_notes_markdown(corpus):
    doc = read_file(corpus / "harbourside-roundtable-notes-2024-03.md")
    assert doc.title == "Harbourside ICS – AI in Imaging Diagnostics: follow-up roundtable"
    assert doc.kind == "roundtable_notes"
    assert doc.date == "2024-03-14"
    assert doc.metadata["chair"].startswith("Dr Amara Okafor")
    assert doc.metadata["venue"].startswith("Harbourside ICB offices")
    assert "| A1 |" in doc.metadata["raw_text"]  # the action-table extractor parses the raw table
    # Passage text is readable: no bold markers, no table pipes, no list bullets.
    assert "**" not in doc.text and "|" not in doc.text
    assert "\n- " not in doc.text
    sections = {b.section for b in doc.blocks}
    assert {"Attendees", "5. Liability", "6. Actions agreed"} <= sections
    table = next(b for b in doc.blocks if b.section == "6. Actions agreed")
    assert (
        "Organisation: Harbourside ICB. Action: Draft a system-level digital procurement strategy"
        in table.text
    )
    assert "Status: In progress" in table.text
    liability = next(b for b in doc.blocks if b.section == "5. Liability")
    assert "NHS Resolution" in liability.text
    _offsets_hold(doc)


def test_markdown_inline_syntax_removed(tmp_path):
    path = tmp_path / "n.md"
    path.write_text(
        "Title\n=====\n\nSome **bold**, *italic*, `code` and a [link](http://x.example).\n\n"
        "## Part two\n\n* first item\n* second item\n\n```\nraw code\n```\n",
        encoding="utf-8",
    )
    doc = read_file(path)
    assert doc.title == "Title"
    assert "Some bold, italic, code and a link." in doc.text
    part_two = [b for b in doc.blocks if b.section == "Part two"]
    assert part_two[0].text == "first item\nsecond item"


# -- HTML ----------------------------------------------------------------------------------------------------

HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>AI pilots in radiology | Example Trust</title>
<style>p { color: red }</style><script>var tracking = "secret";</script></head>
<body><header><a href="/">Home</a> | <a href="/about">About</a></header>
<nav><ul><li>News<li>Events<br/></ul></nav>
<main><h1>AI pilots in radiology</h1><p>The trust ran a shadow-mode pilot of chest X-ray triage.</p>
<h2>Results</h2><p>Reporting times fell from 6.1 to 2.3 days &amp; clinicians agreed with 87% of flags.</p>
<table><tr><th>Site</th><th>Studies</th></tr><tr><td>Westmoor</td><td>11,480</td></tr></table>
<p>Scroll to Top</p></main>
<aside>Related posts</aside><footer>© Example Trust. Cookie policy</footer>
<form><input name="q"/><br/><button>Search</button><p>Form help text</form>
<p>Closing paragraph after the furniture.</p></body></html>"""


def test_html_keeps_content_and_drops_furniture(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    doc = read_file(path)
    assert doc.title == "AI pilots in radiology"
    furniture_words = (
        "tracking",
        "color",
        "Home",
        "News",
        "Events",
        "Related posts",
        "Cookie policy",
        "Scroll to Top",
        "Form help",
    )
    for furniture in furniture_words:
        assert furniture not in doc.text, furniture
    assert "shadow-mode pilot of chest X-ray triage" in doc.text
    assert doc.blocks[-1].text == "Closing paragraph after the furniture."
    # A markdown rendering (headings, pipe tables) is kept for action-table extraction.
    assert "## Results" in doc.metadata["raw_text"]
    assert "| Site | Studies |\n|---|---|\n| Westmoor | 11,480 |" in doc.metadata["raw_text"]
    results = [b for b in doc.blocks if b.section == "Results"]
    assert "6.1 to 2.3 days & clinicians" in results[0].text
    assert any(b.text == "Site: Westmoor; Studies: 11,480" for b in results)
    _offsets_hold(doc)


def test_html_line_breaks_entities_and_legacy_encoding(tmp_path):
    path = tmp_path / "legacy.html"
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
        "<body><p>Harbourside ICB<br>Board Room 2\n   (hybrid)</p><p>Budget&nbsp;£180,000 &ndash; agreed</p>"
        "</body></html>"
    )
    path.write_bytes(page.encode("cp1252"))
    doc = read_file(path)
    assert [b.text for b in doc.blocks] == [
        "Harbourside ICB\nBoard Room 2 (hybrid)",
        "Budget £180,000 – agreed",
    ]


def test_htm_extension_and_title_from_h1(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text("<html><body><h1>Only a heading</h1><p>And a paragraph.</p></body></html>", "utf-8")
    doc = read_file(path)
    assert doc.title == "Only a heading"
    assert [b.text for b in doc.blocks] == ["And a paragraph."]


# -- Word ----------------------------------------------------------------------------------------------------


def test_docx_headings_become_sections_and_tables_are_read(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Imaging AI board paper", level=1)
    document.add_paragraph("The board is asked to approve the procurement strategy.")
    document.add_heading("Risks", level=2)
    document.add_paragraph("Indemnity for AI-assisted reporting is unclear.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Risk", "Owner"
    table.cell(1, 0).text, table.cell(1, 1).text = "GPU capacity", "Head of IT"
    path = tmp_path / "paper.docx"
    document.save(path)

    doc = read_file(path)
    assert doc.title == "Imaging AI board paper"
    assert doc.blocks[0].text == "The board is asked to approve the procurement strategy."
    risks = [b for b in doc.blocks if b.section == "Risks"]
    assert risks[0].text == "Indemnity for AI-assisted reporting is unclear."
    assert risks[1].text == "Risk: GPU capacity; Owner: Head of IT"
    _offsets_hold(doc)


def make_notes_docx(path) -> None:
    """Roundtable notes as people write them in Word: header lines, headings, an actions table."""
    import docx

    document = docx.Document()
    document.add_heading("Coastal ICS imaging AI roundtable", level=1)
    document.add_paragraph("Date: 2 May 2024")
    document.add_paragraph("Chair: Dr Lee Chan, CCIO, Coastal ICB")
    document.add_heading("Attendees", level=2)
    document.add_paragraph("Coastal ICB, Bayside Hospitals NHS Trust")
    document.add_heading("Actions agreed", level=2)
    table = document.add_table(rows=2, cols=4)
    for col, value in enumerate(["Organisation", "Action", "Owner", "Due"]):
        table.cell(0, col).text = value
    for col, value in enumerate(
        ["Coastal ICB", "Write a digital procurement strategy", "CDIO", "2024-09-30"]
    ):
        table.cell(1, col).text = value
    document.save(path)


def test_docx_notes_keep_a_markdown_rendering_for_action_extraction(tmp_path):
    path = tmp_path / "notes.docx"
    make_notes_docx(path)
    doc = read_file(path)
    assert doc.kind == "roundtable_notes"
    assert doc.date == "2024-05-02"
    assert doc.metadata["chair"] == "Dr Lee Chan, CCIO, Coastal ICB"
    raw = doc.metadata["raw_text"]
    assert "## Actions agreed" in raw
    assert "| Organisation | Action | Owner | Due |" in raw
    assert "| Coastal ICB | Write a digital procurement strategy | CDIO | 2024-09-30 |" in raw


def test_plain_text_header_fields(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Follow-up meeting\n\nDate: 14/03/2024\nVenue: Board Room 2\n\nWe met.", "utf-8")
    doc = read_file(path)
    assert doc.date == "2024-03-14"
    assert doc.metadata["venue"] == "Board Room 2"


def test_broken_docx_is_reported(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(IngestError, match="not a readable Word document"):
        read_file(path)


# -- CSV trackers --------------------------------------------------------------------------------------------


def test_tracker_csv_rows_and_searchable_blocks(corpus):
    doc = read_file(corpus / "moorland-icb-ai-tracker.csv")
    assert doc.kind == "tracker"
    assert len(doc.rows) == 9 and len(doc.blocks) == 9
    assert doc.rows[0]["Organisation"] == "Moorland ICB"
    assert doc.rows[0]["% complete"] == "40"
    first = doc.blocks[0].text
    assert first.startswith("Moorland ICB (icb): Agree a joint procurement approach for AI imaging")
    assert "Owner: Head of Digital Procurement" in first and "Due: 2024-09-30" in first
    assert "Status: In progress" in first
    assert all(b.page is None for b in doc.blocks)
    _offsets_hold(doc)


def test_csv_with_bom_semicolons_and_blank_lines(tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_bytes(
        "\ufeffOrganisation;Action;Owner;Status\n\nHelix Imaging Ltd;Publish a case study;CMO;Planned\n\n"
        "Dale Valley Hospitals NHS Foundation Trust;Run a pilot;Radiologist;Done\n".encode()
    )
    doc = read_file(path)
    assert [r["Organisation"] for r in doc.rows] == [
        "Helix Imaging Ltd",
        "Dale Valley Hospitals NHS Foundation Trust",
    ]
    assert list(doc.rows[0]) == ["Organisation", "Action", "Owner", "Status"]
    assert doc.blocks[0].text == "Helix Imaging Ltd: Publish a case study. Owner: CMO. Status: Planned."


# -- JSON lines ----------------------------------------------------------------------------------------------


def test_jsonl_lines_become_documents_and_bad_lines_are_numbered(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(
        '{"id": "d1", "title": "First", "text": "Alpha text.", "kind": "guidance", "date": "2024-01-31",'
        ' "org": "NHS England", "source": "https://example.org/1"}\n'
        "\n"
        "{not json}\n"
        '{"id": "d3", "title": "No text"}\n'
        '{"_id": 4, "title": "BEIR style", "text": "Beta text."}\n'
        '{"id": "d5", "text": "Gamma.", "kind": "memo"}\n',
        encoding="utf-8",
    )
    items = list(read_documents(path))
    assert [line for line, _ in items] == [1, 3, 4, 5, 6]
    first = items[0][1]
    assert (first.external_id, first.title, first.kind, first.date, first.org) == (
        "d1",
        "First",
        "guidance",
        "2024-01-31",
        "NHS England",
    )
    assert first.source == "https://example.org/1"
    assert str(items[1][1]).startswith("line 3: not valid JSON")
    assert str(items[2][1]) == 'line 4: no "text"'
    assert items[3][1].external_id == "4"
    assert "unknown kind 'memo'" in str(items[4][1])
