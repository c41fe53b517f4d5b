"""OpenDocument text (.odt) read from its content.xml: headings as sections, tables row by row, page
numbers from page breaks (explicit ones and the soft breaks LibreOffice records where it laid pages out)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from knowledge.dates import parse_any_date
from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    MAX_TEXT_CHARS,
    Para,
    assemble,
    guess_kind,
    header_fields,
    markdown_table,
    normalise_space,
    table_rows_text,
    title_from_path,
    too_much_text,
)
from knowledge.ingest.package import check_package

UNREADABLE = "not a readable OpenDocument text"
MAX_XML_BYTES = 64 * 2**20  # as for Word: about ten times the text, so far past MAX_TEXT_CHARS
# A cell or row "repeated 1,024 times" is how spreadsheets pad a table: repeats with text are kept up to this.
MAX_REPEAT = 50

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


# What holds no text of the document's body: comments, deleted text of tracked changes, footnote bodies,
# generated indexes that repeat the headings.
_SKIPPED = {
    _q(n)
    for n in (
        "office:annotation",
        "text:tracked-changes",
        "text:note",
        "text:table-of-content",
        "text:alphabetical-index",
        "text:illustration-index",
        "text:bibliography",
        "text:sequence-decls",
    )
}
_BREAK = _q("text:soft-page-break")


def _break_styles(roots: list[ElementTree.Element]) -> tuple[set[str], set[str]]:
    """Names of the paragraph styles that start a new page before, and after, their paragraph (parents'
    breaks inherited)."""
    parents: dict[str, str] = {}
    before: set[str] = set()
    after: set[str] = set()
    for root in roots:
        for style in root.iter(_q("style:style")):
            name = style.get(_q("style:name")) or ""
            parent = style.get(_q("style:parent-style-name"))
            if parent:
                parents[name] = parent
            props = style.find(_q("style:paragraph-properties"))
            if props is not None:
                if props.get(_q("fo:break-before")) == "page":
                    before.add(name)
                if props.get(_q("fo:break-after")) == "page":
                    after.add(name)

    def inherits(name: str, found: set[str]) -> bool:
        for _ in range(10):  # a chain of parents, never a loop
            if name in found:
                return True
            if name not in parents:
                return False
            name = parents[name]
        return False

    names = set(parents) | before | after
    return {n for n in names if inherits(n, before)}, {n for n in names if inherits(n, after)}


class _Reader:
    """Walks the body, keeping the page, the section and the title as it goes."""

    def __init__(self, before: set[str], after: set[str]) -> None:
        self.before, self.after = before, after
        self.page = 1
        self.breaks = 0
        self.section: str | None = None
        self.title: str | None = None
        self.body_seen = False
        self.paras: list[Para] = []
        self.raw: list[str] = []
        self.size = 0

    # -- text of one paragraph, split where a page breaks inside it
    def _pieces(self, element: ElementTree.Element) -> list[str]:
        pieces = [""]

        def walk(node: ElementTree.Element) -> None:
            if node.tag in _SKIPPED:
                pass  # a comment's text is not the paragraph's; the text after it is
            elif node.tag == _BREAK:
                pieces.append("")
            elif node.tag == _q("text:s"):
                pieces[-1] += " " * min(_count(node.get(_q("text:c"))), 100)
            elif node.tag == _q("text:tab"):
                pieces[-1] += "\t"
            elif node.tag == _q("text:line-break"):
                pieces[-1] += "\n"
            else:
                pieces[-1] += node.text or ""
                for child in node:
                    walk(child)
            if node is not element:
                pieces[-1] += node.tail or ""

        walk(element)
        return [normalise_space(p) for p in pieces]

    def _new_page(self) -> None:
        self.page += 1
        self.breaks += 1

    def _add(self, para: Para) -> None:
        self.paras.append(para)
        self.size += len(para.text)
        if self.size > MAX_TEXT_CHARS:
            raise too_much_text(self.size, stopped=True)

    def paragraph(self, element: ElementTree.Element, level: int | None) -> None:
        style = element.get(_q("text:style-name")) or ""
        if style in self.before and (self.body_seen or self.paras):
            self._new_page()
        if style == "Title":
            level = 0
        for index, text in enumerate(self._pieces(element)):
            if index:
                self._new_page()
            if text:
                self._text(text, level)
        if style in self.after:
            self._new_page()

    def _text(self, text: str, level: int | None) -> None:
        if level is None:
            self.raw.append(text)
            self._add(Para(text, page=self.page, section=self.section))
            self.body_seen = True
            return
        self.raw.append("#" * max(level, 1) + " " + text)
        if self.title is None and level <= 1 and not self.body_seen:
            self.title = text
        else:
            self.section = text
        self._add(Para(text, page=self.page, section=self.section, heading=True))

    def table(self, element: ElementTree.Element) -> None:
        grid: list[list[str]] = []
        for row in element.iter(_q("table:table-row")):
            cells = []
            for cell in row:
                if cell.tag != _q("table:table-cell"):
                    continue  # a covered (merged) cell repeats its neighbour
                text = " ".join(" ".join(self._pieces(p)) for p in cell.iter(_q("text:p")))
                text = " ".join(text.split())
                repeat = _count(cell.get(_q("table:number-columns-repeated")))
                cells += [text] * (min(repeat, MAX_REPEAT) if text else 1)
            while cells and not cells[-1]:
                cells.pop()
            repeat = _count(row.get(_q("table:number-rows-repeated")))
            if cells:
                grid += [cells] * min(repeat, MAX_REPEAT)
            if row.find(f".//{_BREAK}") is not None:
                self._new_page()
        self.raw.append(markdown_table(grid))
        for line in table_rows_text(grid):
            self._add(Para(line, page=self.page, section=self.section))
            self.body_seen = True

    def body(self, element: ElementTree.Element) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == _BREAK:
                self._new_page()
            elif tag == _q("text:p"):
                self.paragraph(child, None)
            elif tag == _q("text:h"):
                self.paragraph(child, _level(child.get(_q("text:outline-level"))))
            elif tag == _q("table:table"):
                self.table(child)
            else:  # lists, list items, sections, frames: their paragraphs in order
                self.body(child)


def _count(value: str | None) -> int:
    """A repeat count as written, 1 when it is missing or no number."""
    return int(value) if value and value.isdigit() and len(value) < 10 else 1


def _level(value: str | None) -> int:
    """A heading's outline level, 1 when it is missing or no number."""
    return max(1, min(int(value), 10)) if value and value.isdigit() else 1


def _parse(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    if name not in archive.namelist():
        return None
    return ElementTree.fromstring(archive.read(name))


@register_reader(".odt", label="OpenDocument text", signature=b"PK", damaged=UNREADABLE)
def read_odt(path: Path) -> ParsedDocument:
    """An .odt file: paragraphs and tables in order, headings as sections, page numbers from its breaks."""
    check_package(
        path, main="content.xml", label="an OpenDocument text", unreadable=UNREADABLE, limit=MAX_XML_BYTES
    )
    try:
        with zipfile.ZipFile(path) as archive:
            content = _parse(archive, "content.xml")
            styles = _parse(archive, "styles.xml")
            meta = _parse(archive, "meta.xml")
    except (zipfile.BadZipFile, ElementTree.ParseError, EOFError, ValueError) as exc:
        raise IngestError(f"{UNREADABLE} (damaged XML: {str(exc)[:80]})") from exc
    body = content.find(f"{_q('office:body')}/{_q('office:text')}") if content is not None else None
    if body is None:
        raise IngestError("not an OpenDocument text (no text body: a spreadsheet or presentation?)")
    reader = _Reader(*_break_styles([r for r in (content, styles) if r is not None]))
    reader.body(body)
    paged = reader.breaks > 0
    paras = [p if paged else Para(p.text, section=p.section, heading=p.heading) for p in reader.paras]
    text, blocks = assemble(paras)
    if not text:
        raise IngestError("the document has no text")
    if not blocks:
        text, blocks = assemble([Para(p.text, page=p.page, section=p.section) for p in paras])
    found = meta.find(f".//{_q('dc:title')}") if meta is not None else None
    meta_title = " ".join((found.text or "").split()) if found is not None else ""
    title = meta_title or reader.title or title_from_path(path)
    raw_text = "\n\n".join(part for part in reader.raw if part)
    fields = header_fields(raw_text.split("\n"))
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, raw_text),
        date=parse_any_date(fields.get("date")),
        pages=reader.page if paged else None,
        metadata={"raw_text": raw_text, **fields},
    )
