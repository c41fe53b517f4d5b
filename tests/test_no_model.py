"""No model where none is needed: commands that need no embedding never import torch, onnxruntime or faiss.

Each command runs in a fresh child process (nothing imported beforehand) on a library whose passages
all have vectors for the default embedder and whose saved index is current; after each command the
child reports which heavy modules sys.modules holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from indexes.embedder import HashingEmbedder, default_embedder_name, set_embedder
from indexes.sync import sync_index
from knowledge.library import import_paths
from knowledge.workspace import open_db

HEAVY = ("torch", "onnxruntime", "faiss", "sentence_transformers", "transformers")

CHILD = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from desktop.cli import main

    db, out_dir = sys.argv[1:3]
    commands = json.loads(sys.argv[3])
    heavy = json.loads(sys.argv[4])
    report = []
    for argv in commands:
        argv = [a.replace("OUT", out_dir) for a in argv]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["--db", db, *argv])
        loaded = [m for m in heavy if m in sys.modules]
        report.append({"argv": argv, "code": code, "err": stderr.getvalue(), "loaded": loaded})
        if loaded:
            break
    print(json.dumps(report))
    """
)

COMMANDS = [
    ["index"],
    ["dashboard"],
    ["documents"],
    ["recommendations"],
    ["action", "list"],
    ["search", "procurement -ICB", "--mode", "keyword", "--json"],
    ["export", "briefing", "--evidence", "none", "--out", "OUT/none.md"],
    ["export", "briefing", "--evidence", "keyword", "--out", "OUT/keyword.md"],
    ["export", "recommendation", "8", "--evidence", "keyword", "--html", "OUT/r8.html", "--out", "OUT/r8.md"],
    ["index"],
]


def test_commands_without_semantic_work_import_no_model_library(corpus, tmp_path):
    db_path = tmp_path / "library.db"
    db = open_db(db_path)
    assert any(o.status == "imported" for o in import_paths(db, [corpus]))
    set_embedder(None)
    # Vectors under the default embedder's own name, made instantly: the commands must see nothing to do.
    sync_index(db, db_path, embedder=HashingEmbedder(name=default_embedder_name()))
    db.conn.close()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db_path), str(tmp_path), json.dumps(COMMANDS), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert len(report) == len(COMMANDS), report[-1]
    for step in report:
        assert step["code"] == 0 and step["loaded"] == [], step
    assert "vector index already up to date" in report[0]["err"] and "Preparing" not in report[0]["err"]
    assert (tmp_path / "keyword.md").read_text(encoding="utf-8").startswith("# Briefing")
