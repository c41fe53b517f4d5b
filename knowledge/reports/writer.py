"""Writing markdown safely: escaping, a writer that redacts every stored text, citations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from knowledge.redact import PLACEHOLDERS, describe_counts, known_people, redact
from knowledge.reports.as_at import AsAt, reconstructs
from knowledge.reports.citations import Reference, passage_source, quote_digest, visible_markdown
from knowledge.reports.evidence import excerpt

# Characters that open markdown structure anywhere in a line: escapes, code, emphasis, links and images,
# table cells, and a heading's closing hashes ("Learn C#" as a heading would lose its "#").
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]|#])")
# Line starts that markdown would still read as a list, a rule or a reference definition once md_escape()
# has run (it already took care of "#", ">", "*" and "["): "1. ", "1) ", "-" and "+" whatever follows (so
# "---" is no rule), and a placeholder's "[" ("[NHS number redacted]: x" would define a link).
_LINE_START = re.compile(r"^(\d+(?=[.)]\s)|(?=[-+\[]))")
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS.values()) + ")")
# A placeholder keeps its plain brackets (it reads the same in every dialect) unless a "(" or "[" right
# after it would make it a link: "[NHS number redacted](javascript:...)".
_PLACEHOLDER_LINK = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS.values()) + r")(?=[(\[])")
_EMPHASIS = re.compile(r"\*\*|__")
# Where a quote's reference goes until finish() has run its last redaction pass: the hash is of the quote as
# the reader finally sees it. A private-use character: no source text or redaction produces it.
_MARK = "\ue000"
# Under the date of a report that replays the record to a past date (the heading says what it shows).
RECORDED_NOTE = "Shown as recorded on that date: anything recorded later is left out."
_MARKED_QUOTE = re.compile(rf"^(> (.*)\n>\n> — .*?){_MARK}(\d+){_MARK}$", re.M)
_LEFTOVER_MARK = re.compile(rf" ?{_MARK}\d+{_MARK}")


def md_escape(text: Any) -> str:
    """Stored or user text made literal inside a markdown line.

    Whitespace runs (newlines included) become one space, so nothing breaks out of a table cell, heading or
    quote; &, < and > become entities, so no HTML tag or entity survives; markdown's structural characters
    are backslash-escaped (a literal character in every dialect). Text that may start a line needs
    md_line() as well."""
    text = re.sub(r"\s+", " ", str(text if text is not None else ""))
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_line(text: Any) -> str:
    """md_escape()d text that may begin a line: a leading list or rule marker is escaped as well."""
    return _escape_line_start(md_escape(text))


def _escape_line_start(escaped: str) -> str:
    return _LINE_START.sub(lambda m: m.group(0) + "\\", escaped.strip(), count=1)


def long_date(day: date) -> str:
    """'10 May 2024'."""
    return f"{day.day} {day.strftime('%B %Y')}"


class Writer:
    """Collects markdown; every stored or user text goes through text()/cell(): redacted, then escaped."""

    def __init__(self, redact_text: bool, db: Any = None):
        self.redact_text = redact_text
        # People the database names (owners, who, chairs) are redacted wherever a report quotes them.
        self.names = known_people(db) if redact_text and db is not None else ()
        self.counts: dict[str, int] = {}
        self.lines: list[str] = []
        self.db = db
        self.sources: list[tuple[int, int | None]] = []  # (document id, page) of each referenced quote

    def raw(self, text: str) -> str:
        """Redact only (for text that is escaped by the caller)."""
        text = " ".join(str(text or "").split())
        if self.redact_text:
            text, counts = redact(text, self.names)
            self._count(counts)
        return text

    def _count(self, counts: dict[str, int]) -> None:
        for kind, n in counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n

    def inline(self, value: Any) -> str:
        """Text that sits inside a line (never at its start): redacted and escaped.

        Redaction runs first (escaping would split an e-mail address at its underscores); the placeholders
        it leaves stay unescaped, since '[email redacted]' is plain text unless a bracket follows it."""
        pieces = _PLACEHOLDER.split(self.raw(value))
        text = "".join(piece if i % 2 else md_escape(piece) for i, piece in enumerate(pieces))
        return _PLACEHOLDER_LINK.sub(lambda m: m.group(1)[:-1] + "\\]", text)

    def text(self, value: Any) -> str:
        """One line of inline text: whitespace collapsed, markdown and HTML specials neutralised; a quoted
        line starting '# ' or '1. ' must not turn into a heading or a list."""
        return _escape_line_start(self.inline(value))

    def cell(self, value: Any) -> str:
        """A table cell: inline text (pipes are escaped with the other specials)."""
        return self.text(value if value not in (None, "") else "–")

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def heading(self, level: int, title: str) -> None:
        self.add("", "#" * level + " " + title, "")

    def as_at(self, when: date | AsAt, extra: str = "") -> None:
        """The italic 'As at 10 May 2024 (2024-05-10).' line under a report's title; for a recorded past
        date it says the report shows the record as it stood then."""
        day = when.day if isinstance(when, AsAt) else when
        extra = " ".join([*([extra] if extra else []), *([RECORDED_NOTE] if reconstructs(when) else [])])
        self.add(f"*As at {long_date(day)} ({day.isoformat()}).{(' ' + extra) if extra else ''}*", "")

    def bullets(self, items: Iterable[str]) -> None:
        self.add(*(f"- {item}" for item in items))

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """A pipe table; cells are escaped here. Tables always have a blank line before and after."""
        self.add("", "| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|")
        self.add(*("| " + " | ".join(self.cell(c) for c in row) + " |" for row in rows))
        self.add("")

    def quote(self, passage: dict[str, Any], terms: Sequence[str] = ()) -> None:
        """A passage quoted in a block (the part richest in `terms` when it is long), its citation
        (document title, page where known) beneath it, ending in its reference '[D12 p.4 #3fa9c1]'."""
        # Bold markers from markdown sources would only show as escaped asterisks in a quotation.
        body = excerpt(_EMPHASIS.sub("", str(passage.get("text") or "")), terms)
        source = passage_source(self.db, passage)
        mark = ""
        if source is not None:
            mark = f" {_MARK}{len(self.sources)}{_MARK}"
            self.sources.append(source)
        self.add("", f"> {self.text(body)}", ">", f"> — {citation(passage, self)}{mark}", "")

    def _stamp_references(self, text: str) -> str:
        def stamp(match: re.Match) -> str:
            document, page = self.sources[int(match.group(3))]
            return match.group(1) + str(
                Reference(document, page, quote_digest(visible_markdown(match.group(2))))
            )

        # A mark whose quote a final redaction reshaped (never seen) goes rather than print a stray character.
        return _LEFTOVER_MARK.sub("", _MARKED_QUOTE.sub(stamp, text))

    def finish(self) -> str:
        text = "\n".join(self.lines)
        if self.redact_text:
            # Every stored text was redacted on its way in; this pass catches anything composed around it.
            text, counts = redact(text, self.names)
            self._count(counts)
            text += f"\n\n---\n\n*Redacted for onward circulation: {describe_counts(self.counts)}.*"
        text = self._stamp_references(text)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def citation(passage: dict[str, Any], writer: Writer | None = None) -> str:
    """'*Document title*, p. 3, “Section”' in markdown (the title escaped and, when asked, redacted)."""
    title = passage.get("document_title") or passage.get("title") or "untitled document"
    esc = writer.inline if writer else md_escape
    parts = [f"*{esc(title)}*"]
    if passage.get("page"):
        parts.append(f"p. {passage['page']}")
    if passage.get("section"):
        parts.append(f"section “{esc(passage['section'])}”")
    if passage.get("date"):
        parts.append(esc(str(passage["date"])[:10]))
    return ", ".join(parts)
