"""Helpers the readers share: decoding bytes, removing web page chrome, assembling blocks, guessing kinds."""

from __future__ import annotations

import bisect
import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.ingest.base import Block, IngestError, ParsedDocument
from knowledge.vocab import DocumentKind


@dataclass
class Para:
    """A paragraph before assembly: its text and where it sits (page, section)."""

    text: str
    page: int | None = None
    section: str | None = None
    heading: bool = False  # headings go into the text but are not passages of their own
    ocr: float | None = None  # recognised from a scan, with this confidence (see Block.ocr)
    new_passage: bool = False  # see Block.new_passage


# -- limits --------------------------------------------------------------------------------------------------

# About 1,000 pages, or 2,000 passages: two minutes of embedding at ~20 passages a second. Ten times that
# would keep the machine busy for a quarter of an hour; a clear refusal serves the user better.
MAX_TEXT_CHARS = 3_000_000
# Whole files are read into memory (pypdf does so too): beyond this the machine would struggle.
MAX_FILE_BYTES = 256 * 2**20


def too_much_text(characters: int, *, stopped: bool = False) -> IngestError:
    """The refusal of a document whose text is past MAX_TEXT_CHARS; stopped when reading stopped there."""
    return IngestError(
        f"too much text: {'at least ' if stopped else ''}{characters / 1e6:.1f} million characters"
        f" (the limit is {MAX_TEXT_CHARS / 1e6:g} million; split the file)"
    )


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MB" if count >= 2**20 else f"{count / 1024:.0f} KB"


def check_file_size(size: int, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file of more than limit bytes before reading it."""
    if size > limit:
        raise IngestError(f"file too large: {_size(size)} (the limit is {_size(limit)}; split the file)")


def cannot_read(exc: OSError) -> str:
    """The one-line reason for a file the system would not let us read."""
    return f"cannot read the file ({exc.strerror or exc})"


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes; IngestError when it cannot be read or is larger than limit (checked before reading)."""
    try:
        with path.open("rb") as handle:
            check_file_size(os.fstat(handle.fileno()).st_size, limit)
            return handle.read()
    except OSError as exc:
        raise IngestError(cannot_read(exc)) from exc


_WHITESPACE = " \t\n\r\x0b\x0c"


def visible_chars(text: str) -> int:
    """Characters other than ASCII whitespace: a cheap lower estimate of the text a reader will keep."""
    return len(text) - sum(map(text.count, _WHITESPACE))


def check_visible_text(text: str) -> None:
    """Refuse text past MAX_TEXT_CHARS before any parsing is spent on it."""
    if len(text) > MAX_TEXT_CHARS and (count := visible_chars(text)) > MAX_TEXT_CHARS:
        raise too_much_text(count)


# -- text encodings ------------------------------------------------------------------------------------------

# Control characters (C0 but tab and newline, DEL, C1) and lone surrogates: never text, and NUL or a
# surrogate would break SQLite's FTS5 or UTF-8 encoding further down.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Controls that mark binary data when they are common: everything of _CONTROL's C0 range but the
# whitespace ones (\r \f \v are kept for the count: they are normal in text).
_BINARY = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Above this share of binary controls a "text" file is data (random bytes give ~11%).
_BINARY_SHARE = 0.05
BINARY = "binary data, not text"

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def strip_controls(text: str) -> str:
    """Text without control characters or lone surrogates; line breaks of every kind become \\n."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is zero, as in mostly-Latin UTF-16 text."""
    sample = data[:65536]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(encoding), encoding
            except UnicodeDecodeError:
                if encoding == "utf-8":  # a UTF-8 mark on legacy text: decided below like any other
                    data, declared = body, None
                    break
                text = body.decode(encoding, errors="replace")  # a truncated last character, say
                if text.count("\ufffd") * 20 > len(text):
                    raise IngestError(f"the file says it is {encoding} but is not") from None
                return text.replace("\ufffd", ""), encoding
    if declared:
        try:
            return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    if encoding := _utf16_without_bom(data):
        text = data[: len(data) // 2 * 2].decode(encoding, errors="replace")
        if text.count("\ufffd") * 20 <= len(text):
            return text.replace("\ufffd", ""), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a file cut inside its last character
            return data[: exc.start].decode("utf-8"), "utf-8"
    # UTF-8 with a few stray bytes (a bad paste, a damaged sector) is still UTF-8: more characters decode
    # than fail. In cp1252 text nearly every accented letter fails as UTF-8.
    text = data.decode("utf-8", errors="replace")
    failed = text.count("\ufffd")
    if len(text) - _ascii_count(text) - failed > failed:
        return text.replace("\ufffd", ""), "utf-8"
    # cp1252 leaves five bytes undefined; drop those rather than fail on a stray byte.
    return data.decode("cp1252", errors="replace").replace("\ufffd", ""), "cp1252"


def _ascii_count(text: str) -> int:
    return len(text.encode("ascii", errors="ignore"))


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Text and its encoding: a BOM decides, else the declared encoding, else UTF-16 by its zero bytes, else
    UTF-8, else cp1252. Control characters are removed; IngestError when there are so many it is binary."""
    text, encoding = _decode(data, declared)
    binary = len(_BINARY.findall(text, 0, 1 << 20)) if text else 0
    if binary and binary > _BINARY_SHARE * min(len(text), 1 << 20):
        raise IngestError(BINARY)
    return strip_controls(text), encoding


def read_text_file(path: Path, *, one_document: bool = True) -> tuple[str, str]:
    """A text file's content with normalised newlines and no control characters, and the encoding detected.

    When the file is one document, text past MAX_TEXT_CHARS is refused here, before any parsing."""
    text, encoding = decode_bytes(read_bytes(path))
    if one_document:
        check_visible_text(text)
    return text, encoding


# -- what a file really is -----------------------------------------------------------------------------------

# (first bytes, what the file is): enough to tell a user what they have. Each signature is specific
# enough that no ordinary text starts with it.
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc, .xls or .ppt)"),
    (b"\x1f\x8b\x08", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ\x90\x00", "a Windows program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def sniff(head: bytes) -> str | None:
    """What a file is from its first bytes, when they are a well-known binary signature."""
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), None)


def describe_content(head: bytes) -> str:
    """What the first bytes of a file look like, as a phrase: 'it looks like a ZIP archive'."""
    known = sniff(head)
    if known:
        return f"it looks like {known}"
    if not head.strip():
        return "it holds only blank space"
    try:
        text = decode_bytes(head)[0].lower()
    except IngestError:
        return "it holds data of an unknown kind"
    if "<html" in text or "<!doctype html" in text:
        return "it looks like an HTML page"
    return "it looks like plain text"


# -- the failure of a library --------------------------------------------------------------------------------


def one_line(text: str, limit: int = 160) -> str:
    """A message on one line, cut to limit characters (the user reads it in a terminal or a table)."""
    text = " ".join(strip_controls(str(text)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def failure_reason(exc: BaseException, damaged: str = "could not be read") -> str:
    """A short reason for an unexpected exception of a parsing library; damaged prefixes the details."""
    if isinstance(exc, IngestError):
        return one_line(str(exc))
    if isinstance(exc, RecursionError) or "excessive depth" in str(exc).lower():
        return "nested too deeply to be read"
    if isinstance(exc, MemoryError):
        return "too large to read into memory"
    if isinstance(exc, OSError) and exc.strerror:
        return cannot_read(exc)
    if isinstance(exc, UnicodeError):
        return f"{damaged} (text in a broken encoding)"
    detail = one_line(str(exc), 100)
    # A bare KeyError('x') or struct.error says little: name the kind of problem as well.
    if not detail or len(detail) < 12:
        detail = f"{type(exc).__name__}{': ' + detail if detail else ''}"
    return f"{damaged} ({detail})"


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
    r"\s*(?:" + "|".join(re.escape(p) for p in CHROME_PHRASES[:6]) + r")[.!]?$", re.IGNORECASE
)
# The regex only ever looks at a line's last characters: searching a whole long line would cost time
# quadratic in its runs of spaces.
_GLUED_REACH = 2 * max(len(p) for p in CHROME_PHRASES[:6])
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
        tail = line.rstrip()
        glued = _GLUED.search(tail, max(0, len(tail) - _GLUED_REACH))
        stripped = tail[: glued.start()] if glued else line
        if glued and not stripped.strip():
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
                Block(
                    text,
                    para.page,
                    para.section,
                    pos,
                    pos + len(text),
                    ocr=para.ocr,
                    new_passage=para.new_passage,
                )
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


# -- the finished document ----------------------------------------------------------------------------------

# A title or section name is a line in a list, not a paragraph: longer ones are cut (a section name is
# stored with every passage of its section).
MAX_TITLE_CHARS = 300


def _clean_text_keeping_offsets(doc: ParsedDocument) -> None:
    """Control characters removed from doc.text, Block offsets moved to match (blocks left empty dropped)."""
    removed = [m.start() for m in _CONTROL.finditer(doc.text)]
    if not removed:
        return
    doc.text = _CONTROL.sub("", doc.text)

    def moved(offset: int) -> int:
        return offset - bisect.bisect_left(removed, offset)

    blocks = []
    for block in doc.blocks:
        start, end = moved(block.start), moved(block.end)
        piece = doc.text[start:end]
        start, end = start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())
        if end > start:
            blocks.append(
                Block(
                    doc.text[start:end], block.page, block.section, start, end, block.ocr, block.new_passage
                )
            )
    doc.blocks = blocks


def _clean_value(value: Any) -> Any:
    """Strings anywhere in a metadata value without control characters (SQLite and JSON take them)."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {_clean_value(k): _clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_value(v) for v in value]
    return value


def _clean_field(value: str | None) -> str | None:
    """A short field on one line without control characters; None when nothing is left."""
    if value is None:
        return None
    value = " ".join(strip_controls(value).split())
    if len(value) > MAX_TITLE_CHARS:
        value = value[:MAX_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return value or None


def finish_document(doc: ParsedDocument, fallback_title: str) -> ParsedDocument:
    """What every reader's result goes through: no control characters or lone surrogates anywhere (they
    break FTS5 and UTF-8), a title and section names on one line of sensible length, and text within
    MAX_TEXT_CHARS."""
    _clean_text_keeping_offsets(doc)
    if len(doc.text) > MAX_TEXT_CHARS:
        raise too_much_text(len(doc.text))
    doc.title = _clean_field(doc.title) or _clean_field(fallback_title) or "Untitled"
    for block in doc.blocks:
        block.section = _clean_field(block.section)
    doc.kind, doc.date, doc.org = _clean_field(doc.kind), _clean_field(doc.date), _clean_field(doc.org)
    doc.external_id, doc.source = _clean_value(doc.external_id), _clean_value(doc.source)
    if doc.rows is not None:
        doc.rows = _clean_value(doc.rows)
    doc.metadata = _clean_value(doc.metadata)
    return doc


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


def _by_length(text: str) -> DocumentKind:
    return DocumentKind.REPORT if len(text.split()) >= 500 else DocumentKind.OTHER


def guess_kind(title: str, text: str) -> DocumentKind:
    """roundtable_notes / minutes when the text looks like meeting notes, else report if long, else other."""
    sample = text[:20000]
    lowered = sample.lower()
    # The regexes are only worth running when a marker word occurs at all (bulk imports of abstracts).
    if not any(word in lowered for word in _MARKER_WORDS):
        return _by_length(text)
    markers = sum(bool(re.search(m, sample, re.IGNORECASE | re.MULTILINE)) for m in _NOTES_MARKERS)
    if markers:
        head = (title + "\n" + sample[:3000]).lower()
        if "roundtable" in head or "round table" in head or markers >= 2:
            return DocumentKind.MINUTES if "minutes" in title.lower() else DocumentKind.ROUNDTABLE_NOTES
    if re.search(r"\bminutes of\b", title, re.IGNORECASE):
        return DocumentKind.MINUTES
    if re.search(r"\bguidance\b|\bguideline", title, re.IGNORECASE):
        return DocumentKind.GUIDANCE
    return _by_length(text)


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


# Header fields of meeting notes written as plain "Key: value" lines (Word, text). Only these keys count,
# so an ordinary sentence with a colon near the top is not mistaken for one.
HEADER_KEYS = {
    "date", "chair", "chaired by", "venue", "location", "host", "hosted by", "partners", "note-taker",
    "note taker", "minutes", "time", "classification", "facilitator", "organiser", "organizer",
}  # fmt: skip


# The value is stripped in Python: a lazy group before \s*$ backtracks quadratically on long space runs.
_HEADER_LINE = re.compile(r"\s*([A-Za-z][A-Za-z -]{1,20}?)\s*:\s*(\S.*)")


def header_fields(lines: list[str]) -> dict[str, str]:
    """{'date': '14 March 2024', 'chair': ...} from 'Date: 14 March 2024'-style lines near the top."""
    fields: dict[str, str] = {}
    for line in lines[:40]:
        m = _HEADER_LINE.match(line)
        if m and m.group(1).strip().lower() in HEADER_KEYS:
            key = re.sub(r"[^a-z0-9]+", "_", m.group(1).strip().lower()).strip("_")
            fields.setdefault(key, m.group(2).strip())
    return fields
