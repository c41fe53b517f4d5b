"""Markdown reports (recommendation, organisation, roundtable, briefing) with citations, and their HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from knowledge.actions import list_actions, list_evidence
from knowledge.codebook import BUILTIN_SET, Recommendation, get_recommendation, list_recommendations
from knowledge.dashboard import dashboard, recent_changes
from knowledge.organisations import find_organisation
from knowledge.redact import PLACEHOLDERS, describe_counts, redact
from knowledge.roundtables import get_roundtable, list_roundtables

QUOTE_WORDS = 90  # a quoted passage is cut to about this many words: enough to read, short enough to scan
STATUS_LABELS = {
    "not_started": "not started",
    "planned": "planned",
    "in_progress": "in progress",
    "blocked": "blocked",
    "done": "done",
    "dropped": "dropped",
}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "grey": "Grey"}
DEFAULT_SINCE_DAYS = 30
# A passage found by search is quoted only if it shares this many distinct words with the recommendation's
# title and keywords: search always returns something, and a quote that is off the subject misleads.
MIN_SHARED_TERMS = 2
EVIDENCE_LIMIT = 4  # passages quoted in a recommendation report (linked evidence may add more)
BRIEFING_EVIDENCE_LIMIT = 2  # per recommendation in a briefing


class ReportError(LookupError):
    """The thing a report was asked for does not exist; str() is one line for the user."""


# ---- writing markdown safely --------------------------------------------------------------------------

# Characters that open markdown structure anywhere in a line: escapes, code, emphasis, links and images,
# table cells, and a heading's closing hashes ("Learn C#" as a heading would lose its "#").
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]|#])")
# Line starts that markdown would still read as a list, a rule or a reference definition once md_escape()
# has run (it already took care of "#", ">", "*" and "["): "1. ", "1) ", "-" and "+" whatever follows (so
# "---" is no rule), and a placeholder's "[" ("[NHS number redacted]: x" would define a link).
_LINE_START = re.compile(r"^(\d+(?=[.)]\s)|(?=[-+\[]))")
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS.values()) + ")")
# A placeholder keeps its plain brackets (it reads the same in every dialect) unless a "(" or "[" right
# after it would make it a link: "[NHS number redacted](javascript:...)".
_PLACEHOLDER_LINK = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS.values()) + r")(?=[(\[])")
_EMPHASIS = re.compile(r"\*\*|__")


def md_escape(text: Any) -> str:
    """Stored or user text made literal inside a markdown line.

    Whitespace runs (newlines included) become one space, so nothing breaks out of a table cell, heading or
    quote; &, < and > become entities, so no HTML tag or entity survives; markdown's structural characters
    are backslash-escaped (a literal character in every dialect). Text that may start a line needs
    md_line() as well."""
    text = re.sub(r"\s+", " ", str(text if text is not None else ""))
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_line(text: Any) -> str:
    """md_escape()d text that may begin a line: a leading list or rule marker is escaped as well."""
    return _escape_line_start(md_escape(text))


def _escape_line_start(escaped: str) -> str:
    return _LINE_START.sub(lambda m: m.group(0) + "\\", escaped.strip(), count=1)


class _Writer:
    """Collects markdown; every stored or user text goes through text()/cell(): redacted, then escaped."""

    def __init__(self, redact_text: bool):
        self.redact_text = redact_text
        self.counts: dict[str, int] = {}
        self.lines: list[str] = []

    def raw(self, text: str) -> str:
        """Redact only (for text that is escaped by the caller)."""
        text = " ".join(str(text or "").split())
        if self.redact_text:
            text, counts = redact(text)
            for kind, n in counts.items():
                self.counts[kind] = self.counts.get(kind, 0) + n
        return text

    def inline(self, value: Any) -> str:
        """Text that sits inside a line (never at its start): redacted and escaped.

        Redaction runs first (escaping would split an e-mail address at its underscores); the placeholders
        it leaves stay unescaped, since '[email redacted]' is plain text unless a bracket follows it."""
        pieces = _PLACEHOLDER.split(self.raw(value))
        text = "".join(piece if i % 2 else md_escape(piece) for i, piece in enumerate(pieces))
        return _PLACEHOLDER_LINK.sub(lambda m: m.group(1)[:-1] + "\\]", text)

    def text(self, value: Any) -> str:
        """One line of inline text: whitespace collapsed, markdown and HTML specials neutralised; a quoted
        line starting '# ' or '1. ' must not turn into a heading or a list."""
        return _escape_line_start(self.inline(value))

    def cell(self, value: Any) -> str:
        """A table cell: inline text (pipes are escaped with the other specials)."""
        return self.text(value if value not in (None, "") else "–")

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def heading(self, level: int, title: str) -> None:
        self.add("", "#" * level + " " + title, "")

    def bullets(self, items: Iterable[str]) -> None:
        self.add(*(f"- {item}" for item in items))

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """A pipe table; cells are escaped here. Tables always have a blank line before and after."""
        self.add("", "| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|")
        self.add(*("| " + " | ".join(self.cell(c) for c in row) + " |" for row in rows))
        self.add("")

    def quote(self, passage: dict[str, Any], terms: Sequence[str] = ()) -> None:
        """A passage quoted in a block (the part richest in `terms` when it is long), its citation
        (document title, page where known) beneath it."""
        # Bold markers from markdown sources would only show as escaped asterisks in a quotation.
        body = excerpt(_EMPHASIS.sub("", str(passage.get("text") or "")), terms)
        self.add("", f"> {self.text(body)}", ">", f"> — {citation(passage, self)}", "")

    def finish(self) -> str:
        text = "\n".join(self.lines)
        if self.redact_text:
            # Every stored text was redacted on its way in; this pass catches anything composed around it.
            text, counts = redact(text)
            for kind, n in counts.items():
                self.counts[kind] = self.counts.get(kind, 0) + n
            text += f"\n\n---\n\n*Redacted for onward circulation: {describe_counts(self.counts)}.*"
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def citation(passage: dict[str, Any], writer: _Writer | None = None) -> str:
    """'*Document title*, p. 3, “Section”' in markdown (the title escaped and, when asked, redacted)."""
    title = passage.get("document_title") or passage.get("title") or "untitled document"
    esc = writer.inline if writer else md_escape
    parts = [f"*{esc(title)}*"]
    if passage.get("page"):
        parts.append(f"p. {passage['page']}")
    if passage.get("section"):
        parts.append(f"section “{esc(passage['section'])}”")
    if passage.get("date"):
        parts.append(esc(str(passage["date"])[:10]))
    return ", ".join(parts)


_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=\S)")
_STOPWORDS = frozenset(
    "about after also and are been before but can each for from has have into its more not only other "
    "should such than that the their them then there these they this those through what when which "
    "while who will with would".split()
)


def _stems(text: str) -> set[str]:
    # Six-letter prefixes: 'procurement'/'procuring' and 'strategy'/'strategies' meet; good enough to
    # choose which sentences of a passage to quote.
    return {w.lower()[:6] for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in _STOPWORDS}


def excerpt(text: str, terms: Sequence[str] = (), words: int = QUOTE_WORDS) -> str:
    """About `words` words of a passage: the whole of a short one; of a long one, the run of sentences
    around the sentence sharing most `terms` (the start when there are none), marked with ellipses."""
    all_words = text.split()
    if len(all_words) <= words:
        return " ".join(all_words)
    sentences = [s for s in _SENTENCE.split(" ".join(all_words)) if s]
    wanted = _stems(" ".join(terms))
    scores = [len(_stems(s) & wanted) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i)) if wanted else 0
    start = end = best
    count = len(sentences[best].split())
    # Read on from the best sentence first (what follows explains it); look back only with room to spare.
    while end + 1 < len(sentences) and count + len(sentences[end + 1].split()) <= words:
        end += 1
        count += len(sentences[end].split())
    while start > 0 and count + len(sentences[start - 1].split()) <= words:
        start -= 1
        count += len(sentences[start].split())
    chosen = " ".join(sentences[start : end + 1]).split()
    body = " ".join(chosen[:words])
    return (
        ("… " if start > 0 else "") + body + (" …" if end < len(sentences) - 1 or len(chosen) > words else "")
    )


def rec_terms(rec: Recommendation) -> list[str]:
    """Words that say what a recommendation is about (to pick the part of a passage worth quoting)."""
    return [rec.title, *rec.keywords]


def _label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "–")


def _day(value: Any) -> str:
    return str(value)[:10] if value else "–"


def _long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _as_at_line(w: _Writer, as_at: date, extra: str = "") -> None:
    w.add(f"*As at {_long_date(as_at)} ({as_at.isoformat()}).{(' ' + extra) if extra else ''}*", "")


def _set_title(db: sqlite_utils.Database, set_slug: str) -> str:
    row = db.execute("SELECT title FROM recommendation_sets WHERE slug = ?", [set_slug]).fetchone()
    return row[0] if row else set_slug


def _passage_key(passage: dict[str, Any]) -> Any:
    return passage.get("passage_id") or passage.get("id") or passage.get("text")


def _evidence_passages(
    db: sqlite_utils.Database,
    rec: Recommendation,
    passages: list[dict[str, Any]] | None,
    *,
    limit: int = EVIDENCE_LIMIT,
) -> list[dict[str, Any]]:
    """Linked evidence first (a person chose it, so all of it), then up to `limit` in all with passages
    found for the report: those sharing at least MIN_SHARED_TERMS words with the recommendation's title
    and keywords, one per document, in the order given."""
    out = list_evidence(db, recommendation_id=rec.id)
    seen = {_passage_key(p) for p in out}
    documents = {p.get("document_id") for p in out}
    wanted = _stems(" ".join(rec_terms(rec)))
    for passage in passages or []:
        if len(out) >= limit:
            break
        key, document = _passage_key(passage), passage.get("document_id") or passage.get("title")
        if key in seen or document in documents:
            continue
        if len(_stems(str(passage.get("text") or "")) & wanted) < MIN_SHARED_TERMS:
            continue
        seen.add(key)
        documents.add(document)
        out.append(passage)
    return out


# ---- progress figures ---------------------------------------------------------------------------------


def _progress_summary(actions: list[dict[str, Any]]) -> str:
    if not actions:
        return "No confirmed actions yet."
    counts: dict[str, int] = {}
    for a in actions:
        counts[a["status"]] = counts.get(a["status"], 0) + 1
    live = [a for a in actions if a["status"] != "dropped"]
    mean = round(sum(a["percent"] for a in live) / len(live)) if live else 0
    orgs = len({a["organisation_id"] for a in actions})
    parts = [
        f"{n} {_label(s)}" for s, n in sorted(counts.items(), key=lambda kv: list(STATUS_LABELS).index(kv[0]))
    ]
    overdue = sum(a["overdue"] for a in actions)
    return (
        f"{len(actions)} confirmed action{'s' if len(actions) != 1 else ''} from {orgs} "
        f"organisation{'s' if orgs != 1 else ''}: {', '.join(parts)}; average completion {mean}%"
        f"{f'; {overdue} overdue' if overdue else ''}."
    )


def _action_rows(actions: list[dict[str, Any]], *, with_org: bool = True) -> list[list[Any]]:
    rows = []
    for a in actions:
        row = [a["organisation"] or "(no organisation)"] if with_org else []
        status = _label(a["status"]) + (" (overdue)" if a["overdue"] else "")
        row += [
            a["text"],
            a["owner"],
            _day(a["due"]),
            status,
            f"{a['percent']}%",
            RAG_LABELS.get(a["rag"], "–"),
        ]
        rows.append(row)
    return rows


_ACTION_HEADERS = ["Organisation", "Action", "Owner", "Due", "Status", "%", "RAG"]


# ---- the reports --------------------------------------------------------------------------------------


def build_recommendation_report(
    db: sqlite_utils.Database,
    number: int,
    *,
    passages: list[dict[str, Any]] | None = None,
    as_at: date | None = None,
    redact: bool = False,
    set_slug: str = BUILTIN_SET,
) -> str:
    """One recommendation: what it asks and of whom, evidence with citations, its actions and progress.

    `passages` are extra evidence to quote (dicts with text, title or document_title, page; the caller
    finds them by search, since this layer does not search). Raises ReportError for an unknown number."""
    rec = get_recommendation(db, number, set_slug)
    if rec is None:
        raise ReportError(f"no recommendation {number} in {set_slug}")
    as_at = as_at or date.today()
    w = _Writer(redact)
    w.add(f"# Recommendation {rec.number}: {w.text(rec.title)}", "")
    _as_at_line(w, as_at, f"From: {w.text(_set_title(db, set_slug))}.")
    _describe_recommendation(w, rec)
    actions = list_actions(db, recommendation_number=rec.number, set_slug=set_slug, today=as_at)
    w.heading(2, "Progress summary")
    w.add(_progress_summary(actions))
    suggested = _suggested_count(db, rec.id)
    if suggested:
        w.add(
            "",
            f"A further {suggested} action{'s' if suggested != 1 else ''} may serve this recommendation "
            "(suggested, awaiting confirmation; not counted here).",
        )
    w.heading(2, "Actions")
    if actions:
        w.table(_ACTION_HEADERS, _action_rows(actions))
    else:
        w.add("No organisation has a confirmed action against this recommendation yet.")
    w.heading(2, "Evidence")
    evidence = _evidence_passages(db, rec, passages)
    if evidence:
        for passage in evidence:
            w.quote(passage, rec_terms(rec))
    else:
        w.add("No passages have been linked or found for this recommendation.")
    return w.finish()


def _describe_recommendation(w: _Writer, rec: Recommendation) -> None:
    w.heading(2, "Summary")
    w.add(w.text(rec.summary), "")
    addressed = rec.addressed_to_text or ", ".join(rec.addressed_to)
    w.add(f"**Addressed to:** {w.text(addressed)}", "")
    if rec.includes:
        w.heading(3, "What counts")
        w.bullets(w.text(line) for line in rec.includes)
    if rec.excludes:
        w.heading(3, "What does not count")
        w.bullets(w.text(line) for line in rec.excludes)


def _suggested_count(db: sqlite_utils.Database, rec_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM action_recommendations WHERE recommendation_id = ? AND state = 'suggested'"
        " AND action_id NOT IN (SELECT action_id FROM action_recommendations"
        " WHERE recommendation_id = ? AND state = 'confirmed')",
        [rec_id, rec_id],
    ).fetchone()[0]


def build_organisation_report(
    db: sqlite_utils.Database,
    name: str | int,
    *,
    as_at: date | None = None,
    redact: bool = False,
    set_slug: str = BUILTIN_SET,
    history_items: int = 10,
) -> str:
    """One organisation: its actions grouped by the recommendation they serve, history highlights,
    what is overdue. Raises ReportError for an unknown organisation."""
    org = find_organisation(db, name)
    if org is None:
        raise ReportError(f"no organisation called {name!r}")
    as_at = as_at or date.today()
    w = _Writer(redact)
    w.add(f"# {w.text(org['name'])}", "")
    _as_at_line(w, as_at)
    facts = [f"**Type:** {w.text(org['type'].replace('_', ' '))}"]
    parent = _parent_name(db, org.get("parent_id"))
    if parent:
        facts.append(f"**Part of:** {w.text(parent)}")
    if org.get("contact_role"):
        facts.append(f"**Contact:** {w.text(org['contact_role'])}")
    w.add(" · ".join(facts), "")
    actions = list_actions(db, organisation=org["id"], today=as_at)
    w.heading(2, "Summary")
    w.add(_org_summary(actions))
    recs = {r.number: r for r in list_recommendations(db, set_slug)}
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for a in actions:
        numbers = [n for n in a["recommendations"] if n in recs] or [None]
        for n in numbers:
            groups.setdefault(n, []).append(a)
    w.heading(2, "Actions by recommendation")
    if not actions:
        w.add("This organisation has no recorded actions.")
    for number in sorted(n for n in groups if n is not None):
        w.heading(3, f"Recommendation {number}: {w.text(recs[number].title)}")
        w.table(_ACTION_HEADERS[1:], _action_rows(groups[number], with_org=False))
    if None in groups:
        w.heading(3, "Not yet mapped to a recommendation")
        rows = [
            [a["text"], ", ".join(str(n) for n in a["suggested"]) or "–", _label(a["status"]), _day(a["due"])]
            for a in groups[None]
        ]
        w.table(["Action", "Suggested", "Status", "Due"], rows)
    _history_section(w, db, [a["id"] for a in actions], history_items)
    overdue = [a for a in actions if a["overdue"]]
    w.heading(2, "Overdue")
    if overdue:
        w.table(
            ["Action", "Owner", "Due", "Days overdue", "Status"],
            [
                [a["text"], a["owner"], _day(a["due"]), a["days_overdue"], _label(a["status"])]
                for a in overdue
            ],
        )
    else:
        w.add("Nothing is overdue.")
    return w.finish()


def _parent_name(db: sqlite_utils.Database, parent_id: int | None) -> str | None:
    if not parent_id:
        return None
    row = db.execute("SELECT name FROM organisations WHERE id = ?", [parent_id]).fetchone()
    return row[0] if row else None


def _org_summary(actions: list[dict[str, Any]]) -> str:
    if not actions:
        return "No actions recorded."
    done = sum(a["status"] == "done" for a in actions)
    blocked = sum(a["status"] == "blocked" for a in actions)
    overdue = sum(a["overdue"] for a in actions)
    mapped = sum(bool(a["recommendations"]) for a in actions)
    return (
        f"{len(actions)} action{'s' if len(actions) != 1 else ''}: {done} done, {blocked} blocked, "
        f"{overdue} overdue; {mapped} mapped to a recommendation."
    )


def _change_text(row: dict[str, Any]) -> str:
    parts = []
    if row.get("old_status") is None and row.get("new_status"):
        parts.append(f"created as {_label(row['new_status'])}")
    elif row.get("new_status") and row.get("old_status") != row.get("new_status"):
        parts.append(f"{_label(row['old_status'])} → {_label(row['new_status'])}")
    if row.get("old_percent") is not None and row.get("new_percent") != row.get("old_percent"):
        parts.append(f"{row['old_percent']}% → {row['new_percent']}%")
    if row.get("old_due") and row.get("new_due") and row["old_due"] != row["new_due"]:
        parts.append(f"due {_day(row['old_due'])} → {_day(row['new_due'])}")
    return "; ".join(parts) or "note"


def _history_section(w: _Writer, db: sqlite_utils.Database, action_ids: list[int], limit: int) -> None:
    w.heading(2, "History highlights")
    if not action_ids:
        w.add("No history yet.")
        return
    marks = ",".join("?" * len(action_ids))
    rows = [
        dict(r)
        for r in db.query(
            f"SELECT u.*, a.text FROM progress_updates u JOIN actions a ON a.id = u.action_id"
            f" WHERE u.action_id IN ({marks}) ORDER BY u.at DESC, u.id DESC LIMIT ?",
            [*action_ids, limit],
        )
    ]
    w.table(
        ["Date", "Action", "Change", "Who", "Note"],
        [[_day(r["at"]), r["text"], _change_text(r), r["who"], r["note"]] for r in rows],
    )


def build_roundtable_report(
    db: sqlite_utils.Database,
    roundtable_id: int,
    *,
    passages: list[dict[str, Any]] | None = None,
    as_at: date | None = None,
    redact: bool = False,
) -> str:
    """One roundtable: when, who chaired and hosted, its notes, the actions agreed and where they stand.
    Raises ReportError for an unknown id."""
    rt = get_roundtable(db, roundtable_id)
    if rt is None:
        raise ReportError(f"no roundtable with id {roundtable_id}")
    as_at = as_at or date.today()
    w = _Writer(redact)
    w.add(f"# {w.text(rt['title'])}", "")
    _as_at_line(w, as_at)
    w.heading(2, "Meeting")
    w.bullets(
        [
            f"**Date:** {w.text(_day(rt['date']))}",
            f"**Chair:** {w.text(rt['chair'] or '–')}",
            f"**Host:** {w.text(rt['host'] or '–')}",
            f"**Partners:** {w.text(', '.join(rt['partners']) or '–')}",
        ]
    )
    w.heading(2, "Notes")
    if rt["documents"]:
        w.bullets(_document_line(w, d) for d in rt["documents"])
    else:
        w.add("No notes documents are linked to this roundtable.")
    # In the order the notes numbered them (A1, A2, ... A10), unnumbered ones last.
    actions = sorted(
        list_actions(db, roundtable_id=roundtable_id, today=as_at),
        key=lambda a: (a.get("source_ref") is None, _natural(a.get("source_ref") or ""), a["id"]),
    )
    w.heading(2, "Actions agreed")
    if actions:
        w.add(_progress_summary(actions).replace("confirmed action", "action"))
        rows = [
            [a.get("source_ref") or a["id"], *row, _rec_numbers(a)]
            for a, row in zip(actions, _action_rows(actions), strict=True)
        ]
        w.table(["Ref", *_ACTION_HEADERS, "Recommendations"], rows)
        sources = _action_sources(db, actions)
        if sources:
            w.add("Recorded in: " + "; ".join(citation(s, w) for s in sources) + ".")
    else:
        w.add("No actions are recorded against this roundtable.")
    if passages:
        w.heading(2, "From the notes")
        for passage in passages:
            w.quote(passage)
    return w.finish()


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _rec_numbers(action: dict[str, Any]) -> str:
    """Confirmed recommendation numbers, then suggested ones marked as such."""
    parts = [str(n) for n in action["recommendations"]]
    parts += [f"{n} (suggested)" for n in action["suggested"] if n not in action["recommendations"]]
    return ", ".join(parts) or "–"


def _document_line(w: _Writer, doc: dict[str, Any]) -> str:
    kind = w.inline(doc["kind"].replace("_", " "))
    return f"*{w.inline(doc['title'])}* ({kind}{', ' + w.inline(_day(doc['date'])) if doc['date'] else ''})"


def _action_sources(db: sqlite_utils.Database, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({a["source_passage_id"] for a in actions if a.get("source_passage_id")})
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        dict(r)
        for r in db.query(
            f"SELECT DISTINCT d.title AS document_title, p.page, p.section FROM passages p"
            f" JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})",
            ids,
        )
    ]


def build_briefing(
    db: sqlite_utils.Database,
    *,
    passages_by_rec: dict[int, list[dict[str, Any]]] | None = None,
    since: date | None = None,
    as_at: date | None = None,
    redact: bool = False,
    set_slug: str = BUILTIN_SET,
) -> str:
    """The whole pack: headline figures, the organisations x recommendations matrix, a section per
    recommendation (with evidence quotes from `passages_by_rec`), the roundtables held, what changed since
    `since` (default 30 days before `as_at`), and the overdue and blocked items."""
    as_at = as_at or date.today()
    since = since or as_at - timedelta(days=DEFAULT_SINCE_DAYS)
    data = dashboard(db, today=as_at, set_slug=set_slug)
    w = _Writer(redact)
    w.add(f"# Briefing: {w.text(_set_title(db, set_slug))}", "")
    _as_at_line(w, as_at, f"Changes reported since {since.isoformat()}.")
    _headlines(w, data)
    _matrix(w, data)
    recs = list_recommendations(db, set_slug)
    found = _assign_passages(recs, passages_by_rec or {})
    w.heading(2, "Recommendations")
    for rec in recs:
        _briefing_recommendation(w, db, rec, found.get(rec.number), as_at, set_slug)
    _roundtables_section(w, db)
    _changes_section(w, db, since, as_at)
    w.heading(2, "Overdue")
    _summary_table(w, data["overdue"], overdue=True)
    w.heading(2, "Blocked")
    _summary_table(w, data["blocked"])
    return w.finish()


def _assign_passages(
    recs: list[Recommendation], passages_by_rec: dict[int, list[dict[str, Any]]]
) -> dict[int, list[dict[str, Any]]]:
    """Keep a passage found for several recommendations only under those it matches at least half as
    well as its best match: a passage about information governance that merely mentions a supplier
    belongs under procurement and IG, not under vendors' use cases. Words are weighted by how few
    recommendations use them ('clinical' says little, 'DPIA' a lot). Search order is kept."""
    terms = {rec.number: _stems(" ".join(rec_terms(rec))) for rec in recs}
    spread: dict[str, int] = {}
    for stems in terms.values():
        for stem in stems:
            spread[stem] = spread.get(stem, 0) + 1
    shared: dict[tuple[Any, int], float] = {}
    best: dict[Any, float] = {}
    for number, passages in passages_by_rec.items():
        for p in passages:
            key = _passage_key(p)
            common = _stems(str(p.get("text") or "")) & terms.get(number, set())
            shared[key, number] = sum(1 / spread[s] for s in common)
            best[key] = max(best.get(key, 0.0), shared[key, number])
    return {
        number: [p for p in passages if 2 * shared[_passage_key(p), number] >= best[_passage_key(p)]]
        for number, passages in passages_by_rec.items()
    }


def _headlines(w: _Writer, data: dict[str, Any]) -> None:
    totals = data["totals"]
    by_status = totals["by_status"]
    w.heading(2, "Headline figures")
    w.bullets(
        [
            f"{totals['actions']} actions from {totals['organisations']} organisations",
            ", ".join(f"{by_status[s]} {_label(s)}" for s in STATUS_LABELS),
            f"{totals['overdue']} overdue and {totals['stale']} with no update for {data['stale_days']} days"
            " or more",
            f"{totals['unlinked']} not yet confirmed against a recommendation"
            + (f" ({totals['drafts']} still drafts)" if totals["drafts"] else ""),
            "average completion "
            + (f"{round(totals['mean_percent'])}%" if totals["mean_percent"] is not None else "–"),
        ]
    )


def _matrix(w: _Writer, data: dict[str, Any]) -> None:
    w.heading(2, "Organisations and recommendations")
    matrix = data["matrix"]
    if not matrix["rows"]:
        w.add("No actions are recorded yet.")
        return
    w.add(
        "Each cell: confirmed actions, and the most worrying status among them. "
        "Unconfirmed: actions not yet confirmed against any recommendation."
    )
    headers = ["Organisation", *(f"R{r['number']}" for r in matrix["recommendations"]), "Unconfirmed"]
    rows = []
    for row in matrix["rows"]:
        cells = [f"{c['count']} {_label(c['worst_status'])}" if c else "" for c in row["cells"]]
        confirmed = {i for c in row["cells"] if c for i in c["action_ids"]}
        rows.append([row["organisation"], *cells, row["actions"] - len(confirmed)])
    w.table(headers, rows)
    w.add(
        "Key: " + "; ".join(f"R{r['number']} {w.text(r['title'])}" for r in matrix["recommendations"]) + "."
    )


def _briefing_recommendation(
    w: _Writer,
    db: sqlite_utils.Database,
    rec: Recommendation,
    passages: list[dict[str, Any]] | None,
    as_at: date,
    set_slug: str,
) -> None:
    w.heading(3, f"{rec.number}. {w.text(rec.title)}")
    w.add(w.text(rec.summary), "")
    actions = list_actions(db, recommendation_number=rec.number, set_slug=set_slug, today=as_at)
    suggested = _suggested_count(db, rec.id)
    more = f" {suggested} more suggested, awaiting confirmation." if suggested else ""
    w.add(f"**Progress:** {_progress_summary(actions)}{more}")
    if actions:
        w.table(
            ["Organisation", "Action", "Status", "%", "Due"],
            [
                [a["organisation"], a["text"], _label(a["status"]), f"{a['percent']}%", _day(a["due"])]
                for a in actions
            ],
        )
    # A passage may serve several sections: each quotes the sentences about its own recommendation.
    for passage in _evidence_passages(db, rec, passages, limit=BRIEFING_EVIDENCE_LIMIT):
        w.quote(passage, rec_terms(rec))


def _roundtables_section(w: _Writer, db: sqlite_utils.Database) -> None:
    roundtables = list_roundtables(db)
    if not roundtables:
        return
    w.heading(2, "Roundtables")
    for rt in roundtables:
        w.heading(3, f"{w.text(rt['title'])} ({w.inline(_day(rt['date']))})")
        w.add(
            f"Chair: {w.text(rt['chair'] or '–')}. Host: {w.text(rt['host'] or '–')}. "
            f"{rt['actions']} actions agreed, {rt['done']} done, {rt['blocked']} blocked."
        )
        # The record's opening (date, venue, chair, note-taker) tells the reader whom to ask.
        for doc in rt["documents"]:
            opening = _opening_passage(db, doc["id"])
            if opening:
                w.quote(opening)


def _opening_passage(db: sqlite_utils.Database, document_id: int) -> dict[str, Any] | None:
    rows = [
        dict(r)
        for r in db.query(
            "SELECT p.id AS passage_id, p.text, p.page, p.section, d.title AS document_title FROM passages p"
            " JOIN documents d ON d.id = p.document_id WHERE p.document_id = ? ORDER BY p.ordinal LIMIT 1",
            [document_id],
        )
    ]
    return rows[0] if rows else None


def _changes_section(w: _Writer, db: sqlite_utils.Database, since: date, as_at: date) -> None:
    w.heading(2, f"What changed since {since.isoformat()}")
    changes = recent_changes(db, since, as_at)
    if not changes:
        w.add("No progress updates in this period.")
        return
    w.table(
        ["Date", "Organisation", "Action", "Change", "Note"],
        [[_day(c["at"]), c["organisation"], c["text"], _change_text(c), c["note"]] for c in changes],
    )


def _summary_table(w: _Writer, items: list[dict[str, Any]], *, overdue: bool = False) -> None:
    if not items:
        w.add("None.")
        return
    if overdue:
        w.table(
            ["Organisation", "Action", "Owner", "Due", "Days overdue", "Status"],
            [
                [
                    a["organisation"],
                    a["text"],
                    a["owner"],
                    _day(a["due"]),
                    a["days_overdue"],
                    _label(a["status"]),
                ]
                for a in items
            ],
        )
    else:
        w.table(
            ["Organisation", "Action", "Owner", "Due", "Last update"],
            [
                [a["organisation"], a["text"], a["owner"], _day(a["due"]), _day(a["last_update"])]
                for a in items
            ],
        )


# ---- HTML -----------------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       background: #fff; margin: 0; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #005eb8; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
tr:nth-child(even) td { background: #fafbfc; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid #005eb8; background: #f6f8fa;
             color: #374151; }
em { color: #57606a; }
hr { border: 0; border-top: 1px solid #d0d7de; margin: 2rem 0 1rem; }
@media print { main { max-width: none; margin: 0; } a { color: inherit; } }
"""


def render_html(md: str, title: str) -> str:
    """A complete, well-formed HTML (XHTML-compatible) document of a markdown report.

    The markdown is escaped where it is written (md_escape); the renderer is safe on its own as well:
    raw HTML comes out as text and links go nowhere but http(s) and mailto, whatever markdown it gets."""
    body = _safe_markdown().convert(md)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


_SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def safe_url(url: str) -> bool:
    """Whether a link or image address may stay: http(s) and mailto only (no javascript:, data:, file:).

    Browsers drop tabs, newlines and other control characters inside a scheme ("java<TAB>script:") and
    decode entities in attributes, so both are undone before the scheme is read; an address with no
    scheme is relative, and a report has nothing to point to relatively, so it goes too."""
    import markdown

    decoded = html.unescape(url.replace(markdown.util.AMP_SUBSTITUTE, "&"))
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]+", "", decoded).lower())
    return scheme is not None and scheme.group(1) in _SAFE_SCHEMES


def _safe_markdown() -> Any:
    """Python-Markdown without raw HTML (block or inline: tags come out escaped) and with unsafe link and
    image addresses removed."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class SafeLinks(Treeprocessor):
        def run(self, root: Any) -> None:
            for element in root.iter():
                for attribute in ("href", "src"):
                    value = element.get(attribute)
                    if value is not None and not safe_url(value):
                        del element.attrib[attribute]

    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="xhtml")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(SafeLinks(md), "safe_links", -1)  # last: the addresses are final by then
    return md


def report_title(md: str) -> str:
    """The first heading of a report, as plain text (for the HTML title)."""
    for line in md.splitlines():
        if line.startswith("# "):
            return html.unescape(re.sub(r"\\(.)", r"\1", line[2:])).strip()
    return "Roundtable Desk report"
