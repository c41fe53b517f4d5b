"""A report's HTML read back as blocks (headings, paragraphs, lists, tables, quotes) for the Word exporter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "wbr"})
_SPACE = re.compile(r"\s+")
_HEADING = re.compile(r"h([1-6])")


@dataclass
class Run:
    """A stretch of text with one look."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


Runs = list[Run]


@dataclass
class Block:
    """One block of a report. `kind` is heading, paragraph, bullet, number, table, quote or rule; `level`
    is a heading's level or a list item's depth (0 first); a table's `rows` are cells of runs, its first
    `header_rows` rows the header; a quote's `paragraphs` are its text and `citation` the '— source' line."""

    kind: str
    runs: Runs = field(default_factory=list)
    level: int = 0
    rows: list[list[Runs]] = field(default_factory=list)
    header_rows: int = 0
    paragraphs: list[Runs] = field(default_factory=list)
    citation: Runs = field(default_factory=list)

    @property
    def text(self) -> str:
        return plain(self.runs)


def plain(runs: Runs) -> str:
    return "".join(r.text for r in runs)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving element tree: entities decoded, unclosed tags closed by their parent's end tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _find(node: _Node, tag: str) -> _Node | None:
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == tag:
                return child
            found = _find(child, tag)
            if found is not None:
                return found
    return None


def parse_html(html: str) -> list[Block]:
    """The blocks of a report's HTML (render_html's document: what is inside <main>, else <body>)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    root = builder.root
    body = _find(root, "main") or _find(root, "body") or root
    blocks: list[Block] = []
    _blocks(body, blocks)
    return blocks


def _runs(node: _Node | str, bold: bool = False, italic: bool = False, code: bool = False) -> Runs:
    """The inline text of a node, whitespace collapsed (a <br> is a line break)."""
    if isinstance(node, str):
        return [Run(_SPACE.sub(" ", node), bold, italic, code)] if node else []
    if node.tag == "br":
        return [Run("\n", bold, italic, code)]
    if node.tag == "img":
        return [Run(node.attrs.get("alt") or "", bold, italic, code)]
    bold = bold or node.tag in ("strong", "b", "th")
    italic = italic or node.tag in ("em", "i")
    code = code or node.tag == "code"
    return [run for child in node.children for run in _runs(child, bold, italic, code)]


def _trim(runs: Runs) -> Runs:
    """Runs without leading and trailing spaces, and without the empty runs that leaves."""
    runs = [Run(r.text, r.bold, r.italic, r.code) for r in runs]
    while runs and not runs[0].text.strip():
        runs.pop(0)
    while runs and not runs[-1].text.strip():
        runs.pop()
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()
    return runs


def _blocks(node: _Node, out: list[Block]) -> None:
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                out.append(Block("paragraph", _trim(_runs(child))))
            continue
        handler = _HANDLERS.get(child.tag)
        if handler is not None:
            handler(child, out)
        elif (heading := _HEADING.fullmatch(child.tag)) is not None:
            out.append(Block("heading", _trim(_runs(child)), level=int(heading.group(1))))
        else:  # div, section and anything unknown: its content
            _blocks(child, out)


def _paragraph(node: _Node, out: list[Block]) -> None:
    runs = _trim(_runs(node))
    if runs:
        out.append(Block("paragraph", runs))


def _list(node: _Node, out: list[Block], depth: int = 0) -> None:
    kind = "number" if node.tag == "ol" else "bullet"
    for item in node.children:
        if not isinstance(item, _Node) or item.tag != "li":
            continue
        inline = [c for c in item.children if not (isinstance(c, _Node) and c.tag in ("ul", "ol"))]
        runs = _trim([run for c in inline for run in _runs(c)])
        out.append(Block(kind, runs, level=depth))
        for sub in item.children:
            if isinstance(sub, _Node) and sub.tag in ("ul", "ol"):
                _list(sub, out, depth + 1)


def _table(node: _Node, out: list[Block]) -> None:
    rows: list[list[Runs]] = []
    header_rows = 0
    for section in node.children:
        if not isinstance(section, _Node):
            continue
        trs = [section] if section.tag == "tr" else [c for c in section.children if isinstance(c, _Node)]
        for tr in trs:
            if tr.tag != "tr":
                continue
            cells = [c for c in tr.children if isinstance(c, _Node) and c.tag in ("th", "td")]
            rows.append([_trim(_runs(c)) for c in cells])
            if section.tag == "thead" or (cells and all(c.tag == "th" for c in cells) and not header_rows):
                header_rows = len(rows)
    if rows:
        out.append(Block("table", rows=rows, header_rows=header_rows))


def _quote(node: _Node, out: list[Block]) -> None:
    inner: list[Block] = []
    _blocks(node, inner)
    # The report writer puts each source on the line after its passage ("— *Title*, p. 3, ..."), and
    # markdown joins quotes separated only by a blank line into one: each source line ends one quote.
    paragraphs: list[Runs] = []
    for runs in (b.runs for b in inner if b.runs):
        if plain(runs).startswith("— "):
            citation = _trim(runs)
            citation[0].text = citation[0].text[2:]
            out.append(Block("quote", paragraphs=paragraphs, citation=_trim(citation)))
            paragraphs = []
        else:
            paragraphs.append(runs)
    if paragraphs:
        out.append(Block("quote", paragraphs=paragraphs))


def _pre(node: _Node, out: list[Block]) -> None:
    text = "".join(r.text for r in _runs(node))
    out.append(Block("paragraph", [Run(text.strip("\n"), code=True)]))


_HANDLERS = {
    "p": _paragraph,
    "ul": _list,
    "ol": _list,
    "table": _table,
    "blockquote": _quote,
    "hr": lambda node, out: out.append(Block("rule")),
    "pre": _pre,
    "head": lambda node, out: None,
    "style": lambda node, out: None,
    "script": lambda node, out: None,
    "title": lambda node, out: None,
}


# ---- table layout: what the Word and PDF writers share ---------------------------------------------------
CHAR_EM = 0.6  # an average character of a sans-serif face (bold headers included) is about this wide, in em
WIDEST_CHARS = 48  # a column of long text wraps at about this many characters' share
WIDE_TABLE = 7  # more columns than this and a table's text is set smaller
BOLD_WIDER = 1.15  # a bold word is about this much wider than the same word in the regular weight


@dataclass(frozen=True)
class TableLayout:
    """Column widths (in the unit of the width given) and whether every column's longest word fits."""

    widths: list[float]
    fits: bool


def table_texts(block: Block) -> list[list[str]]:
    return [[plain(cell) for cell in row] for row in block.rows]


def table_layout(
    rows: list[list[str]], width: float, size_pt: float, padding: float, header_rows: int = 0
) -> TableLayout:
    """Each column at least its longest word wide (a date or 'progress' never breaks), plus `padding`;
    what is left shared by how much text a column holds (a long organisation name gets room, a '%'
    column little). Widths in millimetres when `width` and `padding` are; when the longest words do not
    fit, every column shrinks alike and `fits` is False (the page is too narrow: turn it). The first
    `header_rows` are set in bold, which is wider."""
    columns = max((len(row) for row in rows), default=0)
    char = size_pt * CHAR_EM * 25.4 / 72  # millimetres per character
    least, wanted = [], []
    for c in range(columns):
        texts = [row[c] if c < len(row) else "" for row in rows]
        longest_word = max(
            (len(w) * (BOLD_WIDER if r < header_rows else 1) for r, t in enumerate(texts) for w in t.split()),
            default=1,
        )
        typical = sorted(len(t) for t in texts)[len(texts) * 3 // 4]  # the upper quartile, not one outlier
        least.append(longest_word * char + padding)
        wanted.append(max(longest_word, min(typical, WIDEST_CHARS)) * char + padding)
    spare = width - sum(least)
    if spare <= 0:
        return TableLayout([w * width / sum(least) for w in least], False)
    desire = [w - m for w, m in zip(wanted, least, strict=True)]
    total = sum(desire)
    shares = [d / total if total else 1 / columns for d in desire]
    return TableLayout([m + spare * s for m, s in zip(least, shares, strict=True)], True)


def table_size(block: Block, normal: float, small: float) -> float:
    """The type size of a table: `small` for one of many columns."""
    return small if max((len(r) for r in block.rows), default=0) > WIDE_TABLE else normal


def needs_landscape(blocks: list[Block], width: float, normal: float, small: float, padding: float) -> bool:
    """Whether some table's longest words do not fit across a page `width` wide (the tracker's dozen
    columns on portrait A4): the document is then better turned to landscape."""
    return any(
        not table_layout(table_texts(b), width, table_size(b, normal, small), padding, b.header_rows).fits
        for b in blocks
        if b.kind == "table"
    )
