"""How a report's HTML is laid out for Qt's PDF writer (desktop/pdf_export.py), without Qt: print CSS,
column widths, landscape for tables too wide for portrait A4. The parent process prepares the HTML; the
child that draws it only needs Qt."""

from __future__ import annotations

import re

PAGE_MARGIN_MM = 18
DPI = 300
# Qt's rich text understands this subset of CSS; sizes in points so they mean the same at any resolution.
PRINT_CSS = """
h1 { font-size: 17pt; color: #003087; margin-top: 0; margin-bottom: 3pt; }
h2 { font-size: 13pt; color: #003087; margin-top: 9pt; margin-bottom: 3pt; }
h3 { font-size: 11pt; margin-top: 7pt; margin-bottom: 2pt; }
p { margin-top: 0; margin-bottom: 4pt; }
li { margin-top: 0; margin-bottom: 1pt; }
ul, ol { margin-top: 0; margin-bottom: 4pt; }
table { border-collapse: collapse; border-color: #8c939b; margin-top: 2pt; margin-bottom: 6pt; }
th { background-color: #dce6f1; font-weight: bold; }
th, td { padding: 1.5pt; font-size: 8.5pt; }
table.wide th, table.wide td { font-size: 7pt; padding: 1pt; }
blockquote { margin-top: 2pt; margin-bottom: 6pt; margin-left: 14pt; margin-right: 6pt; color: #374151; }
em { color: #4b5563; }
"""
_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
# Qt reads font sizes in points but margins, paddings and borders in device pixels: at 300 dpi, "2px" is a
# hairline. Lengths are written in points and turned into pixels for the PDF's resolution.
_LENGTH = re.compile(r"(?<!font-size: )(?<![\d.])(\d+(?:\.\d+)?)pt\b")
TABLE_BORDER_PT = 0.6
_HEADER_CELL = re.compile(r"<th(?=[ >])")
TABLE_PT = (8.5, 7)  # as PRINT_CSS sets them: a table's type, and that of a table of many columns
CELL_PADDING_MM = 3.2  # both paddings, the border, and the air Qt's layout keeps beside a word
A4_MM = (210, 297)
# Dates, percentages and counts never wrap ("2026-11-0" above "1" is what Qt does to a narrow column).
_SHORT_CELL = re.compile(r"<td>(\d{4}-\d{2}-\d{2}|\d+%?|–)</td>")


def device_css(css: str, dpi: int) -> str:
    """The CSS with every length but font sizes in device pixels."""
    return _LENGTH.sub(lambda m: f"{round(float(m.group(1)) * dpi / 72)}px", css)


def text_width_mm(landscape: bool) -> float:
    return A4_MM[1 if landscape else 0] - 2 * PAGE_MARGIN_MM


def landscape_wanted(html: str) -> bool:
    """Whether a table of the report is too wide for portrait A4 (knowledge.reports.blocks)."""
    from knowledge.reports.blocks import needs_landscape, parse_html

    return needs_landscape(parse_html(html), text_width_mm(False), *TABLE_PT, CELL_PADDING_MM)


def print_html(html: str, dpi: int = DPI, text_mm: float | None = None) -> str:
    """The report's HTML with its browser CSS removed and its tables marked up for Qt's layout, which
    otherwise sizes columns evenly: full width, each column as wide as its longest word and a share of
    the rest by how much it holds (knowledge.reports.blocks.table_layout), many columns in a smaller type."""
    from knowledge.reports.blocks import parse_html, table_layout, table_size, table_texts

    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    border = max(1, round(TABLE_BORDER_PT * dpi / 72))
    text_mm = text_mm or text_width_mm(False)

    def table(match: re.Match[str]) -> str:
        inner = match.group(1)
        found = [b for b in parse_html(f"<table>{inner}</table>") if b.kind == "table"]
        wide = ""
        if found and found[0].header_rows:
            size = table_size(found[0], *TABLE_PT)
            wide = ' class="wide"' if size == TABLE_PT[1] else ""
            layout = table_layout(table_texts(found[0]), text_mm, size, CELL_PADDING_MM, found[0].header_rows)
            shares = iter([f"{100 * w / text_mm:.1f}" for w in layout.widths])
            head, rest = inner.split("</tr>", 1)
            head = _HEADER_CELL.sub(lambda m: f'<th width="{next(shares, "")}%"', head)
            inner = head + "</tr>" + rest
        inner = _SHORT_CELL.sub(r'<td style="white-space: nowrap">\1</td>', inner)
        return f'<table width="100%" border="{border}" cellspacing="0"{wide}>{inner}</table>'

    return _TABLE.sub(table, html)


def prepare(html: str) -> tuple[str, bool]:
    """The HTML to draw and whether to turn the page to landscape."""
    landscape = landscape_wanted(html)  # the tracker's dozen columns do not fit across portrait A4
    return print_html(html, DPI, text_width_mm(landscape)), landscape
