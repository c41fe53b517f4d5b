"""Roundtables: the meetings whose notes record who agreed to do what."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from knowledge.dates import now_iso
from knowledge.vocab import Status


def create_roundtable(
    db: sqlite_utils.Database,
    *,
    title: str,
    date: str | None = None,
    chair: str | None = None,
    host: str | None = None,
    partners: list[str] | None = None,
) -> int:
    """Record a roundtable; returns its id."""
    title = " ".join((title or "").split())
    if not title:
        raise ValueError("a roundtable needs a title")
    return db.execute(
        "INSERT INTO roundtables (title, date, chair, host, partners, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [title, date, chair, host, json.dumps(partners or []), now_iso()],
    ).lastrowid


def find_roundtable(db: sqlite_utils.Database, title: str, date: str | None) -> int | None:
    """The id of a roundtable with this title (any case) and date, if one is recorded."""
    row = db.execute(
        "SELECT id FROM roundtables WHERE title = ? COLLATE NOCASE AND date IS ? ORDER BY id LIMIT 1",
        [" ".join(title.split()), date],
    ).fetchone()
    return row[0] if row else None


def link_document(db: sqlite_utils.Database, roundtable_id: int, document_id: int) -> None:
    """Attach a notes document to a roundtable (idempotent)."""
    db.execute(
        "INSERT OR IGNORE INTO roundtable_documents (roundtable_id, document_id) VALUES (?, ?)",
        [roundtable_id, document_id],
    )


def update_roundtable(db: sqlite_utils.Database, roundtable_id: int, **fields: Any) -> None:
    """Change title, date, chair, host or partners (a list)."""
    allowed = {"title", "date", "chair", "host", "partners"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"roundtables have no field {sorted(unknown)[0]!r}")
    if "partners" in fields:
        fields["partners"] = json.dumps(fields["partners"] or [])
    if fields:
        sets = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE roundtables SET {sets} WHERE id = ?", [*fields.values(), roundtable_id])


def delete_roundtable(db: sqlite_utils.Database, roundtable_id: int) -> bool:
    """Delete the roundtable record (its documents and actions stay); False if there was none."""
    return db.execute("DELETE FROM roundtables WHERE id = ?", [roundtable_id]).rowcount > 0


def _shape(db: sqlite_utils.Database, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["partners"] = json.loads(out.get("partners") or "[]")
    out["documents"] = [
        dict(d)
        for d in db.query(
            "SELECT d.id, d.title, d.kind, d.date FROM roundtable_documents rd JOIN documents d"
            " ON d.id = rd.document_id WHERE rd.roundtable_id = ? ORDER BY d.id",
            [row["id"]],
        )
    ]
    counts = db.execute(
        f"SELECT count(*), coalesce(sum(CASE WHEN status = '{Status.DONE}' THEN 1 ELSE 0 END), 0),"
        f" coalesce(sum(CASE WHEN status = '{Status.BLOCKED}' THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(draft), 0) FROM actions WHERE roundtable_id = ? AND deleted_at IS NULL",
        [row["id"]],
    ).fetchone()
    out.update(actions=counts[0], done=counts[1], blocked=counts[2], drafts=counts[3])
    return out


def get_roundtable(db: sqlite_utils.Database, roundtable_id: int) -> dict[str, Any] | None:
    """One roundtable: id, title, date, chair, host, partners (list), documents, action counts."""
    rows = list(db.query("SELECT * FROM roundtables WHERE id = ?", [roundtable_id]))
    return _shape(db, rows[0]) if rows else None


def list_roundtables(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every roundtable, newest first, shaped as get_roundtable."""
    rows = db.query("SELECT * FROM roundtables ORDER BY date DESC NULLS LAST, id DESC")  # undated last
    return [_shape(db, r) for r in rows]


def roundtable_choices(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every roundtable's id, title and date, oldest first (for a pick list)."""
    rows = db.query("SELECT id, title, date FROM roundtables ORDER BY date NULLS FIRST, id")
    return [dict(r) for r in rows]
