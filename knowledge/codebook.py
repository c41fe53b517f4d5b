"""Recommendation sets (codebooks): load them from JSON and read them back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.vocab import OrgType, values
from resources import resource_path

BUILTIN_CODEBOOK = resource_path("codebook.json")
BUILTIN_SET = "ppp-ai-imaging-2023"
_JSON_FIELDS = ("addressed_to", "includes", "excludes", "example_actions", "keywords")


class CodebookError(ValueError):
    """A codebook file that cannot be loaded."""


@dataclass
class Recommendation:
    """One recommendation of a set, in the project's own words."""

    id: int
    set_slug: str
    number: int
    title: str
    summary: str
    addressed_to: list[str] = field(default_factory=list)
    addressed_to_text: str = ""
    includes: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    example_actions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "set": self.set_slug,
            "number": self.number,
            "title": self.title,
            "summary": self.summary,
            "addressed_to": self.addressed_to,
            "addressed_to_text": self.addressed_to_text,
            "includes": self.includes,
            "excludes": self.excludes,
            "example_actions": self.example_actions,
        }


def load_codebook(db: sqlite_utils.Database, data: dict[str, Any] | str | Path) -> int:
    """Insert or update a recommendation set from a dict or JSON file; returns the set id."""
    if not isinstance(data, dict):
        try:
            data = json.loads(Path(data).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CodebookError(f"cannot read codebook {data}: {exc}") from exc
    _validate(data)
    with db.atomic():
        row = db.execute("SELECT id FROM recommendation_sets WHERE slug = ?", [data["slug"]]).fetchone()
        values = [data["title"], data.get("source"), data.get("published"), data.get("url")]
        if row:
            set_id = row[0]
            db.execute(
                "UPDATE recommendation_sets SET title=?, source=?, published=?, url=? WHERE id=?",
                [*values, set_id],
            )
        else:
            set_id = db.execute(
                "INSERT INTO recommendation_sets (slug, title, source, published, url) VALUES (?,?,?,?,?)",
                [data["slug"], *values],
            ).lastrowid
        for rec in data["recommendations"]:
            fields = {
                "title": rec["title"],
                "summary": rec["summary"],
                "addressed_to_text": rec.get("addressed_to_text", ""),
                "source_text": rec.get("source_text"),
            }
            for name in _JSON_FIELDS:
                fields[name] = json.dumps(rec.get(name, []))
            existing = db.execute(
                "SELECT id FROM recommendations WHERE set_id = ? AND number = ?", [set_id, rec["number"]]
            ).fetchone()
            if existing:
                db["recommendations"].update(existing[0], fields)
            else:
                db["recommendations"].insert({"set_id": set_id, "number": rec["number"], **fields})
    return set_id


def _validate(data: dict[str, Any]) -> None:
    for key in ("slug", "title", "recommendations"):
        if key not in data:
            raise CodebookError(f"codebook is missing '{key}'")
    numbers = set()
    for rec in data["recommendations"]:
        for key in ("number", "title", "summary"):
            if key not in rec:
                raise CodebookError(f"a recommendation is missing '{key}'")
        if rec["number"] in numbers:
            raise CodebookError(f"recommendation {rec['number']} appears twice")
        numbers.add(rec["number"])
        unknown = set(rec.get("addressed_to", [])) - set(values(OrgType))
        if unknown:
            raise CodebookError(
                f"recommendation {rec['number']}: unknown organisation types {sorted(unknown)}"
            )


def ensure_builtin_codebook(db: sqlite_utils.Database) -> None:
    """Load the nine built-in recommendations into a database that does not have them yet."""
    if not db.execute("SELECT 1 FROM recommendation_sets WHERE slug = ?", [BUILTIN_SET]).fetchone():
        load_codebook(db, BUILTIN_CODEBOOK)


def list_recommendations(db: sqlite_utils.Database, set_slug: str | None = None) -> list[Recommendation]:
    """Every recommendation (of one set, or of all sets), ordered by set then number."""
    sql = (
        "SELECT r.*, s.slug AS set_slug FROM recommendations r JOIN recommendation_sets s ON s.id = r.set_id"
    )
    params: list[Any] = []
    if set_slug:
        sql += " WHERE s.slug = ?"
        params.append(set_slug)
    sql += " ORDER BY s.id, r.number"
    return [_row_to_rec(row) for row in db.query(sql, params)]


def get_recommendation(
    db: sqlite_utils.Database, number: int, set_slug: str = BUILTIN_SET
) -> Recommendation | None:
    """One recommendation by its number within a set (the built-in set by default)."""
    for rec in list_recommendations(db, set_slug):
        if rec.number == number:
            return rec
    return None


def _row_to_rec(row: dict[str, Any]) -> Recommendation:
    return Recommendation(
        id=row["id"],
        set_slug=row["set_slug"],
        number=row["number"],
        title=row["title"],
        summary=row["summary"],
        addressed_to_text=row["addressed_to_text"] or "",
        **{name: json.loads(row[name] or "[]") for name in _JSON_FIELDS},
    )


def recommendation_rows(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Every recommendation's stored row by id (list fields as their stored JSON text)."""
    return {row["id"]: dict(row) for row in db.query("SELECT * FROM recommendations")}
