"""The change log: one append-only record of who changed what, when (SQLite refuses to edit or delete it)."""

from __future__ import annotations

import getpass
import json
import os
from typing import Any

import sqlite_utils

from knowledge.dates import now_iso, parse_at, parse_date
from knowledge.vocab import BEFORE_THE_LOG, ENTITY_CHANGES, Change, Entity

USER_VARIABLE = "ROUNDTABLE_USER"
UNKNOWN_USER = "unknown user"  # only when the operating system names nobody either
# A connection can carry the person it writes for (the window's name, the command line's --who): changes made
# deep inside an operation (an import creating actions and organisations) are then theirs too.
_ACTING = "acting_who"
__all__ = ["BEFORE_THE_LOG", "UNKNOWN_USER", "act_as", "entries", "people", "record", "resolve_who", "who_of"]
_COLUMNS = "id, at, recorded_at, who, entity, entity_id, change, before, after, note"


def login_name() -> str | None:
    """The operating system's name for the person running the program; None when it has none."""
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without a passwd entry): OSError/KeyError
        return None
    return name.strip() or None


def resolve_who(explicit: str | None = None) -> str:
    """Who makes a change: `explicit` (--who, the window's name), else $ROUNDTABLE_USER, else the login
    name, else "unknown user". Never empty; blank values count as not given."""
    for source in (lambda: explicit, lambda: os.environ.get(USER_VARIABLE), login_name):
        candidate = source()  # in turn: the login name is looked up only when nothing else names anyone
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return UNKNOWN_USER


def act_as(db: sqlite_utils.Database, who: str | None) -> str:
    """Record this connection's changes as `who`'s (resolved as resolve_who does) from now on; returns it."""
    name = resolve_who(who)
    setattr(db, _ACTING, name)
    return name


def who_of(db: sqlite_utils.Database, who: str | None = None) -> str:
    """The who of a change: the one given, else the connection's (act_as), else resolve_who(). On a team
    workspace it is always the member connected: the server records the same in its log."""
    member = getattr(db, "member_login", None)
    if member:
        return member
    if who and who.strip():
        return " ".join(who.split())
    return getattr(db, _ACTING, None) or resolve_who()


def _check(entity: str, change: str) -> tuple[Entity, Change]:
    checked = Entity(entity)
    if Change(change) not in ENTITY_CHANGES[checked]:
        raise ValueError(f"{change!r} is not a change the log records for {checked.value}")
    return checked, Change(change)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    db: sqlite_utils.Database,
    *,
    who: str | None,
    entity: str,
    entity_id: int | None,
    change: str,
    before: Any = None,
    after: Any = None,
    note: str | None = None,
    at: Any = None,
) -> int:
    """Append one entry to the change log; returns its id. Call it inside the write's own transaction
    (db.atomic()), so the change and its entry are kept or lost together.

    `who` None means who_of(db); `at` is when the change took effect (default now; a back-dated progress
    update gives its date), while recorded_at is always now. before/after are JSON-able values (dicts)."""
    checked_entity, checked_change = _check(entity, change)
    stamp = now_iso()
    return db.execute(
        "INSERT INTO change_log (at, recorded_at, who, entity, entity_id, change, before, after, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            stamp if at is None else parse_at(at),
            stamp,
            who_of(db, who),
            checked_entity.value,
            entity_id,
            checked_change.value,
            _json(before),
            _json(after),
            (note or "").strip() or None,
        ],
    ).lastrowid


def _filters(
    since: Any, until: Any, who: str | None, entity: str | None, entity_id: int | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if since:
        where.append("substr(at, 1, 10) >= ?")
        params.append(parse_date(since))
    if until:
        where.append("substr(at, 1, 10) <= ?")  # the whole of the last day
        params.append(parse_date(until))
    if who and who.strip():
        where.append("who = ? COLLATE NOCASE")
        params.append(" ".join(who.split()))
    if entity:
        where.append("entity = ?")
        params.append(Entity(entity).value)
    if entity_id is not None:
        where.append("entity_id = ?")
        params.append(int(entity_id))
    return where, params


def _entry(row: Any) -> dict[str, Any]:
    entry = dict(row)
    for key in ("before", "after"):
        entry[key] = json.loads(entry[key]) if entry[key] is not None else None
    return entry


def entries(
    db: sqlite_utils.Database,
    since: Any = None,
    until: Any = None,
    who: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Log entries, oldest first (by when they took effect, then as recorded), filtered: since/until are
    dates (inclusive), who matches in any case, entity one of vocab.Entity. Each entry has id, at,
    recorded_at, who, entity, entity_id, change, before, after (decoded JSON) and note.
    Raises ValueError for a date or entity that is not one."""
    where, params = _filters(since, until, who, entity, entity_id)
    sql = f"SELECT {_COLUMNS} FROM change_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at, id"
    if limit is not None:
        # The newest `limit` entries, still oldest first.
        newest = sql.replace(" ORDER BY at, id", " ORDER BY at DESC, id DESC")
        sql = f"SELECT * FROM ({newest} LIMIT ?) AS newest"
        sql += " ORDER BY at, id"
        params.append(int(limit))
    return [_entry(row) for row in db.query(sql, params)]


def people(db: sqlite_utils.Database) -> list[str]:
    """Everyone the log names, in alphabetical order (for a filter list)."""
    rows = db.execute("SELECT who FROM change_log GROUP BY who ORDER BY who COLLATE NOCASE, who").fetchall()
    return [row[0] for row in rows]
