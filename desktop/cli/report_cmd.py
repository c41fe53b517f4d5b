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
    from knowledge import reports

    specs = reports.specs()
    usage = [f"{s.kind} {s.target.upper()}" if s.target else str(s.kind) for s in specs]
    p = add_command(sub, "export", cmd_export, f"write a markdown report ({_or_list(usage)})")
    p.add_argument("report", choices=reports.kinds(), help="which report")
    p.add_argument("target", nargs="?", help=_or_list([s.target_text for s in specs if s.target]))
    p.add_argument("--out", metavar="FILE.md", help="write the markdown here (default: standard output)")
    p.add_argument("--html", metavar="FILE.html", help="also write an HTML rendering")
    p.add_argument("--redact", action="store_true", help=f"replace {COVERS}; the report ends with a count")
    p.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help=f"{_or_list([s.kind for s in specs if 'since' in s.options])}: changes since (default 30 days)",
    )
    p.add_argument(
        "--as-at", dest="as_at", type=_date, metavar="YYYY-MM-DD", help="report date (default today)"
    )
    p.add_argument(
        "--evidence",
        choices=("auto", "keyword", "none"),
        default="auto",
        help="how to find passages to quote: auto (hybrid when the index is ready), keyword, or none",
    )


# ---- export -------------------------------------------------------------------------------------------


def cmd_export(ctx: Context) -> int:
    from desktop.reporting import build_report
    from knowledge.reports import ReportError, get, render_html, report_title

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
    try:
        md, warning = build_report(
            ctx.db,
            ctx.db_path,
            args.report,
            target,
            redact=args.redact,
            as_at=args.as_at,
            since=args.since,
            evidence=args.evidence,
        )
    except ReportError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    if warning:
        ctx.warn(warning)
    if args.redact:
        _print_redactions(ctx, md)
    if args.out:
        _write(Path(args.out), md)
    else:
        ctx.out.write(md)
    if args.html:
        _write(Path(args.html), render_html(md, report_title(md)))
    return EXIT_OK


def _print_redactions(ctx: Context, markdown: str) -> None:
    """What --redact took out, per category, on stderr (the report's last line says the same)."""
    from knowledge.redact import placeholder_counts, redaction_line

    print(redaction_line(placeholder_counts(markdown)), file=ctx.err)


def _or_list(items: list[str]) -> str:
    """'a, b or c'."""
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def _write(path: Path, text: str) -> None:
    """Write a whole file or nothing (knowledge.files.replacing)."""
    from knowledge.files import replacing

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}", EXIT_PARTIAL) from exc


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
        "--limit", type=int, default=9, metavar="N", help="how many recommendations to list (default 9)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")


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
    from indexes.matching import suggest

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
    ranked = suggest(
        ctx.db, text, org_type, embedder=_embedder(), limit=max(1, args.limit), action_id=action_id
    )
    if args.json:
        payload = {"text": text, "org_type": org_type, "suggestions": [_suggestion_json(s) for s in ranked]}
        write_json(ctx, payload)
        return EXIT_OK
    for rank, s in enumerate(ranked, 1):
        bar = "█" * round(s.score * 20)
        print(f"{rank:>2}. R{s.number:<2} {s.score:6.1%}  {bar:<20}  {s.title}", file=ctx.out)
    return EXIT_OK


def _suggestion_json(s: Any) -> dict[str, Any]:
    return {"rec": s.number, "score": round(s.score, 4), "title": s.title}


def _suggest_batch(ctx: Context, path: Path) -> int:
    """One JSON line per good input line, in input order; bad lines on stderr with their line number."""
    from indexes.matching import suggest_batch

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
        ranked = suggest_batch(
            ctx.db,
            [{"text": text, "org_type": org_type} for _, text, org_type in items],
            embedder=_embedder(),
            limit=max(1, ctx.args.limit),
        )
        for (item_id, _, _), suggestions in zip(items, ranked, strict=True):
            row = {
                "id": item_id,
                "suggestions": [{"rec": s.number, "score": round(s.score, 4)} for s in suggestions],
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
