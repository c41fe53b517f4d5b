"""Import speed and search latency of the SQLite file beside a PostgreSQL team workspace, in the same run.

    .venv/bin/python benchmarks/backends.py                       # corpus + 1,000 SciFact abstracts
    .venv/bin/python benchmarks/backends.py --abstracts 5000 --queries 200
    .venv/bin/python benchmarks/backends.py --server 'postgresql://postgres@/DBNAME?host=/tmp/pgdev'

The same library (the project corpus, then SciFact abstracts, or generated notes when ../shared is absent)
is imported into a new SQLite file and a new PostgreSQL database (named bench_…, dropped afterwards unless
--keep) through the public importer, then indexed and searched through the Searcher, as the app does.
The embedder is the instant hashing model on both, so the figures are the back ends' costs, not the
model's (a real model adds the same encode time to both). Search latency is the median (and p95) over the
queries, after one warm-up search; every query's result ids are also compared between the back ends.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import SCIFACT, load_corpus, load_queries, percentile, write_jsonl  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "fixtures" / "corpus"
DEFAULT_SERVER = "postgresql://postgres@/DBNAME?host=/tmp/pgdev"


def library_files(work: Path, abstracts: int) -> tuple[list[Path], str]:
    """The files to import, and what they are."""
    if (SCIFACT / "corpus.jsonl").exists():
        docs = load_corpus(abstracts)
        label = f"project corpus + {len(docs)} SciFact abstracts"
        return [CORPUS, write_jsonl(work / "scifact.jsonl", docs)], label
    rng = random.Random(5)
    words = "ai imaging procurement indemnity workforce radiology trust icb vendor data model risk".split()
    docs = [
        {"id": f"g{i}", "title": " ".join(rng.sample(words, 3)), "text": " ".join(rng.choices(words, k=150))}
        for i in range(abstracts)
    ]
    label = f"project corpus + {abstracts} generated notes"
    return [CORPUS, write_jsonl(work / "generated.jsonl", docs)], label


def search_queries(count: int) -> list[str]:
    """Real questions (SciFact claims) when present, else a few of the project's own."""
    if (SCIFACT / "queries-train.jsonl").exists():
        return [q["text"] for q in load_queries()[:count]]
    base = ["AI imaging procurement", "who carries the indemnity risk", "radiology workforce capacity"]
    return [base[i % len(base)] for i in range(count)]


def syntax_queries(plain: Sequence[str]) -> list[str]:
    """The same questions with syntax (a phrase and an exclusion): answered by FTS5 on SQLite and by the
    term-index evaluator on PostgreSQL, where the plain ones go to the term index on both."""
    out = []
    for text in plain:
        words = [w for w in text.split() if w.isalpha() and len(w) > 3]
        if len(words) >= 3:
            out.append(f'"{words[0]} {words[1]}" {words[2]} -{words[-1]}')
        elif words:
            out.append(f'"{words[0]}" OR {words[0][:4]}*')
    return out or ['"digital procurement"']


def timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def measure(target: str | Path, files: list[Path], queries: list[str], syntax: list[str]) -> dict:
    """Import, index, then search one back end; the timings and each query's result ids."""
    from indexes.embedder import HashingEmbedder
    from indexes.keyword import SearchFilters
    from indexes.search import Searcher
    from indexes.sync import sync_index
    from knowledge.library import import_paths
    from knowledge.workspace import open_db

    embedder = HashingEmbedder()
    out: dict = {}
    db = open_db(target)
    out["import"] = timed(lambda: import_paths(db, files))
    out["passages"] = int(db.execute("SELECT count(*) FROM passages").fetchone()[0])
    out["index"] = timed(lambda: sync_index(db, target, embedder=embedder))
    db.conn.close()

    db = open_db(target)
    searcher = Searcher(db, target, embedder)
    out["first search"] = timed(lambda: searcher.search(queries[0], mode="hybrid"))
    results: dict[str, list[list[int]]] = {}
    filters = SearchFilters(kinds=["other", "report", "roundtable_notes"])  # most of the library passes
    cases = {
        "keyword": (queries, "keyword", None),
        "keyword, syntax": (syntax, "keyword", None),
        "hybrid": (queries, "hybrid", None),
        "hybrid, syntax": (syntax, "hybrid", None),
        "hybrid, filtered": (queries, "hybrid", filters),
    }
    for name, (texts, mode, chosen) in cases.items():
        searcher.search(texts[0], mode=mode, filters=chosen)  # warm-up
        times, ids = [], []
        for text in texts:
            start = time.perf_counter()
            result = searcher.search(text, mode=mode, limit=10, filters=chosen)
            times.append(time.perf_counter() - start)
            ids.append([h.passage_id for h in result.hits])
        out[name] = (statistics.median(times), percentile(times, 95))
        results[name] = ids
    out["results"] = results
    searcher.close()
    db.conn.close()
    return out


def create_server_database(server: str, name: str) -> str:
    import psycopg

    from knowledge.pg.connection import with_database

    admin = with_database(server.replace("DBNAME", "postgres"), "postgres")
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return with_database(server.replace("DBNAME", name), name)


def drop_server_database(server: str, name: str) -> None:
    import psycopg

    from knowledge.pg.connection import with_database

    admin = with_database(server.replace("DBNAME", "postgres"), "postgres")
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table(sqlite: dict, pg: dict, label: str, queries: int, agree: dict[str, float]) -> str:
    lines = [
        f"Library: {label}; {sqlite['passages']} passages; {queries} queries per search case.",
        "",
        "| step | SQLite | PostgreSQL | PG/SQLite | same results |",
        "|---|---:|---:|---:|---:|",
    ]
    for step in ("import", "index", "first search"):
        ratio = pg[step] / sqlite[step]
        lines.append(f"| {step} | {sqlite[step]:.2f} s | {pg[step]:.2f} s | {ratio:.2f} | |")
    for case in sqlite["results"]:
        (s50, s95), (p50, p95) = sqlite[case], pg[case]
        lines.append(
            f"| search: {case} (median / p95) | {s50 * 1000:.1f} / {s95 * 1000:.1f} ms"
            f" | {p50 * 1000:.1f} / {p95 * 1000:.1f} ms | {p50 / s50:.2f} | {agree[case]:.0%} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--abstracts", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL URL, DBNAME for the database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database and SQLite file")
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="rt-backends-"))
    os.environ["ROUNDTABLE_CACHE"] = str(work / "cache")  # the team workspace's local caches, not the user's
    files, label = library_files(work, args.abstracts)
    queries = search_queries(args.queries)
    syntax = syntax_queries(queries)
    name = f"bench_backends_{os.getpid()}"
    url = create_server_database(args.server, name)
    try:
        print(f"{label}: SQLite {work / 'library.db'}, PostgreSQL database {name}", flush=True)
        sqlite = measure(work / "library.db", files, queries, syntax)
        print("SQLite done", flush=True)
        pg = measure(url, files, queries, syntax)
    finally:
        if not args.keep:
            drop_server_database(args.server, name)
            shutil.rmtree(work, ignore_errors=True)
    agree = {
        case: sum(a == b for a, b in zip(ids, pg["results"][case], strict=True)) / len(ids)
        for case, ids in sqlite["results"].items()
    }
    report = table(sqlite, pg, label, len(queries), agree)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")
    if args.keep:
        print(json.dumps({"sqlite": str(work / "library.db"), "postgresql": url}))
    return 0 if all(v == 1.0 for v in agree.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
