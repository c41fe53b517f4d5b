"""PDF reader (pypdf): text per page, 1-based page numbers; encrypted, broken and image-only PDFs reported."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import statistics
import warnings
from collections.abc import Iterator
from pathlib import Path

from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    MAX_TEXT_CHARS,
    Para,
    assemble,
    failure_reason,
    guess_kind,
    looks_like_title,
    normalise_space,
    read_bytes,
    title_from_path,
    too_much_text,
    visible_chars,
)

ENCRYPTED = "encrypted PDF: a password is needed to read it"
GLYPHS = "no readable text: the PDF's fonts give glyph names or codes instead of letters"
# Text that stands for a glyph, not a letter: pypdf's "/g3" and "/uni00A0" names, "(cid:12)", U+FFFD and
# control characters (what PDFium gives for a font with no Unicode map).
_BAD_TOKEN = re.compile(
    r"/[A-Za-z]{0,8}\d+|/uni[0-9A-Fa-f]{4,6}|\(cid:\d+\)|\ufffd|[\x00-\x08\x0b\x0c\x0e-\x1f]"
)
# A page is unreadable when this share of its visible characters is such tokens; real text with a few
# "/2" fractions or a stray replacement character stays far below it.
BAD_SHARE = 0.3
NO_TEXT = "no extractable text (image-only or scanned PDF)"
BROKEN = "broken PDF structure, cannot be read"


@contextlib.contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs and warns about every oddity of real files; the user needs only our one-line reason."""
    logger = logging.getLogger("pypdf")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _page_paragraphs(text: str) -> list[str]:
    """Paragraphs from one page's extracted lines: words broken by hyphenation joined, and a paragraph ends
    at a blank line or at a short line that closes a sentence (the usual look of a paragraph's last line)."""
    text = normalise_space(text)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    lines = text.split("\n")
    lengths = [len(line) for line in lines if len(line) > 20]
    typical = statistics.median(lengths) if lengths else 60
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line.strip())
        if line.rstrip().endswith((".", "!", "?", ":")) and len(line) < 0.8 * typical:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE
)


def _edge_key(line: str) -> str:
    """A running header/footer compared without its page number ('Report title 3' ~ 'Report title 4')."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def strip_page_furniture(page_texts: list[str]) -> list[str]:
    """Page numbers alone on the first or last line of a page, and running headers/footers (the same
    first or last line on most pages of a document of three or more pages), removed."""
    pages = [[line for line in text.split("\n")] for text in page_texts]
    counts: dict[str, int] = {}
    if len(pages) >= 3:
        for lines in pages:
            edges = {_edge_key(line) for line in _edges(lines)}
            for key in edges:
                counts[key] = counts.get(key, 0) + 1
    running = {key for key, n in counts.items() if n >= max(3, len(pages) // 2 + 1) and key.strip("# ")}
    out = []
    for lines in pages:
        for index in _edge_indexes(lines):
            line = lines[index]
            # Spaces collapsed first: the pattern's runs of \s* would backtrack quadratically on long runs.
            if _PAGE_NUMBER.match(" ".join(line.split())) or _edge_key(line) in running:
                lines[index] = ""
        out.append("\n".join(lines))
    return out


def _edge_indexes(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted({*filled[:1], *filled[-1:]})


def _edges(lines: list[str]) -> list[str]:
    return [lines[i] for i in _edge_indexes(lines)]


def _metadata_title(reader: object) -> str | None:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        title = meta.title if meta else None
    except Exception:  # unreadable metadata must not stop the text being read
        return None
    if not title:
        return None
    title = " ".join(str(title).replace("\x00", " ").split())
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    if title.lower() in {"untitled", "title", "document", "no title"} or len(title) < 3:
        return None
    if re.fullmatch(r"[\w\-. ]+\.(?:docx?|pdf|tex|dvi|pptx?|odt|txt|indd)", title, re.IGNORECASE):
        return None  # a file name, not a title
    return title


def _metadata_date(reader: object) -> str | None:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        raw = meta.get("/CreationDate") if meta else None
    except Exception:
        return None
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(raw or ""))
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


@register_reader(".pdf", label="PDF", signature=b"%PDF-", signature_within=1024, damaged=BROKEN)
def read_pdf(path: Path) -> ParsedDocument:
    """A .pdf file: one run of paragraphs per page, Block.page 1-based."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    data = read_bytes(path)
    with quiet_pypdf():
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                # An empty user password is common (permissions only); anything else needs the password.
                try:
                    if not reader.decrypt(""):
                        raise IngestError(ENCRYPTED)
                except (DependencyError, FileNotDecryptedError, NotImplementedError) as exc:
                    raise IngestError(ENCRYPTED) from exc
            pages = list(reader.pages)
        except IngestError:
            raise
        except FileNotDecryptedError as exc:
            raise IngestError(ENCRYPTED) from exc
        except Exception as exc:  # a damaged file makes pypdf raise nearly anything (struct, zlib, ...)
            raise IngestError(failure_reason(exc, BROKEN)) from exc
        page_texts, failed_pages = _page_texts(pages)
        page_texts, garbled = _second_route(data, page_texts)
        title = _metadata_title(reader)
        date = _metadata_date(reader)
    if not pages:
        raise IngestError(f"{BROKEN} (no pages)")
    if not any(re.search(r"\w", t) for t in page_texts):
        if garbled:
            raise IngestError(f"{GLYPHS} ({_pages_phrase(garbled)})")
        if failed_pages:
            raise IngestError(f"{BROKEN} (text of page {failed_pages[0]} unreadable)")
        raise IngestError(NO_TEXT)
    cleaned = strip_page_furniture(page_texts)
    if not any(re.search(r"\w", t) for t in cleaned):
        cleaned = page_texts  # the repeated line was all the text there is: keep it
    paras = [
        Para(paragraph, page=number)
        for number, page_text in enumerate(cleaned, start=1)
        for paragraph in _page_paragraphs(page_text)
    ]
    if not title:
        first_lines = [line for line in normalise_space(page_texts[0]).split("\n")[:5] if line.strip()]
        title = next((line.strip() for line in first_lines if _heading_like(line)), None) or title_from_path(
            path
        )
    text, blocks = assemble(paras)
    metadata: dict[str, object] = {}
    if failed_pages or garbled:
        metadata["unreadable_pages"] = sorted({*failed_pages, *garbled})
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, text),
        date=date,
        pages=len(pages),
        metadata=metadata,
    )


def _page_texts(pages: list) -> tuple[list[str], list[int]]:
    """Each page's text and the numbers of pages whose text could not be extracted; stops with
    too_much_text as soon as the document is past MAX_TEXT_CHARS."""
    texts, failed, visible = [], [], 0
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one damaged page should not cost the rest of the document
            text = ""
            failed.append(number)
        visible += visible_chars(text)
        if visible > MAX_TEXT_CHARS:
            raise too_much_text(visible, stopped=True)
        texts.append(text)
    return texts, failed


def bad_share(text: str) -> float:
    """The share of a page's visible characters that are glyph names, codes or replacement characters."""
    visible = len(re.sub(r"\s", "", text))
    if not visible:
        return 0.0
    bad = sum(len(m.group(0)) for m in _BAD_TOKEN.finditer(text))
    return bad / visible


def _second_route(data: bytes, texts: list[str]) -> tuple[list[str], list[int]]:
    """Pages pypdf read as glyph names read again with PDFium (which knows more font encodings); pages
    neither reads are emptied and their numbers returned."""
    bad = [i for i, text in enumerate(texts) if bad_share(text) > BAD_SHARE]
    if not bad:
        return texts, []
    texts = list(texts)
    for index, text in zip(bad, _pdfium_pages(data, bad), strict=True):
        texts[index] = text if text and bad_share(text) <= BAD_SHARE else ""
    return texts, [i + 1 for i in bad if not texts[i]]


def _pdfium_pages(data: bytes, indexes: list[int]) -> list[str]:
    """The text of the given pages by PDFium, "" for each when it is not installed or cannot read them."""
    try:
        import pypdfium2
    except ImportError:  # an optional second route: without it such pages are reported, not read
        return [""] * len(indexes)
    out = []
    try:
        document = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - PDFium refusing the file leaves pypdf's reading as it was
        return [""] * len(indexes)
    try:
        for index in indexes:
            try:
                out.append(document[index].get_textpage().get_text_range().replace("\r\n", "\n"))
            except Exception:  # noqa: BLE001 - one page PDFium cannot read costs that page only
                out.append("")
    finally:
        document.close()
    return out


def _pages_phrase(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:5])) + (" ..." if len(numbers) > 5 else "")
    return f"page {shown}" if len(numbers) == 1 else f"pages {shown}"


def _heading_like(line: str) -> bool:
    """A first-page line that reads as a title: 2-12 words, not a sentence, not 'Contents'."""
    line = line.strip()
    return (
        2 <= len(line.split()) <= 12
        and not line.endswith((".", ",", ";", ":"))
        and line.count(",") < 2
        and line.lower() not in {"table of contents", "contents", "abstract"}
        and looks_like_title(line)
    )
