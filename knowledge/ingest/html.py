"""HTML reader (stdlib html.parser): scripts, navigation and page chrome dropped, headings become sections."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from knowledge.dates import parse_any_date
from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    MAX_TEXT_CHARS,
    Para,
    assemble,
    decode_bytes,
    guess_kind,
    header_fields,
    is_chrome_line,
    markdown_table,
    normalise_space,
    read_bytes,
    remove_chrome,
    table_rows_text,
    title_from_path,
    too_much_text,
    visible_chars,
)

# Everything inside these is furniture or code, never document text.
SKIP_TAGS = set(
    "script style nav header footer aside form noscript svg template button select iframe object "
    "canvas dialog menu".split(" ")
)
BLOCK_TAGS = set(
    "p div section article main li dd dt blockquote pre figcaption tr table ul ol dl hr "
    "address caption body td th".split(" ")
)
# html.parser handles a few hundred thousand tags a second: a page of pure tags this big takes a minute.
MAX_PAGE_BYTES = 64 * 2**20
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Skipping counts only the tag that started it, so unclosed <li> or <p> inside a <nav> cannot
        # leave the rest of the page skipped (or end the skip early).
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.buffer: list[str] = []
        self.cells: list[str] | None = None
        self.table: list[list[str]] | None = None
        self.paras: list[tuple[str, bool]] = []  # (text, is_heading)
        self.raw: list[str] = []  # the page as markdown (headings, paragraphs, pipe tables)
        self.title_parts: list[str] = []
        self.in_title = False
        self.in_heading = False
        self.h1: str | None = None
        self.meta: dict[str, str] = {}
        self.pre = 0
        self.visible = 0  # characters of text seen so far: past MAX_TEXT_CHARS the page is refused

    def parse_html_declaration(self, i: int) -> int:
        try:
            return super().parse_html_declaration(i)
        except AssertionError:  # Python 3.11's _markupbase asserts on odd "<![" and "<!doctype" forms
            end = self.rawdata.find(">", i + 2)
            return end + 1 if end >= 0 else -1

    def _flush(self, heading: bool = False) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if not self.pre:  # <br> leaves a line break; other whitespace runs collapse as a browser shows them
            text = "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
        if text.strip():
            self.paras.append((text.strip(), heading))
            self.raw.append(text.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta":
            name = (attributes.get("name") or attributes.get("property") or "").lower()
            if name and attributes.get("content"):
                self.meta[name] = attributes["content"] or ""
            return
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        hidden = "hidden" in attributes or (attributes.get("aria-hidden") or "").lower() == "true"
        role = (attributes.get("role") or "").lower()
        if (
            tag in SKIP_TAGS
            or (hidden and tag not in VOID)
            or role in {"navigation", "banner", "contentinfo"}
        ):
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "title":
            self.in_title = True
        elif tag in HEADINGS:
            self._flush()
            self.in_heading = True
        elif tag == "table" and self.table is None:
            self._flush()
            self.table = []
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in {"td", "th"} and self.cells is not None:
            self.buffer = []
        elif tag == "br":
            self.buffer.append("\n")
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag == "pre":
                self.pre += 1
        elif tag == "img" and attributes.get("alt"):
            self.buffer.append(f" {attributes['alt']} ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if tag == "title":
            self.in_title = False
        elif tag in HEADINGS:
            text = " ".join("".join(self.buffer).split())
            self.buffer = []
            if text:
                self.paras.append((text, True))
                self.raw.append("#" * int(tag[1]) + " " + text)
                if tag == "h1" and self.h1 is None:
                    self.h1 = text
            self.in_heading = False
        elif tag in {"td", "th"} and self.cells is not None:
            self.cells.append(" ".join("".join(self.buffer).split()))
            self.buffer = []
        elif tag == "tr" and self.cells is not None:
            if self.table is not None:
                self.table.append(self.cells)
            elif any(self.cells):
                self.paras.append(("; ".join(c for c in self.cells if c), False))
            self.cells = None
        elif tag == "table" and self.table is not None:
            # Header: value per row (as for Word tables), and a pipe table for action extraction.
            rows = [r for r in self.table if any(r)]
            if rows:
                self.paras.append(("\n".join(table_rows_text(rows)), False))
                self.raw.append(markdown_table(rows))
            self.table = None
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.visible += visible_chars(data)
        if self.visible > MAX_TEXT_CHARS:
            raise too_much_text(self.visible, stopped=True)
        if self.in_title:
            self.title_parts.append(data)
        else:
            self.buffer.append(data if self.pre else data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush()


_READ_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


def _decode_html(data: bytes) -> str:
    head = data[:4096].decode("ascii", errors="ignore")
    m = re.search(r"""<meta[^>]+charset=["']?([\w-]+)""", head, re.IGNORECASE)
    declared = m.group(1).lower() if m else None
    if declared and declared.startswith(("utf-16", "utf-32")):
        declared = None  # a page that can say so in ASCII is not UTF-16 (browsers ignore this too)
    elif declared in _READ_AS_CP1252:
        declared = "cp1252"  # as browsers do: such pages are full of Windows quotes and dashes
    return decode_bytes(data, declared)[0]


def _defuse(markup: str) -> str:
    """Markup with every "<" that can never be completed written as "&lt;" (as html.parser would end up
    reading it anyway): html.parser rescans to the end of the page for each unterminated construct,
    quadratic time on a page full of them."""
    last = markup.rfind(">")
    head, tail = markup[: last + 1], markup[last + 1 :]
    # An opener after the last possible end of its kind never ends either (a marked section "<![...]]>"
    # or "<![if ...]>" needs a "]").
    for opener, closer in (("<!--", "-->"), ("<![", "]")):
        end = head.rfind(closer)
        end = end + len(closer) if end >= 0 else 0
        if opener in head[end:]:
            head = head[:end] + head[end:].replace(opener, "&lt;" + opener[1:])
    return head + tail.replace("<", "&lt;")


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    # "Article name | Site name": the site name is chrome.
    for separator in (" | ", " – ", " — ", " - "):
        if separator in title:
            first = title.split(separator)[0].strip()
            if len(first.split()) >= 3:
                return first
    return title


@register_reader(".html", ".htm", label="HTML", damaged="not a readable HTML page")
def read_html(path: Path) -> ParsedDocument:
    """An .html/.htm file: visible body text in paragraphs, h1-h6 as sections, title from <title> or <h1>."""
    markup = _decode_html(read_bytes(path, MAX_PAGE_BYTES))
    collector = _Collector()
    collector.feed(_defuse(markup))
    collector.close()
    paras: list[Para] = []
    section = None
    for text, heading in collector.paras:
        text = normalise_space(remove_chrome(text))
        if not text or is_chrome_line(text):
            continue
        if heading:
            section = text
        paras.append(Para(text, section=section, heading=heading))
    title = _clean_title("".join(collector.title_parts)) or collector.h1 or title_from_path(path)
    text, blocks = assemble(paras)
    if not text:
        raise IngestError("no readable text in this HTML page")
    if not blocks:
        text, blocks = assemble([Para(p.text, section=p.section) for p in paras])
    meta = {
        k: v
        for k, v in collector.meta.items()
        if k in {"author", "description", "date", "dc.date", "article:published_time", "keywords"}
    }
    date = None
    for key in ("article:published_time", "dc.date", "date"):
        if meta.get(key):
            date = parse_any_date(meta[key][:10]) or parse_any_date(meta[key])
            if date:
                break
    raw_text = "\n\n".join(collector.raw)
    fields = header_fields(raw_text.split("\n"))
    date = date or parse_any_date(fields.get("date"))
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, raw_text),
        date=date,
        metadata={**meta, **fields, "raw_text": raw_text},
    )
