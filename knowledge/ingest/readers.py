"""Reading a file by its extension into a ParsedDocument (or, for .jsonl, one per line)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Each module registers its formats on import: a new format is a new module and a name on this line.
# Only the modules load here; pypdf, python-docx, openpyxl... load when a file of theirs is first read.
from knowledge.ingest import html, images, odt, pdf, pptx, tabular, text, word, xlsx  # noqa: F401
from knowledge.ingest.base import IngestError, ParsedDocument, Reader, reader_for, registered_readers
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

# Sorted, so messages and help texts list them predictably.
SUPPORTED_EXTENSIONS = tuple(sorted(suffix for reader in registered_readers() for suffix in reader.suffixes))
# What a folder import picks up: PNG and JPEG files on a shared drive are mostly logos, charts and photos,
# which text recognition would spend seconds each on for nothing; they are imported when named.
FOLDER_EXTENSIONS = tuple(
    sorted(suffix for reader in registered_readers() if reader.in_folders for suffix in reader.suffixes)
)


def is_supported(path: Path) -> bool:
    """True when some reader handles this file's extension."""
    return reader_for(path.suffix) is not None


def file_filter() -> str:
    """The import dialog's filter, every format then each on its own: "Documents (*.csv ...);;CSV action
    tracker (*.csv);;...;;All files (*)" (the syntax Qt's and Tk's file dialogs share)."""

    def patterns(suffixes: tuple[str, ...]) -> str:
        return " ".join(f"*{suffix}" for suffix in suffixes)

    formats = sorted(registered_readers(), key=lambda reader: reader.label.lower())
    parts = [f"Documents ({patterns(SUPPORTED_EXTENSIONS)})"]
    parts += [f"{reader.label} ({patterns(reader.suffixes)})" for reader in formats]
    return ";;".join([*parts, "All files (*)"])


_HEAD = 4096


def _check_head(path: Path, reader: Reader) -> None:
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
    if reader.signature is not None:
        signatures = reader.signature if isinstance(reader.signature, tuple) else (reader.signature,)
        # PDF allows a little junk before its header: the signature may sit anywhere in its window.
        if not any(s in head[: max(reader.signature_within, len(s))] for s in signatures):
            article = "an" if reader.label[:1] in "AEIOU" else "a"
            raise IngestError(f"not {article} {reader.label} file ({describe_content(head)})")
        return
    known = sniff(head)
    if known:
        raise IngestError(f"{BINARY} (it looks like {known})")


def read_file(path: str | Path) -> ParsedDocument:
    """Read one file (not .jsonl: see read_documents); IngestError with a readable one-line reason when it
    cannot, whatever went wrong inside the parsing libraries."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = reader_for(suffix)
    if reader is None:
        raise IngestError(f"unsupported file type {suffix or '(no extension)'}")
    if reader.many:
        raise IngestError(f"{suffix} holds many documents: use read_documents()")
    if not path.is_file():
        raise IngestError("no such file" if not path.exists() else "not a regular file")
    try:
        _check_head(path, reader)
        parsed = finish_document(reader.read(path), title_from_path(path))
    except IngestError:
        raise
    except Exception as exc:  # a damaged file can make any library raise anything: it is one bad file
        raise IngestError(failure_reason(exc, reader.damaged)) from exc
    parsed.source = parsed.source or str(path)
    return parsed


def read_documents(path: str | Path) -> Iterator[tuple[int | None, ParsedDocument | IngestError]]:
    """Every document in a file: (None, doc) for a one-document file, (line, doc or error) per .jsonl line."""
    path = Path(path)
    reader = reader_for(path.suffix)
    if reader is not None and reader.many:
        if not path.is_file():
            yield None, IngestError("no such file")
            return
        try:
            _check_head(path, reader)
            yield from reader.read(path)
        except IngestError as exc:
            yield None, exc
        except Exception as exc:  # noqa: BLE001 - reported as this file's failure, never a crash
            yield None, IngestError(failure_reason(exc))
        return
    try:
        yield None, read_file(path)
    except IngestError as exc:
        yield None, exc
