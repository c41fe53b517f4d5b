"""Passages of roughly 80-250 words from paragraph and sentence boundaries, never across a page or section."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from knowledge.ingest.base import Block

MIN_WORDS = 80
MAX_WORDS = 250
# A short tail joins the passage before it as long as the result stays within this many words.
MERGE_LIMIT = 350

_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? (optionally closed by quotes or brackets) before whitespace and a capital,
# digit, quote or bracket; a few common abbreviations are not sentence ends.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
_ABBREVIATIONS = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "no",
    "vs",
    "fig",
    "figs",
    "eg",
    "e.g",
    "ie",
    "i.e",
    "al",
    "et al",
    "approx",
    "ref",
    "vol",
    "pp",
    "cf",
    "inc",
    "ltd",
    "co",
    "jr",
    "sr",
    "dept",
    "est",
    "min",
    "max",
}


_REACH = 2 + max(len(a) for a in _ABBREVIATIONS)


@dataclass
class _Unit:
    start: int
    end: int
    words: int


def count_words(text: str) -> int:
    """Words as the chunker counts them: runs of non-space characters."""
    return len(_WORD.findall(text))


def _sentence_spans(text: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text, shifted by offset; the spans cover every word."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        # Only the last word matters; looking at a short window keeps a long run of skipped full stops
        # ("J. K. L. ...") linear. A word longer than the window is no abbreviation anyway.
        before = text[max(start, match.start() - _REACH) : match.start()].rsplit(None, 1)
        last_word = before[-1].lower().rstrip(".") if before else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "Dr. Okafor", "J. Smith": not the end of a sentence
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append((offset + s + lead, offset + s + len(piece.rstrip())))
    return out


def _word_pieces(text: str, start: int, end: int, max_words: int) -> list[_Unit]:
    """A span cut at word boundaries into pieces of at most max_words words (for a huge 'sentence')."""
    words = list(_WORD.finditer(text, start, end))
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        pieces.append(_Unit(group[0].start(), group[-1].end(), len(group)))
    return pieces


def _sentence_units(text: str, unit: _Unit, max_words: int) -> list[_Unit]:
    units = []
    for s, e in _sentence_spans(text[unit.start : unit.end], unit.start):
        words = count_words(text[s:e])
        if words > max_words:
            units.extend(_word_pieces(text, s, e, max_words))
        elif words:
            units.append(_Unit(s, e, words))
    return units


def _pack(text: str, units: list[_Unit], min_words: int, max_words: int) -> list[_Unit]:
    """Greedy packing: whole paragraphs while they fit; a paragraph that does not fit is broken into
    sentences when the passage so far is still short, or when it is itself longer than max_words."""
    queue = deque(units)
    passages: list[_Unit] = []
    current: _Unit | None = None
    while queue:
        unit = queue.popleft()
        if current is None and unit.words <= max_words:
            current = _Unit(unit.start, unit.end, unit.words)
            continue
        if current is not None and current.words + unit.words <= max_words:
            current = _Unit(current.start, unit.end, current.words + unit.words)
            continue
        pieces = _sentence_units(text, unit, max_words)
        if len(pieces) > 1 and (
            unit.words > max_words or (current is not None and current.words < min_words)
        ):
            queue.extendleft(reversed(pieces))
            if current is not None and current.words + pieces[0].words > max_words:
                passages.append(current)
                current = None
            continue
        if current is not None:
            passages.append(current)
        if unit.words > max_words:  # one sentence longer than a passage: cut at word boundaries
            queue.extendleft(reversed(_word_pieces(text, unit.start, unit.end, max_words)))
            current = None
        else:
            current = _Unit(unit.start, unit.end, unit.words)
    if current is not None:
        passages.append(current)
    # A short tail reads better as the end of the passage before it.
    if len(passages) > 1 and passages[-1].words < min_words:
        last, before = passages[-1], passages[-2]
        if last.words + before.words <= MERGE_LIMIT * max_words // MAX_WORDS:
            passages[-2:] = [_Unit(before.start, last.end, before.words + last.words)]
    return passages


def chunk(
    text: str, blocks: list[Block], *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS
) -> list[Block]:
    """Passages (as Blocks with page, section and offsets into text) from a document's blocks.

    Consecutive blocks with the same page and section are packed together; a passage never spans two
    pages or two sections, nor typed and recognised text, nor what comes before a block marked new_passage.
    Passage text is text[start:end], so offsets always slice the text back."""
    passages: list[Block] = []
    run: list[Block] = []

    def flush() -> None:
        if not run:
            return
        units = [_Unit(b.start, b.end, count_words(text[b.start : b.end])) for b in run]
        units = [u for u in units if u.words]
        for unit in _pack(text, units, min_words, max_words):
            passages.append(
                Block(
                    text=text[unit.start : unit.end],
                    page=run[0].page,
                    section=run[0].section,
                    start=unit.start,
                    end=unit.end,
                    ocr=_confidence(run, unit),
                )
            )
        run.clear()

    for block in blocks:
        if run and (block.new_passage or _place(block) != _place(run[0])):
            flush()
        run.append(block)
    flush()
    return passages


def _place(block: Block) -> tuple[int | None, str | None, bool]:
    # Recognised and typed text of one page stay apart: a passage is either from a scan or not.
    return block.page, block.section, block.ocr is not None


def _confidence(run: list[Block], unit: _Unit) -> float | None:
    """The lowest OCR confidence of the blocks a passage is made of (None for typed text)."""
    scores = [b.ocr for b in run if b.ocr is not None and b.start < unit.end and unit.start < b.end]
    return min(scores) if scores else None
