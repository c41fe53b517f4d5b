"""Fuzzing with hypothesis: the readers, the chunker and import_paths hold for any file content.

Readers: whatever bytes a file holds, under whichever extension, reading it gives documents or a one-line
IngestError, never another exception; a document is clean (offsets slice its text, no control characters,
a one-line title). Chunker: passages are ordered slices of the text that cover every word of the blocks.
import_paths: one outcome per file and never an exception, whatever the file.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pdfs
from hostile_files import docx_with_body, pdf_bytes
from hypothesis import example, given, settings
from hypothesis import strategies as st

from knowledge.ingest.base import Block, IngestError, ParsedDocument
from knowledge.ingest.chunker import MAX_WORDS, MERGE_LIMIT, chunk
from knowledge.ingest.common import MAX_TEXT_CHARS
from knowledge.ingest.readers import SUPPORTED_EXTENSIONS, read_documents, read_file
from knowledge.library import import_paths

# The rest of the settings (derandomised, no deadline, no example database) is the conftest profile.
# FUZZ_EXAMPLES scales every test (e.g. 10 for 10x harder locally).
SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)))


# ---- file contents --------------------------------------------------------------------------------------

# Syntax of every format the readers parse, and characters that broke or slowed them, so the fuzzer meets
# them far more often than chance.
PIECES = [
    "<",
    ">",
    "</",
    "<!--",
    "-->",
    "<![",
    "]]>",
    "<!doctype html>",
    "<?",
    "<p>",
    "</p>",
    "<div>",
    "<pre>",
    "<title>",
    "<table><tr><td>",
    "</td>",
    "<script>",
    "<nav>",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "&",
    "#",
    "# ",
    "##",
    "**",
    "__",
    "*",
    "_",
    "`",
    "```",
    "~~",
    "[",
    "](",
    ")",
    "![",
    ">",
    "> ",
    "- ",
    "|",
    "|---|",
    "---",
    "===",
    ",",
    ";",
    "\t",
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    ":",
    '"text": ',
    '{"id": 1, "text": "',
    "\\u0000",
    "\\ud800",
    "1" * 30,
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\x0c",
    "\x00",
    "\x1b",
    "\ufeff",
    "\u2028",
    "é",
    "£",
    "–",
    "医",
    "🙂",
    "Dr. ",
    "J. ",
    "e.g. ",
    "Date: 2024-03-14",
    "Scroll to Top",
    "Home | About",
    " " * 40,
    "word ",
    "Board agreed. ",
    "The ICB will act.",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=60).map("".join)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"]
ENCODED_TEXT = st.builds(
    lambda text, encoding: text.encode(encoding, "replace"), TEXT, st.sampled_from(ENCODINGS)
)


@functools.cache
def _seed_files() -> tuple[bytes, ...]:
    """Small PDFs written here: four pages with metadata, a page with an image, a page of two lines."""
    return (
        pdfs.four_page_pdf(),
        pdf_bytes(["A typed line over a small picture."], image_bytes=3_000),
        pdf_bytes(["A typed line.", "Another (line) \\ here."]),
    )


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    """A real PDF with a few bytes changed, a piece cut out or its end missing."""
    data = bytearray(draw(st.sampled_from(_seed_files())))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        del data[start : start + draw(st.integers(1, 2000))]
    return bytes(data[: draw(st.integers(min(8, len(data)), len(data)))])


WORD_PIECES = [
    "<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "<w:tbl>", "</w:tbl>", "<w:tr>", "</w:tr>",
    "<w:tc>", "</w:tc>", "<w:pPr><w:pStyle w:val='Heading1'/></w:pPr>", "<w:br/>", "Board text", "&amp;",
    "&#1;", "<", ">", "]]>", "<w:t xml:space='preserve'> </w:t>",
]  # fmt: skip
WORD_BODY = st.lists(st.sampled_from(WORD_PIECES), max_size=40).map("".join)
FILE_BYTES = st.one_of(
    st.binary(max_size=3000),
    ENCODED_TEXT,
    mutated_pdf(),
    WORD_BODY.map(docx_with_body),
)


def _assert_clean(doc: ParsedDocument) -> None:
    assert isinstance(doc, ParsedDocument)
    assert len(doc.text) <= MAX_TEXT_CHARS
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", doc.text)
    assert doc.title and "\n" not in doc.title
    for block in doc.blocks:
        assert 0 <= block.start < block.end <= len(doc.text)
        assert doc.text[block.start : block.end] == block.text


def _read_all(path: Path) -> list[ParsedDocument | IngestError]:
    """Every item read_documents gives for path, checked: documents clean, errors one line."""
    items = [item for _, item in read_documents(path)]
    for item in items:
        if isinstance(item, IngestError):
            assert str(item) and "\n" not in str(item)
        else:
            _assert_clean(item)
    return items


# Each found by this file or by probing hostile input, and fixed: html.parser's AssertionError on "<![",
# a JSON line nested past the recursion limit, an integer past Python's 4,300 digits, a lone surrogate
# from a JSON escape (SQLite refuses to encode it), text cut inside a UTF-8 character (decoded as cp1252).
@example(b"<![<![ x", ".html")
@example(b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", ".jsonl")
@example(b'{"text": ' + b"1" * 5000 + b"}", ".jsonl")
@example(b'{"title": "\\ud800", "text": "a \\udfff b", "id": "\\ud834"}', ".jsonl")
@example("Caf\u00e9".encode()[:-1], ".txt")
@example(b"PK\x03\x04", ".docx")
@example(b"%PDF-1.4\n1 0 obj\n<<", ".pdf")
@given(data=FILE_BYTES, suffix=st.sampled_from(SUPPORTED_EXTENSIONS))
@fuzz(400)
def test_any_bytes_under_any_extension_read_or_fail_readably(tmp_path, data, suffix):
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    _read_all(path)


def test_text_cut_inside_a_character_keeps_its_encoding(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("Café naïve résumé".encode()[:-1])
    [doc] = _read_all(path)
    assert doc.text == "Café naïve résum"


# ---- the chunker ----------------------------------------------------------------------------------------

# Words, sentence ends, abbreviations and every kind of space, joined: what the chunker splits on.
WORDY = st.lists(
    st.sampled_from(
        ["a", "bc", "X", "Z9", "0", " ", "  ", ". ", "! ", '?" ', ")", "\n", "\t", "\u00a0"]
        + ["\u2003", "é", "Dr. ", "e.g. ", "J. ", "Mr.", "ltd. "]
    ),
    max_size=80,
).map("".join)


@st.composite
def document(draw: st.DrawFn) -> tuple[str, list[Block]]:
    """Text made of blocks (as readers assemble them, with text between blocks that no block covers),
    each with a page and a section."""
    pieces, blocks, pos = [], [], 0
    for _ in range(draw(st.integers(0, 12))):
        gap = draw(st.sampled_from(["", "\n\n", " ", "Heading\n\n"]))
        body = draw(WORDY).strip()  # readers' blocks never start or end with a space
        pieces += [gap, body]
        pos += len(gap)
        if body:
            page = draw(st.sampled_from([None, 1, 2]))
            section = draw(st.sampled_from([None, "A", "B"]))
            blocks.append(Block(body, page, section, pos, pos + len(body)))
        pos += len(body)
    return "".join(pieces), blocks


@given(doc=document(), max_words=st.integers(1, 30), min_words=st.integers(0, 30))
@fuzz(400)
def test_passages_are_ordered_slices_covering_every_word(doc, max_words, min_words):
    text, blocks = doc
    passages = chunk(text, blocks, min_words=min_words, max_words=max_words)
    end = 0
    for passage in passages:
        assert end <= passage.start < passage.end <= len(text)
        assert passage.text == text[passage.start : passage.end]
        assert passage.text == passage.text.strip()
        # Never across a page or a section: the passage lies inside blocks of its own page and section.
        inside = [b for b in blocks if b.start < passage.end and passage.start < b.end]
        assert {(b.page, b.section) for b in inside} == {(passage.page, passage.section)}
        # Words of its blocks (text between two blocks, such as a repeated heading, may come along).
        words = sum(len(text[max(b.start, passage.start) : min(b.end, passage.end)].split()) for b in inside)
        assert words <= max(max_words, MERGE_LIMIT * max_words // MAX_WORDS)
        end = passage.end
    covered = [False] * len(text)
    for passage in passages:
        covered[passage.start : passage.end] = [True] * (passage.end - passage.start)
    for block in blocks:
        for i in range(block.start, block.end):
            assert covered[i] or text[i].isspace(), (i, text[i])


# ---- import_paths ---------------------------------------------------------------------------------------


@given(data=FILE_BYTES, suffix=st.sampled_from(SUPPORTED_EXTENSIONS))
@fuzz(150)
def test_import_paths_never_raises(fresh_db, tmp_path, data, suffix):
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    outcomes = import_paths(fresh_db, [path])
    assert outcomes
    for outcome in outcomes:
        assert outcome.status in {"imported", "duplicate", "failed"}
        assert (outcome.status == "failed") == bool(outcome.reason)
        assert outcome.reason is None or "\n" not in outcome.reason
    assert fresh_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# ---- files from real organisations (issue 16) --------------------------------------------------------

cell_text = st.text(alphabet=st.sampled_from(list("ab ,;\"'|\t.-é")), min_size=1, max_size=20).filter(
    lambda s: s.strip(" ,;\t") and s == s.strip()
)


@fuzz(60)
@given(cells=st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1, max_size=5))
def test_a_csv_as_excel_writes_it_reads_back_cell_for_cell_after_a_long_plain_start(tmp_path_factory, cells):
    """Quotes, commas and delimiters in cells that come only after 10,000 plain characters."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Organisation", "Action", "Owner"])
    writer.writerows([f"Trust {i}", f"Plain action {i}", f"Lead {i}"] for i in range(400))
    writer.writerows(cells)
    path = tmp_path_factory.mktemp("csv") / "tracker.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    rows = read_file(path).rows
    assert [(r["Organisation"], r["Action"], r["Owner"]) for r in rows[400:]] == cells


@fuzz(30)
@given(comment=st.text(alphabet=st.sampled_from(list("ab <>&;x")), max_size=20))
def test_a_word_body_with_comments_and_instructions_anywhere_reads_its_paragraphs(tmp_path_factory, comment):
    body_comment = "<!--" + comment.replace("--", "- ").rstrip("-").replace("<", "").replace("&", "") + "-->"
    paragraph = "<w:p><w:r><w:t>Paragraph between comments.</w:t></w:r></w:p>"
    path = tmp_path_factory.mktemp("docx") / "c.docx"
    path.write_bytes(docx_with_body(body_comment + paragraph + "<?pi data?>" + body_comment))
    assert "Paragraph between comments." in read_file(path).text


# ---- the formats of issue 13: workbooks, slide decks, OpenDocument text, scans ---------------------------

NEW_SUFFIXES = (".xlsx", ".xlsm", ".pptx", ".odt", ".png", ".jpg", ".tif")


@functools.cache
def _office_seeds() -> tuple[bytes, ...]:
    """Small real files of each new format, written here: a tracker workbook, a deck, an ODT, a TIFF scan."""
    import io

    from hostile_files import odt_bytes, pptx_bytes, scan_image, tracker_workbook

    tiff = io.BytesIO()
    scan_image(["Fuzzed scan"], size=(240, 60)).save(tiff, "TIFF")
    png = io.BytesIO()
    scan_image(["Fuzzed scan"], size=(240, 60)).save(png, "PNG")
    return (
        tracker_workbook([["F1", "Moorland ICB", "A fuzzed action", "Lead", None, "Planned", 0.5]]),
        pptx_bytes([("Fuzzed slide", ["A line of the slide"], "Notes of the slide")]),
        odt_bytes('<text:h text:outline-level="1">Fuzz</text:h><text:p>An ODT paragraph.</text:p>'),
        tiff.getvalue(),
        png.getvalue(),
    )


@st.composite
def mutated_office(draw: st.DrawFn) -> bytes:
    """A real workbook, deck, ODT or scan with a few bytes changed, a piece cut out or its end missing."""
    data = bytearray(draw(st.sampled_from(_office_seeds())))
    for _ in range(draw(st.integers(0, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        del data[start : start + draw(st.integers(1, 500))]
    return bytes(data[: draw(st.integers(min(8, len(data)), len(data)))])


# ODT bodies built as trees, so most are well-formed XML and reach the reader's walk, not the XML parser.
ODT_LEAVES = st.sampled_from(
    ["Board text", "&amp;", " ", "<text:soft-page-break/>", '<text:s text:c="99999999"/>',
     '<text:s text:c="x"/>', "<text:tab/>", "<text:line-break/>",
     '<table:table-cell table:number-columns-repeated="99999999"/>',
     "<office:annotation><text:p>a comment</text:p></office:annotation>", "<text:note>note</text:note>"]
)  # fmt: skip
ODT_WRAPPERS = [
    ("<text:p>", "</text:p>"), ('<text:p text:style-name="PageBreak">', "</text:p>"),
    ('<text:h text:outline-level="2">', "</text:h>"), ('<text:h text:outline-level="x">', "</text:h>"),
    ("<text:span>", "</text:span>"), ("<text:list><text:list-item>", "</text:list-item></text:list>"),
    ("<text:section>", "</text:section>"), ("<table:table><table:table-row><table:table-cell>",
                                            "</table:table-cell></table:table-row></table:table>"),
    ('<table:table-row table:number-rows-repeated="99999">', "</table:table-row>"),
]  # fmt: skip
ODT_TREE = st.recursive(
    ODT_LEAVES,
    lambda children: st.builds(
        lambda wrap, inner: wrap[0] + "".join(inner) + wrap[1],
        st.sampled_from(ODT_WRAPPERS),
        st.lists(children, max_size=4),
    ),
    max_leaves=25,
)
SHEET_CELLS = st.sampled_from(
    ['<c t="inlineStr"><is><t>Action</t></is></c>', '<c t="inlineStr"><is><t>Owner</t></is></c>',
     '<c t="inlineStr"><is><t>Status</t></is></c>', '<c t="inlineStr"><is><t>Done &amp; dusted</t></is></c>',
     '<c r="XFD2" t="s"><v>999</v></c>', '<c t="n"><v>abc</v></c>', '<c s="99"><v>45000</v></c>',
     '<c t="d"><v>2024-13-45</v></c>', '<c t="e"><v>#DIV/0!</v></c>', '<c t="b"><v>1</v></c>', "<c/>",
     '<c t="n"><v>1e308</v></c>', '<c t="n"><v>0.4</v></c>', "<c><v>", "</c>"]
)  # fmt: skip
SHEET_ROWS = st.lists(
    st.builds(
        lambda number, cells: f'<row r="{number}">' + "".join(cells) + "</row>",
        st.sampled_from(["1", "2", "3", "4", "30", "1048576", "x", "0"]),
        st.lists(SHEET_CELLS, max_size=6),
    ),
    max_size=8,
).map("".join)


def _with_sheet(sheet_data: str) -> bytes:
    """The seed workbook with its first sheet's rows replaced by sheet_data."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_office_seeds()[0]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                start, end = text.index("<sheetData>") + len("<sheetData>"), text.index("</sheetData>")
                data = (text[:start] + sheet_data + text[end:]).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


def _odt(body: str) -> bytes:
    from hostile_files import odt_bytes

    return odt_bytes(body)


# (content, extension): workbooks and ODTs under their own extension; mutated files under any of them.
OFFICE_FILES = st.one_of(
    st.tuples(mutated_office(), st.sampled_from(NEW_SUFFIXES)),
    st.tuples(ODT_TREE.map(_odt), st.just(".odt")),
    st.tuples(SHEET_ROWS.map(_with_sheet), st.sampled_from([".xlsx", ".xlsm"])),
)


def _assert_recognised_marks(doc: ParsedDocument) -> None:
    for block in doc.blocks:
        assert block.ocr is None or 0 <= block.ocr <= 1


@example((b"PK\x05\x06" + b"\x00" * 18, ".xlsx"))
@example((b"II*\x00\x08\x00\x00\x00", ".tif"))
@given(file=OFFICE_FILES)
@fuzz(150)
def test_workbooks_decks_odts_and_scans_with_any_content_read_or_fail_readably(tmp_path, file):
    data, suffix = file
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    for item in _read_all(path):
        if isinstance(item, ParsedDocument):
            _assert_recognised_marks(item)


@given(file=OFFICE_FILES)
@fuzz(40)
def test_import_paths_never_raises_on_the_new_formats(fresh_db, tmp_path, file):
    data, suffix = file
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    [outcome] = import_paths(fresh_db, [path])
    assert outcome.status in {"imported", "duplicate", "failed"}
    assert (outcome.status == "failed") == bool(outcome.reason)
    assert outcome.reason is None or "\n" not in outcome.reason
    assert fresh_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
