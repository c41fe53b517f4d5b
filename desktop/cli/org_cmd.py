"""Organisation commands: add, list, show, rename, merge; set an organisation's type, parent, contact."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli import EXIT_OK, CliError, Context, add_command
from desktop.cli.tracking_common import command_group, guard, print_actions, print_json


# An argument type: a bad value is a usage error (exit 2) with one readable line.
def _org_type(value: str) -> str:
    from knowledge.organisations import parse_org_type
    from knowledge.vocab import OrgType, values

    parsed = parse_org_type(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"unknown organisation type {value!r}; use one of: {', '.join(values(OrgType))}"
        )
    return parsed


# -- registration ------------------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add `org` and its subcommands."""
    group = command_group(sub, "org", "organisations: add, list, rename, merge, type, parent")
    p = add_command(group, "add", guard(cmd_org_add), "register an organisation (type guessed from the name)")
    p.add_argument("name")
    p.add_argument("--type", type=_org_type, help="icb, ics, trust, imaging_network, vendor, regulator, ...")
    p.add_argument("--parent", metavar="ORG", help="the organisation it belongs to (e.g. its ICS)")
    p.add_argument("--contact-role", metavar="ROLE")
    p = add_command(group, "list", guard(cmd_org_list), "list organisations (as a tree) with action counts")
    p.add_argument("--json", action="store_true")
    p = add_command(group, "show", guard(cmd_org_show), "one organisation and its actions")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = add_command(group, "rename", guard(cmd_org_rename), "rename an organisation")
    p.add_argument("name")
    p.add_argument("new_name")
    p = add_command(
        group,
        "merge",
        guard(cmd_org_merge),
        "merge duplicates into KEEP (their actions, documents and members move to KEEP)",
    )
    p.add_argument("keep", metavar="KEEP")
    p.add_argument("duplicates", nargs="+", metavar="DUPLICATE")
    p = add_command(group, "set-type", guard(cmd_org_set_type), "change an organisation's type")
    p.add_argument("name")
    p.add_argument("type", type=_org_type)
    p = add_command(group, "set-parent", guard(cmd_org_set_parent), "place an organisation under another")
    p.add_argument("name")
    p.add_argument("parent", nargs="?", metavar="PARENT")
    p.add_argument("--none", action="store_true", help="detach it from its parent")
    p = add_command(group, "set-contact", guard(cmd_org_set_contact), "record the contact role")
    p.add_argument("name")
    p.add_argument("role")


# -- commands ---------------------------------------------------------------------------------------


def cmd_org_add(ctx: Context) -> int:
    from desktop.operations import organisations

    a = ctx.args
    org = organisations.add(ctx.db, a.name, a.type, parent=a.parent, contact_role=a.contact_role, who=ctx.who)
    org = org.value
    print(f"added organisation {org['id']}: {org['name']} ({org['type']})", file=ctx.out)
    return EXIT_OK


def cmd_org_list(ctx: Context) -> int:
    from knowledge.organisations import organisation_tree

    tree = organisation_tree(ctx.db)
    if ctx.args.json:
        print_json(ctx, tree)
        return EXIT_OK

    def show(nodes: list[dict[str, Any]], depth: int) -> None:
        for n in nodes:
            label = f"{'  ' * depth}{n['name']}"
            print(
                f"{n['id']:>4}  {label:<56} {n['type']:<17} {n['actions']:>3} actions ({n['open']} open)",
                file=ctx.out,
            )
            show(n["children"], depth + 1)

    show(tree, 0)
    if not tree:
        print("no organisations yet; add one with `roundtable org add NAME`", file=ctx.err)
    return EXIT_OK


def cmd_org_show(ctx: Context) -> int:
    from knowledge.actions import list_actions
    from knowledge.organisations import get_organisation, resolve_organisation

    org = get_organisation(ctx.db, resolve_organisation(ctx.db, ctx.args.name))
    actions = list_actions(ctx.db, organisation=org["id"])
    if ctx.args.json:
        print_json(ctx, {**org, "actions": actions})
        return EXIT_OK
    print(
        f"{org['name']} ({org['type']})" + (f", part of {org['parent']}" if org["parent"] else ""),
        file=ctx.out,
    )
    if org["contact_role"]:
        print(f"contact: {org['contact_role']}", file=ctx.out)
    print_actions(ctx, actions)
    return EXIT_OK


def cmd_org_rename(ctx: Context) -> int:
    from desktop.operations import organisations

    organisations.rename(ctx.db, ctx.args.name, ctx.args.new_name, who=ctx.who)
    print(f"renamed to {ctx.args.new_name}", file=ctx.out)
    return EXIT_OK


def cmd_org_merge(ctx: Context) -> int:
    from desktop.operations import organisations

    for duplicate in ctx.args.duplicates:
        moved = organisations.merge(ctx.db, ctx.args.keep, duplicate, who=ctx.who).value
        print(
            f"merged {duplicate} into {ctx.args.keep}: {moved['actions']} action(s), "
            f"{moved['documents']} document(s), {moved['children']} member organisation(s) moved",
            file=ctx.out,
        )
    return EXIT_OK


def cmd_org_set_type(ctx: Context) -> int:
    from desktop.operations import organisations

    organisations.set_type(ctx.db, ctx.args.name, ctx.args.type, who=ctx.who)
    return EXIT_OK


def cmd_org_set_parent(ctx: Context) -> int:
    from desktop.operations import organisations

    if ctx.args.none == bool(ctx.args.parent):
        raise CliError("give either a PARENT or --none")
    organisations.set_parent(ctx.db, ctx.args.name, None if ctx.args.none else ctx.args.parent, who=ctx.who)
    return EXIT_OK


def cmd_org_set_contact(ctx: Context) -> int:
    from desktop.operations import organisations

    organisations.set_contact(ctx.db, ctx.args.name, ctx.args.role, who=ctx.who)
    return EXIT_OK
