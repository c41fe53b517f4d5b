"""Writing actions: create, progress, due dates, edits and deletes, each kept in the history."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from knowledge.actions.parse import check_status, parse_percent
from knowledge.actions.queries import get_action, require_action
from knowledge.actions.rules import check_transition
from knowledge.dates import now_iso, parse_at, parse_date
from knowledge.organisations import ensure_organisation, find_organisation, resolve_organisation
from knowledge.vocab import Status

_HISTORY_COLUMNS = (
    "action_id, at, recorded_at, who, old_status, new_status, old_percent, new_percent, old_due, new_due,"
    " note"
)


def _org_id(db: sqlite_utils.Database, organisation: str | int | None, create: bool) -> int | None:
    if organisation is None or (isinstance(organisation, str) and not organisation.strip()):
        return None
    if isinstance(organisation, int) or not create:
        return resolve_organisation(db, organisation)
    return ensure_organisation(db, organisation)


def _clean_text(text: str | None) -> str:
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        raise ValueError("an action needs a description")
    return cleaned


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
    """Add one row to an action's append-only history; returns its id."""
    row = [action_id, at, now_iso(), who, old_status, new_status, old_percent, new_percent, old_due, new_due]
    return db.execute(
        f"INSERT INTO progress_updates ({_HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*row, note],
    ).lastrowid


def _unchanged(action: dict[str, Any], target: str, percent: int) -> dict[str, Any]:
    """What update_progress returns when there was nothing to record."""
    return {
        "id": None,
        "action_id": action["id"],
        "changed": False,
        "old_status": action["status"],
        "new_status": target,
        "old_percent": action["percent"],
        "new_percent": percent,
        "note": None,
    }


def create_action(
    db: sqlite_utils.Database,
    *,
    text: str,
    organisation: str | int | None,
    owner: str | None = None,
    due: Any = None,
    status: str = Status.NOT_STARTED,
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
    text = _clean_text(text)
    checked = check_status(status)
    pct = parse_percent(percent) or 0
    pct = 100 if checked == Status.DONE else pct
    due_iso = parse_date(due)
    stamp, at_iso = now_iso(), parse_at(at)
    with db.atomic():
        org_id = _org_id(db, organisation, create=True)
        action_id = db.execute(
            """INSERT INTO actions (organisation_id, text, owner, original_due, due, status, percent,
                   source_passage_id, source_document_id, source_ref, roundtable_id, draft, created_at,
                   updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                *(org_id, text, (owner or "").strip() or None, due_iso, due_iso, checked, pct),
                *(source_passage_id, source_document_id, source_ref, roundtable_id, int(bool(draft))),
                *(stamp, stamp),
            ],
        ).lastrowid
        _append(
            db,
            action_id,
            at=at_iso,
            who=who,
            new_status=checked,
            new_percent=pct,
            new_due=due_iso,
            note=note or "created",
        )
    return action_id


def _target_percent(target: str, new_percent: int | None, current: int, validate: bool) -> int:
    """The percent after an update: done means 100 (another explicit percent is an error when validating)."""
    if target == Status.DONE:
        if new_percent is not None and new_percent != 100 and validate:
            raise ValueError("a done action is 100% complete; leave the percent out or give 100")
        return 100
    return current if new_percent is None else new_percent


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
    new_status = check_status(status) if status else None
    new_percent = parse_percent(percent)
    note = (note or "").strip() or None
    with db.atomic():
        action = require_action(db, action_id)
        old_status, old_percent = action["status"], action["percent"]
        target = new_status or old_status
        if validate:
            check_transition(old_status, target, note)
        pct = _target_percent(target, new_percent, old_percent, validate)
        changed = target != old_status or pct != old_percent
        if not changed and not note:
            return _unchanged(action, target, pct)
        at_iso = parse_at(at)
        update_id = _append(
            db,
            action_id,
            at=at_iso,
            who=who,
            old_status=old_status,
            new_status=target,
            old_percent=old_percent,
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
        "old_status": old_status,
        "new_status": target,
        "old_percent": old_percent,
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
        action = require_action(db, action_id)
        status, percent = action["status"], action["percent"]
        update_id = _append(
            db,
            action_id,
            at=parse_at(at),
            who=who,
            old_status=status,
            new_status=status,
            old_percent=percent,
            new_percent=percent,
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


def _organisation_change(
    db: sqlite_utils.Database, action: dict[str, Any], organisation: str | int
) -> tuple[int, str] | None:
    """(new organisation id, history note) when `organisation` differs from the action's; else None."""
    org_id = resolve_organisation(db, organisation)
    if org_id == action["organisation_id"]:
        return None
    old = find_organisation(db, action["organisation_id"]) if action["organisation_id"] else None
    new = find_organisation(db, org_id)
    return org_id, f"organisation: {old['name'] if old else '-'} -> {new['name']}"


def _edits(
    db: sqlite_utils.Database,
    action: dict[str, Any],
    text: str | None,
    owner: str | None,
    organisation: str | int | None,
    draft: bool | None,
) -> tuple[dict[str, Any], list[str]]:
    """The column changes an edit makes, and one history note for each."""
    changes: dict[str, Any] = {}
    notes: list[str] = []
    if text is not None and " ".join(text.split()) != action["text"]:
        changes["text"] = _clean_text(text)
        notes.append("description edited")
    if owner is not None and (owner.strip() or None) != action["owner"]:
        changes["owner"] = owner.strip() or None
        notes.append(f"owner: {action['owner'] or '-'} -> {changes['owner'] or '-'}")
    if organisation is not None and (moved := _organisation_change(db, action, organisation)):
        changes["organisation_id"] = moved[0]
        notes.append(moved[1])
    if draft is not None and int(bool(draft)) != action["draft"]:
        changes["draft"] = int(bool(draft))
        notes.append("marked as draft" if draft else "accepted (no longer a draft)")
    return changes, notes


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
        action = require_action(db, action_id)
        changes, notes = _edits(db, action, text, owner, organisation, draft)
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.execute(
                f"UPDATE actions SET {sets}, updated_at = ? WHERE id = ?",
                [*changes.values(), now_iso(), action_id],
            )
            status, percent = action["status"], action["percent"]
            _append(
                db,
                action_id,
                at=now_iso(),
                who=who,
                old_status=status,
                new_status=status,
                old_percent=percent,
                new_percent=percent,
                note="; ".join(notes),
            )
    return get_action(db, action_id)


update_action = edit_action  # the name the desktop pages look for


def delete_action(db: sqlite_utils.Database, action_id: int) -> bool:
    """Delete an action with its history and links; False when there was no such action."""
    return db.execute("DELETE FROM actions WHERE id = ?", [action_id]).rowcount > 0
