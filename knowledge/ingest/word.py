"""Word (.docx) reader with python-docx: heading styles become sections, table text is kept in order."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from knowledge.ingest.base import IngestError, ParsedDocument
from knowledge.ingest.common import (
    Para,
    assemble,
    guess_kind,
    header_fields,
    markdown_table,
    normalise_space,
    parse_any_date,
    table_rows_text,
    title_from_path,
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


def read_docx(path: Path) -> ParsedDocument:
    """A .docx file: paragraphs and tables in document order, Heading/Title styles as sections."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"not a readable Word document ({' '.join(str(exc).split())[:100]})") from exc
    except Exception as exc:  # python-docx raises assorted errors for damaged packages
        raise IngestError(f"not a readable Word document ({type(exc).__name__})") from exc
    paras: list[Para] = []
    raw: list[str] = []  # the document as markdown: headings, paragraphs, pipe tables
    title = None
    section = None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = normalise_space(paragraph.text)
            if not text:
                continue
            level = _heading_level(paragraph.style.name if paragraph.style is not None else "")
            raw.append(("#" * max(level, 1) + " " + text) if level is not None else text)
            if level is not None:
                if title is None and level <= 1 and not any(not p.heading for p in paras):
                    title = text
                else:
                    section = text
                paras.append(Para(text, section=section, heading=True))
            else:
                paras.append(Para(text, section=section))
        elif tag == "tbl":
            grid = _cell_grid(Table(child, document))
            raw.append(markdown_table(grid))
            rows = table_rows_text(grid)
            if rows:
                paras.append(Para("\n".join(rows), section=section))
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
