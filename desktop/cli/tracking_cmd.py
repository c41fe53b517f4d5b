"""Organisation, action, dashboard and export commands (placeholder until the tracking work lands)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the tracking commands."""
