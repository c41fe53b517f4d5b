"""Structure kept on import: PDF outlines (else headings by font size) as sections, Word page breaks as page
numbers, Word tables row by row."""

from __future__ import annotations

import io

import pdfs
import pypdf
import pytest
from hostile_files import docx_pages, docx_with_body

from knowledge.ingest.chunker import chunk
from knowledge.ingest.readers import read_file
from knowledge.library import document_passages, import_paths

OUTLINED_PAGES = [
    [
        "Board paper on imaging AI",
        "1 Workforce",
        "The board discussed radiology staffing.",
        "2 Procurement",
        "Each trust buys its own AI tools today.",
    ],
    [
        "A joint procurement framework is planned for next year.",
        "3 Medical indemnity",
        "Liability for errors of AI tools remains unclear.",
    ],
]


def _with_outline(data: bytes, entries: list[tuple[str, int, str | None]]) -> bytes:
    """The PDF with outline entries (title, page index, parent title) added by pypdf."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    made: dict[str, object] = {}
    for title, page, parent in entries:
        made[title] = writer.add_outline_item(title=title, page_number=page, parent=made.get(parent))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sections(doc) -> dict[str, tuple[int | None, str | None]]:
    return {b.text: (b.page, b.section) for b in doc.blocks}


def test_a_pdf_outline_is_the_section_of_every_passage_under_it(fresh_db, tmp_path):
    data = _with_outline(
        pdfs.pdf_bytes(OUTLINED_PAGES),
        [("Workforce", 0, None), ("Procurement", 0, None), ("Medical indemnity", 1, "Procurement")],
    )
    path = tmp_path / "outlined.pdf"
    path.write_bytes(data)
    placed = _sections(read_file(path))
    assert placed["The board discussed radiology staffing."] == (1, "Workforce")
    assert placed["Each trust buys its own AI tools today."] == (1, "Procurement")
    # The next page goes on under the last entry before it, until its own entry's heading line.
    assert placed["A joint procurement framework is planned for next year."] == (2, "Procurement")
    assert placed["Liability for errors of AI tools remains unclear."] == (2, "Medical indemnity")
    # Heading lines are not passages of their own; the stored passages carry the sections.
    [outcome] = import_paths(fresh_db, [path])
    stored = {p["section"] for p in document_passages(fresh_db, outcome.document_id)}
    assert stored == {None, "Workforce", "Procurement", "Medical indemnity"}


def test_an_outline_entry_whose_heading_is_not_on_its_page_starts_with_the_page(tmp_path):
    data = _with_outline(pdfs.pdf_bytes([["Opening remarks."], ["Text of the annex."]]), [("Annex", 1, None)])
    path = tmp_path / "annex.pdf"
    path.write_bytes(data)
    assert _sections(read_file(path)) == {"Opening remarks.": (1, None), "Text of the annex.": (2, "Annex")}


def _sized_pdf(lines: list[tuple[int, str]]) -> bytes:
    """A one-page PDF of (font size, line) pairs, top to bottom."""
    content, y = [], 740
    for size, line in lines:
        content.append(f"BT /F1 {size} Tf 72 {y} Td ({pdfs._escape(line)}) Tj ET")
        y -= size + 8
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        pdfs._stream(b"<<", " ".join(content).encode("latin-1")),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
        b" /Contents 4 0 R >>",
    ]
    return pdfs._file(objects, "")


def test_without_an_outline_headings_are_found_by_font_size(tmp_path):
    body = "Trusts report their progress to the board every quarter."
    path = tmp_path / "sized.pdf"
    path.write_bytes(
        _sized_pdf(
            [
                (22, "Imaging AI programme review"),
                (11, "Prepared for the March board."),
                (15, "Workforce"),
                (11, body),
                (11, "Vacancies stand at thirty per cent."),
                (15, "Information governance"),
                (11, "A single data protection impact assessment."),
            ]
        )
    )
    doc = read_file(path)
    assert doc.title == "Imaging AI programme review"  # the largest line before any body text

    def place(text: str) -> tuple[int | None, str | None]:
        [block] = [b for b in doc.blocks if text in b.text]
        return block.page, block.section

    assert place("Prepared for the March board.") == (1, None)
    assert place(body) == (1, "Workforce")
    assert place("A single data protection impact assessment.") == (1, "Information governance")
    assert not any("Workforce" in b.text for b in doc.blocks)  # a heading is no passage of its own


@pytest.mark.shared
def test_the_pdflatex_outline_sample_has_its_outline_sections(shared):
    doc = read_file(shared / "fixtures" / "pdf" / "006-pdflatex-outline.pdf")
    passages = chunk(doc.text, doc.blocks)
    # Page 1 is the table of contents, before any entry; every later passage is under an outline entry.
    assert {p.section for p in passages if p.page == 1} == {None}
    later = [p for p in passages if p.page > 1]
    assert later and {p.section for p in later} == {"Foo", "Bar", "Baz"}
    assert [p.section for p in later if p.page == 2][:3] == ["Foo", "Bar", "Baz"]


def test_a_word_page_break_puts_the_second_page_on_page_2(fresh_db, tmp_path):
    path = tmp_path / "paper.docx"
    path.write_bytes(
        docx_pages(
            [
                ["The first page sets out the case for AI in imaging."],
                ["The second page covers procurement.", "It closes with the risks."],
            ],
            heading="Board paper",
            table_on_page=2,
        )
    )
    doc = read_file(path)
    assert doc.pages == 2
    placed = _sections(doc)
    assert placed["The first page sets out the case for AI in imaging."][0] == 1
    assert placed["The second page covers procurement."][0] == 2
    # The table is kept row by row, each row its own block on its page.
    row = "Organisation: Moorland ICB; Action: Publish the procurement strategy; Status: In progress"
    assert placed[row][0] == 2
    assert placed["Organisation: Westmoor Trust; Action: Form the AI team; Status: Done"][0] == 2
    [outcome] = import_paths(fresh_db, [path])
    pages = {p["text"].split(".")[0]: p["page"] for p in document_passages(fresh_db, outcome.document_id)}
    assert pages["The second page covers procurement"] == 2


def _p(text: str, inner: str = "", properties: str = "") -> str:
    return f"<w:p>{properties}<w:r>{inner}<w:t>{text}</w:t></w:r></w:p>"


def test_word_rendered_page_breaks_section_breaks_and_breaks_inside_a_paragraph(tmp_path):
    rendered = docx_with_body(
        _p("Page one.")
        + '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
        # Word marks where it laid out the page, explicit breaks included: counted once, not twice.
        + _p("Page two, as Word rendered it.", "<w:lastRenderedPageBreak/>")
        + _p("Still page two.")
        + _p("Page three, where the layout ran over.", "<w:lastRenderedPageBreak/>")
    )
    next_page = '<w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr>'
    continuous = '<w:pPr><w:sectPr><w:type w:val="continuous"/></w:sectPr></w:pPr>'
    explicit = docx_with_body(
        _p("Section one ends here.", properties=next_page)
        + _p("Section two starts page two.")
        + _p("A continuous section break.", properties=continuous)
        + _p("Still page two after it.")
        + _p("Page three by page-break-before.", properties="<w:pPr><w:pageBreakBefore/></w:pPr>")
        + '<w:p><w:r><w:t>Before the break.</w:t><w:br w:type="page"/><w:t>After the break.</w:t></w:r></w:p>'
    )
    for name, data, expected in (
        (
            "rendered.docx",
            rendered,
            {
                "Page one.": 1,
                "Page two, as Word rendered it.": 2,
                "Still page two.": 2,
                "Page three, where the layout ran over.": 3,
            },
        ),
        (
            "explicit.docx",
            explicit,
            {
                "Section one ends here.": 1,
                "Section two starts page two.": 2,
                "A continuous section break.": 2,
                "Still page two after it.": 2,
                "Page three by page-break-before.": 3,
                "Before the break.": 3,
                "After the break.": 4,
            },
        ),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        assert {text: page for text, (page, _) in _sections(read_file(path)).items()} == expected, name


def test_a_word_document_without_breaks_keeps_no_page_numbers(tmp_path):
    path = tmp_path / "plain.docx"
    path.write_bytes(docx_with_body(_p("One page only.") + _p("No breaks at all.")))
    doc = read_file(path)
    assert {b.page for b in doc.blocks} == {None} and doc.pages is None


def test_a_long_word_table_is_cut_into_passages_between_rows(tmp_path):
    rows = "".join(
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc>" for cell in cells)
        + "</w:tr>"
        for cells in [["Organisation", "Action"]]
        + [[f"Trust {n}", f"Action {n} of the plan " + "with many words " * 6] for n in range(40)]
    )
    path = tmp_path / "table.docx"
    path.write_bytes(docx_with_body(f"<w:tbl>{rows}</w:tbl>"))
    doc = read_file(path)
    passages = chunk(doc.text, doc.blocks)
    assert len(passages) > 1
    for block in doc.blocks:  # every row whole inside one passage
        assert sum(block.text in p.text for p in passages) == 1
