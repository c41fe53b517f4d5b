"""PDF reader (pypdf): text per page, 1-based page numbers; encrypted, broken and image-only PDFs reported."""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
import statistics
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from knowledge.dates import parse_any_date
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
from knowledge.ingest.ocr import (
    ENGINE,
    MAX_SIDE,
    RENDER_DPI,
    RecognisedPage,
    check_page_count,
    engine_available,
    recognise_pages,
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


def _page_paragraphs(text: str, headings: Sequence[str] = ()) -> list[tuple[str, str | None]]:
    """Paragraphs from one page's extracted lines: words broken by hyphenation joined, and a paragraph ends
    at a blank line or at a short line that closes a sentence (the usual look of a paragraph's last line).
    A line that is one of `headings` (the page's outline entries or large-print lines, in order) is a
    paragraph of its own, paired with that heading; other paragraphs are paired with None."""
    text = normalise_space(text)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    lines = text.split("\n")
    lengths = [len(line) for line in lines if len(line) > 20]
    typical = statistics.median(lengths) if lengths else 60
    pending = [(heading_key(h), h) for h in headings]
    paragraphs: list[tuple[str, str | None]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append((" ".join(current), None))
            current.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        heading = _take(pending, line) if pending else None
        if heading is not None:
            flush()
            paragraphs.append((line.strip(), heading))
            continue
        current.append(line.strip())
        if line.rstrip().endswith((".", "!", "?", ":")) and len(line) < 0.8 * typical:
            flush()
    flush()
    return paragraphs


# "1.2 ", "IV. ", "Chapter 3 " before a heading: outlines often leave the number out.
_NUMBERING = re.compile(
    r"^\s*(?:(?:chapter|section|part|appendix)\s+)?(?:\d+(?:\.\d+)*|[IVXLC]+)[.):]?\s+", re.I
)


def heading_key(text: str) -> str:
    """A heading compared without its numbering, case, spaces or punctuation."""
    return re.sub(r"\W+", "", _NUMBERING.sub("", text, count=1).lower())


def _take(pending: list[tuple[str, str]], line: str) -> str | None:
    """The first pending heading this line is, removed from pending; None when it is none of them."""
    key = heading_key(line)
    if not key or len(line) > 200:
        return None
    for index, (wanted, heading) in enumerate(pending):
        if wanted == key:
            del pending[index]
            return heading
    return None


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
    """A .pdf file: one run of paragraphs per page, Block.page 1-based; outline entries (else headings found
    by font size) as sections; scanned pages recognised by OCR."""
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
        page_texts, failed_pages, sized = _page_texts(pages)
        page_texts, garbled = _second_route(data, page_texts)
        scans = _scanned(pages, page_texts, {*failed_pages, *garbled})
        outline = _outline(reader, len(pages))
        title = _metadata_title(reader)
        date = _metadata_date(reader)
    if not pages:
        raise IngestError(f"{BROKEN} (no pages)")
    recognised, unavailable = _recognise(data, scans, path.name)
    if not any(re.search(r"\w", t) for t in page_texts) and not recognised:
        if garbled:
            raise IngestError(f"{GLYPHS} ({_pages_phrase(garbled)})")
        if failed_pages:
            raise IngestError(f"{BROKEN} (text of page {failed_pages[0]} unreadable)")
        raise IngestError(NO_TEXT + (f"; text recognition unavailable: {unavailable}" if unavailable else ""))
    for number in recognised:
        page_texts[number - 1] = ""  # the scan's recognised text replaces the few typed characters
    cleaned = strip_page_furniture(page_texts)
    if not any(re.search(r"\w", t) for t in cleaned):
        cleaned = page_texts  # the repeated line was all the text there is: keep it
    headings = _outline_headings(outline) if outline else _size_headings(sized)
    paras, heading_title = _Sections(outline, headings, recognised).paras(cleaned)
    if not title:
        title = heading_title or _first_line_title(page_texts, recognised) or title_from_path(path)
    text, blocks = assemble(paras)
    metadata: dict[str, object] = {}
    if failed_pages or garbled:
        metadata["unreadable_pages"] = sorted({*failed_pages, *garbled})
    if recognised:
        confidence = sum(p.confidence for p in recognised.values()) / len(recognised)
        metadata["ocr"] = {"engine": ENGINE, "pages": sorted(recognised), "confidence": round(confidence, 3)}
    if unavailable and scans:
        metadata["warnings"] = [
            f"{_pages_phrase(scans)} look scanned and were not read: text recognition unavailable"
            f" ({unavailable})"
        ]
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, text),
        date=date,
        pages=len(pages),
        metadata=metadata,
    )


def _first_line_title(page_texts: list[str], recognised: dict[int, RecognisedPage]) -> str | None:
    """A heading-like line among the first lines of page 1 (typed, or recognised from its scan)."""
    first = recognised[1].paragraphs[:3] if 1 in recognised else []
    lines = [line for line in normalise_space(page_texts[0]).split("\n")[:5] if line.strip()] + first
    return next((line.strip() for line in lines if _heading_like(line)), None)


def _page_texts(pages: list) -> tuple[list[str], list[int], list[list[tuple[float, str]]]]:
    """Each page's text, the numbers of pages whose text could not be extracted, and each page's lines
    with their font size; stops with too_much_text as soon as the document is past MAX_TEXT_CHARS."""
    texts, failed, sized, visible = [], [], [], 0
    for number, page in enumerate(pages, start=1):
        lines = _SizedLines()
        try:
            text = page.extract_text(visitor_text=lines.visit) or ""
        except Exception:  # one damaged page should not cost the rest of the document
            text = ""
            failed.append(number)
        visible += visible_chars(text)
        if visible > MAX_TEXT_CHARS:
            raise too_much_text(visible, stopped=True)
        texts.append(text)
        sized.append(lines.lines())
    return texts, failed, sized


def _times(m: list[float], n: list[float]) -> list[float]:
    """The product of two PDF transformation matrices [a b c d e f]."""
    a, b, c, d, e, f = m
    return [
        a * n[0] + b * n[2],
        a * n[1] + b * n[3],
        c * n[0] + d * n[2],
        c * n[1] + d * n[3],
        e * n[0] + f * n[2] + n[4],
        e * n[1] + f * n[3] + n[5],
    ]


class _SizedLines:
    """The lines of a page with the size their text is set in, from pypdf's text visitor."""

    def __init__(self) -> None:
        self._runs: list[tuple[float, float, str]] = []  # (size, baseline y, text)

    def visit(self, text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text or len(self._runs) > 20_000:  # enough to find the headings of any real page
            return
        try:
            matrix = _times([float(v) for v in tm], [float(v) for v in cm])
            height = abs(float(size)) * math.hypot(matrix[2], matrix[3])
        except (TypeError, ValueError):
            return
        for index, piece in enumerate(text.split("\n")):
            self._runs.append((height, matrix[5] - index * height, piece))

    def lines(self) -> list[tuple[float, str]]:
        """(size, text) per line: runs on the same baseline joined, the largest size kept."""
        out: list[tuple[float, float, str]] = []
        for size, y, piece in self._runs:
            if out and abs(out[-1][1] - y) < 0.5 * max(size, 1):
                out[-1] = (max(out[-1][0], size if piece.strip() else 0), y, out[-1][2] + piece)
            else:
                out.append((size if piece.strip() else 0, y, piece))
        return [(round(size, 1), " ".join(text.split())) for size, _, text in out if text.strip()]


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


# -- structure: outline entries, headings by font size -----------------------------------------------------

MAX_OUTLINE_ENTRIES = 5_000  # a real book has hundreds; a crafted outline could loop or nest forever


def _outline(reader: Any, page_count: int) -> list[tuple[int, str]]:
    """The outline (bookmarks) as (page index, title) in reading order; [] when there is none or it is
    unreadable (the text still imports without sections)."""
    out: list[tuple[int, str]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if len(out) >= MAX_OUTLINE_ENTRIES or depth > 30:
                return
            if isinstance(item, list):
                walk(item, depth + 1)  # the children of the entry before
                continue
            try:
                index = reader.get_destination_page_number(item)
                title = " ".join(str(item.title or "").split())
            except Exception:  # noqa: BLE001 - an entry pointing nowhere is skipped
                continue
            if title and index is not None and 0 <= index < page_count:
                out.append((index, title))

    try:
        walk(reader.outline, 0)
    except Exception:  # noqa: BLE001 - a damaged outline costs the sections, not the document
        return []
    # Entries go in page order; on one page they keep the outline's order.
    return sorted(out, key=lambda entry: entry[0])


def _outline_headings(outline: list[tuple[int, str]]) -> dict[int, list[str]]:
    by_page: dict[int, list[str]] = {}
    for index, title in outline:
        by_page.setdefault(index, []).append(title)
    return by_page


# A heading is set at least this much larger than the body text; past this share of the characters,
# "headings" are no structure (a slide deck, a poster).
HEADING_SCALE = 1.15
MAX_HEADING_SHARE = 0.3


def _heading_text(text: str) -> bool:
    words = text.split()
    return (
        1 <= len(words) <= 15
        and sum(c.isalpha() for c in text) >= 3
        and not text.endswith((".", ",", ";"))
        and not _PAGE_NUMBER.match(text)
        and parse_any_date(text) is None  # a report's date under its title is no heading
    )


def _size_headings(sized: list[list[tuple[float, str]]]) -> dict[int, list[str]]:
    """Lines set larger than the body text (the size most characters are set in), per page index."""
    weights: Counter[float] = Counter()
    for lines in sized:
        for size, text in lines:
            weights[size] += len(text)
    if not weights:
        return {}
    body = weights.most_common(1)[0][0]
    found = {
        index: [text for size, text in lines if size >= body * HEADING_SCALE and _heading_text(text)]
        for index, lines in enumerate(sized)
    }
    found = {index: texts for index, texts in found.items() if texts}
    heading_chars = sum(len(text) for texts in found.values() for text in texts)
    if body <= 0 or heading_chars > MAX_HEADING_SHARE * sum(weights.values()):
        return {}
    return found


class _Sections:
    """Which section each paragraph is in. Outline entries found among a page's lines start their section
    at that line; entries not found start theirs with their page. Without an outline, lines in large print
    are the headings, and the first of them before any body text is the document's title instead."""

    def __init__(
        self,
        outline: list[tuple[int, str]],
        headings: dict[int, list[str]],
        recognised: dict[int, RecognisedPage],
    ) -> None:
        self.by_outline = bool(outline)
        self.headings = headings
        self.recognised = recognised
        self.section: str | None = None
        self.title: str | None = None
        self.body_seen = False

    def paras(self, pages: list[str]) -> tuple[list[Para], str | None]:
        out: list[Para] = []
        for index, text in enumerate(pages):
            entries = self.headings.get(index, [])
            if index + 1 in self.recognised:
                out += self._scanned(index + 1, entries)
            else:
                out += self._typed(index + 1, text, entries)
            if self.by_outline and entries:
                self.section = entries[-1]  # the next page goes on under the page's last entry
        if not any(not p.heading for p in out):  # headings were all there is: they are the text
            out = [Para(p.text, page=p.page, section=p.section, ocr=p.ocr) for p in out]
        return out, self.title

    def _scanned(self, number: int, entries: list[str]) -> list[Para]:
        page = self.recognised[number]
        if self.by_outline and entries:
            self.section = entries[0]
        return [Para(p, page=number, section=self.section, ocr=page.confidence) for p in page.paragraphs]

    def _typed(self, number: int, text: str, entries: list[str]) -> list[Para]:
        pieces = _page_paragraphs(text, entries)
        if self.by_outline and entries and not any(heading for _, heading in pieces):
            self.section = entries[0]
        out = []
        for paragraph, heading in pieces:
            if heading is None:
                out.append(Para(paragraph, page=number, section=self.section))
                self.body_seen = True
                continue
            if not self.by_outline and not self.body_seen and self.title is None:
                self.title = paragraph
            else:
                self.section = heading
            out.append(Para(paragraph, page=number, section=self.section, heading=True))
        return out


# -- scanned pages ---------------------------------------------------------------------------------------

# A page with fewer typed characters than this over an image is a scan (a stamped page number, a fax header).
SCAN_TEXT_CHARS = 20


def _has_image(page: Any, depth: int = 0) -> bool:
    """True when the page (or a form it draws) paints an image."""
    try:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        xobjects = resources.get("/XObject") if resources is not None else None
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            obj = ref.get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image" or (subtype == "/Form" and depth < 3 and _has_image(obj, depth + 1)):
                return True
        if depth == 0:
            contents = page.get_contents()
            data = contents.get_data() if contents is not None else b""
            return b"BI" in data and b"ID" in data  # an inline image
    except Exception:  # noqa: BLE001 - a damaged resource dictionary: not known to be a scan
        return False
    return False


def _scanned(pages: list[Any], texts: list[str], unreadable: set[int]) -> list[int]:
    """The numbers of the pages that are images of text: little or no typed text, and an image."""
    return [
        number
        for number, (page, text) in enumerate(zip(pages, texts, strict=True), start=1)
        if number not in unreadable and visible_chars(text) < SCAN_TEXT_CHARS and _has_image(page)
    ]


def _render(document: Any, index: int) -> Any:
    """A page as a PIL image at RENDER_DPI (smaller for a huge page); None when PDFium cannot draw it."""
    try:
        page = document[index]
        width, height = page.get_size()
        scale = min(RENDER_DPI / 72, MAX_SIDE / max(width, height, 1))
        return page.render(scale=scale).to_pil()
    except Exception:  # noqa: BLE001 - one page PDFium cannot draw costs that page only
        return None


def _recognise(data: bytes, scans: list[int], label: str) -> tuple[dict[int, RecognisedPage], str | None]:
    """The recognised text of the scanned pages, and why there is none when recognition cannot run."""
    if not scans:
        return {}, None
    unavailable = engine_available()
    if unavailable:
        return {}, unavailable
    check_page_count(len(scans))
    try:
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
    except ImportError:
        return {}, "pypdfium2 is not installed"
    except Exception:  # noqa: BLE001 - PDFium refusing what pypdf read: the pages stay unread
        return {}, "PDFium could not open the file"
    try:
        renders = ((number, lambda n=number: _render(document, n - 1)) for number in scans)
        return recognise_pages(renders, len(scans), label), None
    finally:
        document.close()


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
