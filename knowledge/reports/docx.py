"""A report as a Word document: real headings, lists and tables, quotes numbered against a references list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from knowledge.reports.blocks import (
    Block,
    Runs,
    needs_landscape,
    parse_html,
    plain,
    table_layout,
    table_size,
    table_texts,
)

# A4 with 20 mm margins: the paper an NHS board pack is printed on.
PAGE_MM = (210, 297)
MARGIN_MM = 20
BODY_PT = 10.5
BODY_FONT = "Arial"  # what NHS board papers use; LibreOffice shows Liberation Sans, its metric twin
HEADER_FILL = "DCE6F1"  # the same pale blue as the tracker workbook's header row
# Wide tables (the briefing's organisations x recommendations grid) get a smaller type to fit the page.
_TABLE_PT = (9, 7.5)  # a table's type size, and that of a table of many columns
_CELL_PADDING_MM = 4.5  # Word and LibreOffice leave about 1.9 mm each side of a cell's text


@dataclass
class _References:
    """Quoted sources in order of first citation; the same source cited twice keeps its number."""

    entries: list[Runs] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    def number(self, citation: Runs) -> int:
        key = plain(citation)
        if key not in self.numbers:
            self.entries.append(citation)
            self.numbers[key] = len(self.entries)
        return self.numbers[key]


def build_docx(html: str, title: str) -> Any:
    """A python-docx Document of a report's HTML (knowledge.reports.render_html's output)."""
    import docx

    document = docx.Document()
    blocks = parse_html(html)
    portrait_text = PAGE_MM[0] - 2 * MARGIN_MM
    _page_setup(document, title, needs_landscape(blocks, portrait_text, *_TABLE_PT, _CELL_PADDING_MM))
    references = _References()
    # A closing note after a rule (the redaction count) stays the document's last words, after the sources.
    closing = blocks[-2:] if len(blocks) >= 2 and blocks[-2].kind == "rule" else []
    for block in blocks[: len(blocks) - len(closing)]:
        _RENDERERS[block.kind](document, block, references)
    _references(document, references)
    for block in closing:
        _RENDERERS[block.kind](document, block, references)
    return document


def _references(document: Any, references: _References) -> None:
    if not references.entries:
        return
    document.add_heading("References", level=2)
    for number, citation in enumerate(references.entries, 1):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"[{number}] ")
        _add_runs(paragraph, citation)


def write_docx(html: str, title: str, path: str | Path) -> None:
    """Save the report as .docx at `path` (the caller makes the write whole-or-nothing)."""
    build_docx(html, title).save(str(path))


def _page_setup(document: Any, title: str, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    width, height = sorted(PAGE_MM, reverse=landscape)
    for section in document.sections:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(MARGIN_MM))
        _footer(section, title)
    document.styles["Normal"].font.size = Pt(BODY_PT)
    document.styles["Normal"].font.name = BODY_FONT
    props = document.core_properties
    # The template's own author and dates would otherwise travel with the file; a circulated report must
    # not carry the login name either, so the program is named instead.
    props.title = title
    props.author = props.last_modified_by = "Roundtable Desk"
    props.comments = props.keywords = props.subject = ""
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)


def _footer(section: Any, title: str) -> None:
    """'Title · page 3 of 7' centred at the foot of every page (Word fills in the numbers)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.style.font.size = Pt(8)  # the "Footer" style: the numbers Word fills in take its size too
    for text, instruction in ((f"{title} · page ", None), ("", "PAGE"), (" of ", None), ("", "NUMPAGES")):
        run = paragraph.add_run(text) if instruction is None else _field(paragraph, instruction)
        run.font.size = Pt(8)


def _field(paragraph: Any, instruction: str) -> Any:
    """A run holding a Word field (PAGE, NUMPAGES), shown as '1' until Word updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    return run


def _add_runs(paragraph: Any, runs: Runs) -> None:
    for piece in runs:
        for i, line in enumerate(piece.text.split("\n")):
            if i:
                paragraph.add_run().add_break()
            if not line:
                continue
            run = paragraph.add_run(line)
            if piece.bold:  # only what differs from the style: a long table has tens of thousands of runs
                run.bold = True
            if piece.italic:
                run.italic = True
            if piece.code:
                run.font.name = "Consolas"


def _heading(document: Any, block: Block, references: _References) -> None:
    heading = document.add_heading(level=min(block.level, 9))
    _add_runs(heading, [type(r)(r.text, False, r.italic, r.code) for r in block.runs])


def _paragraph(document: Any, block: Block, references: _References) -> None:
    _add_runs(document.add_paragraph(), block.runs)


def _list_item(document: Any, block: Block, references: _References) -> None:
    base = "List Bullet" if block.kind == "bullet" else "List Number"
    depth = min(block.level, 2)
    _add_runs(document.add_paragraph(style=base + (f" {depth + 1}" if depth else "")), block.runs)


def _quote(document: Any, block: Block, references: _References) -> None:
    """The quoted passage in Word's Quote style, its source a numbered reference: '… [3]'."""
    number = references.number(block.citation) if block.citation else None
    for i, runs in enumerate(block.paragraphs):
        paragraph = document.add_paragraph(style="Quote")
        _add_runs(paragraph, runs)
        if number is not None and i == len(block.paragraphs) - 1:
            paragraph.add_run(f" [{number}]").font.superscript = True
    if number is not None and not block.paragraphs:  # a citation with nothing quoted above it
        paragraph = document.add_paragraph(style="Quote")
        paragraph.add_run(f"[{number}]").font.superscript = True


def _table(document: Any, block: Block, references: _References) -> None:
    from docx.shared import Mm

    columns = max(len(row) for row in block.rows)
    table = document.add_table(rows=len(block.rows), cols=columns)
    table.style = "Table Grid"
    table.autofit = False
    size = table_size(block, *_TABLE_PT)
    style_id = _table_text_style(document, size).style_id
    section = document.sections[-1]
    text_mm = (section.page_width - section.left_margin - section.right_margin) / Mm(1)
    layout = table_layout(table_texts(block), text_mm, size, _CELL_PADDING_MM, block.header_rows)
    widths = [Mm(w) for w in layout.widths]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the table grid, which LibreOffice reads; Word reads each cell's width
    # Row by row: table.cell(r, c) walks the whole table on every call, quadratic for a long tracker.
    for r, (table_row, row) in enumerate(zip(table.rows, block.rows, strict=True)):
        header = r < block.header_rows
        for c, cell in enumerate(table_row.cells):
            cell.width = widths[c]
            runs = row[c] if c < len(row) else []
            if header:
                runs = [type(x)(x.text, True, x.italic, x.code) for x in runs]
                _shade(cell, HEADER_FILL)
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_id  # by id: the public setter looks the style up by name every time
            _add_runs(paragraph, runs)
        _row_flag(table_row, "w:cantSplit")  # a row stays on one page, never half on the next
        if header:
            _row_flag(table_row, "w:tblHeader")  # repeated at the top of each page the table runs onto
    document.add_paragraph()  # Word runs two adjacent tables together without a paragraph between


def _table_text_style(document: Any, size_pt: float) -> Any:
    """The paragraph style of table cells at this size ('Table text 9pt'), made on first use."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    name = f"Table text {size_pt:g}pt"
    if name in [s.name for s in document.styles]:
        return document.styles[name]
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(size_pt)
    style.paragraph_format.space_after = Pt(0)
    return style


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _row_flag(row: Any, tag: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement(tag)
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _rule(document: Any, block: Block, references: _References) -> None:
    """A horizontal line: an empty paragraph with a bottom border."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "A0A0A0")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


_RENDERERS = {
    "heading": _heading,
    "paragraph": _paragraph,
    "bullet": _list_item,
    "number": _list_item,
    "quote": _quote,
    "table": _table,
    "rule": _rule,
}
