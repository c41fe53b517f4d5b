"""Tracking operations: add, update, edit, delete and restore actions; decide links; link evidence.

Every write takes `who`, the person the change log records (None: the connection's, see
knowledge.changelog.who_of)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desktop.operations.changes import Changes, Result
from knowledge.vocab import Status

ACTIONS = Changes(actions=True)
LINKS = Changes(links=True)
NEW_ACTION = Changes(actions=True, links=True, organisations=True)  # a new organisation may come with it


def add_action(
    db: Any,
    *,
    text: str,
    organisation: str | int | None,
    owner: str | None = None,
    due: Any = None,
    status: str = Status.NOT_STARTED,
    percent: Any = 0,
    recommendation_ids: Iterable[int] = (),
    who: str | None = None,
) -> Result[int]:
    """Create an action and confirm the recommendations it serves, all or nothing; the value is its id."""
    from knowledge.actions import confirm_link, create_action

    with db.atomic():
        action_id = create_action(
            db,
            text=text,
            organisation=organisation,
            owner=owner,
            due=due,
            status=status,
            percent=percent,
            who=who,
        )
        action_id = int(getattr(action_id, "id", action_id))
        for rec_id in recommendation_ids:
            confirm_link(db, action_id, rec_id, who=who)
    return Result(action_id, NEW_ACTION)


def update_progress(
    db: Any,
    action_id: int,
    *,
    status: str | None = None,
    percent: Any = None,
    note: str | None = None,
    who: str | None = None,
    at: Any = None,
    expected_version: int | None = None,
) -> Result[dict[str, Any]]:
    """Record a dated progress update (kept in the action's history); the value is the history row.
    `expected_version`: refuse (EditConflict) if someone changed the action since that version."""
    from knowledge.actions import update_progress as _update

    fields = {"status": status, "percent": percent, "note": note, "at": at}
    row = _update(db, action_id, who=who, expected_version=expected_version, **fields)
    return Result(row, ACTIONS if row.get("id") is not None else Changes())


def change_due(
    db: Any,
    action_id: int,
    due: Any,
    *,
    reason: str,
    who: str | None = None,
    expected_version: int | None = None,
) -> Result[dict[str, Any]]:
    """Move an action's due date, with the reason kept in its history."""
    from knowledge.actions import change_due_date

    moved = change_due_date(db, action_id, due, reason=reason, who=who, expected_version=expected_version)
    return Result(moved, ACTIONS)


def edit_action(db: Any, action_id: int, *, who: str | None = None, **fields: Any) -> Result[dict[str, Any]]:
    """Change an action's text, owner, organisation or draft flag (edit_action's keywords in knowledge)."""
    from knowledge.actions import edit_action as _edit

    changes = NEW_ACTION if fields.get("organisation") is not None else ACTIONS
    return Result(_edit(db, action_id, who=who, **fields), changes)


def update_action_field(
    db: Any,
    action_id: int,
    field: str,
    value: Any,
    reason: str | None = None,
    *,
    who: str | None = None,
    expected_version: int | None = None,
) -> Result[Any]:
    """One inline edit from the actions table: status/percent become progress updates (kept in history).
    `expected_version` is the version the person saw: a change made since by someone else is not
    overwritten (EditConflict names them)."""
    version = {"expected_version": expected_version}
    if field in ("status", "percent"):
        return update_progress(db, action_id, **{field: value}, who=who, **version)
    if field == "due":
        reason = reason or "changed in the actions table"
        return change_due(db, action_id, value, reason=reason, who=who, **version)
    if field == "owner":
        return edit_action(db, action_id, owner=value or "", who=who, **version)
    raise ValueError(f"{field} cannot be edited here")


def delete_action(db: Any, action_id: int, *, who: str | None = None) -> Result[bool]:
    """Delete an action: hidden everywhere, kept with its history (restore_action undoes it); the value is
    False when there was no such action."""
    from knowledge.actions import delete_action as _delete

    deleted = _delete(db, action_id, who=who)
    return Result(deleted, Changes(actions=True, links=True) if deleted else Changes())


def restore_action(db: Any, action_id: int, *, who: str | None = None) -> Result[bool]:
    """Bring a deleted action back; the value is False when it was not deleted (LookupError: no action)."""
    from knowledge.actions import restore_action as _restore

    restored = _restore(db, action_id, who=who)
    return Result(restored, Changes(actions=True, links=True) if restored else Changes())


def decide_links(
    db: Any, action_id: int, recommendation_ids: Iterable[int], state: str, *, who: str | None = None
) -> Result[None]:
    """Confirm or reject (state) the links from an action to these recommendations, all or nothing."""
    from knowledge.actions import confirm_link, reject_link
    from knowledge.vocab import LinkState

    decide = {LinkState.CONFIRMED: confirm_link, LinkState.REJECTED: reject_link}[LinkState(state)]
    with db.atomic():
        for rec_id in recommendation_ids:
            decide(db, action_id, rec_id, who=who)
    return Result(None, LINKS)


def confirm_link(db: Any, action_id: int, recommendation_id: int, *, who: str | None = None) -> Result[None]:
    from knowledge.vocab import LinkState

    return decide_links(db, action_id, [recommendation_id], LinkState.CONFIRMED, who=who)


def reject_link(db: Any, action_id: int, recommendation_id: int, *, who: str | None = None) -> Result[None]:
    from knowledge.vocab import LinkState

    return decide_links(db, action_id, [recommendation_id], LinkState.REJECTED, who=who)


def remove_link(db: Any, action_id: int, recommendation_id: int, *, who: str | None = None) -> Result[bool]:
    """Take away an action's link to a recommendation (logged with what it was); False when there was none."""
    from knowledge.actions import remove_link as _remove

    removed = _remove(db, action_id, recommendation_id, who=who)
    return Result(removed, LINKS if removed else Changes())


def link_evidence(
    db: Any, passage_id: int, target: tuple[str, int], note: str | None = None, *, who: str | None = None
) -> Result[int]:
    """Store a passage as evidence for ("recommendation", id) or ("action", id); the value is the link id."""
    from knowledge.actions import link_evidence as _link

    kind, target_id = target
    kwargs = {"recommendation_id": target_id} if kind == "recommendation" else {"action_id": target_id}
    return Result(_link(db, passage_id, note=note, who=who, **kwargs), LINKS)


def remove_evidence(db: Any, link_id: int, *, who: str | None = None) -> Result[bool]:
    """Take away one evidence link (logged with what it was); False when there was none."""
    from knowledge.actions import remove_evidence as _remove

    removed = _remove(db, link_id, who=who)
    return Result(removed, LINKS if removed else Changes())


def import_return(db: Any, path: str) -> Result[Any]:
    """Apply an organisation's progress return (a filled-in CSV form)."""
    from knowledge.returns import import_return as _import

    return Result(_import(db, path), Changes(actions=True, links=True))


def export_return(db: Any, organisation: str, path: str) -> Result[str]:
    """Write an organisation's progress return form; nothing in the database changes."""
    from knowledge.returns import export_return as _export

    _export(db, organisation, path)
    return Result(path)


# -- reads for the tracking pages (knowledge/ shapes them; these adapt them for the widgets) --------------
def action_rows(db: Any, organisation_ids: list[int] | None = None) -> list[dict]:
    """Actions as knowledge.actions.list_actions shapes them, optionally only these organisations'."""
    from knowledge.actions import list_actions
    from knowledge.vocab import LinkState

    rows = list_actions(db)
    if organisation_ids is not None:
        wanted = set(organisation_ids)
        rows = [r for r in rows if r["organisation_id"] in wanted]
    none = judged_none(db)
    for r in rows:
        # "Suggested, awaiting confirmation" and "no recommendation fits" are shown apart from drafts.
        states = {link["state"] for link in r["links"]}
        r["awaiting"] = LinkState.SUGGESTED in states and LinkState.CONFIRMED not in states
        r["fits_none"] = not r["links"] and bool(none.get(r["id"]))
    return rows


def judged_none(db: Any) -> dict[int, list[str]]:
    """Action id -> the sets the matcher judged it serves none of (and it has no link into)."""
    from knowledge.codebook import none_judgements

    return none_judgements(db)


def recommendation_progress(db: Any, set_slug: str | None = None) -> list[dict]:
    """Each recommendation of one set (the built-in one by default) with its confirmed actions' count,
    done count and mean completion."""
    from knowledge.codebook import BUILTIN_SET
    from knowledge.dashboard import dashboard

    return [
        {**rec, Status.DONE: rec["by_status"][Status.DONE], "completion": round(rec["mean_percent"] or 0)}
        for rec in dashboard(db, set_slug=set_slug or BUILTIN_SET)["recommendations"]
    ]
