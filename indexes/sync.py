"""Bring the vector index up to date with the database (placeholder until the search work lands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlite_utils


class IndexUnavailable(Exception):
    """The embedding model or vector index cannot be used; keyword search still works."""


def sync_index(
    db: sqlite_utils.Database,
    db_path: str | Path,
    *,
    embed: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Embed passages without vectors and make the faiss index agree with the database."""
    raise IndexUnavailable("semantic index not built yet")
