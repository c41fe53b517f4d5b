"""`roundtable search` (one query or a batch file) and `roundtable index` (embed, sync the vector index)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, CliError, Context, add_command
from knowledge.vocab import DocumentKind, values

KINDS = values(DocumentKind)
MODES = ("hybrid", "semantic", "keyword")
BOLD, RESET = "\033[1m", "\033[0m"


SYNTAX = """query syntax:
  plain words        ranked by how well passages match them (by meaning and by keyword in hybrid mode)
  "exact phrase"     the words next to each other, in that order
  -word, NOT word    leave out passages containing the word (or -"a phrase"), in every mode
  word*              any word starting with it: synth* finds synthetic, synthesis
  a OR b             either one;  a AND b  both (AND binds tighter than OR);  ( ) group
  Only upper-case AND, OR, NOT are operators. Semantic and hybrid results below the relevance floor
  are dropped: "no close match" (JSON "results": []); --nearest shows the nearest few anyway.

examples:
  roundtable search "who carries the risk when the algorithm is wrong?"
  roundtable search '"governance rules" -ICB' --mode keyword
  roundtable search 'synth* AND data' --kind report --kind guidance --from 2023-01-01
"""


def _date(value: str) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD, and a real date (2024-13-45 is refused: a usage error, exit 2)."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}")
    year, month, day = (value.split("-") + ["01", "01"])[:3]
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None
    return value


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(sub: Any) -> None:
    """Add the search commands."""
    p = add_command(
        sub,
        "search",
        cmd_search,
        "search passages by meaning and keyword",
        epilog=SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", nargs="?", help="what to look for: any text, with the syntax below")
    p.add_argument(
        "--queries", metavar="FILE.jsonl", help='batch: lines {"id", "text"}; prints one JSON line each'
    )
    p.add_argument("--mode", choices=MODES, default="hybrid", help="default: hybrid")
    p.add_argument("--limit", type=_positive, default=10, metavar="N", help="results per query (default 10)")
    p.add_argument("--per-document", action="store_true", help="only the best passage of each document")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--nearest",
        action="store_true",
        help='when nothing passes the relevance floor, show the nearest few anyway (JSON: "nearest")',
    )
    p.add_argument(
        "--kind", action="append", choices=KINDS, default=[], help="only documents of this kind (repeatable)"
    )
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="documents dated on or after")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="documents dated on or before")
    p.add_argument(
        "--org",
        metavar="NAME",
        help="only passages from this organisation's documents or about it (its actions, notes naming it)",
    )
    p.add_argument("--roundtable", type=int, metavar="ID", help="only documents linked to this roundtable")

    p = add_command(sub, "index", cmd_index, "embed new passages and bring the vector index up to date")
    p.add_argument("--rebuild", action="store_true", help="rebuild the vector index from stored vectors")
    p.add_argument(
        "--prepare-model",
        action="store_true",
        help="prepare the search model now (an ONNX export, once per machine; else done on first use)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _filters(ctx: Context):
    from indexes.keyword import SearchFilters
    from knowledge.organisations import organisation_id_named
    from knowledge.roundtables import get_roundtable

    args = ctx.args
    org_id = organisation_id_named(ctx.db, args.org) if args.org else None
    if args.org and org_id is None:
        raise CliError(f"no organisation called {args.org!r}", EXIT_PARTIAL)
    if args.roundtable is not None and get_roundtable(ctx.db, args.roundtable) is None:
        raise CliError(f"no roundtable with id {args.roundtable}", EXIT_PARTIAL)
    filters = SearchFilters(
        kinds=tuple(args.kind),
        date_from=args.date_from,
        date_to=args.date_to,
        organisation=org_id,
        roundtable_id=args.roundtable,
    )
    return None if filters.is_empty() else filters


def result_dict(hit) -> dict[str, Any]:
    """The JSON shape of one hit (DESIGN.md's fields first, then a few extras)."""
    return {
        "document_id": hit.document_id,
        "external_id": hit.external_id,
        "title": hit.title,
        "passage_id": hit.passage_id,
        "page": hit.page,
        "score": round(hit.score, 6),
        "snippet": hit.snippet,
        "relevance": str(hit.relevance),
        "section": hit.section,
        "kind": hit.kind,
        "date": hit.date,
    }


def cmd_search(ctx: Context) -> int:
    from indexes.search import Searcher

    args = ctx.args
    if args.queries and args.query is not None:
        raise CliError("give either a QUERY or --queries FILE, not both", EXIT_USAGE)
    if not args.queries and not (args.query or "").strip():
        # An empty query is a mistake (a shell variable that was never set), not a search with no answer.
        raise CliError("nothing to search for: give a QUERY (some words) or --queries FILE", EXIT_USAGE)
    filters = _filters(ctx)
    searcher = Searcher(ctx.db, ctx.db_path)
    if args.mode != "keyword":
        _catch_up(ctx, searcher)
    if args.queries:
        return _search_batch(ctx, searcher, filters)
    result = searcher.search(
        args.query, mode=args.mode, limit=args.limit, per_document=args.per_document, filters=filters
    )
    if result.warning:
        ctx.warn(result.warning)
    if args.json:
        payload = {
            "query": result.query,
            "mode": result.mode,
            "results": [result_dict(h) for h in result.hits],
        }
        if args.nearest and result.no_close_match:
            payload["nearest"] = [result_dict(h) for h in result.nearest]
        write_json(ctx, payload)
    else:
        _print_hits(ctx, result, nearest=args.nearest)
    return EXIT_OK


def _catch_up(ctx: Context, searcher) -> None:
    """Embed passages that lack a vector for the search model first (after a change of embedder, or an
    import interrupted while embedding), with progress: semantic results never mix models or miss any."""
    from indexes.sync import IndexUnavailable, missing_vectors, sync_index

    embedder = searcher.embedder()  # None when the model cannot load: the search warns and uses keywords
    if embedder is None:
        return
    missing = missing_vectors(ctx.db, embedder.name)
    if not missing:
        return
    ctx.warn(f"{missing} passage(s) have no vector for the search model {embedder.name}; embedding them now")
    bar = _ProgressBar(enabled=True)
    try:
        sync_index(ctx.db, ctx.db_path, progress=bar, embedder=embedder)
    except IndexUnavailable as exc:
        ctx.warn(f"cannot bring the vector index up to date: {exc}")
    finally:
        bar.close()
    searcher.refresh()


def write_json(ctx: Context, payload: dict[str, Any]) -> None:
    """One JSON line; a lone surrogate (a query id from JSON "\\ud800") becomes U+FFFD, as UTF-8 needs."""
    from indexes.keyword import clean_text

    ctx.out.write(clean_text(json.dumps(payload, ensure_ascii=False)) + "\n")


def _print_hits(ctx: Context, result, nearest: bool = False) -> None:
    if result.no_close_match:
        if not (nearest and result.nearest):
            hint = "; --nearest shows the nearest passages anyway" if result.nearest else ""
            print(f"no close match{hint}", file=ctx.out)
            return
        print("no close match; the nearest passages:", file=ctx.out)
        _print_list(ctx, result.nearest)
        return
    if not result.hits:
        print("no results", file=ctx.out)
        return
    _print_list(ctx, result.hits)


def _print_list(ctx: Context, hits) -> None:
    from indexes.search import snippet_to_plain

    tty = ctx.out.isatty()
    marks = (BOLD, RESET) if tty else ("[", "]")
    for rank, hit in enumerate(hits, 1):
        where = f", p. {hit.page}" if hit.page else ""
        section = f" — {hit.section}" if hit.section else ""
        title = f"{BOLD}{hit.title}{RESET}" if tty else hit.title
        print(
            f"{rank:>2}. {title}{where}{section}  "
            f"[doc {hit.document_id}, {hit.relevance}, score {hit.score:.3f}]",
            file=ctx.out,
        )
        print(f"    {snippet_to_plain(hit.snippet, *marks)}", file=ctx.out)


def _read_queries(ctx: Context, path: str) -> tuple[list[tuple[Any, str]], int]:
    """Valid (id, text) pairs from a JSONL file; each bad line reported on stderr with its number."""
    try:
        # Undecodable bytes become U+FFFD: the line is still searched rather than the whole file refused.
        handle = open(path, encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_PARTIAL) from exc
    queries, bad = [], 0
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                ctx.warn(f"{path}:{number}: not valid JSON ({exc.msg})")
                bad += 1
                continue
            if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
                ctx.warn(f'{path}:{number}: expected an object with "id" and "text" (a string)')
                bad += 1
                continue
            queries.append((item["id"], item["text"]))
    return queries, bad


def _search_batch(ctx: Context, searcher, filters) -> int:
    args = ctx.args
    queries, bad = _read_queries(ctx, args.queries)
    results = searcher.search_many(
        [text for _id, text in queries],
        mode=args.mode,
        limit=args.limit,
        per_document=args.per_document,
        filters=filters,
    )
    for (query_id, _text), result in zip(queries, results, strict=True):
        if result.warning:
            ctx.warn(result.warning)
        line = {"query_id": query_id, "mode": result.mode, "results": [result_dict(h) for h in result.hits]}
        if args.nearest and result.no_close_match:
            line["nearest"] = [result_dict(h) for h in result.nearest]
        write_json(ctx, line)
    return EXIT_PARTIAL if bad else EXIT_OK


def cmd_index(ctx: Context) -> int:
    from indexes.sync import IndexUnavailable, sync_index

    embedder = _prepare_model(ctx) if ctx.args.prepare_model else None
    bar = _ProgressBar(enabled=not ctx.args.quiet)
    try:
        report = sync_index(ctx.db, ctx.db_path, progress=bar, rebuild=ctx.args.rebuild, embedder=embedder)
    except IndexUnavailable as exc:
        raise CliError(f"cannot build the vector index: {exc}", EXIT_PARTIAL) from exc
    finally:
        bar.close()
    state = report.index
    summary = f"embedded {report.embedded} passage(s)"
    if state is not None:
        what = {"loaded": "already up to date", "updated": "updated", "rebuilt": "rebuilt"}[state.action]
        summary += f"; vector index {what}"
    print(summary, file=ctx.err)
    return EXIT_OK


def _prepare_model(ctx: Context):
    """Load the search model now, exporting it to ONNX first if this machine has not yet."""
    from indexes.embedder import EmbedderUnavailable, get_embedder

    try:
        embedder = get_embedder(notice=lambda message: print(message, file=ctx.err, flush=True))
    except EmbedderUnavailable as exc:
        raise CliError(f"cannot prepare the search model: {exc}", EXIT_PARTIAL) from exc
    print(f"search model ready: {embedder.name}", file=ctx.err)
    return embedder


class _ProgressBar:
    """A tqdm bar on stderr per stage of the sync (embedding, then the index update)."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bar = None
        self.label = None

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled:
            return
        if self.bar is None or label != self.label:
            self.close()
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, desc=label, unit="passage" if "embed" in label else "step", file=sys.stderr
            )
            self.label = label
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
