"""Organisations: the bodies that own actions (ICBs, trusts, vendors, regulators...)."""

from __future__ import annotations

import re

import sqlite_utils

from knowledge.db import ORG_TYPES, now_iso

# Ordered: the first pattern that matches the name decides. Checked case-insensitively.
_TYPE_PATTERNS: list[tuple[str, str]] = [
    (r"\bintegrated care system\b|\bICS\b", "ics"),
    (r"\bintegrated care board\b|\bICB\b", "icb"),
    (r"\bimaging network\b|\bdiagnostic network\b", "imaging_network"),
    (r"\bNHS Resolution\b|\bNHS England\b|\bNHS Digital\b|\bNHS Improvement\b|\bHealth Education England\b",
     "national_body"),
    (r"\bMHRA\b|\bMedicines and Healthcare products Regulatory Agency\b|\bNICE\b|"
     r"\bNational Institute for Health and Care Excellence\b|\bCare Quality Commission\b|\bCQC\b", "regulator"),
    (r"\bDepartment of Health\b|\bDHSC\b|\bHM Treasury\b|\bCabinet Office\b", "government"),
    (r"\bRoyal College\b|\bSociety of Radiographers\b|\bBMA\b|\bBritish Medical Association\b", "professional_body"),
    (r"\bNHS (Foundation )?Trust\b|\bNHS FT\b|\bHospitals?\b|\bInfirmary\b|\bFoundation Trust\b", "trust"),
    (r"\bLtd\b|\bLimited\b|\bplc\b|\bInc\b|\bLLC\b|\bGmbH\b|\bAI\b$|\bHealthineers\b|\bDiagnostics\b$", "vendor"),
]


def infer_type(name: str) -> str:
    """Guess an organisation's type from its name ('... NHS Foundation Trust' is a trust)."""
    for pattern, org_type in _TYPE_PATTERNS:
        if re.search(pattern, name, flags=re.IGNORECASE if pattern.islower() else 0) or re.search(
            pattern, name, flags=re.IGNORECASE
        ):
            return org_type
    return "other"


def ensure_organisation(db: sqlite_utils.Database, name: str, org_type: str | None = None) -> int:
    """The id of the organisation with this name (case-insensitive), created when new."""
    name = " ".join(name.split())
    row = db.execute("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", [name]).fetchone()
    if row:
        return row[0]
    if org_type not in ORG_TYPES:
        org_type = infer_type(name)
    return db.execute(
        "INSERT INTO organisations (name, type, created_at) VALUES (?, ?, ?)", [name, org_type, now_iso()]
    ).lastrowid
