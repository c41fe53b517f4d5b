"""Helpers the readers share: decoding bytes, removing web page chrome, assembling blocks, guessing kinds."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.ingest.base import Block, IngestError


@dataclass
class Para:
    """A paragraph before assembly: its text and where it sits (page, section)."""

    text: str
    page: int | None = None
    section: str | None = None
    heading: bool = False  # headings go into the text but are not passages of their own


# -- text encodings ------------------------------------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and its encoding: a BOM decides, else UTF-8, else BOM-less UTF-16, else cp1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise IngestError(f"the file says it is {encoding} but is not ({exc.reason})") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM shows as every other byte being zero in mostly-ASCII text.
    if len(data) >= 4 and data.count(b"\x00") > len(data) // 4:
        even_zero = data[0::2].count(0) > data[1::2].count(0)
        try:
            return data.decode("utf-16-be" if even_zero else "utf-16-le"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise IngestError("this looks like a binary file, not text")
    # cp1252 leaves five bytes undefined; map them through latin-1 rather than fail on a stray byte.
    return data.decode("cp1252", errors="replace").replace("\ufffd", ""), "cp1252"


def read_text_file(path: Path) -> tuple[str, str]:
    """A text file's content with normalised newlines, and the encoding detected."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror or exc})") from exc
    text, encoding = decode_bytes(data)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


# -- page chrome of scraped web pages ------------------------------------------------------------------------

# Lines that are nothing but site furniture; compared lower-cased, trailing punctuation ignored.
CHROME_PHRASES = (
    "close this search box",
    "scroll to top",
    "back to top",
    "skip to content",
    "skip to main content",
    "skip to navigation",
    "toggle navigation",
    "open menu",
    "close menu",
    "search for",
    "search this site",
    "accept all cookies",
    "accept cookies",
    "reject all cookies",
    "cookie settings",
    "manage cookies",
    "print this page",
    "share this article",
    "share this page",
    "share this",
    "subscribe to our newsletter",
    "sign up to our newsletter",
    "you may also like",
    "related posts",
    "related articles",
    "read more",
    "load more",
)
# Chrome that scrapers glue onto the end of the last real line ("...confusion.Scroll to Top").
_GLUED = re.compile(
    r"\s*(?:" + "|".join(re.escape(p) for p in CHROME_PHRASES[:6]) + r")[.!]?\s*$", re.IGNORECASE
)
# Single navigation words; a line made only of these (with separators) is a menu, not content.
NAV_WORDS = set(
    "home|about|about us|contact|contact us|menu|search|log in|login|sign in|sign up|register|"
    "subscribe|share|tweet|print|email|next|previous|prev|back|more|news|blog|events|careers|"
    "facebook|twitter|x|linkedin|instagram|youtube|cookies|cookie policy|privacy|privacy policy|"
    "terms|terms and conditions|accessibility|sitemap|site map|copy link|whatsapp".split("|")
)
_NAV_SPLIT = re.compile(r"\s*(?:[|•·›»/]|\s-\s)\s*")


def is_chrome_line(line: str) -> bool:
    """True for a line that is only site furniture ('Scroll to Top', 'Home | About | Contact')."""
    key = line.strip().lower().rstrip(".!:…")
    if not key:
        return False
    if key in CHROME_PHRASES:
        return True
    if len(key) > 80:
        return False
    parts = [p for p in _NAV_SPLIT.split(key) if p]
    return bool(parts) and all(p.strip() in NAV_WORDS for p in parts)


def remove_chrome(text: str) -> str:
    """Drop chrome lines and chrome glued to the end of a line, keeping everything else as it was."""
    kept = []
    for line in text.split("\n"):
        if is_chrome_line(line):
            continue
        stripped = _GLUED.sub("", line)
        if stripped != line and not stripped.strip():
            continue
        kept.append(stripped)
    return "\n".join(kept)


# -- assembling a document -----------------------------------------------------------------------------------


def assemble(paras: list[Para]) -> tuple[str, list[Block]]:
    """The document text (paragraphs joined by blank lines) and one Block per non-heading paragraph whose
    offsets slice that text back exactly."""
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for para in paras:
        text = para.text.strip()
        if not text:
            continue
        if parts:
            pos += 2  # the "\n\n" separator
        parts.append(text)
        if not para.heading:
            blocks.append(
                Block(text=text, page=para.page, section=para.section, start=pos, end=pos + len(text))
            )
        pos += len(text)
    return "\n\n".join(parts), blocks


def markdown_table(rows: list[list[str]]) -> str:
    """The table as a markdown pipe table, for metadata['raw_text'] (action extraction reads those)."""
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in padded]
    return "\n".join([lines[0], "|" + "---|" * width, *lines[1:]])


def table_rows_text(rows: list[list[str]]) -> list[str]:
    """Each row as 'Header: value; Header: value' when the first row looks like a header, else 'a; b'."""
    if len(rows) < 2:
        return ["; ".join(c for c in r if c) for r in rows if any(r)]
    header = rows[0]
    out = []
    for cells in rows[1:]:
        if len(cells) == len(header):
            parts = [f"{h}: {v}" if h else v for h, v in zip(header, cells, strict=True) if v]
        else:
            parts = [c for c in cells if c]
        if parts:
            out.append("; ".join(parts))
    return out


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; lines inside a paragraph keep their line breaks."""
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n+", text) if p.strip()]


def normalise_space(text: str) -> str:
    """Runs of spaces and tabs collapsed, trailing spaces dropped, at most one blank line in a row."""
    lines = [" ".join(line.split()) for line in text.replace("\u200b", "").split("\n")]
    text = "\n".join(lines)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# -- kind, title, date ---------------------------------------------------------------------------------------

_NOTES_MARKERS = (
    r"^#*\s*attendees\b",
    r"^#*\s*(?:\d+\.\s*)?actions? agreed\b",
    r"^#*\s*apologies\b",
    r"^#*\s*present\s*:",
    r"\bnote[- ]taker\b",
    r"^#*\s*action log\b",
    r"^\W*chair\W*\s*:",
)


_MARKER_WORDS = ("attendees", "agreed", "apologies", "present", "note", "action", "chair")


def guess_kind(title: str, text: str) -> str:
    """roundtable_notes / minutes when the text looks like meeting notes, else report if long, else other."""
    sample = text[:20000]
    lowered = sample.lower()
    # The regexes are only worth running when a marker word occurs at all (bulk imports of abstracts).
    if not any(word in lowered for word in _MARKER_WORDS):
        return "report" if len(text.split()) >= 500 else "other"
    markers = sum(bool(re.search(m, sample, re.IGNORECASE | re.MULTILINE)) for m in _NOTES_MARKERS)
    if markers:
        head = (title + "\n" + sample[:3000]).lower()
        if "roundtable" in head or "round table" in head or markers >= 2:
            return "minutes" if "minutes" in title.lower() else "roundtable_notes"
    if re.search(r"\bminutes of\b", title, re.IGNORECASE):
        return "minutes"
    if re.search(r"\bguidance\b|\bguideline", title, re.IGNORECASE):
        return "guidance"
    return "report" if len(text.split()) >= 500 else "other"


_ACRONYMS = {
    "ai",
    "icb",
    "ics",
    "nhs",
    "it",
    "ig",
    "dpia",
    "nice",
    "mhra",
    "dhsc",
    "cqc",
    "pacs",
    "ct",
    "mri",
    "epr",
    "uk",
    "ppp",
    "cnst",
    "gp",
    "ccio",
    "mdt",
    "pdf",
}


def title_from_path(path: Path) -> str:
    """A readable title from a file name: 'moorland-icb-ai-tracker.csv' -> 'Moorland ICB AI tracker'."""
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in re.sub(r"[-_]+", " ", path.stem).split()]
    if not words:
        return path.name
    return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:])


def looks_like_title(line: str) -> bool:
    """A line that could be a document's title: a few words, mostly letters, not a sentence fragment."""
    line = line.strip()
    words = line.split()
    if not 1 <= len(words) <= 20 or len(line) > 200:
        return False
    letters = sum(c.isalpha() for c in line)
    return letters >= max(3, len(line) // 2) and not line.endswith((",", ";"))


def parse_any_date(value: str | None) -> str | None:
    """An ISO date from the ways people write dates, or None when the text is not one."""
    if not value:
        return None
    from knowledge.actions import parse_date

    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


# Header fields of meeting notes written as plain "Key: value" lines (Word, text). Only these keys count,
# so an ordinary sentence with a colon near the top is not mistaken for one.
HEADER_KEYS = {
    "date", "chair", "chaired by", "venue", "location", "host", "hosted by", "partners", "note-taker",
    "note taker", "minutes", "time", "classification", "facilitator", "organiser", "organizer",
}  # fmt: skip


def header_fields(lines: list[str]) -> dict[str, str]:
    """{'date': '14 March 2024', 'chair': ...} from 'Date: 14 March 2024'-style lines near the top."""
    fields: dict[str, str] = {}
    for line in lines[:40]:
        m = re.match(r"^\s*([A-Za-z][A-Za-z -]{1,20}?)\s*:\s*(\S.*?)\s*$", line)
        if m and m.group(1).strip().lower() in HEADER_KEYS:
            key = re.sub(r"[^a-z0-9]+", "_", m.group(1).strip().lower()).strip("_")
            fields.setdefault(key, m.group(2))
    return fields
