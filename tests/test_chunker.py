"""The chunker: 80-250 word passages on paragraph/sentence boundaries, never across pages or sections."""

from __future__ import annotations

import random
import re

from knowledge.ingest.base import Block
from knowledge.ingest.chunker import MAX_WORDS, chunk, count_words
from knowledge.ingest.common import Para, assemble


def _doc(*paras: Para) -> tuple[str, list[Block]]:
    return assemble(list(paras))


def _sentence(n: int, word: str = "word") -> str:
    return " ".join(f"{word}{i}" for i in range(n - 1)) + " end."


def _words_with_positions(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _check_invariants(text: str, blocks: list[Block], passages: list[Block]) -> None:
    """Every word of every block is in exactly one passage; offsets slice the text back; no passage spans
    two pages or sections."""
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
        assert passage.text == passage.text.strip()
        covering = [b for b in blocks if b.start < passage.end and passage.start < b.end]
        assert {(b.page, b.section) for b in covering} == {(passage.page, passage.section)}
    for block in blocks:
        for start, end in _words_with_positions(block.text):
            absolute = (block.start + start, block.start + end)
            holders = [p for p in passages if p.start <= absolute[0] and absolute[1] <= p.end]
            assert len(holders) == 1, text[absolute[0] : absolute[1]]
    starts = [p.start for p in passages]
    assert starts == sorted(starts)


def test_a_short_document_is_one_passage():
    text, blocks = _doc(Para("A short note."), Para("A second paragraph."))
    passages = chunk(text, blocks)
    assert len(passages) == 1
    assert passages[0].text == "A short note.\n\nA second paragraph."


def test_a_240_word_abstract_stays_whole():
    abstract = " ".join(_sentence(24, f"w{i}x") for i in range(10))
    assert count_words(abstract) == 240
    text, blocks = _doc(Para(abstract))
    assert [p.text for p in chunk(text, blocks)] == [abstract]


def test_long_paragraph_splits_at_sentence_boundaries():
    paragraph = " ".join(_sentence(30, f"S{i}w") for i in range(20))  # 600 words
    text, blocks = _doc(Para(paragraph))
    passages = chunk(text, blocks)
    assert len(passages) >= 3
    for passage in passages:
        assert passage.text.endswith("end.")
        assert 80 <= count_words(passage.text) <= MAX_WORDS + 80
    _check_invariants(text, blocks, passages)


def test_a_huge_sentence_splits_at_word_boundaries():
    paragraph = " ".join(f"token{i}" for i in range(1000))
    text, blocks = _doc(Para(paragraph))
    passages = chunk(text, blocks)
    assert all(count_words(p.text) <= MAX_WORDS + 80 for p in passages)
    assert " ".join(p.text for p in passages) == paragraph
    _check_invariants(text, blocks, passages)


def test_never_across_pages_or_sections():
    text, blocks = _doc(
        Para("Page one text.", page=1),
        Para("Page two text.", page=2),
        Para("Page two, new section.", page=2, section="Results"),
    )
    passages = chunk(text, blocks)
    assert [(p.page, p.section, p.text) for p in passages] == [
        (1, None, "Page one text."),
        (2, None, "Page two text."),
        (2, "Results", "Page two, new section."),
    ]


def test_short_tail_merges_with_the_passage_before():
    body = " ".join(_sentence(20, f"A{i}w") for i in range(11))  # 220 words
    tail = "A short closing remark."
    text, blocks = _doc(Para(body), Para(_sentence(60, "B")), Para(tail))
    passages = chunk(text, blocks)
    assert passages[-1].text.endswith(tail)
    assert count_words(passages[-1].text) > 60
    _check_invariants(text, blocks, passages)


def test_abbreviations_do_not_end_sentences():
    long_sentence = "Dr. Okafor and Prof. J. Smith et al. reviewed it e.g. twice " + _sentence(150, "X")
    paragraph = _sentence(120, "Lead") + " " + long_sentence
    text, blocks = _doc(Para(paragraph))
    passages = chunk(text, blocks)
    assert any(p.text.startswith("Dr. Okafor and Prof. J. Smith") for p in passages)


def test_random_documents_keep_every_word_exactly_once():
    rng = random.Random(20240314)
    vocabulary = "alpha beta gamma. Delta epsilon! Zeta eta theta? Iota kappa Dr. lambda (mu). Nu".split()
    for _ in range(250):
        paras = []
        for _ in range(rng.randint(1, 10)):
            size = rng.choice([1, 3, 20, 90, 180, 260, 700])
            paras.append(
                Para(
                    " ".join(rng.choice(vocabulary) for _ in range(size)),
                    page=rng.choice([None, 1, 2]),
                    section=rng.choice([None, "Intro", "Methods"]),
                )
            )
        text, blocks = assemble(paras)
        passages = chunk(text, blocks)
        _check_invariants(text, blocks, passages)
        assert sum(count_words(p.text) for p in passages) == count_words(" ".join(b.text for b in blocks))
        assert max(count_words(p.text) for p in passages) <= 350


def test_empty_input_gives_no_passages():
    assert chunk("", []) == []
