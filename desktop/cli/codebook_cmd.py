"""`roundtable codebook`: import, list, export and delete recommendation sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command
from desktop.cli.tracking_common import command_group, print_json


def register(sub: Any) -> None:
    """Add `codebook import|list|export|delete`."""
    commands = command_group(sub, "codebook", "recommendation sets: import, list, export, delete")
    p = add_command(
        commands,
        "import",
        cmd_import,
        "load a recommendation set from FILE.json, FILE.csv or FILE.xlsx (again: update it in place)",
    )
    p.add_argument("path", metavar="FILE")
    p.add_argument("--slug", help="the set's short name (a spreadsheet's default: from the file name)")
    p.add_argument("--title", help="the set's title (a spreadsheet's default: from the file name)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--source", metavar="REPORT", help="the report the set comes from (imported if new)")
    source.add_argument("--document", type=int, metavar="ID", help="the source report, already imported")
    p.add_argument("--json", action="store_true")
    p = add_command(commands, "list", cmd_list, "list the recommendation sets")
    p.add_argument("--json", action="store_true")
    p = add_command(commands, "export", cmd_export, "write a set as JSON (or CSV) to import elsewhere")
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p = add_command(commands, "delete", cmd_delete, "delete a set (refused while actions are linked to it)")
    p.add_argument("slug", metavar="SLUG")


def _refused(exc: Exception) -> CliError:
    return CliError(str(exc), EXIT_PARTIAL)


def cmd_import(ctx: Context) -> int:
    from desktop.operations.codebook import import_codebook
    from knowledge.codebook import CodebookError

    a = ctx.args
    if a.source and not Path(a.source).is_file():
        raise CliError(f"no such file: {a.source}", EXIT_PARTIAL)
    try:
        done = import_codebook(
            ctx.db, a.path, slug=a.slug, title=a.title, source=a.source, document_id=a.document, who=ctx.who
        ).value
    except CodebookError as exc:
        raise CliError(f"{exc}; nothing was imported", EXIT_PARTIAL) from exc
    if a.json:
        print_json(ctx, done.__dict__)
    print(done.message(), file=ctx.err)
    return EXIT_OK


def cmd_list(ctx: Context) -> int:
    from knowledge.codebook import list_sets

    sets = list_sets(ctx.db)
    if ctx.args.json:
        print_json(ctx, sets)
        return EXIT_OK
    for s in sets:
        flags = " (built-in)" if s["builtin"] else ""
        source = f", source document {s['document_id']}" if s["document_id"] else ""
        print(f"{s['slug']}{flags}: {s['title']}", file=ctx.out)
        print(
            f"    {s['recommendations']} recommendation(s),"
            f" {s['linked_actions']} action(s) confirmed{source}",
            file=ctx.out,
        )
    return EXIT_OK


def cmd_export(ctx: Context) -> int:
    from desktop.operations.codebook import export_codebook
    from knowledge.codebook import CodebookError

    try:
        count = export_codebook(ctx.db, ctx.args.slug, ctx.args.out).value
    except (CodebookError, LookupError) as exc:
        raise _refused(exc) from exc
    except OSError as exc:
        raise CliError(f"cannot write {ctx.args.out}: {exc.strerror or exc}", EXIT_PARTIAL) from exc
    print(f"wrote {count} recommendation(s) of {ctx.args.slug} to {ctx.args.out}", file=ctx.err)
    return EXIT_OK


def cmd_delete(ctx: Context) -> int:
    from desktop.operations.codebook import delete_codebook
    from knowledge.codebook import CodebookError

    try:
        count = delete_codebook(ctx.db, ctx.args.slug, who=ctx.who).value
    except (CodebookError, LookupError) as exc:
        raise _refused(exc) from exc
    print(f"deleted set {ctx.args.slug} ({count} recommendation(s))", file=ctx.err)
    return EXIT_OK
