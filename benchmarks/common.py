"""Shared benchmark helpers: SciFact loading, importing through the public API, metrics, timing."""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCIFACT = Path(os.environ.get("SCIFACT_DIR", REPO.parent / "shared" / "eval" / "scifact"))
ROUNDTABLE = [str(Path(sys.executable).parent / "roundtable")]


def load_corpus(limit: int | None = None) -> list[dict]:
    """SciFact abstracts as {"id", "title", "text"} (the importer's .jsonl shape)."""
    docs = []
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            docs.append({"id": item["_id"], "title": item.get("title", ""), "text": item["text"]})
            if limit and len(docs) >= limit:
                break
    return docs


def load_queries(split: str = "train") -> list[dict]:
    with open(SCIFACT / f"queries-{split}.jsonl", encoding="utf-8") as handle:
        return [{"id": q["_id"], "text": q["text"]} for q in map(json.loads, handle)]


def load_qrels(split: str = "train") -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(SCIFACT / "qrels" / f"{split}.tsv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            query, doc, score = line.split()
            qrels.setdefault(query, {})[doc] = int(score)
    return qrels


def write_jsonl(path: Path, items: Iterable[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def import_jsonl(db, path: Path) -> str:
    """Import through the public API (knowledge.library) when it exists, else a plain SQL stand-in."""
    try:
        from knowledge.library import import_paths
    except ImportError:
        _sql_import(db, path)
        return "sql stand-in (one passage per abstract)"
    outcomes = import_paths(db, [path])
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise SystemExit(f"import failed: {failed[0].reason}")
    return "knowledge.library.import_paths"


def _sql_import(db, path: Path) -> None:
    from knowledge.dates import now_iso

    with open(path, encoding="utf-8") as handle, db.atomic():
        for line in handle:
            item = json.loads(line)
            digest = hashlib.sha256((item["title"] + item["text"]).encode()).hexdigest()
            doc = db.execute(
                "INSERT INTO documents (title, kind, content_hash, external_id, imported_at) "
                "VALUES (?, 'other', ?, ?, ?)",
                [item["title"], digest, item["id"], now_iso()],
            ).lastrowid
            db.execute(
                "INSERT INTO passages (document_id, ordinal, text, char_start, char_end) "
                "VALUES (?, 0, ?, 0, ?)",
                [doc, item["text"], len(item["text"])],
            )


# -- metrics (as BEIR / pytrec_eval: linear gain, log2 discount, ideal from all judged documents) ---------
def ndcg_at(ranked: Sequence[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = {doc for doc, r in rels.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Mean nDCG@10 and recall@100 over every judged query (a query with no run scores 0)."""
    ndcg = [ndcg_at(runs.get(q, []), rels) for q, rels in qrels.items()]
    recall = [recall_at(runs.get(q, []), rels) for q, rels in qrels.items()]
    return statistics.fmean(ndcg), statistics.fmean(recall)


def dedupe(ranked: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ranked))


def run_timed(cmd: Sequence[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0,):
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit(f"{' '.join(map(str, cmd[:4]))}... exited {proc.returncode}")
    return elapsed, proc


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def ratio_line(label: str, project: float, bare: float, unit: str, target: float | None = None) -> str:
    ratio = project / bare if bare else float("inf")
    verdict = "" if target is None else ("  ok" if ratio <= target else f"  ABOVE TARGET {target}x")
    figures = f"project {project:10.3f} {unit:<6} bare {bare:10.3f} {unit:<6}"
    return f"{label:<44} {figures} ratio {ratio:5.2f}x{verdict}"
