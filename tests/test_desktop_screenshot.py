"""Screenshot mode: `roundtable-desk --screenshot` renders every page, populated, to a PNG and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PAGES = ("library", "search", "recommendations", "actions", "dashboard", "export")


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    """A database holding the project's corpus (stored only: screenshots do not need the model)."""
    from conftest import CORPUS

    from knowledge.library import import_paths
    from knowledge.workspace import open_db

    path = tmp_path_factory.mktemp("shots") / "corpus.db"
    db = open_db(path)
    outcomes = import_paths(db, [CORPUS])
    assert all(o.status == "imported" for o in outcomes)
    db.conn.close()
    return path


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("page", PAGES)
def test_screenshot_mode_writes_a_populated_png_for_each_page(corpus_db, tmp_path, page):
    out = tmp_path / f"{page}.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # screenshot mode sets it itself
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.app",
            "--db",
            str(corpus_db),
            "--screenshot",
            str(out),
            "--page",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert _png_size(out.read_bytes()) == (1280, 800)
    assert out.stat().st_size > 20000  # a populated page, not a blank one
