"""Word (.docx) reader with python-docx: heading styles become sections, table text is kept in order."""

from __future__ import annotations

import re
import zipfile
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


def _heading_level(style_name: str) -> int | None:
    name = style_name.lower()
    if name == "title":
        return 0
    m = re.match(r"heading\s*(\d)", name)
    return int(m.group(1)) if m else None


def _cell_grid(table: object) -> list[list[str]]:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            # Merged cells repeat the same cell object across the columns they span.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        rows.append(cells)
    return rows


UNREADABLE = "not a readable Word document"
# The XML of a Word document is about ten times its text; past this it is a zip bomb or far over
# MAX_TEXT_CHARS anyway, and parsing it would take gigabytes of memory.
MAX_XML_BYTES = 64 * 2**20
# Other Office packages are ZIP archives too: say what the file is when it is not Word.
_PACKAGES = (
    ("xl/workbook.xml", "an Excel workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file (save it as .docx)"),
)


def _check_package(path: Path) -> None:
    """Refuse a ZIP archive that is damaged, not a Word document, or would unpack to too much XML."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise IngestError(f"{UNREADABLE} (damaged or truncated ZIP package)") from exc
    names = {m.filename for m in members}
    if "word/document.xml" not in names:
        what = next((what for name, what in _PACKAGES if name in names), None)
        if what:
            raise IngestError(f"not a Word document (it looks like {what})")
        if "[Content_Types].xml" not in names:  # else the main part may have another name: try it
            raise IngestError("not a Word document (a ZIP archive without word/document.xml)")
    xml = sum(m.file_size for m in members if m.filename.endswith(".xml"))
    if xml > MAX_XML_BYTES:
        raise IngestError(
            f"too large: the document unpacks to {xml / 2**20:.0f} MB of XML (the limit is"
            f" {MAX_XML_BYTES / 2**20:.0f} MB; split the file)"
        )


def _style_namer(document: Any) -> Callable[[Any], str]:
    """The paragraph style name of a <w:p> element, from a table made once. python-docx's own
    Paragraph.style scans every style of the document for each paragraph without one: a millisecond a
    paragraph, nearly a minute for a long report."""
    from docx.enum.style import WD_STYLE_TYPE

    names = {s.style_id: s.name or "" for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = (default.name or "") if default is not None else ""
    return lambda element: names.get(element.style, default_name)


@register_reader(".docx", label="Word .docx", signature=b"PK", damaged="not a readable Word document")
def read_docx(path: Path) -> ParsedDocument:
    """A .docx file: paragraphs and tables in document order, Heading/Title styles as sections."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_package(path)
    try:
        document = docx.Document(str(path))
        style_name = _style_namer(document)
    except Exception as exc:  # python-docx raises assorted errors for damaged packages
        raise IngestError(failure_reason(exc, UNREADABLE)) from exc
    paras: list[Para] = []
    raw: list[str] = []  # the document as markdown: headings, paragraphs, pipe tables
    title = None
    section = None
    body_seen = False  # a Title/Heading 1 before any body text is the document's title
    size = 0
    for child in document.element.body.iterchildren():
        if not isinstance(child.tag, str):
            continue  # an XML comment or processing instruction: no text, and no .tag name to read
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = normalise_space(paragraph.text)
            if not text:
                continue
            level = _heading_level(style_name(child))
            raw.append(("#" * max(level, 1) + " " + text) if level is not None else text)
            if level is not None:
                if title is None and level <= 1 and not body_seen:
                    title = text
                else:
                    section = text
                paras.append(Para(text, section=section, heading=True))
            else:
                paras.append(Para(text, section=section))
                body_seen = True
            size += len(text)
        elif tag == "tbl":
            grid = _cell_grid(Table(child, document))
            raw.append(markdown_table(grid))
            rows = table_rows_text(grid)
            if rows:
                paras.append(Para("\n".join(rows), section=section))
                body_seen = True
                size += len(paras[-1].text)
        if size > MAX_TEXT_CHARS:  # stop reading: the document will be refused anyway
            raise too_much_text(size, stopped=True)
    core_title = (document.core_properties.title or "").strip()
    title = core_title or title or title_from_path(path)
    text, blocks = assemble(paras)
    if not text:
        raise IngestError("the document has no text")
    if not blocks:
        text, blocks = assemble([Para(p.text, section=p.section) for p in paras])
    raw_text = "\n\n".join(part for part in raw if part)
    fields = header_fields(raw_text.split("\n"))
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, raw_text),
        date=parse_any_date(fields.get("date")),
        metadata={"raw_text": raw_text, **fields},
    )
