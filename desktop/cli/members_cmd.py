"""`roundtable members`: who may change what in a team workspace (add, list, set-role, remove)."""

from __future__ import annotations

from typing import Any

from desktop.cli import EXIT_OK, Context, add_command
from desktop.cli.tracking_common import command_group, guard, print_json

ROLE_HELP = (
    "admin: everything, members too; editor: every organisation's actions and the library; contributor:"
    " the named organisations' actions (--org); viewer: search and export"
)


def register(sub: Any) -> None:
    """Add `members add|list|set-role|remove`."""
    commands = command_group(sub, "members", "a team workspace's members and what each may change")
    p = add_command(commands, "add", guard(cmd_add), "make a login a member with a role (admin only)")
    p.add_argument("login", metavar="LOGIN", help="their login: they connect as postgresql://LOGIN@HOST/DB")
    _role_arguments(p)
    p.add_argument("--name", metavar="FULL NAME", help="their name, as people know them")
    p = add_command(commands, "list", guard(cmd_list), "list the members, roles and organisations")
    p.add_argument("--json", action="store_true")
    p = add_command(commands, "set-role", guard(cmd_set_role), "change what a member may do (admin only)")
    p.add_argument("login", metavar="LOGIN")
    _role_arguments(p)
    p = add_command(commands, "remove", guard(cmd_remove), "end a membership; their past changes stay")
    p.add_argument("login", metavar="LOGIN")


def _role_arguments(p: Any) -> None:
    p.add_argument(
        "--role", required=True, choices=("admin", "editor", "contributor", "viewer"), help=ROLE_HELP
    )
    p.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="NAME",
        help="an organisation a contributor changes (repeat)",
    )


def _line(member: dict[str, Any]) -> str:
    name = f" ({member['name']})" if member.get("name") else ""
    orgs = f" for {', '.join(member['organisations'])}" if member.get("organisations") else ""
    return f"{member['login']}{name}: {member['role']}{orgs}"


def cmd_add(ctx: Context) -> int:
    from desktop.operations.members import add_member

    a = ctx.args
    member = add_member(ctx.db, a.login, a.role, organisations=a.org, name=a.name, who=ctx.who).value
    print(f"added {_line(member)}", file=ctx.out)
    return EXIT_OK


def cmd_list(ctx: Context) -> int:
    from desktop.operations.members import list_members

    members = list_members(ctx.db).value
    if ctx.args.json:
        print_json(ctx, members)
        return EXIT_OK
    for member in members:
        print(_line(member), file=ctx.out)
    return EXIT_OK


def cmd_set_role(ctx: Context) -> int:
    from desktop.operations.members import set_role

    a = ctx.args
    member = set_role(ctx.db, a.login, a.role, organisations=a.org, who=ctx.who).value
    print(f"now {_line(member)}", file=ctx.out)
    return EXIT_OK


def cmd_remove(ctx: Context) -> int:
    from desktop.operations.members import remove_member

    member = remove_member(ctx.db, ctx.args.login, who=ctx.who).value
    print(f"removed {member['login']} ({member['role']}); their changes stay in the record", file=ctx.out)
    return EXIT_OK
