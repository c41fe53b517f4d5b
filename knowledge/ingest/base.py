"""The shapes every reader produces and the import pipeline consumes, and the registry of readers."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar


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
    ocr: float | None = None  # text recognised from a scan: the engine's confidence (0-1); None when typed
    new_passage: bool = False  # begins a passage: never packed with the blocks before it (a sheet region)


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


ReadFunction = TypeVar("ReadFunction", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reader:
    """One file format: the extensions it claims and the function reading a file of it.

    `label` names the format for people (the window's file filter). `signature` is a marker a file of
    this format holds within its first `signature_within` bytes (0: at its very start); a format with one
    is binary, and a file without it is refused as "not a {label} file". `damaged` is what an unexpected
    error of the parsing library means for this format. A `many` reader yields (line, document or
    IngestError) for a file holding many documents (.jsonl) instead of returning one. A reader not
    `in_folders` reads a file named to it but is not offered the files of a folder being imported."""

    suffixes: tuple[str, ...]
    read: Callable[[Path], Any]
    label: str
    signature: bytes | tuple[bytes, ...] | None = None  # a tuple: any one of them (TIFF has two)
    signature_within: int = 0
    damaged: str = "could not be read"
    many: bool = False
    in_folders: bool = True  # False: read when named, skipped inside a folder (pictures are rarely scans)


_READERS: dict[str, Reader] = {}


def register_reader(*suffixes: str, label: str, **details: Any) -> Callable[[ReadFunction], ReadFunction]:
    """Decorate a reader function to claim these extensions (lower case, with the dot); `details` are
    Reader's other fields. A new format is a module with one decorated function, imported by readers.py."""

    def decorate(read: ReadFunction) -> ReadFunction:
        reader = Reader(tuple(suffixes), read, label, **details)
        for suffix in suffixes:
            _READERS[suffix] = reader
        return read

    return decorate


def reader_for(suffix: str) -> Reader | None:
    """The reader claiming an extension (any case), or None."""
    return _READERS.get(suffix.lower())


def registered_readers() -> list[Reader]:
    """Every format, once each, in the order the reader modules registered them."""
    return list(dict.fromkeys(_READERS.values()))


# -- what a long read may tell the import it is part of ----------------------------------------------------


@dataclass(frozen=True)
class ReadContext:
    """The running import's progress line and cancel check, for readers that take long (text recognition)."""

    progress: Callable[[str], None] | None = None
    cancel: Callable[[], bool] | None = None


_NO_CONTEXT = ReadContext()
_CONTEXT: contextvars.ContextVar[ReadContext] = contextvars.ContextVar("read_context", default=_NO_CONTEXT)


@contextlib.contextmanager
def reading(progress: Callable[[str], None] | None, cancel: Callable[[], bool] | None) -> Iterator[None]:
    """Readers called inside report progress through `progress` and stop when `cancel()` is true. A context
    variable, not a parameter: every reader keeps the one-argument signature of the registry."""
    token = _CONTEXT.set(ReadContext(progress, cancel))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def report_progress(label: str) -> None:
    """Tell the running import what a long read is doing ('scan.pdf: recognising page 3 of 20')."""
    progress = _CONTEXT.get().progress
    if progress is not None:
        progress(label)


def cancelled() -> bool:
    """True when the person running the import has asked it to stop."""
    cancel = _CONTEXT.get().cancel
    return bool(cancel is not None and cancel())
