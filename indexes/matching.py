"""Suggest the recommendations an action serves (placeholder until the tracking work lands)."""

from __future__ import annotations

import sqlite_utils


def suggest_for_pending(db: sqlite_utils.Database) -> int:
    """Add model suggestions to actions that have no recommendation links yet; returns how many."""
    return 0
