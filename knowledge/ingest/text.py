"""Plain text and Markdown readers: encodings detected, chrome removed, headings become sections."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.dates import parse_any_date
from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    Para,
    assemble,
    guess_kind,
    header_fields,
    looks_like_title,
    normalise_space,
    read_text_file,
    remove_chrome,
    split_paragraphs,
    title_from_path,
)

_HEADING_END = (".", ",", ";", ":", "!", "?", ")", '"', "'")


def _txt_heading(paragraph: str, max_words: int = 12) -> bool:
    """A one-line paragraph of a few words without closing punctuation reads as a heading in plain text."""
    if "\n" in paragraph:
        return False
    words = paragraph.split()
    return (
        1 <= len(words) <= max_words
        and not paragraph.rstrip().endswith(_HEADING_END)
        and looks_like_title(paragraph)
    )


@register_reader(".txt", ".text", label="Text")
def read_txt(path: Path) -> ParsedDocument:
    """A .txt file: paragraphs at blank lines, short unpunctuated lines as headings (the first: title)."""
    raw, encoding = read_text_file(path)
    cleaned = normalise_space(remove_chrome(raw))
    paras: list[Para] = []
    title = None
    section = None
    for paragraph in split_paragraphs(cleaned):
        # The opening line may be a long headline (the title); later headings are shorter.
        if _txt_heading(paragraph, 20 if not paras else 12):
            if title is None and not paras:
                title = paragraph.strip()
            else:
                section = paragraph.strip()
            paras.append(Para(paragraph, section=section, heading=True))
            continue
        paras.append(Para(paragraph, section=section))
    if title is None:
        first = next((p.text for p in paras if looks_like_title(p.text.split("\n")[0])), None)
        title = first.split("\n")[0].strip() if first and len(first.split()) <= 20 else title_from_path(path)
    text, blocks = assemble(paras)
    if not blocks and not text:
        raise IngestError("the file is empty")
    if not blocks:  # a file of headings only: keep them as the passage
        text, blocks = assemble([Para(p.text, section=p.section) for p in paras])
    fields = header_fields(cleaned.split("\n"))
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, text),
        date=parse_any_date(fields.get("date")),
        metadata={"encoding": encoding, "raw_text": raw, **fields},
    )


# -- Markdown ------------------------------------------------------------------------------------------------

# Patterns never end in a lazy group before \s*$ (quadratic backtracking on long runs of spaces): the
# captured text is stripped in Python instead.
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_META_LINE = re.compile(r"^\s*(?:[-*]\s+)?(?:\*\*|__)([^*_:\n]{1,40}?)\s*:\s*(?:\*\*|__)\s*(.*\S)")
_META_LINE_AFTER = re.compile(r"^\s*(?:\*\*|__)([^*_:\n]{1,40}?)(?:\*\*|__)\s*:\s*(.*\S)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(\[[ xX]\]\s+)?")
_HR = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_QUOTE = re.compile(r"^(?:\s*>)+\s?")  # every level of a nested quote


# Inline markup. No span may contain its own opening delimiter, so an opener without a closer costs a scan
# to the next opener only, never to the end of the line: linear time whatever the line.
_INLINE = [
    (re.compile(r"!\[([^\[\]]*)\]\([^()]*\)"), r"\1"),  # image: its alt text
    (re.compile(r"\[([^\[\]]+)\]\([^()]*\)"), r"\1"),  # link: its text
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<(https?://[^<>]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italic
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~((?:(?!~~).)+?)~~"), r"\1"),  # strike-through
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"<!--(?:(?!<!--).)*?-->"), ""),
]


def strip_inline(text: str) -> str:
    """Inline markdown removed: emphasis markers, code ticks, links and images reduced to their text."""
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [strip_inline(c.strip().replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", line)]


def table_to_text(lines: list[str]) -> str:
    """A pipe table as readable lines, one per row: 'Header: value. Header: value.' (header row dropped)."""
    rows = [_cells(line) for line in lines if not _TABLE_RULE.match(line)]
    has_rule = any(_TABLE_RULE.match(line) for line in lines)
    if not rows:
        return ""
    header, body = (rows[0], rows[1:]) if has_rule and len(rows) > 1 else ([], rows)
    out = []
    for row in body:
        if header:
            parts = [
                f"{h}: {v}" if h and h not in {"#", "No", "No.", "Ref"} else v
                for h, v in zip(header, row, strict=False)
                if v
            ]
        else:
            parts = [v for v in row if v]
        line = ". ".join(p.rstrip(".") for p in parts)
        if line:
            out.append(line + ".")
    return "\n".join(out)


def _is_table_line(line: str) -> bool:
    return line.strip().startswith("|") or (line.count("|") >= 2 and not line.strip().startswith(("-", "*")))


def _clean_md_paragraph(lines: list[str]) -> str:
    if all(_is_table_line(line) for line in lines) and any(_TABLE_RULE.match(line) for line in lines):
        return table_to_text(lines)
    out = []
    for line in lines:
        if _HR.match(line):
            continue
        line = _QUOTE.sub("", line)
        line = _BULLET.sub(r"\1", line).strip()
        if m := _META_LINE.match(line) or _META_LINE_AFTER.match(line):
            line = f"{m.group(1).strip()}: {m.group(2).strip()}"
        out.append(strip_inline(line))
    return "\n".join(out).strip()


def _metadata_lines(raw: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in raw.split("\n")[:80]:
        if m := _META_LINE.match(line) or _META_LINE_AFTER.match(line):
            key = re.sub(r"[^a-z0-9]+", "_", m.group(1).strip().lower()).strip("_")
            if key and key not in meta:
                meta[key] = strip_inline(m.group(2).strip())
    return meta


def _md_sections(raw: str) -> list[tuple[str | None, int | None, list[str]]]:
    """(heading text, level, body lines) in order; setext headings folded into ATX ones."""
    lines = raw.split("\n")
    out: list[tuple[str | None, int | None, list[str]]] = [(None, None, [])]
    in_code = False
    for i, line in enumerate(lines):
        if line.strip().startswith("```") or line.strip().startswith("~~~"):
            in_code = not in_code
            continue
        if not in_code:
            m = _MD_HEADING.match(line)
            if m:
                # "## Title ##": closing hashes are not part of the heading.
                text = m.group(2).rstrip().rstrip("#").rstrip()
                out.append((strip_inline(text), len(m.group(1)), []))
                continue
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if line.strip() and _SETEXT.match(nxt) and not _is_table_line(line) and not _HR.match(line):
                level = 1 if nxt.strip().startswith("=") else 2
                out.append((strip_inline(line.strip()), level, []))
                continue
            if _SETEXT.match(line) and out[-1][2] == [] and out[-1][0] is not None:
                continue  # the underline of a setext heading just added
        out[-1][2].append(line)
    return out


@register_reader(".md", ".markdown", label="Markdown")
def read_markdown(path: Path) -> ParsedDocument:
    """A .md file: headings become sections (the first level-1 heading is the title), markdown syntax
    removed from the text, tables made readable; the raw text stays in metadata['raw_text']."""
    raw, encoding = read_text_file(path)
    raw = remove_chrome(raw)
    meta = _metadata_lines(raw)
    title = None
    paras: list[Para] = []
    for heading, level, body in _md_sections(raw):
        section = heading
        if heading is not None:
            if title is None and level == 1:
                title = heading
                section = None
            paras.append(Para(heading, section=section, heading=True))
        for paragraph in split_paragraphs("\n".join(body)):
            cleaned = _clean_md_paragraph(paragraph.split("\n"))
            if cleaned:
                paras.append(Para(normalise_space(cleaned), section=section))
    if title is None:
        heading = next((p.text for p in paras if p.heading), None)
        title = heading or title_from_path(path)
    text, blocks = assemble(paras)
    if not text:
        raise IngestError("the file is empty")
    if not blocks:
        text, blocks = assemble([Para(p.text, section=p.section) for p in paras])
    metadata: dict[str, object] = {"encoding": encoding, "raw_text": raw, **meta}
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, raw),
        date=parse_any_date(meta.get("date")),
        metadata=metadata,
    )
