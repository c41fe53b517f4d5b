"""`roundtable search` and `roundtable index` (placeholder until the search work lands)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the search commands."""
