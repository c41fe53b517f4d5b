"""PowerPoint (.pptx) reader with python-pptx: each slide a page, its title the section, its text in reading
order (tables row by row, grouped shapes included) and its speaker notes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    MAX_TEXT_CHARS,
    Para,
    assemble,
    failure_reason,
    guess_kind,
    normalise_space,
    table_rows_text,
    title_from_path,
    too_much_text,
)
from knowledge.ingest.package import check_package

UNREADABLE = "not a readable PowerPoint presentation"
# A deck's XML is mostly layout; this is hundreds of slides of it (and the zip bomb's refusal).
MAX_XML_BYTES = 128 * 2**20
# Groups inside groups: real decks nest a few levels; a crafted one could nest until the stack runs out.
MAX_GROUP_DEPTH = 20


def _shapes(shapes: Any, depth: int = 0) -> Iterator[Any]:
    """The shapes of a slide in reading order (top to bottom, then left to right), groups opened."""

    def position(shape: Any) -> tuple[int, int]:
        return (shape.top or 0, shape.left or 0)

    for shape in sorted(shapes, key=position):
        if getattr(shape, "shape_type", None) == _GROUP and depth < MAX_GROUP_DEPTH:
            yield from _shapes(shape.shapes, depth + 1)
        else:
            yield shape


_GROUP = 6  # MSO_SHAPE_TYPE.GROUP, without importing python-pptx before a deck is read


def _shape_texts(shape: Any) -> list[str]:
    """A shape's paragraphs, or a table's rows as 'Header: value; ...' lines."""
    if getattr(shape, "has_table", False):
        grid = [[" ".join(cell.text.split()) for cell in row.cells] for row in shape.table.rows]
        return table_rows_text(grid)
    if not getattr(shape, "has_text_frame", False):
        return []
    paragraphs = [normalise_space(p.text.replace("\x0b", "\n")) for p in shape.text_frame.paragraphs]
    return [p for p in paragraphs if p]


def _title(slide: Any) -> str | None:
    try:
        shape = slide.shapes.title
    except Exception:  # noqa: BLE001 - a damaged placeholder means no title, not no slide
        return None
    text = " ".join(shape.text_frame.text.split()) if shape is not None and shape.has_text_frame else ""
    return text or None


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return normalise_space(frame.text) if frame is not None else ""


def _slide_paras(slide: Any, number: int) -> list[Para]:
    title = _title(slide)
    paras = [Para(title, page=number, section=title, heading=True)] if title else []
    title_id = slide.shapes.title.shape_id if title else None
    for shape in _shapes(slide.shapes):
        if title_id is not None and shape.shape_id == title_id:
            continue
        paras += [Para(text, page=number, section=title) for text in _shape_texts(shape)]
    notes = _notes(slide)
    if notes:
        paras.append(Para(f"Speaker notes: {notes}", page=number, section=title))
    return paras


@register_reader(".pptx", label="PowerPoint .pptx", signature=b"PK", damaged=UNREADABLE)
def read_pptx(path: Path) -> ParsedDocument:
    """A .pptx deck: the slide number as page, the slide title as section, speaker notes included."""
    import pptx

    check_package(
        path,
        main="ppt/presentation.xml",
        label="a PowerPoint presentation",
        unreadable=UNREADABLE,
        limit=MAX_XML_BYTES,
    )
    try:
        deck = pptx.Presentation(str(path))
        slides = list(deck.slides)
    except Exception as exc:  # python-pptx raises assorted errors (KeyError, XML errors) for damaged decks
        raise IngestError(failure_reason(exc, UNREADABLE)) from exc
    paras: list[Para] = []
    size = 0
    for number, slide in enumerate(slides, start=1):
        slide_paras = _slide_paras(slide, number)
        paras += slide_paras
        size += sum(len(p.text) for p in slide_paras)
        if size > MAX_TEXT_CHARS:
            raise too_much_text(size, stopped=True)
    text, blocks = assemble(paras)
    if not blocks:
        # A deck of titles only: the titles are its text.
        text, blocks = assemble([Para(p.text, page=p.page, section=p.section) for p in paras])
    if not blocks:
        raise IngestError("the presentation has no text" if slides else "the presentation has no slides")
    core_title = (deck.core_properties.title or "").strip()
    first_title = next((p.text for p in paras if p.heading), None)
    title = core_title or first_title or title_from_path(path)
    return ParsedDocument(
        title=title, text=text, blocks=blocks, kind=guess_kind(title, text), pages=len(slides)
    )
