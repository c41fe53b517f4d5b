"""Slide decks (.pptx) and OpenDocument text (.odt): slide number as page, slide title as section, speaker
notes searchable; ODT headings, tables and page breaks as in Word; damaged and disguised files refused."""

from __future__ import annotations

import pytest
from hostile_files import docx_bytes, odt_bytes, pptx_bytes, tracker_workbook, zip_bomb

from knowledge.ingest.base import IngestError
from knowledge.ingest.readers import read_file
from knowledge.library import document_passages, import_paths

DECK = [
    ("Imaging AI roundtable", ["Harbourside, March 2024"], ""),
    (
        "Workforce and capacity",
        ["Radiology vacancies stand at 30 per cent", "AI adds reporting capacity"],
        "Stress that the tool supports clinicians rather than replacing them.",
    ),
    ("Procurement (table)", ["Each trust buys on its own today"], "Ask the ICB about a joint framework."),
]


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_three_slide_deck_has_the_slide_number_as_page_and_the_title_as_section(fresh_db, tmp_path):
    path = _write(tmp_path, "roundtable-deck.pptx", pptx_bytes(DECK))
    doc = read_file(path)
    assert doc.pages == 3
    assert doc.title == "Imaging AI roundtable"
    by_page = {}
    for block in doc.blocks:
        by_page.setdefault(block.page, []).append(block)
    assert sorted(by_page) == [1, 2, 3]
    assert {b.section for b in by_page[2]} == {"Workforce and capacity"}
    assert any("Radiology vacancies stand at 30 per cent" in b.text for b in by_page[2])
    # Speaker notes belong to their slide; a table is read row by row.
    assert any(b.text == "Speaker notes: Ask the ICB about a joint framework." for b in by_page[3])
    assert any(b.text == "Trust: Kingsbridge; Status: Pilot" for b in by_page[3])
    [outcome] = import_paths(fresh_db, [path])
    notes = [
        p for p in document_passages(fresh_db, outcome.document_id) if "supports clinicians" in p["text"]
    ]
    assert [(p["page"], p["section"]) for p in notes] == [(2, "Workforce and capacity")]


ODT_BODY = (
    '<text:h text:outline-level="1">Moorland ICB board paper</text:h>'
    "<text:p>Date: 14 March 2024</text:p>"
    '<text:h text:outline-level="2">Workforce</text:h>'
    "<text:p>The board noted the radiology vacancies<text:s/>and agreed a pilot.</text:p>"
    "<text:list><text:list-item><text:p>Bring IT in from the start.</text:p></text:list-item></text:list>"
    '<text:p text:style-name="PageBreak">Page two begins with the procurement strategy.</text:p>'
    "<text:p>Medical indemnity<office:annotation><text:p>check this</text:p></office:annotation>"
    " must be clarified.</text:p>"
    '<text:h text:outline-level="2">Progress</text:h>'
    "<table:table><table:table-row><table:table-cell><text:p>Trust</text:p></table:table-cell>"
    "<table:table-cell><text:p>Status</text:p></table:table-cell></table:table-row>"
    "<table:table-row><table:table-cell><text:p>Westmoor</text:p></table:table-cell>"
    "<table:table-cell><text:p>Live</text:p></table:table-cell>"
    '<table:table-cell table:number-columns-repeated="1000"/></table:table-row></table:table>'
    "<text:soft-page-break/><text:p>The third page, where LibreOffice broke the layout.</text:p>"
)


def test_an_odt_reads_like_a_word_document_with_headings_tables_and_page_breaks(tmp_path):
    doc = read_file(_write(tmp_path, "board.odt", odt_bytes(ODT_BODY)))
    assert doc.title == "Moorland ICB board paper"
    assert doc.date == "2024-03-14"
    assert doc.pages == 3
    placed = {b.text: (b.page, b.section) for b in doc.blocks}
    assert placed["The board noted the radiology vacancies and agreed a pilot."] == (1, "Workforce")
    assert placed["Bring IT in from the start."] == (1, "Workforce")
    assert placed["Page two begins with the procurement strategy."] == (2, "Workforce")
    # A comment's text is not the paragraph's; the words after it are.
    assert placed["Medical indemnity must be clarified."] == (2, "Workforce")
    assert placed["Trust: Westmoor; Status: Live"] == (2, "Progress")
    assert placed["The third page, where LibreOffice broke the layout."] == (3, "Progress")


def test_an_odt_without_breaks_has_no_page_numbers_and_takes_its_title_from_meta(tmp_path):
    body = "<text:p>Only one page of notes on synthetic data.</text:p>"
    doc = read_file(_write(tmp_path, "notes.odt", odt_bytes(body, title="Synthetic data notes")))
    assert doc.title == "Synthetic data notes"
    assert [b.page for b in doc.blocks] == [None] and doc.pages is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("truncated.pptx", pptx_bytes(DECK)[:5000], "damaged or truncated ZIP package"),
        ("random.pptx", bytes(range(256)) * 30, "not a PowerPoint .pptx file"),
        ("word.pptx", docx_bytes(["A paper."]), "it looks like a Word document); rename it to .docx"),
        ("deck.odt", pptx_bytes(DECK), "it looks like a PowerPoint presentation); rename it to .pptx"),
        ("truncated.odt", odt_bytes(ODT_BODY)[:300], "damaged or truncated ZIP package"),
        ("workbook.odt", tracker_workbook([]), "it looks like an Excel workbook); rename it to .xlsx"),
        ("broken-xml.odt", odt_bytes("<text:p>unclosed"), "not a readable OpenDocument text (damaged XML"),
        ("empty.odt", odt_bytes(""), "the document has no text"),
        ("empty.pptx", pptx_bytes([]), "the presentation has no slides"),
    ],
)
def test_damaged_and_disguised_decks_and_odts_are_refused_in_one_line(tmp_path, name, data, reason):
    with pytest.raises(IngestError) as info:
        read_file(_write(tmp_path, name, data))
    assert reason in str(info.value) and "\n" not in str(info.value)


def test_zip_bombs_named_pptx_and_odt_are_refused_before_unpacking(tmp_path):
    pptx_bomb = zip_bomb(
        "b.pptx",
        {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"},
        "ppt/slides/slide1.xml",
    )
    odt_bomb = zip_bomb("b.odt", {"mimetype": b"application/vnd.oasis.opendocument.text"}, "content.xml")
    for name, data in (("bomb.pptx", pptx_bomb), ("bomb.odt", odt_bomb)):
        with pytest.raises(IngestError, match="zip bomb"):
            read_file(_write(tmp_path, name, data))


def test_deeply_nested_odt_lists_fail_readably(tmp_path):
    body = (
        "<text:list><text:list-item>" * 3000
        + "<text:p>deep</text:p>"
        + "</text:list-item></text:list>" * 3000
    )
    with pytest.raises(IngestError, match="nested too deeply"):
        read_file(_write(tmp_path, "nested.odt", odt_bytes(body)))
