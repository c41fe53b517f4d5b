"""SQL as knowledge/ writes it (SQLite's dialect) turned into PostgreSQL's, one statement at a time.

The project writes one SQL: SQLite's, with `?` placeholders. Rather than keep two copies of every query,
the PostgreSQL store rewrites the handful of SQLite-only forms the code uses, each a fixed textual pattern
(tested one by one in tests/test_pg_translate.py). Anything else passes through unchanged, so a new
SQLite-only form shows up as a PostgreSQL syntax error in the store tests, not as a silent difference.
"""

from __future__ import annotations

import functools
import re

# Tables whose rows have an integer `id` key: an INSERT into one returns it (sqlite3's lastrowid).
ID_TABLES = frozenset(
    {
        "organisations",
        "documents",
        "passages",
        "recommendation_sets",
        "recommendations",
        "roundtables",
        "actions",
        "progress_updates",
        "evidence_links",
        "change_log",
        "document_bin",
        "return_forms",
    }
)

# INSERT OR REPLACE needs the key it replaces on: the primary key of each table the code writes that way.
CONFLICT_KEYS = {
    "settings": ("key",),
    "passage_vectors": ("passage_id",),
    "match_checks": ("action_id", "set_id"),
    "action_recommendations": ("action_id", "recommendation_id"),
    "roundtable_documents": ("roundtable_id", "document_id"),
    "return_rows": ("form_id", "action_id", "row_hash"),
}

_STRING = re.compile(r"'(?:[^']|'')*'")
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)\s*(\(([^)]*)\))?", re.I)
_NOCASE_EQ = re.compile(r"([\w.]+)\s*=\s*(\?|[\w.]+)\s+COLLATE\s+NOCASE", re.I)
_NOCASE = re.compile(r"([\w.]+(?:\([^()]*\))?)\s+COLLATE\s+NOCASE", re.I)
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I)
_IS = re.compile(r"\bIS\s+(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_BEGIN = re.compile(r"^\s*BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?\s*(TRANSACTION)?\s*;?\s*$", re.I)
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


def _outside_strings(sql: str, change) -> str:
    """Apply `change` to the parts of `sql` that are not inside single-quoted literals."""
    out, last = [], 0
    for m in _STRING.finditer(sql):
        out.append(change(sql[last : m.start()]))
        out.append(m.group(0).replace("%", "%%"))  # psycopg reads % as a placeholder even in a literal
        last = m.end()
    out.append(change(sql[last:]))
    return "".join(out)


def _code(part: str) -> str:
    part = part.replace("%", "%%")
    part = _NOCASE_EQ.sub(r"lower(\1) = lower(\2)", part)
    part = _NOCASE.sub(r"lower(\1)", part)
    part = _IS_NOT.sub("IS DISTINCT FROM ", part)
    part = _IS.sub("IS NOT DISTINCT FROM ", part)
    part = _LIKE.sub("ILIKE", part)  # SQLite's LIKE ignores ASCII case; PostgreSQL's does not
    part = _NAMED.sub(r"%(\1)s", part)  # sqlite3's :name parameters are psycopg's %(name)s
    return part.replace("?", "%s")


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> tuple[str, bool]:
    """(PostgreSQL text, whether it returns the new row's id) for one statement in the project's SQL."""
    if _BEGIN.match(sql):
        return "BEGIN", False
    text = _outside_strings(sql, _code)
    returns_id = False
    insert = _INSERT.match(text)
    if insert:
        mode, table, _, columns = insert.groups()
        text = re.sub(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO", "INSERT INTO", text, count=1, flags=re.I)
        text = text.rstrip().rstrip(";")
        if mode and mode.upper() == "IGNORE":
            text += " ON CONFLICT DO NOTHING"
        elif mode and mode.upper() == "REPLACE":
            key = CONFLICT_KEYS.get(table.lower())
            if key is None:
                raise ValueError(
                    f"INSERT OR REPLACE into {table}: its key is not known to the PostgreSQL store"
                )
            names = [c.strip() for c in (columns or "").split(",") if c.strip()]
            rest = [c for c in names if c not in key]
            action = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest) if rest else None
            text += f" ON CONFLICT ({', '.join(key)}) " + (
                f"DO UPDATE SET {action}" if action else "DO NOTHING"
            )
        if table.lower() in ID_TABLES and not _RETURNING.search(text):
            text += " RETURNING id"
            returns_id = True
    return text, returns_id
