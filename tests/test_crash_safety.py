"""kill -9 in the middle of an import, then the same import again: whole documents, no duplicates, all found.

The import tests run the real `roundtable` command in a child process with the real model, and kill it at
a known phase: while it stores documents, and while it embeds passages."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROUNDTABLE, roundtable

from indexes.vectors import VectorIndex, index_folder

DOCUMENTS = 300


SUBJECTS = [
    "Vitamin D supplementation", "Statin therapy", "Mindfulness training", "Early mobilisation",
    "Low-dose aspirin", "Telehealth follow-up", "Iron infusion", "Smoking cessation counselling",
    "Intermittent fasting", "Antibiotic stewardship", "Cognitive behavioural therapy", "Hip protectors",
    "Metformin", "Influenza vaccination", "Robotic surgery", "Music therapy", "Probiotic yoghurt",
    "High-intensity interval training", "Deep brain stimulation", "Fluoride varnish",
]  # fmt: skip
SETTINGS = [
    "after hip fracture in older women", "in children with asthma", "for night-shift nurses",
    "in type 2 diabetes", "after cardiac surgery", "in rural dental clinics", "among university students",
    "in chronic kidney disease", "for migraine in adolescents", "in intensive care sepsis",
    "among pregnant smokers", "in Parkinson's disease", "for knee osteoarthritis", "in care home residents",
    "after stroke rehabilitation",
]  # fmt: skip


@pytest.fixture(scope="module")
def abstracts(
    tmp_path_factory,
) -> tuple[Path, list[dict]]:
    """300 made-up scientific abstracts of distinct topics, one short .txt file each (title, then text)."""
    folder = tmp_path_factory.mktemp("abstracts")
    rows = []
    for number, (subject, setting) in enumerate((a, b) for a in SUBJECTS for b in SETTINGS):
        title = f"{subject} {setting}: a randomised trial"
        text = (
            f"We asked whether {subject.lower()} changes outcomes {setting}. In trial {number} we randomised"
            f" {40 + number} participants to {subject.lower()} or usual care and followed them for"
            f" {3 + number % 9} months. The primary outcome was specific to people {setting}; secondary"
            f" outcomes were harms, adherence and cost. {subject} improved the primary outcome {setting},"
            " with few harms, and the effect held in every subgroup we examined. Larger trials should confirm"
            " this before practice changes."
        )
        rows.append({"_id": str(1000 + number), "title": title, "text": text[:500]})
    assert len(rows) == DOCUMENTS and all(len(row["text"]) > 400 for row in rows)
    for row in rows:
        (folder / f"{row['_id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
    return folder, rows


def _count(db_path: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created yet


def _kill_when(process: subprocess.Popen, ready, timeout: float = 120.0) -> None:
    """SIGKILL the child as soon as ready() holds (polled: the child is another process, not a thread)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the import finished before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def _import(db_path: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*ROUNDTABLE, "--db", str(db_path), "import", str(folder), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


PHASES = {
    # Documents are being stored, one transaction each; the model is not loaded yet.
    "storing": "SELECT count(*) FROM documents",
    # Passages are being embedded, one committed batch at a time.
    "embedding": "SELECT count(*) FROM passage_vectors",
}


@pytest.mark.model
@pytest.mark.parametrize("phase", PHASES)
def test_killed_import_finishes_when_run_again(abstracts, tmp_path, phase):
    folder, rows = abstracts
    db_path = tmp_path / "crash.db"
    first = _import(db_path, folder)
    _kill_when(first, lambda: _count(db_path, PHASES[phase]) >= 1)
    assert first.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Whole documents only: each stored document has its passages 0..n-1, none missing, none without.
    partial = (
        "SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM passages WHERE document_id = d.id)"
        " = 0 OR (SELECT max(ordinal) + 1 - count(*) FROM passages WHERE document_id = d.id) != 0"
    )
    assert conn.execute(partial).fetchone()[0] == 0
    conn.close()

    again = _import(db_path, folder)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "Traceback" not in err

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == DOCUMENTS
    assert conn.execute("SELECT count(DISTINCT content_hash) FROM documents").fetchone()[0] == DOCUMENTS
    passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM passage_vectors").fetchone()[0] == passages
    stored = {r[0] for r in conn.execute("SELECT passage_id FROM passage_vectors")}
    conn.close()
    # The saved vector index agrees with the database, so search needs no repair.
    assert set(VectorIndex.load(index_folder(db_path)).ids().tolist()) == stored

    # Semantic search finds documents stored on either side of the kill, asked by their titles.
    picked = [rows[0], rows[len(rows) // 2], rows[-1]]
    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps({"id": r["_id"], "text": r["title"]}) + "\n" for r in picked))
    found = roundtable("--db", db_path, "search", "--queries", queries, "--mode", "semantic", "--json")
    assert found.returncode == 0, found.stderr
    answers = [json.loads(line) for line in found.stdout.splitlines()]
    for row, answer in zip(picked, answers, strict=True):
        titles = [r["title"].rstrip(".") for r in answer["results"][:5]]
        assert row["title"].rstrip(".") in titles, (row["title"], titles)


PROGRESS_WRITER = """
import sys
from knowledge.actions import update_progress
from knowledge.workspace import open_db
db = open_db(sys.argv[1])
step = 0
while True:
    step += 1
    update_progress(db, 1, status="in_progress", percent=step % 99 + 1, note=f"update {step}", who="child")
"""


def test_killed_during_progress_updates_action_and_history_agree(tmp_path):
    """No model here: the action row and its history row are one transaction, whenever the kill lands."""
    from knowledge.actions import action_history, create_action, get_action
    from knowledge.workspace import open_db

    db_path = tmp_path / "progress.db"
    db = open_db(db_path)
    action_id = create_action(db, text="Publish an AI adoption plan", organisation="Harbourside ICB")
    db.conn.close()
    child = subprocess.Popen([sys.executable, "-c", PROGRESS_WRITER, str(db_path)], stderr=subprocess.PIPE)
    _kill_when(child, lambda: _count(db_path, "SELECT count(*) FROM progress_updates") >= 200, timeout=60)

    db = open_db(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    action, history = get_action(db, action_id), action_history(db, action_id)
    assert len(history) >= 200
    assert (action["status"], action["percent"]) == (history[-1]["new_status"], history[-1]["new_percent"])
    db.conn.close()
