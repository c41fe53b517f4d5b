"""Hybrid query latency (p50, p95) at 10,000 and 100,000 passages against the bare cost (encode + faiss).

Synthetic passages (sentences of SciFact abstracts recombined, so word statistics are realistic) with
synthetic unit vectors stored in SQLite under the real model's name; queries are real SciFact claims
encoded by the real model in both pipelines.

    .venv/bin/python benchmarks/search_latency.py [--sizes 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import load_corpus, load_queries, percentile, ratio_line  # noqa: E402


def synthetic_passages(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """(title, text) pairs of about 120 words built from real abstract sentences."""
    rng = random.Random(seed)
    corpus = load_corpus()
    sentences = [s for d in corpus for s in re.split(r"(?<=[.!?])\s+", d["text"]) if len(s.split()) > 4]
    titles = [d["title"] for d in corpus]
    out = []
    for _ in range(count):
        words, parts = 0, []
        while words < 120:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            words += len(sentence.split())
        out.append((rng.choice(titles), " ".join(parts)))
    return out


def build(db_path: Path, count: int, dim: int, model: str) -> np.ndarray:
    """A database of `count` passages (10 per document) with stored synthetic vectors; returns the vectors."""
    from knowledge.dates import now_iso
    from knowledge.workspace import open_db

    db = open_db(db_path)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(count, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    passages = synthetic_passages(count)
    now = now_iso()
    with db.atomic():
        for start in range(0, count, 10):
            title = passages[start][0]
            doc = db.execute(
                "INSERT INTO documents (title, kind, content_hash, imported_at) VALUES (?, 'report', ?, ?)",
                [title, hashlib.sha256(f"{start}".encode()).hexdigest(), now],
            ).lastrowid
            for offset in range(min(10, count - start)):
                row = start + offset
                text = passages[row][1]
                pid = db.execute(
                    "INSERT INTO passages (document_id, ordinal, text, page, char_start, char_end) "
                    "VALUES (?, ?, ?, ?, 0, ?)",
                    [doc, offset, text, offset + 1, len(text)],
                ).lastrowid
                db.execute(
                    "INSERT INTO passage_vectors (passage_id, model, dim, vector) VALUES (?, ?, ?, ?)",
                    [pid, model, dim, vectors[row].tobytes()],
                )
    db.conn.close()
    return vectors


def measure(size: int, queries: list[str], embedder, work: Path) -> None:
    import faiss

    from indexes.search import Searcher
    from indexes.sync import sync_index
    from knowledge.workspace import open_db

    db_path = work / f"latency-{size}.db"
    start = time.perf_counter()
    vectors = build(db_path, size, embedder.dim, embedder.name)
    db = open_db(db_path)
    sync_index(db, db_path, embedder=embedder)  # nothing to embed: builds faiss from the stored vectors
    print(f"\n{size} passages (built in {time.perf_counter() - start:.0f} s)", flush=True)

    searcher = Searcher(db, db_path, embedder=embedder)
    bare = faiss.IndexFlatIP(embedder.dim)
    bare.add(vectors)

    def bare_query(text: str) -> None:
        bare.search(embedder.encode([text]), 10)

    def project_query(text: str) -> None:
        searcher.search(text, mode="hybrid", limit=10)

    for text in queries[:10]:  # warm up both (model, caches, the index load)
        bare_query(text)
        project_query(text)
    bare_times, project_times = [], []
    for text in queries:  # interleaved, so load from other processes hits both alike
        t0 = time.perf_counter()
        bare_query(text)
        t1 = time.perf_counter()
        project_query(text)
        t2 = time.perf_counter()
        bare_times.append((t1 - t0) * 1000)
        project_times.append((t2 - t1) * 1000)
    for p in (50, 95):
        print(
            ratio_line(
                f"hybrid p{p} latency @ {size}",
                percentile(project_times, p),
                percentile(bare_times, p),
                "ms",
                1.3 if (p == 50 and size >= 100_000) else None,
            ),
            flush=True,
        )
    db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    from indexes.embedder import get_embedder

    embedder = get_embedder()
    queries = [q["text"] for q in load_queries("train")][: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            measure(size, queries, embedder, Path(tmp))


if __name__ == "__main__":
    main()
