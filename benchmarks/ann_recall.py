"""Recall@10 and query time of the approximate (IVF) index the project switches to above 200,000 passages.

Synthetic unit vectors: a mixture of clusters (like real sentence embeddings, which are far from uniform),
and optionally plain Gaussian noise (the worst case for any partitioned index). With --real, the stored
all-MiniLM-L6-v2 vectors of a SciFact database (benchmarks/scifact.py --db) and the encoded train queries:
fewer vectors, but the real distribution, probed at the same shares of lists.

    .venv/bin/python benchmarks/ann_recall.py [--size 200000] [--queries 500] [--uniform]
    .venv/bin/python benchmarks/ann_recall.py --real /tmp/sf.db
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def synthetic(size: int, dim: int, uniform: bool, noise: float = 1.2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if uniform:
        x = rng.normal(size=(size, dim)).astype(np.float32)
    else:
        centres = rng.normal(size=(max(10, size // 500), dim)).astype(np.float32)
        x = centres[rng.integers(0, len(centres), size)] + noise * rng.normal(size=(size, dim)).astype(
            np.float32
        )
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def real_vectors(db_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(stored passage vectors, encoded SciFact train queries) with the real model."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import load_queries

    from indexes.embedder import get_embedder
    from indexes.vectors import load_vectors
    from knowledge.workspace import open_db

    embedder = get_embedder()
    _, base = load_vectors(open_db(db_path, create=False), embedder.name)
    if not len(base):
        raise SystemExit(f"{db_path} holds no vectors for {embedder.name}")
    return base, embedder.encode([q["text"] for q in load_queries("train")])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--noise", type=float, default=1.2, help="spread within a cluster (centres ~ N(0, 1))"
    )
    parser.add_argument("--uniform", action="store_true", help="Gaussian noise instead of clustered vectors")
    parser.add_argument("--real", type=Path, metavar="DB", help="a SciFact database with stored vectors")
    args = parser.parse_args()

    from indexes import vectors as V

    if args.real:
        base, queries = real_vectors(args.real)
        args.size = len(base)
    else:
        data = synthetic(args.size + args.queries, args.dim, args.uniform, args.noise)
        base, queries = data[: args.size], data[args.size :]
    args.dim = base.shape[1]
    ids = np.arange(1, args.size + 1)
    start = time.perf_counter()
    flat = V.VectorIndex.build("synthetic", args.dim, ids, base, approx=False)
    print(f"flat index: {args.size} vectors in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    approx = V.VectorIndex.build("synthetic", args.dim, ids, base, approx=True)
    print(f"IVF index: nlist {approx.index.nlist}, trained and filled in {time.perf_counter() - start:.1f} s")

    truth = flat.search(queries, 10)
    flat_ms = single_query_ms(flat, queries)
    nlist = approx.index.nlist
    default = V.ivf_nprobe(nlist)
    for nprobe in sorted({max(1, round(nlist * share)) for share in (0.02, 0.05, 0.1, 0.3)} | {default}):
        approx.index.nprobe = nprobe
        found = approx.search(queries, 10)
        recall = np.mean(
            [len({i for i, _ in f} & {i for i, _ in t}) / 10 for f, t in zip(found, truth, strict=True)]
        )
        marker = "  <- default" if nprobe == default else ""
        timing = f"{single_query_ms(approx, queries):6.2f} ms/query (flat {flat_ms:.2f})"
        share = f"{nprobe / nlist:3.0%} of lists"
        print(f"nprobe {nprobe:>3} ({share}): recall@10 {recall:.3f}  {timing}{marker}")


def single_query_ms(index, queries: np.ndarray, count: int = 100) -> float:
    """Median time of one query at a time, as interactive searches come (batches hide the difference)."""
    times = []
    for vector in queries[:count]:
        start = time.perf_counter()
        index.search(vector[None, :], 10)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


if __name__ == "__main__":
    main()
