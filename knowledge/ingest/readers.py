"""Reading a file by its extension into a ParsedDocument (or, for .jsonl, one per line)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from knowledge.ingest.base import IngestError, ParsedDocument
from knowledge.ingest.common import (
    BINARY,
    cannot_read,
    check_file_size,
    describe_content,
    failure_reason,
    finish_document,
    sniff,
    title_from_path,
)


def _txt(path: Path) -> ParsedDocument:
    from knowledge.ingest.text import read_txt

    return read_txt(path)


def _md(path: Path) -> ParsedDocument:
    from knowledge.ingest.text import read_markdown

    return read_markdown(path)


def _html(path: Path) -> ParsedDocument:
    from knowledge.ingest.html import read_html

    return read_html(path)


def _pdf(path: Path) -> ParsedDocument:
    from knowledge.ingest.pdf import read_pdf

    return read_pdf(path)


def _docx(path: Path) -> ParsedDocument:
    from knowledge.ingest.word import read_docx

    return read_docx(path)


def _csv(path: Path) -> ParsedDocument:
    from knowledge.ingest.tabular import read_csv

    return read_csv(path)


# Readers are imported on first use: pypdf and python-docx cost start-up time nobody needs for a .txt.
READERS: dict[str, Callable[[Path], ParsedDocument]] = {
    ".txt": _txt,
    ".text": _txt,
    ".md": _md,
    ".markdown": _md,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
    ".csv": _csv,
}
SUPPORTED_EXTENSIONS = (*READERS, ".jsonl")
# What an unexpected error of the parsing library means, per format; the library's message follows.
_DAMAGED = {
    ".pdf": "broken PDF structure, cannot be read",
    ".docx": "not a readable Word document",
    ".csv": "not a readable CSV file",
    ".html": "not a readable HTML page",
    ".htm": "not a readable HTML page",
}


def is_supported(path: Path) -> bool:
    """True when some reader handles this file's extension."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


_HEAD = 4096
_BINARY_FORMATS = {".pdf", ".docx"}


def _check_head(path: Path, suffix: str) -> None:
    """Refuse from its first bytes a file that is empty or plainly not what its extension says."""
    try:
        with path.open("rb") as handle:
            check_file_size(os.fstat(handle.fileno()).st_size)
            head = handle.read(_HEAD + 1)
    except OSError as exc:
        raise IngestError(cannot_read(exc)) from exc
    if not head:
        raise IngestError("the file is empty (0 bytes)")
    if len(head) <= _HEAD and not head.strip(b" \t\r\n\x0b\x0c\x00"):
        raise IngestError("the file holds only zero bytes" if b"\x00" in head else "the file is empty")
    if suffix == ".pdf" and b"%PDF-" not in head[:1024]:  # PDF allows a little junk before its header
        raise IngestError(f"not a PDF file ({describe_content(head)})")
    if suffix == ".docx" and not head.startswith(b"PK"):
        raise IngestError(f"not a Word .docx file ({describe_content(head)})")
    known = sniff(head)
    if suffix not in _BINARY_FORMATS and known:
        raise IngestError(f"{BINARY} (it looks like {known})")


def read_file(path: str | Path) -> ParsedDocument:
    """Read one file (not .jsonl: see read_documents); IngestError with a readable one-line reason when it
    cannot, whatever went wrong inside the parsing libraries."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        if suffix == ".jsonl":
            raise IngestError(".jsonl holds many documents: use read_documents()")
        raise IngestError(f"unsupported file type {suffix or '(no extension)'}")
    if not path.is_file():
        raise IngestError("no such file" if not path.exists() else "not a regular file")
    try:
        _check_head(path, suffix)
        parsed = finish_document(reader(path), title_from_path(path))
    except IngestError:
        raise
    except Exception as exc:  # a damaged file can make any library raise anything: it is one bad file
        raise IngestError(failure_reason(exc, _DAMAGED.get(suffix, "could not be read"))) from exc
    parsed.source = parsed.source or str(path)
    return parsed


def read_documents(path: str | Path) -> Iterator[tuple[int | None, ParsedDocument | IngestError]]:
    """Every document in a file: (None, doc) for a one-document file, (line, doc or error) per .jsonl line."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        from knowledge.ingest.tabular import iter_jsonl

        if not path.is_file():
            yield None, IngestError("no such file")
            return
        try:
            _check_head(path, ".jsonl")
            yield from iter_jsonl(path)
        except IngestError as exc:
            yield None, exc
        except Exception as exc:  # noqa: BLE001 - reported as this file's failure, never a crash
            yield None, IngestError(failure_reason(exc))
        return
    try:
        yield None, read_file(path)
    except IngestError as exc:
        yield None, exc
