"""Recommendation sets (codebooks): load them from JSON and read them back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.changelog import record
from knowledge.dates import now_iso
from knowledge.vocab import Change, Entity, OrgType, values
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


def load_codebook(
    db: sqlite_utils.Database,
    data: dict[str, Any] | str | Path,
    *,
    who: str | None = None,
    document_id: int | None = None,
) -> int:
    """Insert or update a recommendation set from a dict or JSON file; returns the set id. Loading a new
    set, or changing one, is an entry in the change log (reloading the same content is not).

    The whole file is checked first and loaded in one transaction: a bad file changes nothing. Reloading
    a set updates it in place (recommendations keep their ids, so links stay); a recommendation missing
    from the new file is removed, unless actions or evidence are linked to it (then nothing is loaded).
    `document_id` names the set's source document (kept from the last load when not given)."""
    if not isinstance(data, dict):
        try:
            data = json.loads(Path(data).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CodebookError(f"cannot read codebook {data}: {exc}") from exc
    data = normalise_codebook(data)
    with db.atomic():
        row = db.execute("SELECT id FROM recommendation_sets WHERE slug = ?", [data["slug"]]).fetchone()
        before = _set_state(db, row[0]) if row else None
        set_id = _upsert_set(db, row[0] if row else None, data, document_id)
        _remove_missing(db, set_id, {rec["number"] for rec in data["recommendations"]})
        for rec in data["recommendations"]:
            _upsert_recommendation(db, set_id, rec)
        if before is None or before != _set_state(db, set_id):
            # The set changed: earlier "none of these" judgements may no longer hold.
            db.execute("DELETE FROM match_checks WHERE set_id = ?", [set_id])
            db.execute("UPDATE recommendation_sets SET loaded_at = ? WHERE id = ?", [now_iso(), set_id])
        _log_load(db, set_id, before, who)
    return set_id


def _upsert_set(
    db: sqlite_utils.Database, set_id: int | None, data: dict[str, Any], document_id: int | None
) -> int:
    if document_id is not None:
        _require_document(db, document_id)
    values = [data["title"], data.get("source"), data.get("published"), data.get("url")]
    if set_id is not None:
        db.execute(
            "UPDATE recommendation_sets SET title=?, source=?, published=?, url=?,"
            " document_id = coalesce(?, document_id) WHERE id=?",
            [*values, document_id, set_id],
        )
        return set_id
    return db.execute(
        "INSERT INTO recommendation_sets (slug, title, source, published, url, document_id)"
        " VALUES (?,?,?,?,?,?)",
        [data["slug"], *values, document_id],
    ).lastrowid


def _remove_missing(db: sqlite_utils.Database, set_id: int, numbers: set[int]) -> None:
    """Delete the set's recommendations the new file no longer has; refuse when people linked to one."""
    gone = [
        (r[0], r[1])
        for r in db.execute("SELECT id, number FROM recommendations WHERE set_id = ?", [set_id])
        if r[1] not in numbers
    ]
    for rec_id, number in gone:
        if _people_linked(db, "recommendation_id = ?", [rec_id]):
            raise CodebookError(
                f"recommendation {number} is not in the file but actions or evidence are linked to it;"
                " keep it in the file (nothing was changed)"
            )
    for rec_id, _ in gone:
        db.execute("DELETE FROM recommendations WHERE id = ?", [rec_id])


def _upsert_recommendation(db: sqlite_utils.Database, set_id: int, rec: dict[str, Any]) -> None:
    fields = {
        "title": rec["title"],
        "summary": rec["summary"],
        "addressed_to_text": rec.get("addressed_to_text", ""),
        "source_text": rec.get("source_text"),
    }
    for name in _JSON_FIELDS:
        fields[name] = json.dumps(rec.get(name, []), ensure_ascii=False)
    existing = db.execute(
        "SELECT id FROM recommendations WHERE set_id = ? AND number = ?", [set_id, rec["number"]]
    ).fetchone()
    # Plain SQL, not sqlite-utils' table helpers: the same statements run on a team workspace's server.
    names = list(fields)
    if existing:
        assignments = ", ".join(f"{name} = ?" for name in names)
        db.execute(f"UPDATE recommendations SET {assignments} WHERE id = ?", [*fields.values(), existing[0]])
    else:
        columns = ", ".join(["set_id", "number", *names])
        marks = ", ".join("?" for _ in range(len(names) + 2))
        values = [set_id, rec["number"], *fields.values()]
        db.execute(f"INSERT INTO recommendations ({columns}) VALUES ({marks})", values)


def _require_document(db: sqlite_utils.Database, document_id: int) -> None:
    if not db.execute("SELECT 1 FROM documents WHERE id = ?", [int(document_id)]).fetchone():
        raise CodebookError(f"no document with id {document_id}")


def _people_linked(db: sqlite_utils.Database, where: str, params: list[Any]) -> int:
    """How many confirmed or rejected action links and evidence links (what people decided) match."""
    links = db.execute(
        f"SELECT count(*) FROM action_recommendations WHERE {where} AND state != 'suggested'", params
    ).fetchone()[0]
    evidence = db.execute(f"SELECT count(*) FROM evidence_links WHERE {where}", params).fetchone()[0]
    return links + evidence


def _set_state(db: sqlite_utils.Database, set_id: int) -> dict[str, Any]:
    """A set's row and its recommendations' rows by number: what a load compares to tell what changed."""
    head = dict(next(iter(db.query("SELECT * FROM recommendation_sets WHERE id = ?", [set_id]))))
    head.pop("loaded_at", None)  # when, not what: a reload of the same content changes nothing
    recs = {
        r["number"]: dict(r) for r in db.query("SELECT * FROM recommendations WHERE set_id = ?", [set_id])
    }
    return {"set": head, "recommendations": recs}


def _log_load(db: sqlite_utils.Database, set_id: int, before: dict[str, Any] | None, who: str | None) -> None:
    after = _set_state(db, set_id)
    summary = {"slug": after["set"]["slug"], "title": after["set"]["title"]}
    numbers = sorted(after["recommendations"])
    if before is None:
        entry = {"change": Change.LOADED, "after": summary | {"recommendations": numbers}}
    else:
        old, new = before["recommendations"], after["recommendations"]
        changed = [n for n in numbers if n in old and old[n] != new[n]]
        added = [n for n in numbers if n not in old]
        removed = sorted(n for n in old if n not in new)
        if not changed and not added and not removed and before["set"] == after["set"]:
            return  # the same content loaded again
        old_head = {"slug": before["set"]["slug"], "title": before["set"]["title"]}
        entry = {
            "change": Change.CHANGED,
            "before": old_head | {"recommendations": sorted(old)},
            "after": summary
            | {"recommendations": numbers, "changed": changed, "added": added, "removed": removed},
        }
    record(db, who=who, entity=Entity.RECOMMENDATION_SET, entity_id=set_id, **entry)


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LIST_TEXT_FIELDS = ("includes", "excludes", "example_actions", "keywords")
_OPTIONAL_TEXT = ("source", "published", "url")


def normalise_codebook(data: Any) -> dict[str, Any]:
    """The codebook checked whole and in a canonical shape: slug, title and every recommendation's number,
    title and summary required; list fields as lists of strings; organisation types as vocabulary values.
    Raises CodebookError naming the first problem (missing summary, duplicate number, unknown type)."""
    if not isinstance(data, dict):
        raise CodebookError("a codebook is a JSON object with slug, title and recommendations")
    for key in ("slug", "title", "recommendations"):
        if key not in data:
            raise CodebookError(f"codebook is missing '{key}'")
    slug = _text(data["slug"], "slug")
    if not _SLUG.match(slug):
        raise CodebookError(
            f"slug {slug!r} must be lower-case letters, digits and hyphens (for example {slugify(slug)!r})"
        )
    recs = data["recommendations"]
    if not isinstance(recs, list) or not recs:
        raise CodebookError("codebook has no recommendations")
    out: dict[str, Any] = {"slug": slug, "title": _text(data["title"], "title")}
    for key in _OPTIONAL_TEXT:
        if data.get(key) not in (None, ""):
            out[key] = str(data[key]).strip()
    out["recommendations"] = []
    numbers: set[int] = set()
    for position, rec in enumerate(recs, 1):
        clean = _normalise_recommendation(rec, position)
        if clean["number"] in numbers:
            raise CodebookError(f"recommendation {clean['number']} appears twice")
        numbers.add(clean["number"])
        out["recommendations"].append(clean)
    return out


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
        raise CodebookError(f"{what} is missing or empty")
    return " ".join(str(value).split())


def _number(value: Any, position: int) -> int:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or int(text) < 1:
        raise CodebookError(f"recommendation {position} has no number (a whole number from 1), got {value!r}")
    return int(text)


def _normalise_recommendation(rec: Any, position: int) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise CodebookError(f"recommendation {position} is not an object with number, title and summary")
    if rec.get("number") in (None, ""):
        raise CodebookError(f"recommendation {position} is missing 'number'")
    number = _number(rec["number"], position)
    out: dict[str, Any] = {"number": number}
    for key in ("title", "summary"):
        if rec.get(key) in (None, "") or (isinstance(rec[key], str) and not rec[key].strip()):
            raise CodebookError(f"recommendation {number} is missing '{key}'")
        out[key] = _text(rec[key], f"recommendation {number}'s {key}")
    out["addressed_to"] = [_org_type(t, number) for t in _string_list(rec.get("addressed_to"), number)]
    for key in _LIST_TEXT_FIELDS:
        out[key] = _string_list(rec.get(key), number)
    for key in ("addressed_to_text", "source_text"):
        if rec.get(key) not in (None, ""):
            out[key] = str(rec[key]).strip()
    return out


def _string_list(value: Any, number: int) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(f"recommendation {number}: lists must hold text")
    return [" ".join(v.split()) for v in value if v.strip()]


def _org_type(value: str, number: int) -> str:
    """A vocabulary organisation type from its value or label ('trust', 'National body', 'national-body')."""
    key = "_".join(value.strip().lower().replace("-", " ").split())
    by_label = {t.label.lower().replace(" ", "_"): t.value for t in OrgType}
    if key in values(OrgType):
        return key
    if key in by_label:
        return by_label[key]
    raise CodebookError(
        f"recommendation {number}: unknown organisation type {value!r} (use {', '.join(values(OrgType))})"
    )


def slugify(text: str) -> str:
    """A set slug from a title or file name: 'Berwick review 2013' -> 'berwick-review-2013'."""
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:64].strip("-")
    return slug or "recommendations"


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


# ---- sets as a whole: list, source document, export, delete --------------------------------------------


def list_sets(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every recommendation set, the built-in one first: slug, title, source, published, url, document_id,
    loaded_at, builtin, recommendations (count) and linked_actions (actions with a confirmed link)."""
    rows = db.query(
        """SELECT s.id, s.slug, s.title, s.source, s.published, s.url, s.document_id, s.loaded_at,
                  (SELECT count(*) FROM recommendations r WHERE r.set_id = s.id) AS recommendations,
                  (SELECT count(DISTINCT ar.action_id) FROM action_recommendations ar
                     JOIN recommendations r ON r.id = ar.recommendation_id
                    WHERE r.set_id = s.id AND ar.state = 'confirmed') AS linked_actions
           FROM recommendation_sets s ORDER BY s.slug != ?, s.id""",
        [BUILTIN_SET],
    )
    return [dict(row) | {"builtin": row["slug"] == BUILTIN_SET} for row in rows]


def get_set(db: sqlite_utils.Database, slug: str) -> dict[str, Any]:
    """One set as list_sets shapes it; LookupError naming the sets there are when there is no such set."""
    sets = list_sets(db)
    for row in sets:
        if row["slug"] == slug:
            return row
    known = ", ".join(s["slug"] for s in sets) or "none"
    raise LookupError(f"no recommendation set called {slug!r} (sets: {known})")


def set_title(db: sqlite_utils.Database, slug: str) -> str:
    """A set's title, or its slug when there is no such set."""
    row = db.execute("SELECT title FROM recommendation_sets WHERE slug = ?", [slug]).fetchone()
    return row[0] if row else slug


def set_source(db: sqlite_utils.Database, slug: str) -> int | None:
    """The id of the set's source document, if it names one that is still in the library."""
    row = db.execute(
        "SELECT s.document_id FROM recommendation_sets s JOIN documents d ON d.id = s.document_id"
        " WHERE s.slug = ?",
        [slug],
    ).fetchone()
    return row[0] if row else None


def attach_source(db: sqlite_utils.Database, slug: str, document_id: int, *, who: str | None = None) -> None:
    """Name a document of the library as the set's source (its passages teach the matcher)."""
    set_id = get_set(db, slug)["id"]
    with db.atomic():
        before = _set_state(db, set_id)
        _require_document(db, document_id)
        db.execute("UPDATE recommendation_sets SET document_id = ? WHERE id = ?", [int(document_id), set_id])
        db.execute("DELETE FROM match_checks WHERE set_id = ?", [set_id])
        _log_load(db, set_id, before, who)


def export_codebook(db: sqlite_utils.Database, slug: str) -> dict[str, Any]:
    """A set in the JSON shape load_codebook reads (and resources/codebook.json uses): importing it back
    gives the same set."""
    head = get_set(db, slug)
    out: dict[str, Any] = {"slug": head["slug"], "title": head["title"]}
    out |= {key: head[key] for key in _OPTIONAL_TEXT if head.get(key)}
    out["recommendations"] = []
    for rec in list_recommendations(db, slug):
        item: dict[str, Any] = {"number": rec.number, "title": rec.title, "summary": rec.summary}
        if rec.addressed_to:
            item["addressed_to"] = rec.addressed_to
        if rec.addressed_to_text:
            item["addressed_to_text"] = rec.addressed_to_text
        item |= {key: getattr(rec, key) for key in _LIST_TEXT_FIELDS if getattr(rec, key)}
        out["recommendations"].append(item)
    return out


def delete_set(db: sqlite_utils.Database, slug: str, *, who: str | None = None) -> int:
    """Delete a set and its recommendations; returns how many recommendations went. Refused for the
    built-in set and while people have linked actions or evidence to it (confirmed or rejected links):
    the model's own suggestions go with it."""
    head = get_set(db, slug)
    if head["builtin"]:
        raise CodebookError(f"{slug} is the built-in set and cannot be deleted")
    with db.atomic():
        linked = _people_linked(
            db, "recommendation_id IN (SELECT id FROM recommendations WHERE set_id = ?)", [head["id"]]
        )
        if linked:
            raise CodebookError(
                f"{slug} has {linked} confirmed, rejected or evidence link(s); remove them before deleting it"
            )
        count = head["recommendations"]
        before = {"slug": slug, "title": head["title"], "recommendations": count}
        db.execute("DELETE FROM recommendation_sets WHERE id = ?", [head["id"]])
        record(
            db,
            who=who,
            entity=Entity.RECOMMENDATION_SET,
            entity_id=head["id"],
            change=Change.DELETED,
            before=before,
        )
    return count


# ---- the matcher's bookkeeping: which actions still need a judgement against a set ---------------------


def pending_for_set(db: sqlite_utils.Database, slug: str) -> list[tuple[int, str, str | None]]:
    """(action id, text, organisation type) of live actions with no link into the set and no judgement
    against it yet: what the matcher should look at next."""
    rows = db.execute(
        """SELECT a.id, a.text, o.type FROM actions a
           LEFT JOIN organisations o ON o.id = a.organisation_id
           JOIN recommendation_sets s ON s.slug = ?
           WHERE a.deleted_at IS NULL AND trim(a.text) != ''
             AND NOT EXISTS (SELECT 1 FROM action_recommendations ar JOIN recommendations r
                               ON r.id = ar.recommendation_id WHERE ar.action_id = a.id AND r.set_id = s.id)
             AND NOT EXISTS (SELECT 1 FROM match_checks m WHERE m.action_id = a.id AND m.set_id = s.id)
           ORDER BY a.id""",
        [slug],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def record_match_checks(
    db: sqlite_utils.Database, slug: str, action_id: int, *, fits_none: bool, fit: float | None
) -> None:
    """Remember the matcher's judgement of an action against a set (derived data: replaced, not logged)."""
    db.execute(
        "INSERT OR REPLACE INTO match_checks (action_id, set_id, fits_none, fit, checked_at)"
        " SELECT ?, id, ?, ?, ? FROM recommendation_sets WHERE slug = ?",
        [action_id, int(fits_none), None if fit is None else float(fit), now_iso(), slug],
    )


def none_judgements(db: sqlite_utils.Database) -> dict[int, list[str]]:
    """Action id -> the sets whose recommendations the matcher judged it serves none of (and that still
    have no link from it): the actions to show as "no recommendation fits"."""
    out: dict[int, list[str]] = {}
    for action_id, slug in db.execute(
        """SELECT m.action_id, s.slug FROM match_checks m JOIN recommendation_sets s ON s.id = m.set_id
           WHERE m.fits_none = 1 AND NOT EXISTS (
               SELECT 1 FROM action_recommendations ar JOIN recommendations r ON r.id = ar.recommendation_id
               WHERE ar.action_id = m.action_id AND r.set_id = m.set_id)
           ORDER BY s.id"""
    ):
        out.setdefault(action_id, []).append(slug)
    return out
