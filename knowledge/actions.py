"""Actions: who committed to what, their append-only progress history, RAG, and links to recommendations.

Status transitions (anything else raises ValueError; setting the same status is not a transition):

    not_started -> planned, in_progress, blocked, done, dropped
    planned     -> not_started, in_progress, blocked, done, dropped
    in_progress -> planned, blocked, done, dropped
    blocked     -> planned, in_progress, done, dropped
    done        -> in_progress                        (a reopen: needs a note saying why)
    dropped     -> not_started, planned, in_progress  (a revival: needs a note)

Dropping needs a note too. `done` means 100 percent (set automatically; another explicit percent is an
error). 100 percent with a status other than done is allowed: the work may be finished but not signed off.

RAG, first rule that applies: dropped -> grey; done -> green; blocked or overdue -> red; stale, or due
within 14 days with less than 50 percent -> amber; otherwise green.
Overdue = due date before today and not done/dropped. Stale = not done/dropped and no update for
`stale_days` days (settings key "stale_days", default 90); the creation counts as the first update.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from knowledge.db import ACTION_STATUSES, LINK_STATES, get_setting, now_iso, set_setting
from knowledge.organisations import ensure_organisation, find_organisation, resolve_organisation

OPEN_STATUSES = ("not_started", "planned", "in_progress", "blocked")
CLOSED_STATUSES = ("done", "dropped")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "not_started": ("planned", "in_progress", "blocked", "done", "dropped"),
    "planned": ("not_started", "in_progress", "blocked", "done", "dropped"),
    "in_progress": ("planned", "blocked", "done", "dropped"),
    "blocked": ("planned", "in_progress", "done", "dropped"),
    "done": ("in_progress",),
    "dropped": ("not_started", "planned", "in_progress"),
}
# Worst first: what a dashboard cell shows as its "worst status".
SEVERITY = ("blocked", "not_started", "planned", "in_progress", "done", "dropped")
DEFAULT_STALE_DAYS = 90
AMBER_WINDOW_DAYS = 14
LINK_ORIGINS = ("model", "tracker", "user", "notes")

# How people write each status in trackers, notes and returns (compared in lower case, '_'/'-' as spaces).
_STATUS_SYNONYMS = {
    "not_started": "not started|not yet started|to do|todo|open|new|none",
    "planned": "planned|scheduled|agreed|proposed|plan",
    "in_progress": "in progress|ongoing|underway|started|on track|wip|active|in hand|delayed|at risk|"
    "progressing",
    "blocked": "blocked|on hold|stalled|stuck|paused",
    "done": "done|complete|completed|closed|finished|achieved|delivered",
    "dropped": "dropped|cancelled|canceled|withdrawn|abandoned|not proceeding|superseded",
}
_STATUS_WORDS = {word: status for status, words in _STATUS_SYNONYMS.items() for word in words.split("|")}
_MONTH_NAMES = "january february march april may june july august september october november december".split()
_MONTHS = {
    **{m: i for i, m in enumerate(_MONTH_NAMES, 1)},
    **{m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)},
    "sept": 9,
}


# -- parsing what people type -------------------------------------------------------------------------


def parse_status(value: str | None) -> str | None:
    """A status from how people write it ('In progress', 'Complete', 'on hold'); None if not."""
    if value is None:
        return None
    key = " ".join(re.sub(r"[^a-z ]", " ", str(value).lower().replace("_", " ").replace("-", " ")).split())
    if key.replace(" ", "_") in ACTION_STATUSES:
        return key.replace(" ", "_")
    return _STATUS_WORDS.get(key)


def parse_percent(value: Any) -> int | None:
    """0-100 from '40', '40%', 40.0; None for blank; ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"percent must be a number from 0 to 100, got {value!r}") from None
    if not 0 <= number <= 100:
        raise ValueError(f"percent must be from 0 to 100, got {value!r}")
    return int(round(number))


def _last_day(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day


def parse_date(value: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from ISO text, '30 April 2024', '30 Apr 24', 'April 30, 2024', '30/04/2024'
    (UK day-first), 'April 2024' or 'end of April 2024' (last day of the month). None for blank input;
    ValueError when it is not a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value).strip().split())
    if not text:
        return None
    lowered = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.lower()).replace(",", " ")
    lowered = " ".join(re.sub(r"^(end of|by|due|before)\s+", "", lowered).split())
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?", lowered):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", lowered):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return date(year, int(m[2]), int(m[1])).isoformat()
        if (m := re.fullmatch(r"(\d{1,2}) ([a-z]+)\.? (\d{2}|\d{4})", lowered)) and m[2] in _MONTHS:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return date(year, _MONTHS[m[2]], int(m[1])).isoformat()
        if (m := re.fullmatch(r"([a-z]+)\.? (\d{1,2}) (\d{4})", lowered)) and m[1] in _MONTHS:
            return date(int(m[3]), _MONTHS[m[1]], int(m[2])).isoformat()
        if (m := re.fullmatch(r"([a-z]+)\.? (\d{4})", lowered)) and m[1] in _MONTHS:
            year, month = int(m[2]), _MONTHS[m[1]]
            return date(year, month, _last_day(year, month)).isoformat()
    except ValueError:
        pass  # e.g. 31/02/2024: falls through to the error below
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD or e.g. 30 April 2024)")


def _parse_at(value: Any) -> str:
    """A timestamp for a history entry: given date/datetime/ISO text, or now."""
    if value is None:
        return now_iso()
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?.*)?", text):
        return text
    return parse_date(text) or now_iso()


# -- settings and derived flags ---------------------------------------------------------------------


def stale_days(db: sqlite_utils.Database) -> int:
    """Days without an update after which an open action is stale (settings key 'stale_days', default 90)."""
    try:
        return max(1, int(get_setting(db, "stale_days", str(DEFAULT_STALE_DAYS)) or DEFAULT_STALE_DAYS))
    except ValueError:
        return DEFAULT_STALE_DAYS


def set_stale_days(db: sqlite_utils.Database, days: int) -> None:
    """Change how many days without an update make an open action stale."""
    if int(days) < 1:
        raise ValueError("stale days must be at least 1")
    set_setting(db, "stale_days", str(int(days)))


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def is_overdue(status: str, due: str | None, today: date) -> bool:
    """Due date passed and the action is neither done nor dropped."""
    due_day = _day(due)
    return bool(due_day and due_day < today and status not in CLOSED_STATUSES)


def is_stale(status: str, last_update: str | None, today: date, days: int = DEFAULT_STALE_DAYS) -> bool:
    """Open and not updated for `days` days."""
    last = _day(last_update)
    return bool(status not in CLOSED_STATUSES and last and (today - last).days >= days)


def rag(
    status: str,
    percent: int,
    due: str | None,
    last_update: str | None,
    today: date,
    days: int = DEFAULT_STALE_DAYS,
) -> str:
    """'green', 'amber', 'red' or 'grey' by the rule in this module's docstring."""
    if status == "dropped":
        return "grey"
    if status == "done":
        return "green"
    if status == "blocked" or is_overdue(status, due, today):
        return "red"
    due_day = _day(due)
    if is_stale(status, last_update, today, days) or (
        due_day and (due_day - today).days <= AMBER_WINDOW_DAYS and (percent or 0) < 50
    ):
        return "amber"
    return "green"


# -- creating and changing actions ------------------------------------------------------------------


def _org_id(db: sqlite_utils.Database, organisation: str | int | None, create: bool) -> int | None:
    if organisation is None or (isinstance(organisation, str) and not organisation.strip()):
        return None
    if isinstance(organisation, int) or not create:
        return resolve_organisation(db, organisation)
    return ensure_organisation(db, organisation)


def _check_status(status: str) -> str:
    parsed = parse_status(status)
    if parsed is None:
        raise ValueError(f"unknown status {status!r}; use one of: {', '.join(ACTION_STATUSES)}")
    return parsed


def _require(db: sqlite_utils.Database, action_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM actions WHERE id = ?", [action_id]))
    if not rows:
        raise LookupError(f"no action with id {action_id}")
    return dict(rows[0])


def create_action(
    db: sqlite_utils.Database,
    *,
    text: str,
    organisation: str | int | None,
    owner: str | None = None,
    due: Any = None,
    status: str = "not_started",
    percent: Any = 0,
    source_passage_id: int | None = None,
    source_document_id: int | None = None,
    source_ref: str | None = None,
    roundtable_id: int | None = None,
    draft: bool = False,
    who: str | None = None,
    at: Any = None,
    note: str | None = None,
) -> int:
    """Record a new action and its first history entry (dated `at`, default now); returns its id.

    `organisation` is a name (created if new) or an existing id; `due` any format parse_date accepts."""
    text = " ".join(str(text or "").split())
    if not text:
        raise ValueError("an action needs a description")
    checked = _check_status(status)
    pct = parse_percent(percent) or 0
    if checked == "done":
        pct = 100
    due_iso = parse_date(due)
    stamp, at_iso = now_iso(), _parse_at(at)
    with db.atomic():
        org_id = _org_id(db, organisation, create=True)
        action_id = db.execute(
            """INSERT INTO actions (organisation_id, text, owner, original_due, due, status, percent,
                   source_passage_id, source_document_id, source_ref, roundtable_id, draft, created_at,
                   updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                org_id,
                text,
                (owner or "").strip() or None,
                due_iso,
                due_iso,
                checked,
                pct,
                source_passage_id,
                source_document_id,
                source_ref,
                roundtable_id,
                int(bool(draft)),
                stamp,
                stamp,
            ],
        ).lastrowid
        _append(
            db,
            action_id,
            at=at_iso,
            who=who,
            old_status=None,
            new_status=checked,
            old_percent=None,
            new_percent=pct,
            new_due=due_iso,
            note=note or "created",
        )
    return action_id


def _append(
    db: sqlite_utils.Database,
    action_id: int,
    *,
    at: str,
    who: str | None = None,
    old_status: str | None = None,
    new_status: str | None = None,
    old_percent: int | None = None,
    new_percent: int | None = None,
    old_due: str | None = None,
    new_due: str | None = None,
    note: str | None = None,
) -> int:
    return db.execute(
        """INSERT INTO progress_updates (action_id, at, recorded_at, who, old_status, new_status, old_percent,
               new_percent, old_due, new_due, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            action_id,
            at,
            now_iso(),
            who,
            old_status,
            new_status,
            old_percent,
            new_percent,
            old_due,
            new_due,
            note,
        ],
    ).lastrowid


def check_transition(old: str, new: str, note: str | None) -> None:
    """Raise ValueError when going from `old` to `new` is not allowed (or needs a note that is missing)."""
    if old == new:
        return
    if new not in TRANSITIONS.get(old, ()):
        allowed = ", ".join(TRANSITIONS.get(old, ())) or "nothing"
        raise ValueError(f"cannot go from {old} to {new} (from {old}: {allowed})")
    if not (note or "").strip():
        if new == "dropped":
            raise ValueError("dropping an action needs a note saying why")
        if old == "done":
            raise ValueError("reopening a done action needs a note saying why")
        if old == "dropped":
            raise ValueError("reviving a dropped action needs a note saying why")


def update_progress(
    db: sqlite_utils.Database,
    action_id: int,
    *,
    status: str | None = None,
    percent: Any = None,
    note: str | None = None,
    who: str | None = None,
    at: Any = None,
    validate: bool = True,
) -> dict[str, Any]:
    """Record a dated progress update (status and/or percent and/or a note) as a new history row.

    Returns the history row as a dict plus 'changed' (False, and nothing written, when the values equal
    the current ones and there is no note). `validate=False` skips the transition rules: used when an
    authoritative source (a tracker) states where things are."""
    new_status = _check_status(status) if status else None
    new_percent = parse_percent(percent)
    note = (note or "").strip() or None
    with db.atomic():
        action = _require(db, action_id)
        target = new_status or action["status"]
        if validate:
            check_transition(action["status"], target, note)
        if target == "done":
            if new_percent is not None and new_percent != 100 and validate:
                raise ValueError("a done action is 100% complete; leave the percent out or give 100")
            new_percent = 100
        pct = action["percent"] if new_percent is None else new_percent
        changed = target != action["status"] or pct != action["percent"]
        if not changed and not note:
            return {
                "id": None,
                "action_id": action_id,
                "changed": False,
                "old_status": action["status"],
                "new_status": target,
                "old_percent": action["percent"],
                "new_percent": pct,
                "note": None,
            }
        at_iso = _parse_at(at)
        update_id = _append(
            db,
            action_id,
            at=at_iso,
            who=who,
            old_status=action["status"],
            new_status=target,
            old_percent=action["percent"],
            new_percent=pct,
            note=note,
        )
        db.execute(
            "UPDATE actions SET status = ?, percent = ?, updated_at = ? WHERE id = ?",
            [target, pct, now_iso(), action_id],
        )
    return {
        "id": update_id,
        "action_id": action_id,
        "changed": changed,
        "at": at_iso,
        "who": who,
        "old_status": action["status"],
        "new_status": target,
        "old_percent": action["percent"],
        "new_percent": pct,
        "note": note,
    }


def change_due_date(
    db: sqlite_utils.Database,
    action_id: int,
    new_due: Any,
    *,
    reason: str,
    who: str | None = None,
    at: Any = None,
) -> dict[str, Any]:
    """Move the due date (None clears it); the reason is required and kept in the history with the old and
    new dates. The first due date ever set stays as original_due."""
    if not (reason or "").strip():
        raise ValueError("changing a due date needs a reason")
    due_iso = parse_date(new_due)
    with db.atomic():
        action = _require(db, action_id)
        update_id = _append(
            db,
            action_id,
            at=_parse_at(at),
            who=who,
            old_status=action["status"],
            new_status=action["status"],
            old_percent=action["percent"],
            new_percent=action["percent"],
            old_due=action["due"],
            new_due=due_iso,
            note=reason.strip(),
        )
        db.execute(
            "UPDATE actions SET due = ?, original_due = coalesce(original_due, ?), updated_at = ?"
            " WHERE id = ?",
            [due_iso, due_iso, now_iso(), action_id],
        )
    return {
        "id": update_id,
        "action_id": action_id,
        "old_due": action["due"],
        "new_due": due_iso,
        "original_due": action["original_due"] or due_iso,
        "reason": reason.strip(),
    }


def edit_action(
    db: sqlite_utils.Database,
    action_id: int,
    *,
    text: str | None = None,
    owner: str | None = None,
    organisation: str | int | None = None,
    draft: bool | None = None,
    who: str | None = None,
) -> dict[str, Any]:
    """Change the wording, owner, organisation or draft flag; each change is noted in the history.
    `organisation` must already exist (by name or id). Returns the action as get_action does."""
    with db.atomic():
        action = _require(db, action_id)
        changes, notes = {}, []
        if text is not None and " ".join(text.split()) != action["text"]:
            if not text.strip():
                raise ValueError("an action needs a description")
            changes["text"] = " ".join(text.split())
            notes.append("description edited")
        if owner is not None and (owner.strip() or None) != action["owner"]:
            changes["owner"] = owner.strip() or None
            notes.append(f"owner: {action['owner'] or '-'} -> {changes['owner'] or '-'}")
        if organisation is not None:
            org_id = resolve_organisation(db, organisation)
            if org_id != action["organisation_id"]:
                old = find_organisation(db, action["organisation_id"]) if action["organisation_id"] else None
                new = find_organisation(db, org_id)
                changes["organisation_id"] = org_id
                notes.append(f"organisation: {old['name'] if old else '-'} -> {new['name']}")
        if draft is not None and int(bool(draft)) != action["draft"]:
            changes["draft"] = int(bool(draft))
            notes.append("marked as draft" if draft else "accepted (no longer a draft)")
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.execute(
                f"UPDATE actions SET {sets}, updated_at = ? WHERE id = ?",
                [*changes.values(), now_iso(), action_id],
            )
            _append(
                db,
                action_id,
                at=now_iso(),
                who=who,
                old_status=action["status"],
                new_status=action["status"],
                old_percent=action["percent"],
                new_percent=action["percent"],
                note="; ".join(notes),
            )
    return get_action(db, action_id)


update_action = edit_action  # the name the desktop pages look for


def delete_action(db: sqlite_utils.Database, action_id: int) -> bool:
    """Delete an action with its history and links; False when there was no such action."""
    return db.execute("DELETE FROM actions WHERE id = ?", [action_id]).rowcount > 0


# -- reading ----------------------------------------------------------------------------------------

_LIST_SQL = """
SELECT a.*, o.name AS organisation, o.type AS org_type,
       (SELECT max(at) FROM progress_updates u WHERE u.action_id = a.id) AS last_update
FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id
"""


def _links(db: sqlite_utils.Database, action_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not action_ids:
        return out
    wanted = set(action_ids)
    # Few actions: filter in SQL. Many: read every link once (SQLite caps the number of parameters).
    where = f"WHERE ar.action_id IN ({','.join('?' * len(action_ids))})" if len(action_ids) <= 500 else ""
    for row in db.query(
        f"""SELECT ar.action_id, ar.recommendation_id, r.number, r.title, s.slug AS set_slug, ar.state,
                   ar.score, ar.origin, ar.decided_by, ar.decided_at
            FROM action_recommendations ar JOIN recommendations r ON r.id = ar.recommendation_id
            JOIN recommendation_sets s ON s.id = r.set_id
            {where} ORDER BY s.id, r.number""",
        action_ids if where else [],
    ):
        if row["action_id"] in wanted:
            out.setdefault(row["action_id"], []).append(dict(row))
    return out


def _decorate(db: sqlite_utils.Database, rows: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    days = stale_days(db)
    links = _links(db, [r["id"] for r in rows])
    for row in rows:
        last = row["last_update"] or row["created_at"]
        row["last_update"] = last
        row["draft"] = bool(row["draft"])
        row["links"] = links.get(row["id"], [])
        row["recommendations"] = [lk["number"] for lk in row["links"] if lk["state"] == "confirmed"]
        row["suggested"] = [lk["number"] for lk in row["links"] if lk["state"] == "suggested"]
        row["overdue"] = is_overdue(row["status"], row["due"], today)
        row["stale"] = is_stale(row["status"], last, today, days)
        row["rag"] = rag(row["status"], row["percent"], row["due"], last, today, days)
        due_day = _day(row["due"])
        row["days_overdue"] = (today - due_day).days if row["overdue"] and due_day else 0
    return rows


def get_action(
    db: sqlite_utils.Database, action_id: int, *, today: date | None = None
) -> dict[str, Any] | None:
    """One action as list_actions shapes it, plus 'evidence' (linked passages); None if there is none."""
    rows = [dict(r) for r in db.query(_LIST_SQL + " WHERE a.id = ?", [action_id])]
    if not rows:
        return None
    action = _decorate(db, rows, today or date.today())[0]
    action["evidence"] = list_evidence(db, action_id=action_id)
    return action


def list_actions(
    db: sqlite_utils.Database,
    *,
    organisation: str | int | None = None,
    recommendation_number: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    stale: bool | None = None,
    roundtable_id: int | None = None,
    draft: bool | None = None,
    set_slug: str | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Actions (by organisation name, then id) with: organisation, org_type, links (every recommendation
    link with number, state, score, origin), recommendations (confirmed numbers), suggested (numbers),
    rag, overdue, days_overdue, stale, last_update. Filters combine; `recommendation_number` means a
    confirmed link. Raises UnknownOrganisation / ValueError for an unknown organisation or status."""
    where, params = [], []
    if organisation is not None:
        where.append("a.organisation_id = ?")
        params.append(resolve_organisation(db, organisation))
    if status is not None:
        where.append("a.status = ?")
        params.append(_check_status(status))
    if roundtable_id is not None:
        where.append("a.roundtable_id = ?")
        params.append(roundtable_id)
    if draft is not None:
        where.append("a.draft = ?")
        params.append(int(draft))
    if recommendation_number is not None:
        sub = (
            "a.id IN (SELECT ar.action_id FROM action_recommendations ar JOIN recommendations r"
            " ON r.id = ar.recommendation_id JOIN recommendation_sets s ON s.id = r.set_id"
            " WHERE ar.state = 'confirmed' AND r.number = ?"
        )
        params.append(int(recommendation_number))
        if set_slug:
            sub += " AND s.slug = ?"
            params.append(set_slug)
        where.append(sub + ")")
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY o.name COLLATE NOCASE, a.id"
    rows = _decorate(db, [dict(r) for r in db.query(sql, params)], today or date.today())
    if overdue is not None:
        rows = [r for r in rows if r["overdue"] == overdue]
    if stale is not None:
        rows = [r for r in rows if r["stale"] == stale]
    return rows


def action_history(db: sqlite_utils.Database, action_id: int) -> list[dict[str, Any]]:
    """Every history row of an action, oldest first (id, at, recorded_at, who, old/new status, percent
    and due, note)."""
    return [
        dict(r)
        for r in db.query("SELECT * FROM progress_updates WHERE action_id = ? ORDER BY at, id", [action_id])
    ]


# -- recommendation and evidence links --------------------------------------------------------------


def recommendation_id(db: sqlite_utils.Database, number: int, set_slug: str | None = None) -> int:
    """The id of recommendation `number` (in the built-in set unless `set_slug` names another)."""
    from knowledge.codebook import BUILTIN_SET

    row = db.execute(
        "SELECT r.id FROM recommendations r JOIN recommendation_sets s ON s.id = r.set_id"
        " WHERE s.slug = ? AND r.number = ?",
        [set_slug or BUILTIN_SET, int(number)],
    ).fetchone()
    if row is None:
        raise LookupError(f"no recommendation {number} in set {set_slug or BUILTIN_SET}")
    return row[0]


def link_recommendation(
    db: sqlite_utils.Database,
    action_id: int,
    rec_id: int,
    *,
    state: str = "suggested",
    score: float | None = None,
    origin: str = "model",
    who: str | None = None,
) -> None:
    """Create or update the link between an action and a recommendation (by recommendation id).

    A person's decision is never overwritten by a suggestion: a new 'suggested' link for a pair already
    confirmed or rejected only refreshes the score."""
    if state not in LINK_STATES:
        raise ValueError(f"link state must be one of {', '.join(LINK_STATES)}")
    if origin not in LINK_ORIGINS:
        raise ValueError(f"link origin must be one of {', '.join(LINK_ORIGINS)}")
    with db.atomic():
        _require(db, action_id)
        if not db.execute("SELECT 1 FROM recommendations WHERE id = ?", [rec_id]).fetchone():
            raise LookupError(f"no recommendation with id {rec_id}")
        existing = db.execute(
            "SELECT state FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
            [action_id, rec_id],
        ).fetchone()
        decided = (who, now_iso()) if state != "suggested" else (None, None)
        if existing is None:
            db.execute(
                """INSERT INTO action_recommendations (action_id, recommendation_id, state, score, origin,
                       decided_by, decided_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [action_id, rec_id, state, score, origin, *decided, now_iso()],
            )
        elif state == "suggested" and existing[0] != "suggested":
            db.execute(
                "UPDATE action_recommendations SET score = coalesce(?, score)"
                " WHERE action_id = ? AND recommendation_id = ?",
                [score, action_id, rec_id],
            )
        else:
            db.execute(
                """UPDATE action_recommendations SET state = ?, score = coalesce(?, score), origin = ?,
                       decided_by = ?, decided_at = ? WHERE action_id = ? AND recommendation_id = ?""",
                [state, score, origin, *decided, action_id, rec_id],
            )


def confirm_link(db: sqlite_utils.Database, action_id: int, rec_id: int, *, who: str | None = None) -> None:
    """A person confirms that the action serves the recommendation (what reports count)."""
    _decide(db, action_id, rec_id, "confirmed", who)


def reject_link(db: sqlite_utils.Database, action_id: int, rec_id: int, *, who: str | None = None) -> None:
    """A person rejects a suggested link (kept, so the suggestion is not offered again)."""
    _decide(db, action_id, rec_id, "rejected", who)


def _decide(db: sqlite_utils.Database, action_id: int, rec_id: int, state: str, who: str | None) -> None:
    origin_row = db.execute(
        "SELECT origin FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
        [action_id, rec_id],
    ).fetchone()
    link_recommendation(
        db,
        action_id,
        rec_id,
        state=state,
        origin=origin_row[0] if origin_row and origin_row[0] in LINK_ORIGINS else "user",
        who=who,
    )


def link_evidence(
    db: sqlite_utils.Database,
    passage_id: int,
    *,
    recommendation_id: int | None = None,
    action_id: int | None = None,
    note: str | None = None,
) -> int:
    """Link a passage as evidence for a recommendation and/or an action; returns the link id."""
    if recommendation_id is None and action_id is None:
        raise ValueError("evidence must be linked to a recommendation or an action")
    if not db.execute("SELECT 1 FROM passages WHERE id = ?", [passage_id]).fetchone():
        raise LookupError(f"no passage with id {passage_id}")
    if action_id is not None:
        _require(db, action_id)
    if (
        recommendation_id is not None
        and not db.execute("SELECT 1 FROM recommendations WHERE id = ?", [recommendation_id]).fetchone()
    ):
        raise LookupError(f"no recommendation with id {recommendation_id}")
    return db.execute(
        "INSERT INTO evidence_links (passage_id, recommendation_id, action_id, note, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [passage_id, recommendation_id, action_id, note, now_iso()],
    ).lastrowid


def list_evidence(
    db: sqlite_utils.Database, *, action_id: int | None = None, recommendation_id: int | None = None
) -> list[dict[str, Any]]:
    """Evidence links with the passage text, page and document title (for citations)."""
    where, params = [], []
    if action_id is not None:
        where.append("e.action_id = ?")
        params.append(action_id)
    if recommendation_id is not None:
        where.append("e.recommendation_id = ?")
        params.append(recommendation_id)
    sql = (
        "SELECT e.*, p.text, p.page, p.section, p.document_id, d.title AS document_title"
        " FROM evidence_links e"
        " JOIN passages p ON p.id = e.passage_id JOIN documents d ON d.id = p.document_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [dict(r) for r in db.query(sql + " ORDER BY e.id", params)]
