"""Calibrate the relevance floor and the High/Medium/Low levels (indexes/relevance.py) for the real model.

On the calibration half of SciFact's training queries (even ids; benchmarks/scifact.py holds the odd half
out) and on nonsense queries made here (pseudo-words, letter mash, digits), it measures the cosine of each
top-10 semantic result, without any floor, and prints for candidate floors:

- the share of judged-relevant abstracts in a top 10 that the floor keeps,
- the share of nonsense queries that would still show a result.

The floor chosen is the lowest that no nonsense query passes; high is the median cosine of a judged-relevant
top-10 result (as close as a typical right answer), medium halfway between the floor and high. In search
the floor applies to results sharing no word with the query (indexes/search.py): a right answer that
shares a word with the question passes below it, so "relevant kept" here is a lower bound.

    .venv/bin/python benchmarks/calibrate.py --db /tmp/sf.db
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import load_qrels, load_queries  # noqa: E402
from scifact import build_database, half_of  # noqa: E402

SYLLABLES = "bla zor quix vum snof trel pim gak dru wop yel fen kra mib tusk orp lun zeb chi vak".split()


def nonsense_queries(count: int = 300, seed: int = 11) -> list[str]:
    """Queries of pseudo-words, letter mash and digit strings: nothing in any library means them."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(4)]
        elif kind == 1:
            words = ["".join(rng.choice("qwrtzxcvbnmlkjhgfdsp") for _ in range(rng.randint(4, 9)))]
            words += ["".join(rng.choice("aeiouy") + rng.choice("zxqj") for _ in range(3))]
        else:
            words = [f"{rng.randint(1000, 99999)}{rng.choice('xkzq')}{rng.randint(10, 99)}" for _ in range(3)]
        out.append(" ".join(words[: rng.randint(1, len(words))]))
    return out


def top_cosines(db_path: Path, texts: list[str], k: int = 10) -> tuple[list[list[tuple[str, float]]], str]:
    from indexes.search import Searcher
    from knowledge.workspace import open_db

    db = open_db(db_path)
    searcher = Searcher(db, db_path)
    index = searcher.vector_index()
    embedder = searcher.embedder()
    vectors = embedder.encode(texts)
    ext = dict(
        db.execute("SELECT p.id, d.external_id FROM passages p JOIN documents d ON d.id = p.document_id")
    )
    found = index.search(vectors, k)
    db.conn.close()
    return [[(ext[pid], cos) for pid, cos in row] for row in found], embedder.name


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="SciFact database to create or reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "scifact.db"
        build_database(db_path, Path(tmp))
        qrels = load_qrels("train")
        queries = half_of([q for q in load_queries("train") if q["id"] in qrels], "even")
        runs, name = top_cosines(db_path, [q["text"] for q in queries])
        nonsense = nonsense_queries()
        noise, _ = top_cosines(db_path, nonsense)
    relevant, judged = [], []  # cosines of relevant top-10 results; (cosine, relevant?) of all top-10
    for q, row in zip(queries, runs, strict=True):
        seen = set()
        for doc, cos in row:
            if doc in seen:
                continue
            seen.add(doc)
            hit = qrels[q["id"]].get(doc, 0) > 0
            judged.append((cos, hit))
            if hit:
                relevant.append(cos)
    noise_top = np.array([row[0][1] for row in noise if row])
    relevant_arr = np.array(relevant)
    print(f"{name}: {len(queries)} calibration queries, {len(relevant)} relevant in a top 10")
    print(
        f"nonsense ({len(nonsense)}): top-1 cosine max {noise_top.max():.3f}, "
        f"p99 {np.quantile(noise_top, 0.99):.3f}"
    )
    print(f"relevant: cosine p1 {np.quantile(relevant_arr, 0.01):.3f}, median {np.median(relevant_arr):.3f}")
    print(" floor  relevant kept  nonsense shown")
    for floor in np.arange(0.15, 0.50, 0.025):
        kept = float((relevant_arr >= floor).mean())
        shown = float((noise_top >= floor).mean())
        print(f" {floor:.3f}  {kept:13.3f}  {shown:14.3f}")
    chosen = float(np.ceil((noise_top.max() + 0.005) * 100) / 100)
    print(
        f"floor (lowest no nonsense query passes): {chosen:.2f}; keeps {(relevant_arr >= chosen).mean():.3f}"
    )
    high = float(np.round(np.median(relevant_arr), 2))
    medium = float(np.round((chosen + high) / 2, 2))
    print(f"high: {high:.2f} (the median cosine of a judged-relevant top-10 result)")
    print(f"medium: {medium:.2f} (halfway between the floor and high)")
    cos = np.array([c for c, _ in judged])
    hit = np.array([h for _, h in judged], dtype=float)
    for t in (chosen, medium, high):
        above = cos >= t
        print(
            f"  top-10 results with cosine >= {t:.2f}: {int(above.sum())}, "
            f"judged relevant {hit[above].mean():.2f}"
        )


if __name__ == "__main__":
    main()
