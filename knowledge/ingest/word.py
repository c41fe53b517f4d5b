"""Word (.docx) reader with python-docx: heading styles become sections, table text is kept in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from knowledge.dates import parse_any_date
from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    MAX_TEXT_CHARS,
    Para,
    assemble,
    failure_reason,
    guess_kind,
    header_fields,
    markdown_table,
    normalise_space,
    table_rows_text,
    title_from_path,
    too_much_text,
)
from knowledge.ingest.package import check_package


def _heading_level(style_name: str) -> int | None:
    name = style_name.lower()
    if name == "title":
        return 0
    m = re.match(r"heading\s*(\d)", name)
    return int(m.group(1)) if m else None


def _cell_grid(table: object) -> tuple[list[list[str]], list[Any]]:
    """The table's rows of cell texts, and each row's <w:tr> element."""
    rows, elements = [], []
    for row in table.rows:  # type: ignore[attr-defined]
        elements.append(row._tr)
        cells, seen = [], set()
        for cell in row.cells:
            # Merged cells repeat the same cell object across the columns they span.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        rows.append(cells)
    return rows, elements


UNREADABLE = "not a readable Word document"
# The XML of a Word document is about ten times its text; past this it is a zip bomb or far over
# MAX_TEXT_CHARS anyway, and parsing it would take gigabytes of memory.
MAX_XML_BYTES = 64 * 2**20


def _style_namer(document: Any) -> Callable[[Any], str]:
    """The paragraph style name of a <w:p> element, from a table made once. python-docx's own
    Paragraph.style scans every style of the document for each paragraph without one: a millisecond a
    paragraph, nearly a minute for a long report."""
    from docx.enum.style import WD_STYLE_TYPE

    names = {s.style_id: s.name or "" for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = (default.name or "") if default is not None else ""
    return lambda element: names.get(element.style, default_name)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RENDERED = f"{_W}lastRenderedPageBreak"
# A run's pieces of text as python-docx reads them; a page break splits the paragraph there.
_RUN_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def _is_page_break(element: Any, rendered: bool) -> bool:
    if rendered:
        return element.tag == _RENDERED
    return element.tag == f"{_W}br" and element.get(f"{_W}type") == "page"


class _Pages:
    """Which page a paragraph is on. Word records where it last laid out each page
    (w:lastRenderedPageBreak, explicit breaks included): when a document has those they are the pages.
    Without them (files written by programs) the pages are counted from explicit page breaks,
    'page break before' paragraphs and section breaks that start a new page."""

    def __init__(self, body: Any) -> None:
        self.rendered = any(True for _ in body.iter(_RENDERED))
        self.page = 1
        self.breaks = 0

    def next(self) -> None:
        self.page += 1
        self.breaks += 1

    def pieces(self, element: Any, text: str) -> list[tuple[int, str]]:
        """(page, text) of a paragraph's pieces, split at its page breaks; moves on past breaks around it."""
        properties = element.find(f"{_W}pPr")
        if not self.rendered and properties is not None and _on(properties.find(f"{_W}pageBreakBefore")):
            self.next()
        segments = self._segments(element)
        if segments is not None and _squeezed("".join(segments)) != _squeezed(text):
            # Text python-docx reads differently (tracked insertions, fields): whole, on its first page.
            segments = [text] + [""] * (len(segments) - 1)
        out = []
        for index, segment in enumerate(segments or [text]):
            if index:
                self.next()
            if normalise_space(segment):
                out.append((self.page, normalise_space(segment)))
        section = properties.find(f"{_W}sectPr") if properties is not None else None
        if not self.rendered and section is not None and _section_starts_page(section):
            self.next()
        return out

    def _segments(self, element: Any) -> list[str] | None:
        """The paragraph's text split at its page breaks, or None when it has none."""
        if not any(_is_page_break(e, self.rendered) for e in element.iter(_RENDERED, f"{_W}br")):
            return None
        segments = [""]
        for node in element.iter(*_RUN_TEXT, _RENDERED, f"{_W}br"):
            if _is_page_break(node, self.rendered):
                segments.append("")
            elif node.tag == f"{_W}br":
                segments[-1] += "\n"
            else:
                segments[-1] += _RUN_TEXT[node.tag] or node.text or ""
        return segments

    def row(self, element: Any) -> None:
        """Move on when a table row begins on a new page."""
        if any(_is_page_break(e, self.rendered) for e in element.iter(_RENDERED, f"{_W}br")):
            self.next()


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _on(flag: Any) -> bool:
    return flag is not None and flag.get(f"{_W}val") not in ("0", "false", "off")


def _section_starts_page(section: Any) -> bool:
    kind = section.find(f"{_W}type")
    return kind is None or kind.get(f"{_W}val") != "continuous"


class _Walker:
    """The body's paragraphs and tables in order, with the section and page each is in."""

    def __init__(self, document: Any, style_name: Callable[[Any], str], pages: _Pages) -> None:
        self.document, self.style_name, self.pages = document, style_name, pages
        self.paras: list[Para] = []
        self.raw: list[str] = []  # the document as markdown: headings, paragraphs, pipe tables
        self.title: str | None = None
        self.section: str | None = None
        self.body_seen = False  # a Title/Heading 1 before any body text is the document's title
        self.size = 0

    def paragraph(self, paragraph: Any) -> None:
        text = normalise_space(paragraph.text)
        pieces = self.pages.pieces(paragraph._p, text)
        if not text:
            return
        level = _heading_level(self.style_name(paragraph._p))
        self.raw.append(("#" * max(level, 1) + " " + text) if level is not None else text)
        for page, piece in pieces:
            if level is not None:
                if self.title is None and level <= 1 and not self.body_seen:
                    self.title = piece
                else:
                    self.section = piece
                self.paras.append(Para(piece, page=page, section=self.section, heading=True))
            else:
                self.paras.append(Para(piece, page=page, section=self.section))
                self.body_seen = True
            self.size += len(piece)

    def table(self, table: Any) -> None:
        """One passage block per row ('Header: value; ...' under a header row), each on its own page."""
        grid, elements = _cell_grid(table)
        self.raw.append(markdown_table(grid))
        header = grid[0] if len(grid) >= 2 else None
        for index, (cells, element) in enumerate(zip(grid, elements, strict=True)):
            self.pages.row(element)
            if header is not None and index == 0:
                continue
            for line in table_rows_text([header, cells] if header is not None else [cells]):
                self.paras.append(Para(line, page=self.pages.page, section=self.section))
                self.body_seen = True
                self.size += len(line)


@register_reader(".docx", label="Word .docx", signature=b"PK", damaged="not a readable Word document")
def read_docx(path: Path) -> ParsedDocument:
    """A .docx file: paragraphs and tables (row by row) in document order, Heading/Title styles as sections,
    page numbers when the document has page breaks."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_package(
        path, main="word/document.xml", label="a Word document", unreadable=UNREADABLE, limit=MAX_XML_BYTES
    )
    try:
        document = docx.Document(str(path))
        style_name = _style_namer(document)
    except Exception as exc:  # python-docx raises assorted errors for damaged packages
        raise IngestError(failure_reason(exc, UNREADABLE)) from exc
    walker = _Walker(document, style_name, _Pages(document.element.body))
    for child in document.element.body.iterchildren():
        if not isinstance(child.tag, str):
            continue  # an XML comment or processing instruction: no text, and no .tag name to read
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            walker.paragraph(Paragraph(child, document))
        elif tag == "tbl":
            walker.table(Table(child, document))
        if walker.size > MAX_TEXT_CHARS:  # stop reading: the document will be refused anyway
            raise too_much_text(walker.size, stopped=True)
    paras, raw, title, paged = walker.paras, walker.raw, walker.title, walker.pages.breaks > 0
    if not paged:  # no break anywhere: page numbers would all say 1, which tells nobody anything
        paras = [Para(p.text, section=p.section, heading=p.heading) for p in paras]
    core_title = (document.core_properties.title or "").strip()
    title = core_title or title or title_from_path(path)
    text, blocks = assemble(paras)
    if not text:
        raise IngestError("the document has no text")
    if not blocks:
        text, blocks = assemble([Para(p.text, page=p.page, section=p.section) for p in paras])
    raw_text = "\n\n".join(part for part in raw if part)
    fields = header_fields(raw_text.split("\n"))
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, raw_text),
        date=parse_any_date(fields.get("date")),
        pages=walker.pages.page if paged else None,
        metadata={"raw_text": raw_text, **fields},
    )
