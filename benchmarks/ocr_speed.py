"""Scanned-PDF import speed: pages/second of `import_paths` on a 20-page image-only PDF against the bare OCR
engine (RapidOCR on the same rendered pages) in the same process.

The scan is made here: A4 pages at 150 dpi, about 35 lines of 10-point text each, saved as an image-only
PDF. The whole import (render with PDFium, recognise, group into paragraphs, store passages) is timed between
two passes of the bare engine as the reader configures it; --default also times the engine's defaults.

    .venv/bin/python benchmarks/ocr_speed.py [--pages 20]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = (
    "the integrated care board agreed that each trust will publish its digital procurement strategy and"
    " consult radiology information technology teams before any contract for imaging artificial intelligence"
    " medical indemnity remains unclear so clinicians asked regulators for guidance on liability"
).split()


def scanned_pages(count: int) -> list:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=21)  # 10 point at 150 dpi
    pages = []
    for number in range(count):
        page = Image.new("L", (1240, 1754), 248)
        draw = ImageDraw.Draw(page)
        draw.text((120, 90), f"Minutes of the imaging board, page {number + 1}", fill=15, font=font)
        for line in range(35):
            start = (number * 7 + line * 3) % len(WORDS)
            text = " ".join((WORDS * 2)[start : start + 12])
            draw.text((120, 150 + line * 42), text[:1].upper() + text[1:] + ".", fill=15, font=font)
        pages.append(page.convert("RGB"))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--default", action="store_true", help="also time the engine's default settings")
    args = parser.parse_args()

    import numpy as np
    import pypdfium2
    from rapidocr_onnxruntime import RapidOCR

    from knowledge.ingest import ocr
    from knowledge.library import import_paths
    from knowledge.workspace import open_db

    work = Path(tempfile.mkdtemp(prefix="ocr-speed-"))
    pages = scanned_pages(args.pages)
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    pdf = work / "scan.pdf"
    pdf.write_bytes(buffer.getvalue())
    document = pypdfium2.PdfDocument(buffer.getvalue())
    rendered = [
        np.asarray(document[i].render(scale=ocr.RENDER_DPI / 72).to_pil().convert("RGB"))
        for i in range(len(document))
    ]
    document.close()

    def bare_pass(engine: object) -> float:
        started = time.perf_counter()
        for image in rendered:
            engine(image)  # type: ignore[operator]
        return len(rendered) / (time.perf_counter() - started)

    results = {}
    started = time.perf_counter()
    engine = ocr.load_engine()
    results["engine load (s)"] = time.perf_counter() - started
    engine(rendered[0])  # warm up
    if args.default:
        default = RapidOCR()
        default(rendered[0])
        results["bare engine, default settings (pages/s)"] = bare_pass(default)
    # The import between two bare passes: on a shared machine the load drifts, and the pair brackets it.
    before = bare_pass(engine)
    db = open_db(work / "x.db")
    started = time.perf_counter()
    [outcome] = import_paths(db, [pdf])
    elapsed = time.perf_counter() - started
    after = bare_pass(engine)
    assert outcome.status == "imported", outcome.reason
    results["bare engine before the import (pages/s)"] = before
    results["import_paths (pages/s)"] = args.pages / elapsed
    results["bare engine after the import (pages/s)"] = after
    results["passages"] = outcome.passages
    results["load average (1 min)"] = os.getloadavg()[0]
    for key, value in results.items():
        print(f"{key:42s} {value:8.3f}")
    ratio = results["import_paths (pages/s)"] / ((before + after) / 2)
    print(f"{'import / bare engine (same settings)':42s} {ratio:8.2f}x")


if __name__ == "__main__":
    main()
