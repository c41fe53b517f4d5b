"""The search syntax people type, parsed once into a small tree: pure functions, no I/O, never raises.

    plain words        ranked by how well passages match them (any of the words; the more, the better)
    "exact phrase"     the words next to each other, in that order
    -word, NOT word    exclude passages containing the word (or -"a phrase"), in every search mode
    word*              any word starting with it
    a OR b             either (the same as `a b`: say it to make it explicit)
    a AND b            both; binds tighter than OR, so `a b AND c` means a, or b and c together
    ( ... )            grouping

Only upper-case AND, OR and NOT are operators ("and", "or", "not" are words); a quote left open is
ignored, so a phrase being typed searches its words meanwhile. Text that leaves nothing
to look for once read as syntax (`NOT "indemnity`, a lone `-`) is read again as plain words, so every
query searches for something whenever it has a word at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Stop words are left out of plain word lists when other words remain: a bare "and" would match nearly
# every passage and only add cost, and "who", "when" or "the" are no evidence that a passage answers
# a question (nor worth highlighting). Inside a phrase or an AND they stay: the user asked for them.
STOP_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into
    is it its of on or our should so than that the their them then there these they this those to was
    we were what when where which while who whom whose why will with would you your near not""".split()
)
# Words of a query that are searched: a pasted page of text still answers in milliseconds, and the first
# 64 distinct words say what it is about as well as all of them would.
MAX_TERMS = 64
# A longer "word" is a hash, a pasted run of unpunctuated text or an attack, never something searched for;
# past 32 KB FTS5 would also cut it inside a character.
MAX_WORD_CHARS = 100
MAX_DEPTH = 16  # brackets nested deeper than this are read as spaces (no recursion on hostile text)

_WORD = re.compile(r"\w+", re.UNICODE)
_OPERATORS = frozenset({"AND", "OR", "NOT"})


@dataclass(frozen=True)
class Term:
    """One word; prefix=True matches every word that starts with it (`synth*`)."""

    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words that must appear next to each other, in order."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class All:
    """Every part must match (AND)."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    """At least one part must match (OR, or words side by side); ranking rewards matching more."""

    parts: tuple[Node, ...]


Node = Term | Phrase | All | Any_


@dataclass(frozen=True)
class ParsedQuery:
    """What a query asks for: `match` (None when it has no word) and the excluded terms and phrases."""

    text: str
    match: Node | None
    excluded: tuple[Term | Phrase, ...] = ()
    plain: bool = True  # no syntax at all: ranked words only, exactly the behaviour before the syntax
    words: tuple[str, ...] = field(default=())  # the searched words, lower-cased, distinct, in order

    @property
    def constrains(self) -> bool:
        """Whether passages must contain something (a phrase, a prefix, an AND) to match at all.

        Semantic results are filtered by such a query; a list of plain words only ranks."""
        return self.match is not None and not _only_words(self.match)

    @property
    def semantic_text(self) -> str:
        """The text to embed: the query as typed when it is plain, else its searched words in order."""
        if self.plain:
            return self.text.strip()
        return " ".join(_node_words(self.match)) if self.match is not None else ""

    def content_words(self) -> list[str]:
        """The searched words without stop words (all of them when every word is a stop word)."""
        content = [w for w in self.words if w not in STOP_WORDS]
        return content or list(self.words)


def _only_words(node: Node) -> bool:
    if isinstance(node, Term):
        return not node.prefix
    if isinstance(node, Any_):
        return all(isinstance(p, Term) and not p.prefix for p in node.parts)
    return False


def _node_words(node: Node | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, Term):
        return [node.word]
    if isinstance(node, Phrase):
        return list(node.words)
    return [w for part in node.parts for w in _node_words(part)]


# -- tokens -----------------------------------------------------------------------------------------------
@dataclass
class _Token:
    kind: str  # "word" (one or more words), "phrase", "op", "(", ")", "-"
    words: tuple[str, ...] = ()
    prefix: bool = False
    op: str = ""


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD.findall(text.lower()) if len(w) <= MAX_WORD_CHARS)


def _tokens(text: str) -> list[_Token]:
    """Cut text into tokens in one linear pass; anything unrecognised is a separator."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:  # an unbalanced quote (still being typed) is no phrase: read on as words
                i += 1
                continue
            out.append(_Token("phrase", _words(text[i + 1 : end])))
            i = end + 1
        elif c in "()":
            out.append(_Token(c))
            i += 1
        elif (
            c == "-"
            and (i == 0 or text[i - 1].isspace() or text[i - 1] == "(")
            and i + 1 < n
            and (text[i + 1] == '"' or text[i + 1].isalnum() or text[i + 1] == "_")
        ):  # `-word`: a dash between spaces ("clinicians - not vendors") is punctuation
            out.append(_Token("-"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '"()':
                j += 1
            chunk = text[i:j]
            if chunk in _OPERATORS:
                out.append(_Token("op", op=chunk))
            else:
                words = _words(chunk)
                if words:  # `synth*`: a star straight after the last word makes it a prefix
                    out.append(_Token("word", words, prefix=_ends_with_star(chunk)))
            i = j
    return out


def _ends_with_star(chunk: str) -> bool:
    stripped = chunk.rstrip(".,;:!?")
    return stripped.endswith("*") and len(stripped.rstrip("*")) > 0 and stripped.rstrip("*")[-1].isalnum()


# -- parsing --------------------------------------------------------------------------------------------
class _Parser:
    """Recursive descent over the tokens with bounded depth; collects exclusions on the side."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pos = 0
        self.excluded: list[Term | Phrase] = []
        self.budget = MAX_TERMS
        self.syntax = False

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        node = self.any_(0)
        while self.pos < len(self.tokens):  # a stray ")" ends a group early: skip it and go on
            self.pos += 1
            self.syntax = True
            more = self.any_(0)
            node = _join(Any_, [node, more])
        return node

    def any_(self, depth: int) -> Node | None:
        parts: list[Node | None] = []
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind == "op" and token.op == "OR":
                self.pos += 1
                self.syntax = True
                continue
            parts.append(self.all_(depth))
        return _join(Any_, parts)

    def all_(self, depth: int) -> Node | None:
        parts = [self.unary(depth)]
        while (token := self.peek()) is not None and token.kind == "op" and token.op == "AND":
            self.pos += 1
            self.syntax = True
            following = self.peek()
            if following is None or following.kind == ")" or following.kind == "op" and following.op == "OR":
                break
            parts.append(self.unary(depth))
        return _join(All, parts)

    def unary(self, depth: int) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        if token.kind == "-" or (token.kind == "op" and token.op == "NOT"):
            self.pos += 1
            self.syntax = True
            target = self.peek()
            if target is not None and target.kind in ("word", "phrase"):
                self.pos += 1
                self._exclude(target)
            return None
        if token.kind == "op":  # AND with nothing before it
            self.pos += 1
            self.syntax = True
            return None
        return self.atom(depth)

    def atom(self, depth: int) -> Node | None:
        token = self.tokens[self.pos]
        self.pos += 1
        if token.kind == "(":
            self.syntax = True
            if depth >= MAX_DEPTH:
                return None
            node = self.any_(depth + 1)
            if self.peek() is not None and self.peek().kind == ")":
                self.pos += 1
            return node
        if token.kind == ")":
            return None
        if token.kind == "phrase":
            self.syntax = True
            words = self._take(token.words)
            return Phrase(words) if len(words) > 1 else Term(words[0]) if words else None
        # One chunk of several words ("x-ray", "COVID-19") is several words side by side, as before.
        words = self._take(token.words)
        terms: list[Node | None] = [Term(w) for w in words]
        if token.prefix and words and len(words) == len(token.words):
            self.syntax = True
            terms[-1] = Term(words[-1], prefix=True)
        return _join(Any_, terms)

    def _take(self, words: tuple[str, ...]) -> tuple[str, ...]:
        taken = words[: max(self.budget, 0)]
        self.budget -= len(taken)
        return taken

    def _exclude(self, token: _Token) -> None:
        if len(self.excluded) >= MAX_TERMS or not token.words:
            return
        if token.kind == "phrase" and len(token.words) > 1:
            self.excluded.append(Phrase(token.words))
        else:
            # `-x-ray` excludes the passage holding x-ray, i.e. the words side by side.
            self.excluded.append(Phrase(token.words) if len(token.words) > 1 else Term(token.words[0]))


def _join(kind: type, parts: list[Node | None]) -> Node | None:
    """Drop empty parts, flatten a kind into itself, and unwrap a single part."""
    flat: list[Node] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, kind):
            flat.extend(part.parts)
        else:
            flat.append(part)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _drop_stop_words(node: Node) -> Node:
    """Leave stop words out of a top-level list of words when anything else remains in it."""
    if isinstance(node, Any_):
        kept = tuple(p for p in node.parts if not (isinstance(p, Term) and p.word in STOP_WORDS))
        if kept and len(kept) != len(node.parts):
            return kept[0] if len(kept) == 1 else Any_(kept)
    return node


def _dedupe(node: Node) -> Node:
    """The same word twice counts once (FTS5 would score it twice; the plain ranking never did)."""
    if isinstance(node, Any_):
        seen: set[Node] = set()
        kept = []
        for part in node.parts:
            if part not in seen:
                seen.add(part)
                kept.append(part)
        return kept[0] if len(kept) == 1 else Any_(tuple(kept))
    return node


def _distinct_words(node: Node | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_node_words(node)))


def plain_words(text: str) -> ParsedQuery:
    """The query read as words only, with no syntax (the behaviour before it existed)."""
    words = list(dict.fromkeys(_words(text)))
    content = [w for w in words if w not in STOP_WORDS]
    words = (content or words)[:MAX_TERMS]
    match = _join(Any_, [Term(w) for w in words])
    return ParsedQuery(text, match, (), True, tuple(words))


def parse(text: str | None) -> ParsedQuery:
    """Parse any text; never raises. See the module docstring for the syntax."""
    text = text or ""
    parser = _Parser(_tokens(text))
    node = parser.parse()
    if not parser.syntax or node is None:
        # Nothing left to look for (`NOT "indemnity`, `-`, `AND`): the operators were meant as words.
        return plain_words(text)
    node = _dedupe(_drop_stop_words(node))
    if _only_words(node) and not parser.excluded:  # `a OR b`: the same as `a b`
        return plain_words(text)
    return ParsedQuery(text, node, tuple(dict.fromkeys(parser.excluded)), False, _distinct_words(node))


# -- FTS5 ---------------------------------------------------------------------------------------------------
def _quote(words: tuple[str, ...] | list[str]) -> str:
    # \w+ words never contain a double quote, but escape anyway: the rule is cheap and total.
    return '"' + " ".join(words).replace('"', '""') + '"'


def prefix_shorter(word: str) -> list[str]:
    """The words searched beside a prefix `word*` (see _prefix): it one and two letters shorter."""
    return [word[:-cut] for cut in (1, 2) if len(word) - cut >= 5]


def _prefix(word: str) -> str:
    """A prefix query that survives the porter stemmer.

    FTS5 holds stems ("procurement" is stored as "procur"), so a prefix longer than a word's stem
    ("procurem*") would match nothing: the prefix one or two letters shorter is also searched as a word
    (itself stemmed), which finds that family of words."""
    shorter = prefix_shorter(word)
    if not shorter:
        return _quote([word]) + "*"
    return "(" + " OR ".join([_quote([word]) + "*", *(_quote([w]) for w in shorter)]) + ")"


def fts_node(node: Node) -> str:
    """An FTS5 expression for a node: every word quoted, so nothing the user typed is FTS5 syntax."""
    if isinstance(node, Term):
        return _prefix(node.word) if node.prefix else _quote([node.word])
    if isinstance(node, Phrase):
        return _quote(node.words)
    joiner = " AND " if isinstance(node, All) else " OR "
    return "(" + joiner.join(fts_node(p) for p in node.parts) + ")"


def fts_match(query: ParsedQuery, *, operator: str = "OR") -> str | None:
    """The FTS5 MATCH expression for a parsed query; None when it has no word to look for.

    `operator` joins the words of a plain query (OR ranks partial matches too; AND requires them all)."""
    if query.match is None:
        return None
    if query.plain:
        expression = f" {operator} ".join(_quote([w]) for w in query.words)
    else:
        expression = fts_node(query.match)
    if query.excluded:
        expression = f"({expression}) NOT ({' OR '.join(fts_node(x) for x in query.excluded)})"
    return expression


def fts_exclusions(query: ParsedQuery) -> str | None:
    """An FTS5 expression matching the passages the query excludes; None when it excludes nothing."""
    if not query.excluded:
        return None
    return " OR ".join(fts_node(x) for x in query.excluded)
