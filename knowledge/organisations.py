"""Organisations: the bodies that own actions (ICBs, trusts, vendors, regulators...); changes are logged."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlite_utils

from knowledge.changelog import record
from knowledge.dates import now_iso
from knowledge.vocab import OPEN_STATUSES, Change, Entity, OrgType, Status, sql_in, values


class UnknownOrganisation(LookupError):
    """A name or id that matches no organisation; str() is a one-line message for the user."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown organisation"


# Ordered: the first pattern that matches decides. Acronyms are case-sensitive (so 'nice' in a name
# is not NICE); phrases are wrapped in (?i:...) and match in any case.
_TYPE_PATTERNS: list[tuple[str, OrgType]] = [
    # A legal suffix is decisive: "X Diagnostics Ltd" is a supplier whatever else its name says.
    (r"(?i:\b(?:ltd|limited|plc|inc|llc|gmbh|corp|corporation|b\.?v|s\.?a|ag)\b\.?\s*$)", OrgType.VENDOR),
    (
        r"\b(?:MHRA|NICE|CQC|HRA|ICO)\b|(?i:\bmedicines and healthcare products regulatory agency\b|"
        r"\bnational institute for health and care excellence\b|\bcare quality commission\b|"
        r"\bhealth research authority\b|\binformation commissioner)",
        OrgType.REGULATOR,
    ),
    (
        r"\b(?:DHSC|HMT)\b|(?i:\bdepartment (?:of|for) health\b|\bhm treasury\b|\bcabinet office\b|"
        r"\bhm government\b|\boffice for life sciences\b)",
        OrgType.GOVERNMENT,
    ),
    (
        r"\b(?:NHSE|HEE|NHSX)\b|(?i:\bnhs (?:england|resolution|digital|improvement|supply chain|"
        r"transformation directorate)\b|\bhealth education england\b|\bhealth innovation network\b)",
        OrgType.NATIONAL_BODY,
    ),
    (
        r"\b(?:BMA|RCR|SoR)\b|(?i:\broyal college\b|\bsociety of radiographers\b|"
        r"\bbritish medical association\b|"
        r"\bbritish institute of radiology\b|\bfaculty of clinical informatics\b)",
        OrgType.PROFESSIONAL_BODY,
    ),
    (r"(?i:\bimaging network\b|\bdiagnostic network\b|\bimaging alliance\b)", OrgType.IMAGING_NETWORK),
    (r"(?i:\bintegrated care system\b|\bICS\b)", OrgType.ICS),
    (r"(?i:\bintegrated care board\b|\bICB\b)", OrgType.ICB),
    (
        r"(?i:\bnhs (?:foundation )?trust\b|\bnhs ft\b|\bfoundation trust\b|\bhospitals?\b|\binfirmary\b|"
        r"\bhealthcare trust\b|\bhealth and care trust\b)",
        OrgType.TRUST,
    ),
    (r"(?i:\bhealthineers\b|\bhealthcare systems\b|\btechnologies\b)", OrgType.VENDOR),
]

# Spellings people use for the types (tracker "Organisation type" columns, CLI arguments).
_TYPE_WORDS = {
    OrgType.ICB: "integrated care board|ccg",
    OrgType.ICS: "integrated care system",
    OrgType.TRUST: "nhs trust|foundation trust|nhs foundation trust|hospital|provider|ft",
    OrgType.IMAGING_NETWORK: "imaging network|network",
    OrgType.VENDOR: "supplier|industry|company",
    OrgType.GOVERNMENT: "department",
    OrgType.NATIONAL_BODY: "national body|arms length body",
    OrgType.PROFESSIONAL_BODY: "professional body|royal college",
}
_TYPE_SYNONYMS = {word: t for t, words in _TYPE_WORDS.items() for word in words.split("|")}

# Phrase rewrites applied to lower-cased names so common variants compare equal.
_NAME_REWRITES = [
    (r"\bnhs ft\b", "nhs foundation trust"),
    (r"\bfdn\b", "foundation"),
    (r"\bft$", "foundation trust"),
    (r"\bintegrated care board\b", OrgType.ICB),
    (r"\bintegrated care system\b", OrgType.ICS),
    (r"\blimited\b", "ltd"),
    (r"\bsaint\b", "st"),
    (r"^the ", ""),
]


def infer_type(name: str) -> str:
    """Guess an organisation's type from its name ('... NHS Foundation Trust': trust), else 'other'."""
    for pattern, org_type in _TYPE_PATTERNS:
        if re.search(pattern, name):
            return org_type
    return OrgType.OTHER


def parse_org_type(value: str | None) -> str | None:
    """An organisation type from how people write it ('NHS Trust', 'Supplier', 'icb'); None if unknown."""
    if not value:
        return None
    key = " ".join(re.sub(r"[^a-z_ ]", " ", value.lower()).split())
    if key in values(OrgType):
        return OrgType(key)
    return _TYPE_SYNONYMS.get(key) or _TYPE_SYNONYMS.get(key.replace("_", " "))


def normalise_name(name: str) -> str:
    """A comparison key: 'Kent Hospitals NHS FT' equals 'kent hospitals NHS Foundation Trust'."""
    text = _clean(name).lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    for pattern, replacement in _NAME_REWRITES:
        text = re.sub(pattern, replacement, text)
    return text.strip()


# Cell values that say there is no organisation: placeholders, not names. Compared lower-cased, with
# everything but letters and digits removed ("N/A", "n.a.", "T.B.C." all count).
NO_NAMES = frozenset(
    "na tbc tbd tba none nil null unknown notknown notapplicable notspecified unassigned unallocated"
    " various multiple".split()
)


def _clean(name: str) -> str:
    # Format characters (zero-width spaces and joiners, soft hyphens, BOMs) are invisible in every view:
    # kept, they would make two names that look the same differ.
    visible = "".join(c for c in str(name) if unicodedata.category(c) != "Cf")
    return " ".join(visible.split())


def organisation_name(value: object) -> str | None:
    """The name as it is stored (spaces tidied, invisible characters removed), or None when the value
    names no organisation: blank, invisible or punctuation only ("\u200b", "-", "?"), or a placeholder
    such as "n/a" or "TBC". Such values must not become one shared organisation filing unrelated rows."""
    name = _clean(str(value or ""))
    key = "".join(c for c in name.lower() if c.isalnum())
    if not key or key in NO_NAMES:
        return None
    return name


def find_organisation(db: sqlite_utils.Database, name_or_id: str | int) -> dict[str, Any] | None:
    """The organisation with this id, exact name (any case) or normalised name; None when there is none."""
    if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.strip().isdigit()):
        row = db.execute("SELECT id FROM organisations WHERE id = ?", [int(name_or_id)]).fetchone()
        if row:
            return get_organisation(db, row[0])
        if isinstance(name_or_id, int):
            return None
    name = organisation_name(name_or_id)
    if name is None:  # its comparison key would be empty and match every other nameless organisation
        return None
    row = db.execute("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", [name]).fetchone()
    if row:
        return get_organisation(db, row[0])
    key = normalise_name(name)
    # Organisations number in the hundreds at most, so comparing keys in Python is cheap.
    for org_id, other in db.execute("SELECT id, name FROM organisations ORDER BY id").fetchall():
        if normalise_name(other) == key:
            return get_organisation(db, org_id)
    return None


def resolve_organisation(db: sqlite_utils.Database, name_or_id: str | int) -> int:
    """The id of an existing organisation; raises UnknownOrganisation with a readable message."""
    found = find_organisation(db, name_or_id)
    if found is None:
        raise UnknownOrganisation(f"no organisation called {name_or_id!r}")
    return found["id"]


def _log(
    db: sqlite_utils.Database,
    org_id: int,
    change: Change,
    who: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    record(
        db,
        who=who,
        entity=Entity.ORGANISATION,
        entity_id=org_id,
        change=change,
        before=before,
        after=after,
        note=note,
    )


def _insert(
    db: sqlite_utils.Database,
    name: str,
    org_type: str,
    who: str | None,
    parent_id: int | None = None,
    contact_role: str | None = None,
) -> int:
    """A new organisations row and its 'added' entry (in the caller's transaction)."""
    org_id = db.execute(
        "INSERT INTO organisations (name, type, parent_id, contact_role, created_at) VALUES (?, ?, ?, ?, ?)",
        [name, org_type, parent_id, contact_role or None, now_iso()],
    ).lastrowid
    after = {"name": name, "type": org_type, "parent_id": parent_id, "contact_role": contact_role or None}
    _log(db, org_id, Change.ADDED, who, after=after)
    return org_id


def ensure_organisation(
    db: sqlite_utils.Database, name: str, org_type: str | None = None, *, who: str | None = None
) -> int:
    """The id of the organisation with this name (variants tolerated), created when new.

    A type given for an existing organisation only replaces 'other' (a guess), never a type someone set.
    Raises ValueError when `name` names no organisation (see organisation_name)."""
    if organisation_name(name) is None:
        raise ValueError(f"{name!r} is not an organisation's name")
    found = find_organisation(db, name)
    org_type = parse_org_type(org_type) if org_type else None
    with db.atomic():
        if found:
            if org_type and found["type"] == OrgType.OTHER and org_type != OrgType.OTHER:
                db.execute("UPDATE organisations SET type = ? WHERE id = ?", [org_type, found["id"]])
                _log(db, found["id"], Change.RETYPED, who, {"type": found["type"]}, {"type": org_type})
            return found["id"]
        return _insert(db, _clean(name), org_type or infer_type(name), who)


def _check_type(org_type: str) -> str:
    parsed = parse_org_type(org_type)
    if parsed is None:
        raise ValueError(f"unknown organisation type {org_type!r}; use one of: {', '.join(values(OrgType))}")
    return parsed


def add_organisation(
    db: sqlite_utils.Database,
    name: str,
    org_type: str | None = None,
    *,
    parent: str | int | None = None,
    contact_role: str | None = None,
    who: str | None = None,
) -> int:
    """Register a new organisation (type inferred from the name when not given); ValueError if it exists."""
    name = organisation_name(name) or ""
    if not name:
        raise ValueError("an organisation needs a name (not blank, punctuation or a placeholder like n/a)")
    existing = find_organisation(db, name)
    if existing:
        raise ValueError(f"organisation {existing['name']!r} already exists (id {existing['id']})")
    checked = _check_type(org_type) if org_type else infer_type(name)
    with db.atomic():
        parent_id = resolve_organisation(db, parent) if parent is not None else None
        return _insert(db, name, checked, who, parent_id, contact_role)


def get_organisation(db: sqlite_utils.Database, org_id: int) -> dict[str, Any] | None:
    """One organisation as a dict (id, name, type, parent_id, parent, contact_role, created_at)."""
    rows = list(
        db.query(
            "SELECT o.*, p.name AS parent FROM organisations o"
            " LEFT JOIN organisations p ON p.id = o.parent_id"
            " WHERE o.id = ?",
            [org_id],
        )
    )
    return dict(rows[0]) if rows else None


def _set(
    db: sqlite_utils.Database, org_id: int, column: str, value: Any, change: Change, who: str | None
) -> bool:
    """Change one column of an organisation and log it; False (and no entry) when it already had it."""
    old = db.execute(f"SELECT {column} FROM organisations WHERE id = ?", [org_id]).fetchone()[0]
    if old == value:
        return False
    with db.atomic():
        db.execute(f"UPDATE organisations SET {column} = ? WHERE id = ?", [value, org_id])
        _log(db, org_id, change, who, {column: old}, {column: value})
    return True


def rename_organisation(
    db: sqlite_utils.Database, org: str | int, new_name: str, *, who: str | None = None
) -> None:
    """Rename; ValueError when another organisation already has that name (merge them instead)."""
    org_id = resolve_organisation(db, org)
    new_name = organisation_name(new_name) or ""
    if not new_name:
        raise ValueError("the new name is empty (or only punctuation or a placeholder like n/a)")
    clash = find_organisation(db, new_name)
    if clash and clash["id"] != org_id:
        raise ValueError(f"{clash['name']!r} already exists; merge the two organisations instead")
    _set(db, org_id, "name", new_name, Change.RENAMED, who)


def set_type(db: sqlite_utils.Database, org: str | int, org_type: str, *, who: str | None = None) -> None:
    """Change an organisation's type (one of vocab.OrgType, or a common spelling of one)."""
    checked = _check_type(org_type)
    _set(db, resolve_organisation(db, org), "type", checked, Change.RETYPED, who)


def set_contact_role(
    db: sqlite_utils.Database, org: str | int, role: str | None, *, who: str | None = None
) -> None:
    """Record who to contact there (a role, e.g. 'Director of Digital'), or clear it with None."""
    _set(db, resolve_organisation(db, org), "contact_role", role or None, Change.EDITED, who)


def _ancestors(db: sqlite_utils.Database, org_id: int) -> list[int]:
    chain, seen = [], set()
    current = db.execute("SELECT parent_id FROM organisations WHERE id = ?", [org_id]).fetchone()
    while current and current[0] is not None and current[0] not in seen:
        seen.add(current[0])
        chain.append(current[0])
        current = db.execute("SELECT parent_id FROM organisations WHERE id = ?", [current[0]]).fetchone()
    return chain


def set_parent(
    db: sqlite_utils.Database, org: str | int, parent: str | int | None, *, who: str | None = None
) -> None:
    """Place an organisation under another (an ICS contains its ICB and trusts); None detaches it.

    Raises ValueError when that would make a cycle (an organisation inside itself)."""
    org_id = resolve_organisation(db, org)
    parent_id = resolve_organisation(db, parent) if parent is not None else None
    if parent_id is not None and (parent_id == org_id or org_id in _ancestors(db, parent_id)):
        raise ValueError("an organisation cannot be placed inside itself or one of its own members")
    _set(db, org_id, "parent_id", parent_id, Change.REPARENTED, who)


# What a merge moves from the duplicate to the organisation kept: (table, column, extra condition).
_MERGE_MOVES = {
    "actions": ("actions", "organisation_id", ""),
    "documents": ("documents", "organisation_id", ""),
    "children": ("organisations", "parent_id", " AND id != :keep"),
}


def _move(db: sqlite_utils.Database, what: str, keep_id: int, dup_id: int) -> list[int]:
    """Point the duplicate's rows of one kind at the organisation kept; the ids moved (for the log)."""
    table, column, extra = _MERGE_MOVES[what]
    where = f"{column} = :dup{extra}"
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT id FROM {table} WHERE {where} ORDER BY id", {"dup": dup_id, "keep": keep_id}
        )
    ]
    db.execute(f"UPDATE {table} SET {column} = :keep WHERE {where}", {"dup": dup_id, "keep": keep_id})
    return ids


def merge_organisations(
    db: sqlite_utils.Database, keep: str | int, duplicate: str | int, *, who: str | None = None
) -> dict[str, int]:
    """Fold a duplicate into the organisation kept: its actions, documents and member organisations move
    over, then the duplicate is deleted. One transaction; returns counts of what moved.

    The log entry (on the organisation kept) holds what reverses it: the removed organisation's row, the
    kept one's before and after, and the ids of the actions, documents and members that moved."""
    keep_id = resolve_organisation(db, keep)
    dup_id = resolve_organisation(db, duplicate)
    if keep_id == dup_id:
        raise ValueError("cannot merge an organisation with itself")
    with db.atomic():
        kept, dup = get_organisation(db, keep_id), get_organisation(db, dup_id)
        moved_ids = {what: _move(db, what, keep_id, dup_id) for what in _MERGE_MOVES}
        moved = {what: len(ids) for what, ids in moved_ids.items()}
        # The kept one inherits what it lacks; if it sat under the duplicate it takes the duplicate's place.
        parent_id = kept["parent_id"]
        if parent_id == dup_id or parent_id is None:
            parent_id = dup["parent_id"] if dup["parent_id"] != keep_id else None
        org_type = kept["type"] if kept["type"] != OrgType.OTHER else dup["type"]
        db.execute(
            "UPDATE organisations SET parent_id = ?, type = ?, contact_role = coalesce(contact_role, ?)"
            " WHERE id = ?",
            [parent_id, org_type, dup["contact_role"], keep_id],
        )
        db.execute("DELETE FROM organisations WHERE id = ?", [dup_id])
        after = {"kept": get_organisation(db, keep_id), **{f"moved_{k}": ids for k, ids in moved_ids.items()}}
        note = f"{dup['name']} (id {dup_id}) merged into {kept['name']} (id {keep_id})"
        _log(db, keep_id, Change.MERGED, who, {"kept": kept, "removed": dup}, after, note)
    return moved


def delete_organisation(db: sqlite_utils.Database, org: str | int, *, who: str | None = None) -> None:
    """Delete an organisation that owns no actions, deleted ones included; ValueError otherwise (merge it
    into another instead: a deleted action that is restored must still have its organisation)."""
    org_id = resolve_organisation(db, org)
    count = db.execute("SELECT count(*) FROM actions WHERE organisation_id = ?", [org_id]).fetchone()[0]
    if count:
        raise ValueError(f"the organisation still has {count} action(s); merge it into another instead")
    with db.atomic():
        before = get_organisation(db, org_id)
        db.execute("DELETE FROM organisations WHERE id = ?", [org_id])
        _log(db, org_id, Change.DELETED, who, before=before)


def list_organisations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every organisation, by name, with its parent's name and action counts (actions, open, done)."""
    rows = db.query(
        f"""
        SELECT o.id, o.name, o.type, o.parent_id, p.name AS parent, o.contact_role, o.created_at,
               count(a.id) AS actions,
               coalesce(sum(CASE WHEN a.status IN {sql_in(OPEN_STATUSES)} THEN 1 ELSE 0 END), 0) AS open,
               coalesce(sum(CASE WHEN a.status = '{Status.DONE}' THEN 1 ELSE 0 END), 0) AS done,
               coalesce(sum(CASE WHEN a.status = '{Status.BLOCKED}' THEN 1 ELSE 0 END), 0) AS blocked
        FROM organisations o
        LEFT JOIN organisations p ON p.id = o.parent_id
        LEFT JOIN actions a ON a.organisation_id = o.id AND a.deleted_at IS NULL
        GROUP BY o.id, p.name ORDER BY o.name COLLATE NOCASE
        """
    )
    return [dict(r) for r in rows]


def organisation_tree(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Organisations nested under their parents (each dict gains 'children'), roots sorted by name."""
    nodes = {o["id"]: {**o, "children": []} for o in list_organisations(db)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots


def organisation_id_named(db: sqlite_utils.Database, name: str) -> int | None:
    """The id of the organisation with exactly this name (any case); None when there is none."""
    row = db.execute("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", [name.strip()]).fetchone()
    return row[0] if row else None
