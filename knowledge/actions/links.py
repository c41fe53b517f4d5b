"""Links: the recommendations an action serves (suggested, then confirmed or rejected), and evidence.

Every link made, decided or removed is an entry in the change log (entity "link", keyed by the action's
id; evidence links are entity "evidence", keyed by the link's own id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from knowledge.actions.queries import require_action
from knowledge.changelog import record, who_of
from knowledge.dates import now_iso
from knowledge.vocab import LINK_CHANGES, Change, Entity, LinkOrigin, LinkState, values


def _require_recommendation(db: sqlite_utils.Database, rec_id: int) -> None:
    if not db.execute("SELECT 1 FROM recommendations WHERE id = ?", [rec_id]).fetchone():
        raise LookupError(f"no recommendation with id {rec_id}")


def _recommendation(db: sqlite_utils.Database, rec_id: int) -> dict[str, Any]:
    """How a link entry names its recommendation: the id, its number and its set."""
    row = db.execute(
        "SELECT r.number, s.slug FROM recommendations r JOIN recommendation_sets s ON s.id = r.set_id"
        " WHERE r.id = ?",
        [rec_id],
    ).fetchone()
    return {
        "recommendation_id": rec_id,
        "recommendation": row[0] if row else None,
        "set": row[1] if row else None,
    }


def _log_link(
    db: sqlite_utils.Database,
    action_id: int,
    rec_id: int,
    change: Change,
    who: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    rec = _recommendation(db, rec_id)
    record(
        db,
        who=who,
        entity=Entity.LINK,
        entity_id=action_id,
        change=change,
        before=rec | before if before is not None else None,
        after=rec | after if after is not None else None,
    )


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
        decided = (who_of(db, who), now_iso()) if state != LinkState.SUGGESTED else (None, None)
        after = {"state": state, "origin": origin, "score": score}
        if existing is None:
            db.execute(
                """INSERT INTO action_recommendations (action_id, recommendation_id, state, score, origin,
                       decided_by, decided_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [action_id, rec_id, state, score, origin, *decided, now_iso()],
            )
            _log_link(db, action_id, rec_id, LINK_CHANGES[LinkState(state)], who, None, after)
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
            if existing != state:  # a second confirmation by someone else changes nothing worth an entry
                _log_link(
                    db, action_id, rec_id, LINK_CHANGES[LinkState(state)], who, {"state": existing}, after
                )


def store_suggestions(
    db: sqlite_utils.Database, suggestions: Iterable[tuple[int, int, float]], *, who: str | None = None
) -> int:
    """Store the model's suggestions, (action id, recommendation id, score) each, for pairs that have no
    link yet (a person's decision, or an earlier suggestion, stands); returns how many were new."""
    stored = 0
    created = now_iso()
    with db.atomic():
        for action_id, rec_id, score in suggestions:
            inserted = db.execute(
                "INSERT OR IGNORE INTO action_recommendations"
                " (action_id, recommendation_id, state, score, origin, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [action_id, rec_id, LinkState.SUGGESTED, score, LinkOrigin.MODEL, created],
            ).rowcount
            if inserted:
                after = {"state": LinkState.SUGGESTED, "origin": LinkOrigin.MODEL, "score": score}
                _log_link(db, action_id, rec_id, Change.SUGGESTED, who, None, after)
                stored += 1
    return stored


def remove_link(db: sqlite_utils.Database, action_id: int, rec_id: int, *, who: str | None = None) -> bool:
    """Take away the link between an action and a recommendation (whatever its state); False when there
    was none. The entry keeps what the link was."""
    with db.atomic():
        row = db.execute(
            "SELECT state, origin, score, decided_by FROM action_recommendations"
            " WHERE action_id = ? AND recommendation_id = ?",
            [action_id, rec_id],
        ).fetchone()
        if row is None:
            return False
        db.execute(
            "DELETE FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
            [action_id, rec_id],
        )
        before = {"state": row[0], "origin": row[1], "score": row[2], "decided_by": row[3]}
        _log_link(db, action_id, rec_id, Change.REMOVED, who, before, None)
    return True


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
    who: str | None = None,
) -> int:
    """Link a passage as evidence for a recommendation and/or an action; returns the link id."""
    if recommendation_id is None and action_id is None:
        raise ValueError("evidence must be linked to a recommendation or an action")
    passage = db.execute("SELECT document_id, page FROM passages WHERE id = ?", [passage_id]).fetchone()
    if passage is None:
        raise LookupError(f"no passage with id {passage_id}")
    if action_id is not None:
        require_action(db, action_id)
    if recommendation_id is not None:
        _require_recommendation(db, recommendation_id)
    with db.atomic():
        link_id = db.execute(
            "INSERT INTO evidence_links (passage_id, recommendation_id, action_id, note, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [passage_id, recommendation_id, action_id, note, now_iso()],
        ).lastrowid
        after = {"passage_id": passage_id, "document_id": passage[0], "page": passage[1]}
        after |= {"recommendation_id": recommendation_id, "action_id": action_id, "note": note}
        record(db, who=who, entity=Entity.EVIDENCE, entity_id=link_id, change=Change.ADDED, after=after)
    return link_id


def remove_evidence(db: sqlite_utils.Database, link_id: int, *, who: str | None = None) -> bool:
    """Take away one evidence link; False when there is none with this id. The entry keeps what it was."""
    with db.atomic():
        rows = list(db.query("SELECT * FROM evidence_links WHERE id = ?", [link_id]))
        if not rows:
            return False
        db.execute("DELETE FROM evidence_links WHERE id = ?", [link_id])
        record(
            db,
            who=who,
            entity=Entity.EVIDENCE,
            entity_id=link_id,
            change=Change.REMOVED,
            before=dict(rows[0]),
        )
    return True
