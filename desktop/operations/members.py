"""Operations on a team workspace's members: add, change role, remove, list (Qt-free)."""

from __future__ import annotations

from typing import Any

from desktop.operations.changes import NOTHING, Result


def list_members(db: Any) -> Result[list[dict[str, Any]]]:
    """Every member of the team workspace, with role and (for contributors) organisations."""
    from knowledge.members import list_members as _list

    return Result([m.as_dict() for m in _list(db)], NOTHING)


def add_member(
    db: Any,
    login: str,
    role: str,
    *,
    organisations: list[str] | None = None,
    name: str | None = None,
    who: str | None = None,
) -> Result[dict[str, Any]]:
    """Make a login a member with a role (admin only); the server holds them to it."""
    from knowledge.members import add_member as _add

    return Result(_add(db, login, role, organisations=organisations, name=name, who=who).as_dict(), NOTHING)


def set_role(
    db: Any, login: str, role: str, *, organisations: list[str] | None = None, who: str | None = None
) -> Result[dict[str, Any]]:
    """Change a member's role (and a contributor's organisations)."""
    from knowledge.members import set_role as _set

    return Result(_set(db, login, role, organisations=organisations, who=who).as_dict(), NOTHING)


def remove_member(db: Any, login: str, *, who: str | None = None) -> Result[dict[str, Any]]:
    """End a membership; the member's past changes stay in the record."""
    from knowledge.members import remove_member as _remove

    return Result(_remove(db, login, who=who).as_dict(), NOTHING)
