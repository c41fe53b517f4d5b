"""Reading a file by its extension into a ParsedDocument (or, for .jsonl, one per line)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from knowledge.ingest.base import IngestError, ParsedDocument


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


def is_supported(path: Path) -> bool:
    """True when some reader handles this file's extension."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def read_file(path: str | Path) -> ParsedDocument:
    """Read one file (not .jsonl: see read_documents); IngestError with a readable reason when it cannot."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        if suffix == ".jsonl":
            raise IngestError(".jsonl holds many documents: use read_documents()")
        raise IngestError(f"unsupported file type {suffix or '(no extension)'}")
    if not path.is_file():
        raise IngestError("no such file" if not path.exists() else "not a regular file")
    parsed = reader(path)
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
            yield from iter_jsonl(path)
        except IngestError as exc:
            yield None, exc
        return
    try:
        yield None, read_file(path)
    except IngestError as exc:
        yield None, exc
