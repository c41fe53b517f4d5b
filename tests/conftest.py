"""Shared test fixtures: fresh databases, the shared sample material, headless Qt."""

from __future__ import annotations

import os
from pathlib import Path

# Before anything imports Qt or huggingface: headless Qt, and never touch the network.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import pytest  # noqa: E402

from knowledge.db import open_db  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory, monkeypatch):
    """No test reads or writes the real per-user database."""
    monkeypatch.setenv("ROUNDTABLE_DB", str(tmp_path_factory.mktemp("userdata") / "default.db"))


@pytest.fixture
def shared() -> Path:
    """The project's shared sample material (../shared)."""
    assert SHARED.is_dir(), f"shared material not found at {SHARED}"
    return SHARED


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def fresh_db(db_path):
    """A new database file with the schema and the built-in codebook."""
    db = open_db(db_path)
    yield db
    db.conn.close()
