"""Scanned pages as image files (.png .jpg .jpeg .tif .tiff, multi-page TIFF too): their text recognised by
the OCR engine, one page per image frame."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import Para, assemble, guess_kind, title_from_path
from knowledge.ingest.ocr import ENGINE, OcrUnavailable, check_page_count, recognise_pages

UNREADABLE = "not a readable image"
# Past this an image is a decompression bomb or a poster: a 600 dpi A3 scan is 70 million pixels.
MAX_PIXELS = 120_000_000


def _too_large(size: str) -> str:
    return f"image too large: {size} (the limit is {MAX_PIXELS // 1_000_000} million pixels)"


def _open(path: Path) -> Any:
    from PIL import Image

    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:  # Pillow's own check, at twice its warning size
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise IngestError(
            _too_large(f"{int(found.group(1)):,} pixels" if found else "far too many pixels")
        ) from exc
    except Image.UnidentifiedImageError as exc:  # its message is only the file's path
        raise IngestError(f"{UNREADABLE} (damaged, cut short or of a kind Pillow does not know)") from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise IngestError(_too_large(f"{width:,} x {height:,} pixels"))
    return image


def _frame(image: Any, index: int) -> Any:
    from PIL import ImageOps

    image.seek(index)
    # A phone photo of a page stores its rotation apart from its pixels.
    return ImageOps.exif_transpose(image.convert("RGB"))


# A TIFF is what scanners write, so a folder's TIFFs are imported; its PNGs and JPEGs only when named.
@register_reader(
    ".png", label="PNG image", signature=b"\x89PNG\r\n\x1a\n", damaged=UNREADABLE, in_folders=False
)
@register_reader(
    ".jpg", ".jpeg", label="JPEG image", signature=b"\xff\xd8\xff", damaged=UNREADABLE, in_folders=False
)
@register_reader(".tif", ".tiff", label="TIFF image", signature=(b"II*\x00", b"MM\x00*"), damaged=UNREADABLE)
def read_image(path: Path) -> ParsedDocument:
    """A scan saved as an image: each frame (the pages of a multi-page TIFF) a page of recognised text."""
    with warnings.catch_warnings():  # Pillow warns of every oddity (corrupt EXIF): the reason is enough
        warnings.simplefilter("ignore")
        return _read_image(path)


def _read_image(path: Path) -> ParsedDocument:
    image = _open(path)
    try:
        frames = getattr(image, "n_frames", 1)
        check_page_count(frames)
        try:
            pages = recognise_pages(
                ((n + 1, lambda n=n: _frame(image, n)) for n in range(frames)), frames, path.name
            )
        except OcrUnavailable as exc:
            raise IngestError(f"no text: an image needs text recognition, and {exc}") from exc
    finally:
        image.close()
    if not pages:
        raise IngestError("no text recognised in the image")
    paras = [
        Para(paragraph, page=number, ocr=page.confidence)
        for number, page in sorted(pages.items())
        for paragraph in page.paragraphs
    ]
    text, blocks = assemble(paras)
    title = title_from_path(path)
    confidence = sum(p.confidence for p in pages.values()) / len(pages)
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, text),
        pages=frames,
        metadata={"ocr": {"engine": ENGINE, "pages": sorted(pages), "confidence": round(confidence, 3)}},
    )
