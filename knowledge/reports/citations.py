"""Citation references: '[D12 p.4 #3fa9c1]' names a quote's document, page and a hash of what it says."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

HASH_LENGTH = 6  # hex digits: a typo in a quote changes them; short enough to read aloud
# '[D12 p.4 #3fa9c1]' or, for a document without pages, '[D12 #3fa9c1]'. A title containing such a text is
# escaped ('\[') in markdown, so only an unescaped bracket starts a reference.
REFERENCE = re.compile(rf"(?<!\\)\[D(\d+)(?: p\.(\d+))? #([0-9a-f]{{{HASH_LENGTH}}})\]")
# The characters Python-Markdown (with tables) reads a backslash escape for: what md_escape() produces.
_MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!|])")


@dataclass(frozen=True)
class Reference:
    """One citation reference: the document, the page (None: the document has no pages), the quote hash."""

    document_id: int
    page: int | None
    digest: str

    def __str__(self) -> str:
        page = f" p.{self.page}" if self.page else ""
        return f"[D{self.document_id}{page} #{self.digest}]"


def normalise(text: str) -> str:
    """Whitespace runs as one space, no leading or trailing space: how a quote compares."""
    return " ".join(str(text or "").split())


def visible_markdown(text: str) -> str:
    """What a reader of the rendered markdown sees of a line: backslash escapes and entities undone."""
    return normalise(html.unescape(_MD_ESCAPED.sub(r"\1", text)))


def quote_digest(visible: str) -> str:
    """The first HASH_LENGTH hex digits of the SHA-256 of a quote as the reader sees it (normalised)."""
    return hashlib.sha256(normalise(visible).encode("utf-8")).hexdigest()[:HASH_LENGTH]


def parse_reference(text: str) -> Reference | None:
    """The last reference in a line (a title before it may quote anything), or None."""
    matches = list(REFERENCE.finditer(text))
    if not matches:
        return None
    document, page, digest = matches[-1].groups()
    return Reference(int(document), int(page) if page else None, digest)


def passage_source(db: Any, passage: dict[str, Any]) -> tuple[int, int | None] | None:
    """(document id, page) a quoted passage comes from: from the passage itself, else looked up by its
    passage id; None when neither is known (a passage handed in without them gets no reference)."""
    document = passage.get("document_id")
    page = passage.get("page")
    passage_id = passage.get("passage_id")  # not "id": in an evidence link's row that is the link's id
    if document is None and passage_id is not None and db is not None:
        row = db.execute("SELECT document_id, page FROM passages WHERE id = ?", [passage_id]).fetchone()
        if row:
            document, page = row[0], page if page is not None else row[1]
    return (int(document), int(page) if page else None) if document is not None else None
