"""Dashboard data: organisations x recommendations, completion, overdue/blocked/stale lists, recent changes.

Everything returned is plain JSON-serialisable data. The matrix counts confirmed links only (what
reports count). A cell's worst status follows vocab.SEVERITY (blocked worst, then not_started,
planned, in_progress, done; dropped actions only count when a cell has nothing else); its typical
status is the most common one (ties go to the worse status).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from knowledge.actions import list_actions, stale_days
from knowledge.vocab import SEVERITY, LinkState, Rag, Status, values

RECENT_DAYS = 30
_RAG_ORDER = values(Rag)  # worst first, as declared


def _summary(action: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "text",
        "organisation",
        "organisation_id",
        "org_type",
        "owner",
        "due",
        "status",
        "percent",
        "rag",
        "last_update",
        "days_overdue",
        "recommendations",
        "draft",
    )
    return {k: action.get(k) for k in keys}


def worst_status(statuses: list[str]) -> str | None:
    """The most worrying status of a group (dropped only when there is nothing else)."""
    live = [s for s in statuses if s != Status.DROPPED] or statuses
    return min(live, key=SEVERITY.index) if live else None


def typical_status(statuses: list[str]) -> str | None:
    """The most common status of a group; a tie goes to the worse status."""
    live = [s for s in statuses if s != Status.DROPPED] or statuses
    if not live:
        return None
    counts = Counter(live)
    return min(counts, key=lambda s: (-counts[s], SEVERITY.index(s)))


def _recommendations(db: sqlite_utils.Database, set_slug: str | None) -> list[dict[str, Any]]:
    sql = (
        "SELECT r.id, r.number, r.title, s.slug AS set_slug FROM recommendations r"
        " JOIN recommendation_sets s ON s.id = r.set_id"
    )
    params: list[Any] = []
    if set_slug:
        sql += " WHERE s.slug = ?"
        params.append(set_slug)
    return [dict(r) for r in db.query(sql + " ORDER BY s.id, r.number", params)]


def _cell(actions: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = [a["status"] for a in actions]
    live = [a for a in actions if a["status"] != Status.DROPPED] or actions
    return {
        "count": len(actions),
        "worst_status": worst_status(statuses),
        "typical_status": typical_status(statuses),
        "mean_percent": round(sum(a["percent"] for a in live) / len(live), 1),
        "worst_rag": min((a["rag"] for a in actions), key=_RAG_ORDER.index),
        "overdue": sum(a["overdue"] for a in actions),
        "action_ids": [a["id"] for a in actions],
    }


def _completion(rec: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    live = [a for a in actions if a["status"] != Status.DROPPED]
    by_status = {s: 0 for s in values(Status)}
    for a in actions:
        by_status[a["status"]] += 1
    return {
        **rec,
        "actions": len(actions),
        "organisations": len({a["organisation_id"] for a in actions}),
        "mean_percent": round(sum(a["percent"] for a in live) / len(live), 1) if live else None,
        "by_status": by_status,
        "overdue": sum(a["overdue"] for a in actions),
    }


def recent_changes(db: sqlite_utils.Database, since: date, until: date | None = None) -> list[dict[str, Any]]:
    """Progress rows dated from `since` to `until` (default: no end), newest first, with the action text
    and organisation; deleted actions left out."""
    rows = db.query(
        """SELECT u.id, u.action_id, u.at, u.who, u.old_status, u.new_status, u.old_percent, u.new_percent,
                  u.old_due, u.new_due, u.note, a.text, o.name AS organisation
           FROM progress_updates u JOIN actions a ON a.id = u.action_id
           LEFT JOIN organisations o ON o.id = a.organisation_id
           WHERE substr(u.at, 1, 10) BETWEEN ? AND ? AND a.deleted_at IS NULL
           ORDER BY u.at DESC, u.id DESC""",
        [since.isoformat(), (until or date.max).isoformat()],
    )
    return [dict(r) for r in rows]


def _by_link(
    actions: list[dict[str, Any]], recs: list[dict[str, Any]]
) -> tuple[dict[int, list[dict[str, Any]]], dict[tuple[int | None, int], list[dict[str, Any]]]]:
    """Actions per recommendation and per (organisation, recommendation) cell, by confirmed links."""
    rec_ids = {r["id"] for r in recs}
    per_rec: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in recs}
    per_cell: dict[tuple[int | None, int], list[dict[str, Any]]] = {}
    for a in actions:
        for link in a["links"]:
            if link["state"] == LinkState.CONFIRMED and link["recommendation_id"] in rec_ids:
                per_rec[link["recommendation_id"]].append(a)
                per_cell.setdefault((a["organisation_id"], link["recommendation_id"]), []).append(a)
    return per_rec, per_cell


def _organisations(actions: list[dict[str, Any]]) -> dict[int | None, dict[str, Any]]:
    """One matrix row head per organisation that has actions, by name, with its action count."""
    orgs: dict[int | None, dict[str, Any]] = {}
    for a in sorted(actions, key=lambda x: (x["organisation"] or "").lower()):
        org = orgs.setdefault(
            a["organisation_id"],
            {
                "organisation_id": a["organisation_id"],
                "organisation": a["organisation"] or "(no organisation)",
                "type": a["org_type"],
                "actions": 0,
            },
        )
        org["actions"] += 1
    return orgs


def _matrix_rows(
    orgs: dict[int | None, dict[str, Any]],
    recs: list[dict[str, Any]],
    per_cell: dict[tuple[int | None, int], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    rows = []
    for org in orgs.values():
        keys = [(org["organisation_id"], r["id"]) for r in recs]
        rows.append({**org, "cells": [_cell(per_cell[key]) if key in per_cell else None for key in keys]})
    return rows


def _totals(actions: list[dict[str, Any]], organisations: int, linked: int) -> dict[str, Any]:
    by_status = Counter(a["status"] for a in actions)
    live = [a for a in actions if a["status"] != Status.DROPPED]
    return {
        "actions": len(actions),
        "organisations": organisations,
        "by_status": {s: by_status.get(s, 0) for s in values(Status)},
        "rag": {r: sum(a["rag"] == r for a in actions) for r in _RAG_ORDER},
        "overdue": sum(a["overdue"] for a in actions),
        "blocked": by_status.get(Status.BLOCKED, 0),
        "stale": sum(a["stale"] for a in actions),
        "drafts": sum(a["draft"] for a in actions),
        "unlinked": len(actions) - linked,
        "mean_percent": round(sum(a["percent"] for a in live) / len(live), 1) if live else None,
    }


def dashboard(
    db: sqlite_utils.Database,
    *,
    today: date | None = None,
    set_slug: str | None = None,
    actions: list[dict[str, Any]] | None = None,
) -> dict:
    """Everything the dashboard shows, as of `today`: keys as_at, stale_days, recommendations (each with
    completion figures), matrix {recommendations, rows: [{organisation_id, organisation, type, cells}]}
    where cells align with matrix recommendations (None when empty), overdue, blocked, stale (action
    summaries), recent_changes (last 30 days), totals. `actions` (shaped as list_actions) replaces the
    current ones: a report as at a past date passes them as they stood then."""
    today = today or date.today()
    actions = list_actions(db, today=today) if actions is None else actions
    recs = _recommendations(db, set_slug)
    per_rec, per_cell = _by_link(actions, recs)
    orgs = _organisations(actions)
    linked = {a["id"] for group in per_rec.values() for a in group}
    return {
        "as_at": today.isoformat(),
        "stale_days": stale_days(db),
        "set": set_slug,
        "recommendations": [_completion(r, per_rec[r["id"]]) for r in recs],
        "matrix": {
            "recommendations": [
                {"id": r["id"], "number": r["number"], "title": r["title"], "set": r["set_slug"]}
                for r in recs
            ],
            "rows": _matrix_rows(orgs, recs, per_cell),
        },
        "overdue": [
            _summary(a) for a in sorted((a for a in actions if a["overdue"]), key=lambda a: a["due"])
        ],
        "blocked": [_summary(a) for a in actions if a["status"] == Status.BLOCKED],
        "stale": [
            _summary(a) for a in sorted((a for a in actions if a["stale"]), key=lambda a: a["last_update"])
        ],
        "recent_changes": recent_changes(db, today - timedelta(days=RECENT_DAYS), today),
        "totals": _totals(actions, len(orgs), len(linked)),
    }
