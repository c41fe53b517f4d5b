"""Reports as at a past date: each action's status, percent and due date as the change log had them then.

A report's `as_at` alone is the date it is judged on (overdue, RAG) with today's record; with `as_recorded`
(what `roundtable export --as-at` asks for) the record itself is replayed from the log up to that date.
An action counts from its 'created' entry (dated when it took effect: a tracker row's last update), until a
'deleted' entry; every later entry is ignored. A recommendation link counts from its own entry, except
that a tracker's link takes the date of the tracker row that stated it (the action entry written with it),
since the link itself is stamped with the import. Links from before the change log are dated by their row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from knowledge.actions import days_overdue, is_overdue, is_stale, list_actions, rag, stale_days
from knowledge.changelog import entries
from knowledge.db import data_version
from knowledge.organisations import resolve_organisation
from knowledge.vocab import Change, Entity, LinkOrigin, LinkState

# What an action entry's `after` may carry, and the actions column each one sets.
_STATE_KEYS = ("status", "percent", "due", "text", "owner", "organisation_id", "draft")


@dataclass(frozen=True)
class AsAt:
    """A report's date, and whether it shows the record as it stood on that date (`recorded`) rather than
    today's record judged on it."""

    day: date
    recorded: bool = False

    @classmethod
    def of(cls, day: date | None, recorded: bool = False) -> AsAt:
        return cls(day or date.today(), recorded)

    @property
    def past(self) -> bool:
        """Whether the log is replayed: a recorded report of a date before today (today's is the record)."""
        return self.recorded and self.day < date.today()


def reconstructs(when: AsAt | date | None) -> bool:
    """Whether a report of `when` shows the record as it stood then (a bare date never does)."""
    return isinstance(when, AsAt) and when.past


def _plain(when: AsAt | date) -> date:
    return when.day if isinstance(when, AsAt) else when


def _day(value: Any) -> str:
    return str(value or "")[:10]


@dataclass
class _Log:
    """The log entries about actions and their links, by action, oldest first."""

    actions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    links: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def read(cls, db: sqlite_utils.Database) -> _Log:
        log = cls()
        for entity, into in ((Entity.ACTION, log.actions), (Entity.LINK, log.links)):
            for entry in entries(db, entity=entity):
                into.setdefault(entry["entity_id"], []).append(entry)
        return log

    def stated_at(self, action_id: int, entry_id: int) -> str | None:
        """When the action entry written last before entry `entry_id` took effect (a tracker row's date).
        Entry ids follow the order of writing (the log is never edited); its stamps only have seconds."""
        earlier = [e for e in self.actions.get(action_id, []) if e["id"] < entry_id]
        return max(earlier, key=lambda e: e["id"])["at"] if earlier else None


def _state(row: dict[str, Any], log: list[dict[str, Any]], day: str) -> dict[str, Any] | None:
    """The action's row as at the end of `day`; None when it did not exist yet or was deleted by then."""
    state = dict(row)
    if not log:  # written before the log existed and never touched since: its own row dates it
        created, deleted, last = (
            _day(row["created_at"]) <= day,
            row["deleted_at"] is not None,
            row["updated_at"],
        )
    else:
        created = deleted = False
        last = None
        for entry in (e for e in log if _day(e["at"]) <= day):
            after = entry["after"] or {}
            state.update({k: after[k] for k in _STATE_KEYS if k in after})
            created = created or entry["change"] == Change.CREATED
            deleted = {Change.DELETED: True, Change.RESTORED: False}.get(entry["change"], deleted)
            last = entry["at"]
    if not created or deleted:
        return None
    state["last_update"] = last
    return state


def _recommendations(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    rows = db.query(
        "SELECT r.id, r.number, r.title, s.slug AS set_slug, s.id AS set_id FROM recommendations r"
        " JOIN recommendation_sets s ON s.id = r.set_id"
    )
    return {r["id"]: dict(r) for r in rows}


def _logged_links(log: _Log, action_id: int, day: str) -> dict[int, dict[str, Any]]:
    """The action's links as at `day`, from the log: recommendation id -> state, origin, score."""
    links: dict[int, dict[str, Any]] = {}
    for entry in log.links.get(action_id, []):
        facts = entry["after"] or entry["before"] or {}
        effective = entry["at"]
        if facts.get("origin") == LinkOrigin.TRACKER and entry["change"] != Change.REMOVED:
            effective = log.stated_at(action_id, entry["id"]) or effective
        if _day(effective) > day:
            continue
        if entry["change"] == Change.REMOVED:
            links.pop(facts.get("recommendation_id"), None)
        else:
            links[facts["recommendation_id"]] = {
                "state": facts.get("state"),
                "origin": facts.get("origin"),
                "score": facts.get("score"),
                "decided_by": entry["who"] if facts.get("state") != LinkState.SUGGESTED else None,
                "decided_at": entry["at"] if facts.get("state") != LinkState.SUGGESTED else None,
            }
    return links


def _table_links(
    db: sqlite_utils.Database, log: _Log, created: dict[int, str], day: str
) -> dict[int, dict[int, dict[str, Any]]]:
    """Links the log has no entry for (made before it existed), dated by their own row: a decision made
    after `day` leaves the link as it was before, suggested."""
    logged = {
        (action_id, (e["after"] or e["before"] or {}).get("recommendation_id"))
        for action_id, links in log.links.items()
        for e in links
    }
    out: dict[int, dict[int, dict[str, Any]]] = {}
    for row in db.query("SELECT * FROM action_recommendations"):
        link = dict(row)
        action_id, tracker = link["action_id"], link["origin"] == LinkOrigin.TRACKER
        if (action_id, link["recommendation_id"]) in logged or action_id not in created:
            continue
        if _day(created[action_id] if tracker else link["created_at"]) > day:
            continue
        if link["decided_at"] and _day(link["decided_at"]) > day and not tracker:
            link.update(state=LinkState.SUGGESTED, decided_by=None, decided_at=None)
        out.setdefault(action_id, {})[link["recommendation_id"]] = link
    return out


def _decorate(
    action: dict[str, Any],
    links: dict[int, dict[str, Any]],
    recs: dict[int, dict[str, Any]],
    today: date,
    days: int,
) -> None:
    shaped = [
        {
            "action_id": action["id"],
            "recommendation_id": rec_id,
            "number": recs[rec_id]["number"],
            "title": recs[rec_id]["title"],
            "set_slug": recs[rec_id]["set_slug"],
            **{k: link.get(k) for k in ("state", "score", "origin", "decided_by", "decided_at")},
        }
        for rec_id, link in links.items()
        if rec_id in recs
    ]
    shaped.sort(key=lambda lk: (recs[lk["recommendation_id"]]["set_id"], lk["number"]))
    status, due, last = action["status"], action["due"], action["last_update"]
    action.update(
        links=shaped,
        recommendations=[lk["number"] for lk in shaped if lk["state"] == LinkState.CONFIRMED],
        suggested=[lk["number"] for lk in shaped if lk["state"] == LinkState.SUGGESTED],
        draft=bool(action["draft"]),
        overdue=is_overdue(status, due, today),
        stale=is_stale(status, last, today, days),
        rag=rag(status, action["percent"], due, last, today, days),
        days_overdue=days_overdue(status, due, today),
    )


# The last reconstruction, keyed by connection, date and how many writes the database has seen: a briefing
# asks for the same date's actions once per recommendation.
_last: tuple[tuple[Any, ...], list[dict[str, Any]]] | None = None


def actions_as_at(db: sqlite_utils.Database, as_at: date) -> list[dict[str, Any]]:
    """Every action that existed at the end of `as_at`, shaped as list_actions shapes them (RAG, overdue
    and stale judged on that date), with the status, percent, due date, wording, owner, organisation and
    recommendation links the log had recorded by then. Ordered by organisation name, then id."""
    global _last
    key = (id(db.conn), as_at, db.conn.total_changes, data_version(db))
    if _last is None or _last[0] != key:
        _last = (key, _reconstruct(db, as_at))
    return [dict(a) for a in _last[1]]


def _reconstruct(db: sqlite_utils.Database, as_at: date) -> list[dict[str, Any]]:
    day = as_at.isoformat()
    log = _Log.read(db)
    orgs = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, name, type FROM organisations")}
    states = []
    for row in db.query("SELECT * FROM actions"):
        state = _state(dict(row), log.actions.get(row["id"], []), day)
        if state is not None:
            states.append(state)
    created = {s["id"]: _creation(log, s) for s in states}
    old_links = _table_links(db, log, created, day)
    recs, days = _recommendations(db), stale_days(db)
    for action in states:
        action["organisation"], action["org_type"] = orgs.get(action["organisation_id"], (None, None))
        links = old_links.get(action["id"], {}) | _logged_links(log, action["id"], day)
        _decorate(action, links, recs, as_at, days)
    return sorted(states, key=lambda a: ((a["organisation"] or "").lower(), a["id"]))


def _creation(log: _Log, action: dict[str, Any]) -> str:
    created = [e["at"] for e in log.actions.get(action["id"], []) if e["change"] == Change.CREATED]
    return created[0] if created else action["created_at"]


def report_actions(
    db: sqlite_utils.Database,
    when: AsAt | date,
    *,
    organisation: str | int | None = None,
    recommendation_number: int | None = None,
    set_slug: str | None = None,
    roundtable_id: int | None = None,
) -> list[dict[str, Any]]:
    """The actions a report of `when` shows: list_actions' judged on that date, or, for a recorded past
    date, as the log had them then (actions_as_at), filtered the same way (organisation, a confirmed link
    to a recommendation of a set, a roundtable)."""
    if not reconstructs(when):
        return list_actions(
            db,
            organisation=organisation,
            recommendation_number=recommendation_number,
            set_slug=set_slug,
            roundtable_id=roundtable_id,
            today=_plain(when),
        )
    actions = actions_as_at(db, _plain(when))
    if organisation is not None:
        org_id = resolve_organisation(db, organisation)
        actions = [a for a in actions if a["organisation_id"] == org_id]
    if roundtable_id is not None:
        actions = [a for a in actions if a["roundtable_id"] == roundtable_id]
    if recommendation_number is not None:
        actions = [
            a
            for a in actions
            if any(
                lk["number"] == recommendation_number
                and lk["state"] == LinkState.CONFIRMED
                and (set_slug is None or lk["set_slug"] == set_slug)
                for lk in a["links"]
            )
        ]
    return actions


def suggested_as_at(db: sqlite_utils.Database, rec_id: int, as_at: date) -> int:
    """Actions suggested for a recommendation and not confirmed against it, as at a past date."""
    return sum(
        any(lk["recommendation_id"] == rec_id and lk["state"] == LinkState.SUGGESTED for lk in a["links"])
        and not any(
            lk["recommendation_id"] == rec_id and lk["state"] == LinkState.CONFIRMED for lk in a["links"]
        )
        for a in actions_as_at(db, as_at)
    )
