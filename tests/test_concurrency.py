"""Two programs on one database: simultaneous imports into a new file, and the window beside the CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import roundtable
from PySide6.QtCore import QTimer

from desktop.window import OUTSIDE_CHANGES_MS

# About the SQLite file itself (backups of it, WAL, locks): a team workspace's server has its own.
pytestmark = pytest.mark.sqlite_only

# Each child imports everything first, then waits for a shared start time, so the programs really open
# (and create, and migrate) the database in the same instant rather than one interpreter start apart.
STARTER = """
import sys, time
from desktop.cli import main
import knowledge.library, knowledge.db, knowledge.codebook

start = float(sys.argv[1])
while time.time() < start:
    pass
sys.exit(main(sys.argv[2:]))
"""


def _documents(folder: Path, count: int) -> list[Path]:
    topics = ["indemnity", "procurement", "workforce", "evaluation", "data", "regulation", "funding", "audit"]
    paths = []
    for i in range(count):
        path = folder / f"note-{i}.md"
        topic = topics[i % len(topics)]
        path.write_text(
            f"# Note {i} on {topic}\n\nThe board discussed {topic} for imaging AI, item {i}. "
            f"Actions on {topic} were agreed by the integrated care board.\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def _start_together(db_path: Path, paths: list[Path], *extra: str) -> list[subprocess.CompletedProcess]:
    start = time.time() + 4.0  # time for every interpreter to start and import
    children = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(start), "--db", str(db_path), "import", str(path), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return results


def _titles(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM recommendations").fetchone()[0] == 9  # seeded once
        return sorted(r[0] for r in conn.execute("SELECT title FROM documents"))
    finally:
        conn.close()


@pytest.mark.parametrize("round_", range(2))
def test_four_programs_creating_one_database_at_once_all_succeed(tmp_path, round_):
    """Creating the file, switching it to WAL, migrating and seeding all race here."""
    paths = _documents(tmp_path, 4)
    db_path = tmp_path / "new.db"
    results = _start_together(db_path, paths, "--no-index")
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert _titles(db_path) == sorted(f"Note {i} on {t}" for i, t in _topics(4))


def _topics(count: int):
    topics = ["indemnity", "procurement", "workforce", "evaluation", "data", "regulation", "funding", "audit"]
    return [(i, topics[i % len(topics)]) for i in range(count)]


@pytest.mark.model
def test_two_imports_with_indexing_at_the_same_moment(tmp_path):
    """The acceptance case: both exit 0, both documents are there and both are found by meaning."""
    paths = _documents(tmp_path, 2)
    db_path = tmp_path / "shared.db"
    for result in _start_together(db_path, paths):
        assert result.returncode == 0, result.stderr
    assert _titles(db_path) == ["Note 0 on indemnity", "Note 1 on procurement"]
    conn = sqlite3.connect(db_path)
    unembedded = conn.execute(
        "SELECT count(*) FROM passages WHERE id NOT IN (SELECT passage_id FROM passage_vectors)"
    ).fetchone()[0]
    conn.close()
    assert unembedded == 0
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"id": "a", "text": "medical indemnity"})
        + "\n"
        + json.dumps({"id": "b", "text": "buying software"})
        + "\n"
    )
    found = roundtable(
        "--db", db_path, "search", "--queries", queries, "--mode", "semantic", "--nearest", "--json"
    )
    assert found.returncode == 0, found.stderr
    # "buying software" shares no word with the procurement note and is below the relevance floor: found
    # by meaning all the same, as the nearest match.
    lines = [json.loads(line) for line in found.stdout.splitlines()]
    best = [(line["results"] or line.get("nearest"))[0]["title"] for line in lines]
    assert best == ["Note 0 on indemnity", "Note 1 on procurement"]


def test_the_window_sees_what_the_cli_wrote_and_both_can_write(make_desk_window, qtbot, tmp_path, db_path):
    window = make_desk_window(db_path, load_model=False)  # no model: no index job to refresh the pages
    window.go_to("library")
    [note] = _documents(tmp_path, 1)
    cli = roundtable("--db", db_path, "import", note, "--no-index")
    assert cli.returncode == 0, cli.stderr
    # The window notices the other program's commit by itself: its timer refreshes the pages.
    with qtbot.waitSignal(window.dataChanged, timeout=3 * OUTSIDE_CHANGES_MS):
        pass
    assert not window.check_outside_changes()  # nothing new since that refresh
    model = window.pages["library"].model
    assert [model.row_dict(r)["title"] for r in range(model.rowCount())] == ["Note 0 on indemnity"]

    # The window writes while another program holds the write lock: it waits its turn, then succeeds.
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    second = tmp_path / "second.md"
    second.write_text("# From the window\n\nRadiology reporting backlog and AI triage.\n", encoding="utf-8")
    QTimer.singleShot(1000, lambda: other.execute("COMMIT"))  # the other program finishes a second later
    with qtbot.waitSignal(window.importFinished, timeout=30000) as blocker:
        window.start_import([second])
    assert blocker.args[0].imported == 1
    other.close()
    listed = roundtable("--db", db_path, "documents", "--json")
    assert sorted(d["title"] for d in json.loads(listed.stdout)) == ["From the window", "Note 0 on indemnity"]
