"""A report's HTML as an A4 PDF with page numbers, drawn by Qt: `python -m desktop.pdf_export OUT.pdf`.

The operations layer and the command line stay free of Qt (and of a display): desktop.exporters runs this
module as a child process, which reads the HTML (prepared by desktop.pdf_layout) on standard input, writes
the PDF and exits 0, or prints one line saying why not and exits 1."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from desktop.pdf_layout import DPI, PAGE_MARGIN_MM, PRINT_CSS, device_css

FOOTER_MM = 9  # room under the text for "Title · page 2 of 5"
BODY_PT = 10
KEEP_WITH_HEADING_MM = 30  # a heading closer than this to the foot of a page starts the next page
_MAX_HEADING_MOVES = 200  # each move lays the rest out again: a bound for a pathological document


def _application() -> object:
    """The running QGuiApplication, or a new offscreen one (text layout needs one; a PDF needs no screen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(["roundtable-pdf"])


def render_pdf(html: str, path: str | Path, title: str, landscape: bool = False) -> int:
    """Write the report as an A4 PDF at `path` from HTML that desktop.pdf_layout.prepare() made;
    returns the number of pages."""
    _application()
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
    from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if landscape:
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(*(PAGE_MARGIN_MM,) * 4), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Roundtable Desk")  # never the login name: the file may be circulated

    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)  # measure text at the PDF's resolution
    font = QFont()
    font.setFamilies(["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"])
    font.setPointSizeF(BODY_PT)
    # Without ligatures "fi" stays two letters in the PDF's text, so a search or a copy finds "figures".
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setDefaultStyleSheet(device_css(PRINT_CSS, writer.resolution()))
    document.setHtml(html)

    page = writer.pageLayout().paintRectPixels(writer.resolution())
    footer = FOOTER_MM / 25.4 * writer.resolution()
    body = QSizeF(page.width(), page.height() - footer)
    document.setPageSize(body)  # paginates: no line is cut between two pages
    _keep_headings_with_text(document, body.height(), KEEP_WITH_HEADING_MM / 25.4 * writer.resolution())
    pages = document.pageCount()

    painter = QPainter(writer)
    footer_font = QFont(font)
    footer_font.setPointSizeF(7.5)
    for number in range(pages):
        if number:
            writer.newPage()
        painter.save()
        painter.translate(0, -number * body.height())
        document.drawContents(painter, QRectF(0, number * body.height(), body.width(), body.height()))
        painter.restore()
        painter.setFont(footer_font)
        painter.setPen(QColor("#6b7280"))
        label = painter.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight, int(body.width() * 0.7))
        area = QRectF(0, page.height() - footer * 0.6, body.width(), footer * 0.6)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, f"{label} · page {number + 1} of {pages}")
    painter.end()
    return pages


def _keep_headings_with_text(document: Any, page_height: float, room: float) -> None:
    """Move a heading that lands in the last `room` of a page to the next one, with the headings right
    above it ("Recommendations" over "1. Position AI ..."): Qt's layout has no keep-with-next, and a
    heading alone at the foot of a page reads as a mistake. One heading at a time, each move laid out
    again before the next is looked for (the blocks after it have all moved)."""
    from PySide6.QtGui import QTextBlockFormat, QTextCursor

    moved: set[int] = set()
    for _ in range(_MAX_HEADING_MOVES):
        start = _stranded_heading(document, page_height, room, moved)
        if start is None:
            return
        moved.add(start.position())
        fmt = start.blockFormat()
        fmt.setPageBreakPolicy(QTextBlockFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        QTextCursor(start).setBlockFormat(fmt)
        # Without this Qt keeps the old positions of the blocks below and draws no text for them.
        document.markContentsDirty(start.position(), document.characterCount() - start.position())


def _stranded_heading(document: Any, page_height: float, room: float, moved: set[int]) -> Any:
    """The first heading (or run of headings) starting in the last `room` of a page, or None."""
    layout = document.documentLayout()

    def offset(block: Any) -> float:
        return layout.blockBoundingRect(block).top() % page_height

    block, first = document.begin(), None  # `first`: the first of the headings just above this block
    while block.isValid():
        if block.blockFormat().headingLevel() > 0:
            first = first if first is not None else block
            if room < offset(block) > page_height - room:
                start = first if offset(first) > room else block  # not one that already starts a page
                if start.position() not in moved:
                    return start
        elif block.text().strip():
            first = None
        block = block.next()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.pdf_export", description=__doc__)
    parser.add_argument("out", help="the PDF to write")
    parser.add_argument("--title", default="Roundtable Desk report", help="for the footer and metadata")
    parser.add_argument("--landscape", action="store_true", help="turn the pages")
    args = parser.parse_args(argv)
    try:
        html = sys.stdin.buffer.read().decode("utf-8")
        render_pdf(html, args.out, args.title, args.landscape)
    except (OSError, UnicodeDecodeError, RuntimeError) as exc:
        print(f"cannot write the PDF: {exc}", file=sys.stderr)
        return 1
    if not Path(args.out).is_file():  # QPdfWriter reports nothing when it cannot open its file
        print(f"cannot write the PDF: {args.out} was not created", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
