"""Organisation operations: register, rename, merge, retype, re-parent; each logged with its who."""

from __future__ import annotations

from typing import Any

from desktop.operations.changes import Changes, Result

ORGANISATIONS = Changes(organisations=True)
MERGED = Changes(organisations=True, actions=True, documents=True)  # actions and documents move with it


def add(
    db: Any,
    name: str,
    org_type: str | None = None,
    *,
    parent: str | int | None = None,
    contact_role: str | None = None,
    who: str | None = None,
) -> Result[dict[str, Any]]:
    """Register an organisation; the value is its row (knowledge.organisations.get_organisation)."""
    from knowledge.organisations import add_organisation, get_organisation

    org_id = add_organisation(db, name, org_type, parent=parent, contact_role=contact_role, who=who)
    return Result(get_organisation(db, org_id), ORGANISATIONS)


def rename(db: Any, org: str | int, new_name: str, *, who: str | None = None) -> Result[None]:
    from knowledge.organisations import rename_organisation

    rename_organisation(db, org, new_name, who=who)
    return Result(None, ORGANISATIONS | Changes(actions=True))  # lists show actions by organisation name


def merge(
    db: Any, keep: str | int, duplicate: str | int, *, who: str | None = None
) -> Result[dict[str, int]]:
    """Fold a duplicate into the organisation kept; the value counts what moved (actions, documents,
    children). The log entry keeps what reverses it."""
    from knowledge.organisations import merge_organisations

    return Result(merge_organisations(db, keep, duplicate, who=who), MERGED)


def set_type(db: Any, org: str | int, org_type: str, *, who: str | None = None) -> Result[None]:
    from knowledge.organisations import set_type as _set_type

    _set_type(db, org, org_type, who=who)
    return Result(None, ORGANISATIONS)


def set_parent(db: Any, org: str | int, parent: str | int | None, *, who: str | None = None) -> Result[None]:
    from knowledge.organisations import set_parent as _set_parent

    _set_parent(db, org, parent, who=who)
    return Result(None, ORGANISATIONS)


def set_contact(db: Any, org: str | int, role: str | None, *, who: str | None = None) -> Result[None]:
    from knowledge.organisations import set_contact_role

    set_contact_role(db, org, role, who=who)
    return Result(None, ORGANISATIONS)
