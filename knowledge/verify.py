"""Checking a saved report's citations: each quote against its reference and against its source passage."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.library import deleted_documents
from knowledge.redact import PLACEHOLDERS
from knowledge.reports.citations import (
    Reference,
    normalise,
    parse_reference,
    quote_digest,
    visible_markdown,
)

# What Writer.quote() adds around an excerpt (excerpt()'s ellipses) and strips from a source (bold markers).
_LEADING_ELLIPSIS, _TRAILING_ELLIPSIS = "… ", " …"
_EMPHASIS = re.compile(r"\*\*|__")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
QUOTE_SHOWN = 60  # characters of a quote named in a problem line
MIN_SHARED = 0.6  # share of an altered quote's words a passage must hold, in order, to name the edit


class VerifyError(ValueError):
    """A file that cannot be read as a report; the message names the file and the reason."""


class State(StrEnum):
    """What checking one citation found."""

    MATCH = "match"
    ALTERED = "altered"  # the quote no longer hashes to its reference: someone edited it
    GONE = "gone"  # the document is deleted (or was never in this database)
    CHANGED = "changed"  # the document no longer says what the quote says, on that page


@dataclass(frozen=True)
class Citation:
    """A quote read back out of a report: its reference, the text as the reader sees it, where it is."""

    reference: Reference
    quote: str
    line: int


@dataclass(frozen=True)
class Finding:
    citation: Citation
    state: State
    reason: str = ""

    def line(self, source: str) -> str:
        """'report.md:12: [D3 p.4 #3fa9c1] quote altered: “Integrated care boards…”'."""
        return f"{source}:{self.citation.line}: {self.citation.reference} {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        ref = self.citation.reference
        return {
            "reference": str(ref),
            "document_id": ref.document_id,
            "page": ref.page,
            "hash": ref.digest,
            "line": self.citation.line,
            "state": str(self.state),
            "reason": self.reason,
            "quote": self.citation.quote,
        }


@dataclass
class VerifyReport:
    """Every citation of one report and what checking it found."""

    path: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.state != State.MATCH]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        total, bad = len(self.findings), len(self.problems)
        if not total:
            return f"{self.path}: no citation references to check"
        if not bad:
            return f"{self.path}: all {total} citation(s) match their sources"
        return f"{self.path}: {bad} of {total} citation(s) do not match their sources"


# -- reading citations back -------------------------------------------------------------------------------


def _citations(paragraphs: list[tuple[str, int]], *, markdown: bool) -> list[Citation]:
    """The quotes and references of one blockquote: each paragraph holding a reference (the attribution
    line) closes a citation whose quote is the paragraphs since the previous one. One blockquote may hold
    several: markdown renderers merge quotes separated only by a blank line."""
    found, quote = [], []
    for text, line in paragraphs:
        reference = parse_reference(text)
        if reference is None:
            quote.append(text)
            continue
        joined = " ".join(quote)
        found.append(Citation(reference, visible_markdown(joined) if markdown else normalise(joined), line))
        quote = []
    return found


def citations_in_markdown(text: str) -> list[Citation]:
    """Every referenced quote of a markdown report, in order. A quote is a '>' block: the quoted text,
    an empty '>' line, then '> — citation [D12 p.4 #3fa9c1]'; re-wrapped lines read the same."""
    found: list[Citation] = []
    block: list[tuple[str, int]] = []  # paragraphs of the open block, with the line each ends on
    current: list[str] = []

    def close_paragraph(number: int) -> None:
        if current:
            block.append((" ".join(current), number))
            current.clear()

    lines = text.splitlines()
    for number, raw in enumerate([*lines, ""], start=1):
        stripped = raw.lstrip()
        if stripped.startswith(">"):
            content = stripped[1:].strip()
            if content:
                current.append(content)
            else:
                close_paragraph(number - 1)
            continue
        close_paragraph(number - 1)
        if block:
            found.extend(_citations(block, markdown=True))
            block = []
    return found


class _QuoteReader(HTMLParser):
    """Collects the paragraphs of every <blockquote> of an HTML report, as the browser shows their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0  # inside <style> or <script>
        self.blocks: list[list[tuple[str, int]]] = []
        self.current: list[str] = []

    def _close_paragraph(self) -> None:
        text = normalise("".join(self.current))
        if text and self.blocks:
            self.blocks[-1].append((text, self.getpos()[0]))
        self.current = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("style", "script"):
            self.skip += 1
        elif tag == "blockquote":
            if self.depth == 0:
                self.blocks.append([])
            self.depth += 1
        elif tag in ("p", "br") and self.depth:
            self._close_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote" and self.depth:
            self._close_paragraph()
            self.depth -= 1
        elif tag == "p" and self.depth:
            self._close_paragraph()

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.current.append(data)


def citations_in_html(text: str) -> list[Citation]:
    """Every referenced quote of an HTML report (as render_html writes it), in order."""
    reader = _QuoteReader()
    reader.feed(text)
    reader.close()
    return [c for block in reader.blocks for c in _citations(block, markdown=False)]


# The reader for each extension a saved report may have.
_READERS = {
    **dict.fromkeys((".md", ".markdown", ".txt"), citations_in_markdown),
    **dict.fromkeys((".html", ".htm", ".xhtml"), citations_in_html),
}


def read_citations(path: str | Path) -> list[Citation]:
    """The citations of a saved report, markdown or HTML (by its extension; else by its first bytes)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise VerifyError(f"{path}: not a report saved by Roundtable Desk (not UTF-8 text)") from None
    except OSError as exc:
        raise VerifyError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        looks_html = text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
        reader = citations_in_html if looks_html else citations_in_markdown
    return reader(text)


# -- checking them against the database -------------------------------------------------------------------


def _pattern_body(quote: str) -> str:
    """The quote without the ellipses an excerpt adds at either end."""
    return quote.removeprefix(_LEADING_ELLIPSIS.strip()).removesuffix(_TRAILING_ELLIPSIS.strip()).strip()


def _pattern(quote: str) -> re.Pattern[str]:
    """What a source passage must contain for the quote to be its own: the quote without the ellipses an
    excerpt adds, each redaction placeholder standing for the text it replaced (any run of characters)."""
    body = _pattern_body(quote)
    parts = [re.escape(normalise(part)) for part in _PLACEHOLDER.split(body)]
    return re.compile(r"\s*.+?\s*".join(parts), re.DOTALL)


def _source_text(text: str) -> str:
    return normalise(_EMPHASIS.sub("", text))


def _gone(db: sqlite_utils.Database, document_id: int) -> str | None:
    """Why a cited document is not there to check against (None: it is)."""
    if db.execute("SELECT 1 FROM documents WHERE id = ?", [document_id]).fetchone():
        return None
    deleted = next((d for d in deleted_documents(db) if d["document_id"] == document_id), None)
    if deleted is None:
        return f"source gone: no document {document_id} in this database"
    return (
        f"source gone: document {document_id} “{deleted['title']}” was deleted on"
        f" {deleted['deleted_at'][:10]} by {deleted['deleted_by']}"
        f" (`roundtable document restore {document_id}` brings it back)"
    )


def _passages(db: sqlite_utils.Database, reference: Reference) -> list[str]:
    if reference.page is None:
        rows = db.execute("SELECT text FROM passages WHERE document_id = ?", [reference.document_id])
    else:
        rows = db.execute(
            "SELECT text FROM passages WHERE document_id = ? AND page = ?",
            [reference.document_id, reference.page],
        )
    return [_source_text(r[0]) for r in rows]


def _shown(quote: str) -> str:
    return f"“{quote[:QUOTE_SHOWN].rstrip()}{'…' if len(quote) > QUOTE_SHOWN else ''}”"


def _edit(quote: str, sources: list[str]) -> str:
    """Where an altered quote departs from the passage closest to it: '“trust-level” where the source
    says “system-level”' (empty when no passage shares most of its words in order)."""
    words = _pattern_body(quote).split()
    best, closest = 0.0, None
    for text in sources:
        matcher = difflib.SequenceMatcher(None, words, text.split(), autojunk=False)
        shared = sum(block.size for block in matcher.get_matching_blocks()) / max(len(words), 1)
        if shared > best:
            best, closest = shared, matcher
    if closest is None or best < MIN_SHARED:
        return ""
    for tag, i1, i2, j1, j2 in closest.get_opcodes():
        ours, theirs = " ".join(words[i1:i2]), " ".join(closest.b[j1:j2])
        if tag == "replace":
            return f"“{ours}” where the source says “{theirs}”"
        if tag == "delete":
            return f"“{ours}” is not in the source"
        if tag == "insert" and 0 < i1 < len(words):  # the source's text before and after a quote is no edit
            return f"it leaves out “{theirs}”"
    return ""


def check_citation(db: sqlite_utils.Database, citation: Citation) -> Finding:
    """Whether one citation holds: its quote still hashes to its reference, its document is there (not
    deleted) and a passage of it (on the cited page) says what the quote says."""
    ref = citation.reference
    if not citation.quote or quote_digest(citation.quote) != ref.digest:
        edit = _edit(citation.quote, _passages(db, ref)) if citation.quote else ""
        return Finding(
            citation,
            State.ALTERED,
            f"quote altered (it no longer hashes to #{ref.digest}): {edit or _shown(citation.quote)}",
        )
    gone = _gone(db, ref.document_id)
    if gone:
        return Finding(citation, State.GONE, gone)
    title = db.execute("SELECT title FROM documents WHERE id = ?", [ref.document_id]).fetchone()[0]
    pattern = _pattern(citation.quote)
    if not any(pattern.search(text) for text in _passages(db, ref)):
        where = f"p. {ref.page} of " if ref.page else ""
        return Finding(
            citation,
            State.CHANGED,
            f"source changed: {where}document {ref.document_id} “{title}” no longer says "
            f"{_shown(citation.quote)}",
        )
    return Finding(citation, State.MATCH)


def verify_report(db: sqlite_utils.Database, path: str | Path) -> VerifyReport:
    """Check every citation of a saved report (markdown or HTML). Raises VerifyError for a file that
    cannot be read."""
    report = VerifyReport(str(path))
    report.findings = [check_citation(db, c) for c in read_citations(path)]
    return report
