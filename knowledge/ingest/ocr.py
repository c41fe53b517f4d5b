"""Text recognition (OCR) of scanned pages, offline: RapidOCR's ONNX models ship inside its wheel, so nothing
is ever downloaded; pages are recognised one by one with progress, and stop when the import is cancelled."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from knowledge.ingest.base import IngestError, cancelled, report_progress
from knowledge.ingest.common import one_line

ENGINE = "rapidocr-onnxruntime"
# Lines the engine is less sure of than this are dropped (RapidOCR's own default): they are noise.
MIN_CONFIDENCE = 0.5
# At a few seconds a page on a laptop, 100 pages is several minutes; a longer scan is better split than
# left to run for an hour. Past the time budget the file is refused, whatever its page count.
MAX_OCR_PAGES = 100
MAX_OCR_SECONDS = 15 * 60
# Pages are recognised at about 150 dpi: enough for 9-point print, and twice as fast as 300 dpi.
RENDER_DPI = 150
# Larger images are scaled down first (a 600 dpi A3 scan is 7,000 pixels across); smaller ones are specks.
MAX_SIDE = 2400
MIN_SIDE = 32


class OcrUnavailable(Exception):
    """The engine cannot be loaded; the message names what is missing."""


@dataclass
class RecognisedPage:
    """One page's recognised text as paragraphs, with the engine's mean confidence (0-1) over its lines."""

    paragraphs: list[str]
    confidence: float


_ENGINE: Any = None
_LOCK = threading.Lock()


def load_engine() -> Any:
    """The OCR engine, loaded once per process (a second or so); OcrUnavailable when it cannot be."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:  # the package, or a library it needs (OpenCV's libGL), is missing
                missing = getattr(exc, "name", None) or one_line(str(exc), 80)
                raise OcrUnavailable(f"the {ENGINE} package is not installed ({missing} missing)") from exc
            try:
                # Detection at the page's own size: the default scales every page up to 736 pixels on
                # its short side, which costs seconds on a strip of text and finds nothing more.
                _ENGINE = RapidOCR(det_limit_type="max", det_limit_side_len=MAX_SIDE)
            except Exception as exc:  # noqa: BLE001 - damaged models or an ONNX Runtime that will not start
                raise OcrUnavailable(f"{ENGINE} could not start ({one_line(str(exc), 80)})") from exc
        return _ENGINE


def engine_available() -> str | None:
    """None when text recognition works here, else why it does not (for messages)."""
    try:
        load_engine()
    except OcrUnavailable as exc:
        return str(exc)
    return None


def _prepared(image: Any) -> Any | None:
    """The image as an RGB array of at most MAX_SIDE pixels a side; None for a speck or a blank page."""
    import numpy as np

    if min(image.size) < MIN_SIDE:
        return None
    if max(image.size) > MAX_SIDE:
        image = image.copy()
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    grey = np.asarray(image.convert("L"))
    # Nearly every pixel alike: a blank page or a flat colour, no text to find (and detection costs seconds).
    if grey.std() < 2 or (grey < 128).mean() < 0.0002:
        return None
    return np.asarray(image.convert("RGB"))


def _rows(lines: list[tuple[list[list[float]], str, float]]) -> list[tuple[float, float, str]]:
    """Recognised fragments joined into rows of text, top to bottom: (top, height, text)."""
    boxes = []
    for box, text, _score in lines:
        ys = [p[1] for p in box]
        boxes.append((min(ys), max(ys), min(p[0] for p in box), text))
    boxes.sort()
    rows: list[list[tuple[float, float, float, str]]] = []
    for box in boxes:
        if rows:
            top, bottom = rows[-1][0][0], rows[-1][0][1]
            # Half the fragment's height inside the row: the same line of print.
            if min(bottom, box[1]) - max(top, box[0]) > 0.5 * (box[1] - box[0]):
                rows[-1].append(box)
                continue
        rows.append([box])
    out = []
    for row in rows:
        row.sort(key=lambda b: b[2])
        top = min(b[0] for b in row)
        height = max(b[1] for b in row) - top
        out.append((top, height, " ".join(b[3].strip() for b in row)))
    return out


def paragraphs_of(lines: list[tuple[list[list[float]], str, float]]) -> list[str]:
    """Rows of recognised text grouped into paragraphs: a gap of more than a line's height between two
    rows ends one. A word broken by a hyphen at a row's end is joined."""
    rows = _rows(lines)
    if not rows:
        return []
    height = statistics.median(h for _, h, _ in rows) or 1
    paragraphs: list[list[str]] = [[rows[0][2]]]
    for (top, h, _), (next_top, _, text) in zip(rows, rows[1:], strict=False):
        if next_top - (top + h) > height:
            paragraphs.append([])
        paragraphs[-1].append(text)
    out = []
    for rows_text in paragraphs:
        joined = ""
        for text in rows_text:
            if joined.endswith("-") and text[:1].islower():
                joined = joined[:-1] + text
            else:
                joined = f"{joined} {text}" if joined else text
        if joined.strip():
            out.append(joined.strip())
    return out


def recognise(image: Any) -> RecognisedPage | None:
    """The text of one page image (a PIL image), or None when it holds none the engine is sure of (or
    there was no image: a page that could not be drawn)."""
    array = _prepared(image) if image is not None else None
    if array is None:
        return None
    result, _elapsed = load_engine()(array)
    lines = [(box, str(text), float(score)) for box, text, score in result or () if score >= MIN_CONFIDENCE]
    lines = [line for line in lines if line[1].strip()]
    if not lines:
        return None
    chars = sum(len(text) for _, text, _ in lines)
    confidence = sum(score * len(text) for _, text, score in lines) / chars
    return RecognisedPage(paragraphs_of(lines), round(confidence, 3))


def check_page_count(count: int) -> None:
    """Refuse, before any recognition, a scan of more pages than MAX_OCR_PAGES."""
    if count > MAX_OCR_PAGES:
        minutes = count * 5 // 60  # at about five seconds a page
        raise IngestError(
            f"{count} scanned pages to recognise, the limit is {MAX_OCR_PAGES} (about {minutes} minutes of"
            " text recognition; split the file)"
        )


def recognise_pages(
    pages: Iterable[tuple[int, Callable[[], Any]]], total: int, label: str
) -> dict[int, RecognisedPage]:
    """Recognise each (page number, function giving its image) in turn, reporting 'label: recognising text,
    page 2 of 20' to the running import; pages with no text are left out. Stops with IngestError when the
    import is cancelled or the pages take more than MAX_OCR_SECONDS."""
    load_engine()  # fails before any page is rendered when the engine is missing
    started = time.monotonic()
    out: dict[int, RecognisedPage] = {}
    for done, (number, image) in enumerate(pages):
        if cancelled():
            raise IngestError(
                f"import cancelled during text recognition (page {number}, {done} of {total} done)"
            )
        if time.monotonic() - started > MAX_OCR_SECONDS:
            raise IngestError(
                f"text recognition stopped after {MAX_OCR_SECONDS // 60} minutes, {done} of {total}"
                " scanned pages done (split the file)"
            )
        report_progress(f"{label}: recognising text, page {done + 1} of {total}")
        page = recognise(image())
        if page is not None:
            out[number] = page
    return out
