"""Links: the recommendations an action serves (suggested, then confirmed or rejected), and evidence."""

from __future__ import annotations

import sqlite_utils

from knowledge.actions.queries import require_action
from knowledge.dates import now_iso
from knowledge.vocab import LinkOrigin, LinkState, values


def _require_recommendation(db: sqlite_utils.Database, rec_id: int) -> None:
    if not db.execute("SELECT 1 FROM recommendations WHERE id = ?", [rec_id]).fetchone():
        raise LookupError(f"no recommendation with id {rec_id}")


def _check_link(state: str, origin: str) -> None:
    if state not in values(LinkState):
        raise ValueError(f"link state must be one of {', '.join(values(LinkState))}")
    if origin not in values(LinkOrigin):
        raise ValueError(f"link origin must be one of {', '.join(values(LinkOrigin))}")


def _current_state(db: sqlite_utils.Database, action_id: int, rec_id: int) -> str | None:
    row = db.execute(
        "SELECT state FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
        [action_id, rec_id],
    ).fetchone()
    return row[0] if row else None


def link_recommendation(
    db: sqlite_utils.Database,
    action_id: int,
    rec_id: int,
    *,
    state: str = LinkState.SUGGESTED,
    score: float | None = None,
    origin: str = LinkOrigin.MODEL,
    who: str | None = None,
) -> None:
    """Create or update the link between an action and a recommendation (by recommendation id).

    A person's decision is never overwritten by a suggestion: a new 'suggested' link for a pair already
    confirmed or rejected only refreshes the score."""
    _check_link(state, origin)
    with db.atomic():
        require_action(db, action_id)
        _require_recommendation(db, rec_id)
        existing = _current_state(db, action_id, rec_id)
        decided = (who, now_iso()) if state != LinkState.SUGGESTED else (None, None)
        if existing is None:
            db.execute(
                """INSERT INTO action_recommendations (action_id, recommendation_id, state, score, origin,
                       decided_by, decided_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [action_id, rec_id, state, score, origin, *decided, now_iso()],
            )
        elif state == LinkState.SUGGESTED and existing != LinkState.SUGGESTED:
            db.execute(
                "UPDATE action_recommendations SET score = coalesce(?, score)"
                " WHERE action_id = ? AND recommendation_id = ?",
                [score, action_id, rec_id],
            )
        else:
            db.execute(
                """UPDATE action_recommendations SET state = ?, score = coalesce(?, score), origin = ?,
                       decided_by = ?, decided_at = ? WHERE action_id = ? AND recommendation_id = ?""",
                [state, score, origin, *decided, action_id, rec_id],
            )


def confirm_link(db: sqlite_utils.Database, action_id: int, rec_id: int, *, who: str | None = None) -> None:
    """A person confirms that the action serves the recommendation (what reports count)."""
    _decide(db, action_id, rec_id, LinkState.CONFIRMED, who)


def reject_link(db: sqlite_utils.Database, action_id: int, rec_id: int, *, who: str | None = None) -> None:
    """A person rejects a suggested link (kept, so the suggestion is not offered again)."""
    _decide(db, action_id, rec_id, LinkState.REJECTED, who)


def _decide(db: sqlite_utils.Database, action_id: int, rec_id: int, state: str, who: str | None) -> None:
    origin_row = db.execute(
        "SELECT origin FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
        [action_id, rec_id],
    ).fetchone()
    # The decision keeps who proposed the link; a link a person makes from nothing is the user's.
    known = origin_row and origin_row[0] in values(LinkOrigin)
    origin = origin_row[0] if known else LinkOrigin.USER
    link_recommendation(db, action_id, rec_id, state=state, origin=origin, who=who)


def link_evidence(
    db: sqlite_utils.Database,
    passage_id: int,
    *,
    recommendation_id: int | None = None,
    action_id: int | None = None,
    note: str | None = None,
) -> int:
    """Link a passage as evidence for a recommendation and/or an action; returns the link id."""
    if recommendation_id is None and action_id is None:
        raise ValueError("evidence must be linked to a recommendation or an action")
    if not db.execute("SELECT 1 FROM passages WHERE id = ?", [passage_id]).fetchone():
        raise LookupError(f"no passage with id {passage_id}")
    if action_id is not None:
        require_action(db, action_id)
    if recommendation_id is not None:
        _require_recommendation(db, recommendation_id)
    return db.execute(
        "INSERT INTO evidence_links (passage_id, recommendation_id, action_id, note, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [passage_id, recommendation_id, action_id, note, now_iso()],
    ).lastrowid
