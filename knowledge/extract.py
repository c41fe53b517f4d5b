"""Draft actions from imported notes and trackers (placeholder until the tracking work lands)."""

from __future__ import annotations

import sqlite_utils

from knowledge.ingest.base import ParsedDocument, StoredPassage


def extract_actions(
    db: sqlite_utils.Database, document_id: int, parsed: ParsedDocument, passages: list[StoredPassage]
) -> int:
    """Create or update actions found in a just-stored document; returns how many. Runs inside its
    import transaction."""
    return 0
