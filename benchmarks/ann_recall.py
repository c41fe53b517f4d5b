"""Recall@10 and query time of the approximate (IVF) index the project switches to above 200,000 passages.

Synthetic unit vectors: a mixture of clusters (like real sentence embeddings, which are far from uniform),
and optionally plain Gaussian noise (the worst case for any partitioned index).

    .venv/bin/python benchmarks/ann_recall.py [--size 200000] [--queries 500] [--uniform]
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
    args = parser.parse_args()

    from indexes import vectors as V

    data = synthetic(args.size + args.queries, args.dim, args.uniform, args.noise)
    base, queries = data[: args.size], data[args.size :]
    ids = np.arange(1, args.size + 1)
    start = time.perf_counter()
    flat = V.VectorIndex.build("synthetic", args.dim, ids, base, approx=False)
    print(f"flat index: {args.size} vectors in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    approx = V.VectorIndex.build("synthetic", args.dim, ids, base, approx=True)
    print(f"IVF index: nlist {approx.index.nlist}, trained and filled in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    truth = flat.search(queries, 10)
    flat_ms = (time.perf_counter() - start) * 1000 / len(queries)
    for nprobe in (8, 16, V.IVF_NPROBE, 48, 96):
        approx.index.nprobe = nprobe
        start = time.perf_counter()
        found = approx.search(queries, 10)
        ms = (time.perf_counter() - start) * 1000 / len(queries)
        recall = np.mean(
            [len({i for i, _ in f} & {i for i, _ in t}) / 10 for f, t in zip(found, truth, strict=True)]
        )
        marker = "  <- default" if nprobe == V.IVF_NPROBE else ""
        timing = f"{ms:.3f} ms/query (flat {flat_ms:.3f} ms/query)"
        print(f"nprobe {nprobe:>3}: recall@10 {recall:.3f}  {timing}{marker}")


if __name__ == "__main__":
    main()
