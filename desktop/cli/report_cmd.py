"""`roundtable export` (markdown and HTML reports, citations, redaction) and `roundtable action suggest`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, CliError, Context, add_command
from desktop.cli.search_cmd import write_json
from knowledge.redact import COVERS


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def register(sub: Any) -> None:
    """Add the export command (its choices and help from the report registry)."""
    from desktop.cli import verify_cmd
    from knowledge import reports

    verify_cmd.register(sub)  # checks what export wrote
    specs = reports.specs()
    usage = [f"{s.kind} {s.target.upper()}" if s.target else str(s.kind) for s in specs]
    p = add_command(
        sub, "export", cmd_export, f"write a report ({_or_list(usage)}): markdown, HTML, Word, PDF, Excel"
    )
    p.add_argument("report", choices=reports.kinds(), help="which report")
    p.add_argument("target", nargs="?", help=_or_list([s.target_text for s in specs if s.target]))
    p.add_argument(
        "--out",
        metavar="FILE.md",
        help="write the report here, as its suffix says (.html .docx .pdf .xlsx; else markdown);"
        " default: markdown on standard output",
    )
    _add_format_flags(p, [str(s.kind) for s in specs if s.workbook])
    p.add_argument("--redact", action="store_true", help=f"replace {COVERS}; the report ends with a count")
    p.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help=f"{_or_list([s.kind for s in specs if 'since' in s.options])}: changes since (default 30 days)",
    )
    p.add_argument(
        "--as-at",
        dest="as_at",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the record as it stood on this date, from the change log: statuses, percents and due dates"
        " as recorded then, nothing recorded later (default: today's record)",
    )
    p.add_argument(
        "--set", dest="set_slug", metavar="SLUG", help="the recommendation set (default: the built-in one)"
    )
    p.add_argument(
        "--evidence",
        choices=("auto", "keyword", "none"),
        default="auto",
        help="how to find passages to quote: auto (hybrid when the index is ready), keyword, or none",
    )


def _add_format_flags(p: Any, workbook_kinds: list[str]) -> None:
    """--html, --docx, --pdf, --xlsx: one per format of the exporter registry (markdown is --out)."""
    from desktop import exporters

    for exporter in exporters.exporters():
        if exporter.name == "md":
            continue
        only = f" ({_or_list(workbook_kinds)} only)" if exporter.workbook else ""
        p.add_argument(
            f"--{exporter.name}",
            metavar=f"FILE{exporter.suffix}",
            help=f"also write it as {'an' if exporter.label[0] in 'AEHIOU' else 'a'} {exporter.label}{only}",
        )


# ---- export -------------------------------------------------------------------------------------------


def cmd_export(ctx: Context) -> int:
    from desktop.exporters import ExportError
    from desktop.operations.reports import build_export
    from knowledge.reports import ReportError, get

    args = ctx.args
    spec = get(args.report)
    given = (args.target or "").strip()
    if bool(spec.target) != bool(given):
        need = f"needs a {spec.target}" if spec.target else "takes no target"
        raise CliError(f"export {spec.kind} {need}", EXIT_USAGE)
    try:
        target = spec.parse_target(given)
    except ValueError as exc:  # "expected a recommendation number, got 'nine'"
        raise CliError(str(exc), EXIT_USAGE) from None
    if args.since and "since" not in spec.options:
        raise CliError(f"export {spec.kind} takes no --since", EXIT_USAGE)
    outputs = _outputs(args, spec)
    try:
        export = build_export(
            ctx.db,
            ctx.db_path,
            args.report,
            target,
            redact=args.redact,
            as_at=args.as_at,
            since=args.since,
            evidence=args.evidence,
            set_slug=args.set_slug,
        )
    except ReportError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    except ValueError as exc:  # --set on a report that covers every set
        raise CliError(str(exc), EXIT_USAGE) from exc
    if export.warning:
        ctx.warn(export.warning)
    if args.redact:
        _print_redactions(ctx, export.markdown)
    if not args.out:
        ctx.out.write(export.markdown)
    from desktop import exporters

    for name, path in outputs:
        try:
            exporters.save(export, path, name)
        except ExportError as exc:
            raise CliError(str(exc), EXIT_PARTIAL) from exc
    return EXIT_OK


def _outputs(args: argparse.Namespace, spec: Any) -> list[tuple[str, str]]:
    """(format, path) for each file asked for: --out by its suffix, then --html, --docx, --pdf, --xlsx.
    A spreadsheet of a report that has none is a usage error, found before any work is done."""
    from desktop import exporters
    from knowledge.reports import specs

    wanted = [(exporters.for_path(args.out).name, args.out)] if args.out else []
    wanted += [(e.name, getattr(args, e.name)) for e in exporters.exporters() if getattr(args, e.name, None)]
    for name, _ in wanted:
        if exporters.get(name).workbook and spec.workbook is None:
            having = _or_list([str(s.kind) for s in specs() if s.workbook])
            raise CliError(f"export {spec.kind} has no spreadsheet form (only {having})", EXIT_USAGE)
    return wanted


def _print_redactions(ctx: Context, markdown: str) -> None:
    """What --redact took out, per category, on stderr (the report's last line says the same)."""
    from knowledge.redact import placeholder_counts, redaction_line

    print(redaction_line(placeholder_counts(markdown)), file=ctx.err)


def _or_list(items: list[str]) -> str:
    """'a, b or c'."""
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


# ---- action suggest -----------------------------------------------------------------------------------


def add_suggest_command(action_sub: Any) -> None:
    """Add `suggest` under the `action` command group (called by tracking_cmd)."""
    p = add_command(
        action_sub,
        "suggest",
        cmd_suggest,
        "suggest the recommendation(s) an action serves, ranked with scores",
    )
    p.add_argument("text", nargs="?", help="the action's wording")
    p.add_argument(
        "--org-type", dest="org_type", metavar="TYPE", help="the organisation's type (icb, trust, ...)"
    )
    p.add_argument(
        "--action", dest="action_id", type=int, metavar="ID", help="an existing action (its text and type)"
    )
    p.add_argument(
        "--batch", metavar="FILE.jsonl", help='lines {"id", "text", "org_type"}; one JSON line out each'
    )
    p.add_argument(
        "--limit", type=int, metavar="N", help="how many recommendations to list (default: all of the set)"
    )
    p.add_argument(
        "--set", dest="set_slug", metavar="SLUG", help="the recommendation set (default: the built-in one)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")


def resolve_set(ctx: Context, slug: str | None) -> str:
    """The set a command works on: --set SLUG when it exists (else one line naming the sets), or the
    built-in one."""
    from knowledge.codebook import BUILTIN_SET, get_set

    if not slug:
        return BUILTIN_SET
    try:
        return get_set(ctx.db, slug)["slug"]
    except LookupError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from None


def _org_type(value: str | None) -> str | None:
    from knowledge.organisations import parse_org_type

    if value is None or not str(value).strip():
        return None
    parsed = parse_org_type(str(value))
    if parsed is None:
        raise ValueError(f"unknown organisation type {value!r}")
    return parsed


def _embedder():
    from indexes.embedder import EmbedderUnavailable, get_embedder

    try:
        return get_embedder()
    except EmbedderUnavailable as exc:
        raise CliError(f"cannot suggest: {exc}", EXIT_PARTIAL) from exc


def cmd_suggest(ctx: Context) -> int:
    args = ctx.args
    if args.batch:
        if args.text or args.action_id is not None:
            raise CliError("give either TEXT, --action or --batch, not several", EXIT_USAGE)
        return _suggest_batch(ctx, Path(args.batch))
    from indexes.matching import match

    text, org_type, action_id = args.text, None, args.action_id
    if action_id is not None:
        from knowledge.actions.queries import action_wording

        row = action_wording(ctx.db, action_id)
        if row is None:
            raise CliError(f"no action with id {action_id}", EXIT_PARTIAL)
        text = text or row[0]
        org_type = row[1]
    if not (text or "").strip():
        raise CliError("give the action's wording (TEXT), --action ID or --batch FILE", EXIT_USAGE)
    from indexes.keyword import clean_text

    text = clean_text(text)  # undecodable bytes from the shell would stop the model's tokenizer
    try:
        org_type = _org_type(args.org_type) or org_type
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    set_slug = resolve_set(ctx, args.set_slug)
    found = match(
        ctx.db,
        text,
        org_type,
        embedder=_embedder(),
        limit=max(1, args.limit) if args.limit else None,
        action_id=action_id,
        set_slug=set_slug,
    )
    ranked = found.suggestions
    if args.json:
        payload = {
            "text": text,
            "org_type": org_type,
            "set": set_slug,
            "suggestions": [_suggestion_json(s) for s in ranked],
            "none": found.none,
        }
        write_json(ctx, payload)
        return EXIT_OK
    if found.none:
        print("no recommendation fits: this action looks unrelated to every one of them", file=ctx.out)
        print("closest, for the record:", file=ctx.out)
    for rank, s in enumerate(ranked, 1):
        bar = "█" * round(s.score * 20)
        print(f"{rank:>2}. R{s.number:<2} {s.score:6.1%}  {bar:<20}  {s.title}", file=ctx.out)
    return EXIT_OK


def _suggestion_json(s: Any) -> dict[str, Any]:
    return {"rec": s.number, "score": round(s.score, 4), "title": s.title}


def _suggest_batch(ctx: Context, path: Path) -> int:
    """One JSON line per good input line, in input order; bad lines on stderr with their line number."""
    from indexes.matching import match_batch

    set_slug = resolve_set(ctx, ctx.args.set_slug)
    try:
        raw_lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", EXIT_PARTIAL) from exc
    items, failed = [], 0
    for number, line in enumerate(raw_lines, 1):
        if not line.strip():
            continue
        try:
            item_id, text, org_type = _batch_item(line)
        except ValueError as exc:
            ctx.warn(f"{path}:{number}: {exc}")
            failed += 1
            continue
        try:
            items.append((item_id, text, _org_type(org_type)))
        except ValueError as exc:
            # A type we do not know only loses the prior; the action is still worth answering.
            ctx.warn(f"{path}:{number}: {exc}; suggesting without it")
            items.append((item_id, text, None))
    if items:
        matches = match_batch(
            ctx.db,
            [{"text": text, "org_type": org_type} for _, text, org_type in items],
            embedder=_embedder(),
            limit=max(1, ctx.args.limit) if ctx.args.limit else None,
            set_slug=set_slug,
        )
        for (item_id, _, _), found in zip(items, matches, strict=True):
            row = {
                "id": item_id,
                "suggestions": [{"rec": s.number, "score": round(s.score, 4)} for s in found.suggestions],
                "none": found.none,
            }
            write_json(ctx, row)
    ctx.out.flush()
    return EXIT_PARTIAL if failed else EXIT_OK


def _batch_item(line: str) -> tuple[Any, str, str | None]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with id, text and org_type")
    if "id" not in data:
        raise ValueError('missing "id"')
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('missing or empty "text"')
    from indexes.keyword import clean_text

    text = clean_text(text)  # a JSON "\ud800" escape would stop the model's tokenizer
    org_type = data.get("org_type")
    return data["id"], text, str(org_type) if org_type is not None else None
