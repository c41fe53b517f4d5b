"""The suite stands on its own: the default run leaves out the `shared` tests, which fail (never skip) without
their material."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS, REPO

SCIFACT_TEST = "tests/test_library.py::test_scifact_slice_imports_with_external_ids"


def _pytest(*args: str, shared: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROUNDTABLE_SHARED": str(shared)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_default_run_deselects_shared_tests(tmp_path):
    result = _pytest(SCIFACT_TEST, shared=tmp_path / "absent")
    assert result.returncode == 5, result.stdout  # nothing selected: the test was deselected, not run
    assert "1 deselected" in result.stdout


def test_a_shared_test_without_its_material_fails_and_says_where_it_looked(tmp_path):
    absent = tmp_path / "absent"
    result = _pytest("-m", "shared", SCIFACT_TEST, shared=absent)
    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout and "skipped" not in result.stdout  # the fixture fails the test
    assert f"not found at {absent}" in result.stdout and "ROUNDTABLE_SHARED" in result.stdout


def test_the_corpus_is_the_projects_own():
    names = sorted(p.name for p in CORPUS.iterdir())
    assert names == [
        "harbourside-roundtable-notes-2024-03.md",
        "moorland-icb-ai-tracker.csv",
        "ppp-ai-imaging-roundtable-2023.txt",
    ]
    # The article is a stand-in in the project's words, not the published text.
    assert "stand-in" in (CORPUS / "ppp-ai-imaging-roundtable-2023.txt").read_text(encoding="utf-8")


def test_memory_db_is_a_whole_workspace_in_memory(memory_db):
    assert memory_db.execute("PRAGMA database_list").fetchone()[2] == ""  # no file behind it
    assert memory_db.execute("SELECT count(*) FROM recommendations").fetchone()[0] == 9
