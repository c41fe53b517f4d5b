"""Writing actions: create, progress, due dates, edits, deletes and restores, each kept in the change log."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from knowledge.actions.parse import check_status, parse_percent
from knowledge.actions.queries import action_row, get_action, require_action
from knowledge.actions.rules import check_transition
from knowledge.changelog import record, who_of
from knowledge.dates import now_iso, parse_at, parse_date
from knowledge.errors import Refusal
from knowledge.members import require_edit
from knowledge.organisations import ensure_organisation, find_organisation, resolve_organisation
from knowledge.vocab import Change, Entity, Status

_HISTORY_COLUMNS = (
    "action_id, at, recorded_at, who, old_status, new_status, old_percent, new_percent, old_due, new_due,"
    " note"
)


class EditConflict(Refusal):
    """Someone else changed the action after this person loaded it: the save is refused, nothing lost.

    `latest` is the change-log entry of the other person's change (who, at, change), for the message."""

    def __init__(self, action_id: int, expected: int, current: int, latest: dict[str, Any] | None):
        self.action_id, self.expected, self.current, self.latest = action_id, expected, current, latest
        if latest:
            by = f"{latest['who']} changed it ({latest['change']}) at {latest['recorded_at']}"
        else:
            by = "someone else changed it"
        super().__init__(
            f"action {action_id} was changed after you loaded it: {by}; your change was not saved —"
            " reload it, then make your change again"
        )


def _conflict(db: sqlite_utils.Database, action_id: int, expected: int) -> EditConflict:
    row = db.execute("SELECT version FROM actions WHERE id = ?", [action_id]).fetchone()
    latest = db.execute(
        "SELECT who, change, recorded_at FROM change_log WHERE entity = ? AND entity_id = ?"
        " ORDER BY id DESC LIMIT 1",
        [Entity.ACTION.value, action_id],
    ).fetchone()
    entry = {"who": latest[0], "change": latest[1], "recorded_at": latest[2]} if latest else None
    return EditConflict(action_id, expected, int(row[0]) if row else expected, entry)


def _claim(db: sqlite_utils.Database, action: dict[str, Any], expected_version: int | None) -> None:
    """Before changing an action, inside the write's transaction: the person may change this organisation's
    actions (a team workspace's rule; the server enforces it too), and the action is still at the version
    they loaded. The version moves here with a compare-and-set, so of two saves made from the same version
    one wins and the other gets EditConflict, whichever back end and however close together."""
    require_edit(db, action["organisation_id"], f"action {action['id']}")
    version = int(action.get("version") or 1)
    if expected_version is not None and int(expected_version) != version:
        raise _conflict(db, action["id"], int(expected_version))
    moved = db.execute(
        "UPDATE actions SET version = version + 1 WHERE id = ? AND version = ?", [action["id"], version]
    )
    if moved.rowcount != 1:
        raise _conflict(db, action["id"], version)


def _org_id(
    db: sqlite_utils.Database, organisation: str | int | None, create: bool, who: str | None = None
) -> int | None:
    if organisation is None or (isinstance(organisation, str) and not organisation.strip()):
        return None
    if isinstance(organisation, int) or not create:
        return resolve_organisation(db, organisation)
    return ensure_organisation(db, organisation, who=who)


def _log(
    db: sqlite_utils.Database,
    action_id: int,
    change: Change,
    *,
    who: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    at: str | None = None,
) -> int:
    """One change-log entry about an action (in the caller's transaction)."""
    return record(
        db,
        who=who,
        entity=Entity.ACTION,
        entity_id=action_id,
        change=change,
        before=before,
        after=after,
        note=note,
        at=at,
    )


def _progress_change(old_status: str, new_status: str, old_percent: int, new_percent: int) -> Change:
    """What a progress update changed, as the log names it (the status when both moved)."""
    if old_status != new_status:
        return Change.STATUS
    return Change.PERCENT if old_percent != new_percent else Change.UPDATED


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
    """Add one row to an action's progress table (the change log holds its history); returns its id."""
    row = [action_id, at, now_iso(), who_of(db, who), old_status, new_status, old_percent, new_percent]
    row += [old_due, new_due]
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
        org_id = _org_id(db, organisation, create=True, who=who)
        require_edit(db, org_id, "actions")
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
        state = {"status": checked, "percent": pct, "due": due_iso}
        details = {"text": text, "organisation_id": org_id, "owner": (owner or "").strip() or None}
        extra = {"draft": True} if draft else {}
        _log(db, action_id, Change.CREATED, who=who, after=state | details | extra, note=note, at=at_iso)
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
    expected_version: int | None = None,
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
        _claim(db, action, expected_version)
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
        _log(
            db,
            action_id,
            _progress_change(old_status, target, old_percent, pct),
            who=who,
            before={"status": old_status, "percent": old_percent},
            after={"status": target, "percent": pct},
            note=note,
            at=at_iso,
        )
    return {
        "id": update_id,
        "action_id": action_id,
        "changed": changed,
        "at": at_iso,
        "who": who_of(db, who),
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
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Move the due date (None clears it); the reason is required and kept in the history with the old and
    new dates. The first due date ever set stays as original_due."""
    if not (reason or "").strip():
        raise ValueError("changing a due date needs a reason")
    due_iso = parse_date(new_due)
    with db.atomic():
        action = require_action(db, action_id)
        _claim(db, action, expected_version)
        status, percent = action["status"], action["percent"]
        at_iso = parse_at(at)
        update_id = _append(
            db,
            action_id,
            at=at_iso,
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
        _log(
            db,
            action_id,
            Change.DUE,
            who=who,
            before={"due": action["due"]},
            after={"due": due_iso},
            note=reason.strip(),
            at=at_iso,
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
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change the wording, owner, organisation or draft flag; each change is noted in the history.
    `organisation` must already exist (by name or id). Returns the action as get_action does."""
    with db.atomic():
        action = require_action(db, action_id)
        changes, notes = _edits(db, action, text, owner, organisation, draft)
        if changes:
            _claim(db, action, expected_version)
            if "organisation_id" in changes:  # moving an action needs the right to change the new one too
                require_edit(db, changes["organisation_id"], "actions")
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.execute(
                f"UPDATE actions SET {sets}, updated_at = ? WHERE id = ?",
                [*changes.values(), now_iso(), action_id],
            )
            if "text" in changes:
                # The matcher judged the old wording: a re-worded action must be asked again whether any
                # recommendation fits (match_checks is derived data, so it is dropped, not logged).
                db.execute("DELETE FROM match_checks WHERE action_id = ?", [action_id])
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
            _log_edits(db, action, changes, notes, who)
    return get_action(db, action_id)


update_action = edit_action  # the name the desktop pages look for


def _log_edits(
    db: sqlite_utils.Database,
    action: dict[str, Any],
    changes: dict[str, Any],
    notes: list[str],
    who: str | None,
) -> None:
    """One entry for an edit: 'accepted' when it accepted a draft (what a reviewer looks for), else
    'edited'; before and after hold the columns it changed."""
    change = Change.ACCEPTED if changes.get("draft") == 0 else Change.EDITED
    before = {k: bool(action[k]) if k == "draft" else action[k] for k in changes}
    after = {k: bool(v) if k == "draft" else v for k, v in changes.items()}
    _log(db, action["id"], change, who=who, before=before, after=after, note="; ".join(notes))


def _summary(action: dict[str, Any]) -> dict[str, Any]:
    """What a delete or restore entry keeps of the action, so the entry reads without the row."""
    keys = ("text", "organisation_id", "status", "percent", "due")
    return {key: action[key] for key in keys}


def delete_action(db: sqlite_utils.Database, action_id: int, *, who: str | None = None) -> bool:
    """Delete an action: it leaves every list, dashboard and report but is kept, with its history and
    links, so restore_action() can bring it back. False when there is no such action (or it is deleted)."""
    with db.atomic():
        action = action_row(db, action_id)
        if action is None or action["deleted_at"] is not None:
            return False
        _claim(db, action, None)
        name = who_of(db, who)
        db.execute(
            "UPDATE actions SET deleted_at = ?, deleted_by = ? WHERE id = ?", [now_iso(), name, action_id]
        )
        _log(db, action_id, Change.DELETED, who=name, before=_summary(action), after={"deleted": True})
    return True


def restore_action(db: sqlite_utils.Database, action_id: int, *, who: str | None = None) -> bool:
    """Undo delete_action(): the action is back in the lists as it was. False when there is no deleted
    action with this id (LookupError when there is no action with it at all)."""
    with db.atomic():
        action = action_row(db, action_id)
        if action is None:
            raise LookupError(f"no action with id {action_id}")
        if action["deleted_at"] is None:
            return False
        _claim(db, action, None)
        db.execute("UPDATE actions SET deleted_at = NULL, deleted_by = NULL WHERE id = ?", [action_id])
        before = {"deleted": True, "deleted_at": action["deleted_at"], "deleted_by": action["deleted_by"]}
        _log(db, action_id, Change.RESTORED, who=who, before=before, after=_summary(action))
    return True
