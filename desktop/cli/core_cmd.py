"""Core commands: import, documents, delete and restore, recommendations, demo."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command
from knowledge.vocab import DocumentKind, values

KINDS = values(DocumentKind)


def _date(value: str) -> str:
    import argparse

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return value


def register(sub: Any) -> None:
    """Add the core commands."""
    from knowledge.ingest.readers import SUPPORTED_EXTENSIONS

    p = add_command(sub, "import", cmd_import, "import files or folders of documents")
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help=f"files or folders ({' '.join(SUPPORTED_EXTENSIONS)})"
    )
    p.add_argument("--kind", choices=KINDS, help="document kind (default: guessed per file)")
    p.add_argument("--title", help="title (default: taken from the file)")
    p.add_argument("--date", type=_date, help="document date YYYY-MM-DD")
    p.add_argument("--org", metavar="NAME", help="organisation the documents come from")
    p.add_argument("--no-index", action="store_true", help="store only; embed later with `roundtable index`")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")

    p = add_command(sub, "documents", cmd_documents, "list the documents in the database")
    p.add_argument("--deleted", action="store_true", help="list the deleted ones instead (to restore one)")
    p.add_argument("--json", action="store_true")

    delete_help = "delete documents: they leave every list and index (`document restore ID` brings one back)"
    p = add_command(sub, "delete", cmd_delete, delete_help)
    p.add_argument("document_ids", nargs="+", type=int, metavar="ID")
    _register_document(sub, delete_help)

    p = add_command(sub, "recommendations", cmd_recommendations, "list the recommendations")
    p.add_argument("--set", dest="set_slug", help="only this recommendation set")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "demo", cmd_demo, "fill the database with the built-in demo workspace")
    p.add_argument("--no-index", action="store_true", help="skip embedding the demo passages")


# Control characters (a newline in a file name, say) and, below, lone surrogates (bytes of a file name
# that are not UTF-8): shown escaped, so one failure stays one line and printing never fails.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """Text safe to print on one line of any terminal: control characters and undecodable bytes escaped."""
    try:
        data = text.encode("utf-8", "surrogateescape")  # a file name's raw bytes, shown as \xNN below
    except UnicodeEncodeError:
        data = text.encode("utf-8", "backslashreplace")
    text = data.decode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def _progress_printer(ctx: Context, quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def report(done: int, total: int, label: str = "") -> None:
        print(f"\r  {done}/{total} {printable(label)[:60]:<60}", end="", file=ctx.err, flush=True)
        if done >= total:
            print(file=ctx.err)

    return report


def _register_document(sub: Any, delete_help: str) -> None:
    parser = sub.add_parser("document", help="delete or restore documents", description="delete or restore")
    commands = parser.add_subparsers(dest="document_command", metavar="COMMAND")
    commands.required = True
    p = add_command(commands, "delete", cmd_delete, delete_help)
    p.add_argument("document_ids", nargs="+", type=int, metavar="ID")
    p = add_command(commands, "restore", cmd_restore_documents, "bring deleted documents back")
    p.add_argument("document_ids", nargs="+", type=int, metavar="ID")


def cmd_import(ctx: Context) -> int:
    from desktop.operations.library import import_files, pending_passages

    args = ctx.args
    options = {"kind": args.kind, "title": args.title, "date": args.date, "org": args.org}
    try:
        progress = _progress_printer(ctx, args.quiet)
        summary = import_files(ctx.db, args.paths, options, progress=progress, who=ctx.who).value
    except ValueError as exc:  # an invalid --kind/--date: a usage error, nothing was read
        raise CliError(str(exc)) from exc
    for line in _failure_lines(summary.failed_outcomes()):
        ctx.warn(line)
    for line in _warning_lines(summary.warnings()):
        print(line, file=ctx.err)  # not "roundtable: ": scripts count those lines as failed files
    print(summary.cli_line(), file=ctx.err)
    if not args.no_index and (summary.imported or summary.actions or pending_passages(ctx.db)):
        # Also when nothing was new: an import interrupted while embedding finishes when run again.
        _after_import(ctx, index=not args.no_index)
    return EXIT_PARTIAL if summary.failed else EXIT_OK


# A .jsonl file with many bad lines still gets one line on stderr: its first few reasons, then a count.
_SHOWN_PER_FILE = 3


def _failure_lines(failed: list[Any]) -> list[str]:
    """One line per failed file, '<file>: <reason>', printable whatever the file is called."""
    groups: dict[object, list[Any]] = {}
    for outcome in failed:
        # Lines of one .jsonl file (path "file:N") go together; every other outcome is a line of its own.
        groups.setdefault(outcome.file if outcome.path != outcome.file else object(), []).append(outcome)
    lines = []
    for group in groups.values():
        file = group[0].file
        if len(group) == 1:  # a .jsonl line's reason starts "line N: " itself
            lines.append(f"{printable(file)}: {printable(group[0].reason or 'failed')}")
            continue
        reasons = "; ".join(printable(o.reason or "failed") for o in group[:_SHOWN_PER_FILE])
        more = f"; and {len(group) - _SHOWN_PER_FILE} more" if len(group) > _SHOWN_PER_FILE else ""
        lines.append(f"{printable(file)}: {len(group)} lines not imported: {reasons}{more}")
    return lines


# A tracker with a nameless organisation in every row gets a few lines, then a count, not a line a row.
_WARNINGS_PER_FILE = 10


def _warning_lines(warnings: list[tuple[str, str]]) -> list[str]:
    """'<file>: <warning>' per warning, at most _WARNINGS_PER_FILE a file, then how many more."""
    by_file: dict[str, list[str]] = {}
    for path, warning in warnings:
        by_file.setdefault(path, []).append(warning)
    lines = []
    for path, items in by_file.items():
        lines += [f"{printable(path)}: {printable(w)}" for w in items[:_WARNINGS_PER_FILE]]
        if len(items) > _WARNINGS_PER_FILE:
            lines.append(f"{printable(path)}: and {len(items) - _WARNINGS_PER_FILE} more warnings like these")
    return lines


def _after_import(ctx: Context, index: bool) -> None:
    """Embed new passages and suggest recommendations for new draft actions (both need the model)."""
    if not index:
        return
    from desktop.operations.library import index_passages
    from indexes.sync import IndexUnavailable

    try:
        progress = _progress_printer(ctx, getattr(ctx.args, "quiet", False))
        index_passages(ctx.db, ctx.db_path, progress=progress)
    except IndexUnavailable as exc:
        ctx.warn(
            f"passages stored but not embedded ({exc}); keyword search works; run `roundtable index` later"
        )


def cmd_documents(ctx: Context) -> int:
    from knowledge.library import list_documents

    if ctx.args.deleted:
        return _deleted_documents(ctx)
    docs = list_documents(ctx.db)
    if ctx.args.json:
        print(json.dumps(docs, ensure_ascii=False), file=ctx.out)
        return EXIT_OK
    for d in docs:
        print(
            f"{d['id']:>5}  {d['kind']:<16} {d['date'] or '':<10}  {d['passages']:>5} passages  {d['title']}",
            file=ctx.out,
        )
    return EXIT_OK


def _deleted_documents(ctx: Context) -> int:
    from desktop.operations.library import deleted_documents

    rows = deleted_documents(ctx.db)
    if ctx.args.json:
        print(json.dumps(rows, ensure_ascii=False), file=ctx.out)
        return EXIT_OK
    for d in rows:
        print(
            f"{d['document_id']:>5}  deleted {d['deleted_at'][:16]} by {d['deleted_by']}  {d['title']}",
            file=ctx.out,
        )
    if not rows:
        print("no deleted documents", file=ctx.err)
    return EXIT_OK


def cmd_delete(ctx: Context) -> int:
    from desktop.operations.library import delete_documents

    ids = ctx.args.document_ids
    missing = delete_documents(ctx.db, ctx.db_path, ids, who=ctx.who).value
    for doc_id in missing:
        ctx.warn(f"no document with id {doc_id}")
    deleted = [doc_id for doc_id in ids if doc_id not in missing]
    if deleted:
        print(
            f"deleted {len(deleted)} document(s), kept in the document bin; to undo: "
            f"{ctx.command_line('document', 'restore', *deleted)}",
            file=ctx.err,
        )
    return EXIT_PARTIAL if missing else EXIT_OK


def cmd_restore_documents(ctx: Context) -> int:
    from desktop.operations.library import restore_documents

    outcomes = restore_documents(ctx.db, ctx.db_path, ctx.args.document_ids, who=ctx.who).value
    failed = False
    for asked, result in outcomes:
        if isinstance(result, int):
            again = f" as document {result}" if result != asked else ""
            print(f"restored document {asked}{again}", file=ctx.err)
        else:
            failed = True
            ctx.warn(f"document {asked}: {result}")
    return EXIT_PARTIAL if failed else EXIT_OK


def cmd_recommendations(ctx: Context) -> int:
    from knowledge.codebook import list_recommendations

    recs = list_recommendations(ctx.db, ctx.args.set_slug)
    if ctx.args.set_slug and not recs:
        raise CliError(f"no recommendation set called {ctx.args.set_slug!r}", EXIT_PARTIAL)
    if ctx.args.json:
        print(json.dumps([r.as_dict() for r in recs], ensure_ascii=False, indent=2), file=ctx.out)
        return EXIT_OK
    from knowledge.codebook import BUILTIN_SET

    for r in recs:
        label = "" if r.set_slug == BUILTIN_SET else f"[{r.set_slug}] "  # each set's own 1, 2, 3...
        print(f"{label}{r.number}. {r.title}\n   {r.summary}", file=ctx.out)
        addressed = r.addressed_to_text or ", ".join(r.addressed_to) or "-"
        print(f"   Addressed to: {addressed}\n", file=ctx.out)
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from desktop.operations.library import load_demo
    from knowledge.demo import DemoAlreadyLoaded

    try:
        report = load_demo(ctx.db).value
    except DemoAlreadyLoaded as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    print(report, file=ctx.err)
    _after_import(ctx, index=not ctx.args.no_index)
    return EXIT_OK
