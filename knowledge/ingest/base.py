"""The shapes every reader produces and the import pipeline consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class IngestError(Exception):
    """A file that cannot be imported; the message is shown to the user as the reason."""


@dataclass
class Block:
    """A paragraph-like run of text with where it came from; chunking never merges across pages."""

    text: str
    page: int | None = None
    section: str | None = None
    start: int = 0  # character offsets into ParsedDocument.text
    end: int = 0


@dataclass
class ParsedDocument:
    """What a reader makes of one file (or one .jsonl line), before it is stored."""

    title: str
    text: str  # the whole cleaned text; Block offsets refer to it
    blocks: list[Block]
    kind: str | None = None  # a guess; the caller's --kind wins
    date: str | None = None  # YYYY-MM-DD
    pages: int | None = None
    org: str | None = None
    external_id: str | None = None
    source: str | None = None
    # CSV action trackers: one dict per data row, keys exactly as the file's header names them.
    rows: list[dict[str, str]] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredPassage:
    """A passage as written to the database (what post-import hooks such as action extraction see)."""

    id: int
    ordinal: int
    text: str
    page: int | None
    section: str | None
    char_start: int
    char_end: int
