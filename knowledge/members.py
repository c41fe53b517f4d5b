"""Members of a team workspace: who may change which organisations' actions (roles held by the server).

Each member is a PostgreSQL login role of the same name in one of the workspace's group roles (see
knowledge/pg/schema.py), so `postgresql://LOGIN@HOST/DB` connects as that member and the server's row
security holds them to their role whatever client they use. The members table says which role and, for a
contributor, which organisations; the app checks the same rules first to refuse with a readable message.
A SQLite file has no members: one person, who may change everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from knowledge.changelog import record, who_of
from knowledge.dates import now_iso
from knowledge.errors import Refusal
from knowledge.organisations import find_organisation
from knowledge.pg.connection import PermissionRefused
from knowledge.pg.schema import ROLES, member_role, workspace_roles
from knowledge.store import is_team
from knowledge.vocab import Change, Entity

_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")


class MemberError(Refusal, ValueError):
    """A members command that cannot be carried out (bad login, unknown organisation, not a team one)."""


@dataclass
class Member:
    """One person of the workspace."""

    login: str
    name: str | None
    role: str
    organisations: list[str]
    added_at: str
    added_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "role": self.role,
            "organisations": self.organisations,
            "added_at": self.added_at,
            "added_by": self.added_by,
        }


def _membership(login: str, role: str, organisations: list[str]) -> dict[str, Any]:
    """What the change log keeps of a membership, before or after a change."""
    return {"login": login, "role": role, "organisations": organisations}


def _log(db: Any, who: str | None, change: str, *, before: Any = None, after: Any = None) -> None:
    """One change-log entry for a membership (members have no numeric id: the login is in the entry)."""
    record(db, who=who, entity=Entity.MEMBER, entity_id=None, change=change, before=before, after=after)


def _require_team(db: Any) -> None:
    if not is_team(db):
        raise MemberError(
            "members belong to a team workspace: open one with --db postgresql://LOGIN@HOST/DATABASE"
        )


def _require_admin(db: Any) -> None:
    _require_team(db)
    role = member_role(db)
    if role != "admin":
        raise PermissionRefused(
            f"only an admin may change the members ({db.login} is {role or 'not a member'})"
        )


def _check_login(login: str) -> str:
    login = (login or "").strip()
    if not _LOGIN.match(login):
        raise MemberError(
            f"{login!r} is not a usable login: lower-case letters, digits, '_', '.' or '-', starting with a"
            " letter (it becomes the PostgreSQL role people connect as)"
        )
    return login


def _organisation_ids(db: Any, names: list[str]) -> list[tuple[int, str]]:
    found = []
    for name in names:
        org = find_organisation(db, name)  # by id, name in any case, or normalised name, as everywhere
        if org is None:
            raise MemberError(f"no organisation called {name!r}: add it first (roundtable org add)")
        found.append((int(org["id"]), str(org["name"])))
    return found


def _check_role(role: str, organisations: list[str]) -> str:
    if role not in ROLES:
        raise MemberError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if role == "contributor" and not organisations:
        raise MemberError("a contributor changes named organisations' actions: give at least one --org")
    if role != "contributor" and organisations:
        raise MemberError(f"--org is for contributors; an {role} is not limited to organisations")
    return role


def _role_sql(db: Any, statement: str, *names: str) -> None:
    from psycopg import sql

    db.pg.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))


def add_member(
    db: Any,
    login: str,
    role: str,
    *,
    organisations: list[str] | None = None,
    name: str | None = None,
    who: str | None = None,
) -> Member:
    """Make `login` a member with `role` (a contributor for the named organisations): its PostgreSQL
    login role is created when missing (with no password: the server's administrator sets one, or the
    server trusts the local socket) and put in the workspace's group role."""
    _require_admin(db)
    login = _check_login(login)
    organisations = [o for o in (organisations or []) if o.strip()]
    role = _check_role(role, organisations)
    groups = workspace_roles(db)
    with db.atomic():
        if db.execute("SELECT 1 FROM members WHERE login = ?", [login]).fetchone():
            raise MemberError(f"{login} is already a member: use members set-role to change what they may do")
        orgs = _organisation_ids(db, organisations)
        if not db.pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login]).fetchone():
            _role_sql(db, "CREATE ROLE {} LOGIN", login)
        _grant(db, login, role, groups)
        db.execute(
            "INSERT INTO members (login, name, role, added_at, added_by) VALUES (?, ?, ?, ?, ?)",
            [login, (name or "").strip() or None, role, now_iso(), who_of(db, who)],
        )
        for org_id, _ in orgs:
            db.execute(
                "INSERT INTO member_organisations (login, organisation_id) VALUES (?, ?)", [login, org_id]
            )
        _log(db, who, Change.ADDED, after=_membership(login, role, [n for _, n in orgs]))
    return get_member(db, login)


def _grant(db: Any, login: str, role: str, groups: dict[str, str]) -> None:
    for other in groups.values():
        _role_sql(db, "REVOKE {} FROM {}", other, login)
    _role_sql(db, "GRANT {} TO {}", groups[role], login)
    # An admin manages members: creating login roles needs CREATEROLE on the server.
    _role_sql(db, "ALTER ROLE {} " + ("CREATEROLE" if role == "admin" else "NOCREATEROLE"), login)


def set_role(
    db: Any, login: str, role: str, *, organisations: list[str] | None = None, who: str | None = None
) -> Member:
    """Change what a member may do (and, for a contributor, for which organisations)."""
    _require_admin(db)
    before = get_member(db, login)
    organisations = [o for o in (organisations or []) if o.strip()]
    if role == "contributor" and not organisations:
        organisations = before.organisations
    role = _check_role(role, organisations)
    with db.atomic():
        orgs = _organisation_ids(db, organisations)
        _grant(db, before.login, role, workspace_roles(db))
        db.execute("UPDATE members SET role = ? WHERE login = ?", [role, before.login])
        db.execute("DELETE FROM member_organisations WHERE login = ?", [before.login])
        for org_id, _ in orgs:
            db.execute(
                "INSERT INTO member_organisations (login, organisation_id) VALUES (?, ?)",
                [before.login, org_id],
            )
        _log(
            db,
            who,
            Change.CHANGED,
            before=_membership(before.login, before.role, before.organisations),
            after=_membership(before.login, role, [n for _, n in orgs]),
        )
    return get_member(db, login)


def remove_member(db: Any, login: str, *, who: str | None = None) -> Member:
    """End a membership: the login role leaves the workspace's groups (kept on the server, which may hold
    other workspaces); their past changes stay in the record under their login."""
    _require_admin(db)
    before = get_member(db, login)
    if before.login == db.login:
        raise MemberError("you cannot remove yourself: another admin can")
    with db.atomic():
        for group in workspace_roles(db).values():
            _role_sql(db, "REVOKE {} FROM {}", group, before.login)
        db.execute("DELETE FROM members WHERE login = ?", [before.login])
        _log(db, who, Change.REMOVED, before=_membership(before.login, before.role, before.organisations))
    return before


def get_member(db: Any, login: str) -> Member:
    """One member by login; MemberError when there is none."""
    _require_team(db)
    row = db.execute(
        "SELECT login, name, role, added_at, added_by FROM members WHERE login = ?", [(login or "").strip()]
    ).fetchone()
    if row is None:
        raise MemberError(f"{login} is not a member of this workspace (roundtable members list)")
    return Member(row[0], row[1], row[2], _member_orgs(db, row[0]), row[3], row[4])


def _member_orgs(db: Any, login: str) -> list[str]:
    rows = db.execute(
        "SELECT o.name FROM member_organisations m JOIN organisations o ON o.id = m.organisation_id"
        " WHERE m.login = ? ORDER BY lower(o.name)",
        [login],
    ).fetchall()
    return [r[0] for r in rows]


def list_members(db: Any) -> list[Member]:
    """Every member, by login."""
    _require_team(db)
    rows = db.execute("SELECT login FROM members ORDER BY login").fetchall()
    return [get_member(db, r[0]) for r in rows]


def can_edit_organisation(db: Any, organisation_id: int | None) -> bool:
    """May the person connected change this organisation's actions? Always on a SQLite file."""
    if not is_team(db):
        return True
    return bool(db.pg.execute("SELECT rt_can_edit_org(%s)", [organisation_id]).fetchone()[0])


def require_edit(db: Any, organisation_id: int | None, what: str) -> None:
    """Refuse, with a readable line, a change the server would refuse anyway (the app checks first)."""
    if can_edit_organisation(db, organisation_id):
        return
    role = member_role(db) or "not a member"
    org = "no organisation"
    if organisation_id is not None:
        row = db.execute("SELECT name FROM organisations WHERE id = ?", [organisation_id]).fetchone()
        org = row[0] if row else f"organisation {organisation_id}"
    mine = ""
    if role == "contributor":
        names = _member_orgs(db, db.login)
        mine = f" for {', '.join(names)}" if names else ""
    raise PermissionRefused(f"{db.login} ({role}{mine}) may not change {what} of {org}")
