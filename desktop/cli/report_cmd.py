"""`roundtable export` and `roundtable action suggest` (placeholder until the reports work lands)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the export command."""


def add_suggest_command(action_sub: Any) -> None:
    """Add `suggest` under the `action` command group (called by tracking_cmd)."""
