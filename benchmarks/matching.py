"""Recommendation matching accuracy (top-1, top-3) on labelled actions, beside raw-cosine baselines.

.venv/bin/python benchmarks/matching.py                       # ../shared/examples/actions-sample.jsonl
.venv/bin/python benchmarks/matching.py --file labelled.jsonl  # lines {"text", "org_type", "rec"}
.venv/bin/python benchmarks/matching.py --cli                  # through `roundtable action suggest --batch`

The baselines embed each action and each recommendation as one text (the article's own sentence for each
recommendation, and the codebook's title + summary) and rank by cosine. A fresh database is used, so no
confirmed mapping helps the matcher: the figure is what a new installation gets.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
ROUNDTABLE = ROOT / ".venv" / "bin" / "roundtable"


def accuracy(ranked: list[list[int]], gold: list[int]) -> tuple[float, float]:
    """(top-1, top-3) share of actions whose labelled recommendation is ranked first / in the first three."""
    top1 = sum(r[0] == g for r, g in zip(ranked, gold, strict=True)) / len(gold)
    top3 = sum(g in r[:3] for r, g in zip(ranked, gold, strict=True)) / len(gold)
    return top1, top3


def cosine_ranking(embedder, actions: list[str], recs: list[str], numbers: list[int]) -> list[list[int]]:
    sims = embedder.encode(actions) @ embedder.encode(recs).T
    return [[numbers[i] for i in np.argsort(-row)] for row in sims]


def article_recommendations() -> list[str]:
    text = (SHARED / "corpus" / "ppp-ai-imaging-roundtable-2023.txt").read_text(encoding="utf-8")
    return re.findall(r"^\s+\d\. (.+)$", text, flags=re.M)[:9]


def via_cli(samples: list[dict], db: Path) -> list[list[int]]:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for i, s in enumerate(samples):
            handle.write(json.dumps({"id": i, "text": s["text"], "org_type": s.get("org_type")}) + "\n")
    out = subprocess.run(
        [str(ROUNDTABLE), "--db", str(db), "action", "suggest", "--batch", handle.name, "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = {row["id"]: row for row in map(json.loads, out.splitlines())}
    return [[s["rec"] for s in rows[i]["suggestions"]] for i in range(len(samples))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=SHARED / "examples" / "actions-sample.jsonl")
    parser.add_argument("--cli", action="store_true", help="rank through the command line")
    args = parser.parse_args()

    from indexes.embedder import get_embedder
    from indexes.matching import suggest_batch
    from knowledge.codebook import list_recommendations
    from knowledge.workspace import open_db

    samples = [
        json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    gold = [s["rec"] for s in samples]
    embedder = get_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "matching.db"
        db = open_db(db_path)
        recs = list_recommendations(db)
        numbers = [r.number for r in recs]
        texts = [s["text"] for s in samples]
        rows = [
            (
                "raw cosine, article's recommendation text",
                cosine_ranking(embedder, texts, article_recommendations(), numbers),
            ),
            (
                "raw cosine, codebook title + summary",
                cosine_ranking(embedder, texts, [f"{r.title}. {r.summary}" for r in recs], numbers),
            ),
        ]
        if args.cli:
            db.conn.close()
            rows.append(("roundtable action suggest --batch", via_cli(samples, db_path)))
        else:
            ranked = suggest_batch(
                db, [{"text": s["text"], "org_type": s.get("org_type")} for s in samples], embedder=embedder
            )
            rows.append(("indexes.matching.suggest_batch", [[x.number for x in r] for r in ranked]))
    print(f"{len(samples)} labelled actions from {args.file}")
    for name, ranked in rows:
        top1, top3 = accuracy(ranked, gold)
        print(f"  {name:<45} top-1 {top1:6.1%}   top-3 {top3:6.1%}")


if __name__ == "__main__":
    main()
