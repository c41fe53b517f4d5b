"""The record's vocabulary: statuses, organisation and document kinds, reports, RAG, links, log entries."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

# Each enum's value is what the database stores and the command line accepts; StrEnum members compare equal
# to those strings, so rows read back from SQLite and JSON written out need no conversion. Labels are the
# words a person reads; colours and icons belong to the desktop layer (desktop/style.py).


class Status(StrEnum):
    """An action's status."""

    NOT_STARTED = "not_started"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """Lower-case words for running text ("in progress")."""
        return self.value.replace("_", " ")

    @property
    def display(self) -> str:
        """Sentence-case words for a column or a chip ("In progress")."""
        return self.label.capitalize()

    @property
    def letter(self) -> str:
        """One letter for dense text tables (the CLI dashboard)."""
        return _STATUS_LETTERS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


def status_display(value: str | None) -> str:
    """A stored status as a column or table cell shows it ("In progress"); a value this version does not
    know (a newer database) reads in words rather than as code, and a missing one as a dash."""
    if not value:
        return "–"
    if value in _STATUS_VALUES:
        return Status(value).display
    return str(value).replace("_", " ").capitalize()


_STATUS_VALUES = frozenset(status.value for status in Status)
_STATUS_LETTERS = {
    Status.NOT_STARTED: "N",
    Status.PLANNED: "P",
    Status.IN_PROGRESS: "I",
    Status.BLOCKED: "B",
    Status.DONE: "D",
    Status.DROPPED: "X",
}
OPEN_STATUSES: tuple[Status, ...] = (Status.NOT_STARTED, Status.PLANNED, Status.IN_PROGRESS, Status.BLOCKED)
CLOSED_STATUSES: tuple[Status, ...] = (Status.DONE, Status.DROPPED)
# Worst first: what a dashboard cell shows as its "worst status".
SEVERITY: tuple[Status, ...] = (
    Status.BLOCKED,
    Status.NOT_STARTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.DONE,
    Status.DROPPED,
)


class OrgType(StrEnum):
    """The kind of organisation an action belongs to (and a recommendation is addressed to)."""

    ICB = "icb"
    ICS = "ics"
    TRUST = "trust"
    IMAGING_NETWORK = "imaging_network"
    VENDOR = "vendor"
    REGULATOR = "regulator"
    GOVERNMENT = "government"
    NATIONAL_BODY = "national_body"
    PROFESSIONAL_BODY = "professional_body"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ORG_TYPE_LABELS[self]


_ORG_TYPE_LABELS = {
    OrgType.ICB: "ICB",
    OrgType.ICS: "ICS",
    OrgType.TRUST: "Trust",
    OrgType.IMAGING_NETWORK: "Imaging network",
    OrgType.VENDOR: "Vendor",
    OrgType.REGULATOR: "Regulator",
    OrgType.GOVERNMENT: "Government",
    OrgType.NATIONAL_BODY: "National body",
    OrgType.PROFESSIONAL_BODY: "Professional body",
    OrgType.OTHER: "Other",
}


class DocumentKind(StrEnum):
    """What a document is; set on import (--kind) or guessed by its reader."""

    REPORT = "report"
    ROUNDTABLE_NOTES = "roundtable_notes"
    MINUTES = "minutes"
    GUIDANCE = "guidance"
    TRACKER = "tracker"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The kinds that record a meeting: who agreed to do what (actions are drafted from them).
NOTES_KINDS: tuple[DocumentKind, ...] = (DocumentKind.ROUNDTABLE_NOTES, DocumentKind.MINUTES)


class Rag(StrEnum):
    """A red/amber/green rating of an action (grey: dropped)."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    GREY = "grey"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LinkState(StrEnum):
    """Where a suggested action -> recommendation link stands."""

    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LinkOrigin(StrEnum):
    """Who proposed a link: the matching model, a tracker column, a person, or roundtable notes."""

    MODEL = "model"
    TRACKER = "tracker"
    USER = "user"
    NOTES = "notes"


class ReportKind(StrEnum):
    """The reports `roundtable export` writes (each registered in knowledge.reports)."""

    RECOMMENDATION = "recommendation"
    ORGANISATION = "organisation"
    ROUNDTABLE = "roundtable"
    BRIEFING = "briefing"
    TRACKER = "tracker"  # every action, as a table and as a workbook (export tracker --xlsx)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Entity(StrEnum):
    """What a change-log entry is about (`roundtable log --entity KIND`)."""

    ACTION = "action"
    LINK = "link"  # an action -> recommendation link; its entry's entity_id is the action's id
    EVIDENCE = "evidence"
    ORGANISATION = "organisation"
    DOCUMENT = "document"
    RECOMMENDATION_SET = "recommendation_set"
    RETURN = "return"
    MEMBER = "member"  # a person of a team workspace; its entry's entity_id is None, the login in `after`
    WORKSPACE = "workspace"  # the whole workspace moved (workspace push/pull); entity_id None

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Change(StrEnum):
    """What happened to an entity; ENTITY_CHANGES says which changes each entity has."""

    CREATED = "created"
    UPDATED = "updated"  # a progress update that changed neither status nor percent (a note)
    STATUS = "status"
    PERCENT = "percent"
    DUE = "due"
    EDITED = "edited"
    ACCEPTED = "accepted"
    DELETED = "deleted"
    RESTORED = "restored"
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REMOVED = "removed"
    ADDED = "added"
    RENAMED = "renamed"
    MERGED = "merged"
    RETYPED = "retyped"
    REPARENTED = "reparented"
    IMPORTED = "imported"
    LOADED = "loaded"
    CHANGED = "changed"
    PUSHED = "pushed"  # copied from a database file into a team workspace
    PULLED = "pulled"  # copied from a team workspace into a database file

    @property
    def label(self) -> str:
        return self.value.capitalize()


C = Change
ENTITY_CHANGES: dict[Entity, tuple[Change, ...]] = {
    Entity.ACTION: (
        *(C.CREATED, C.UPDATED, C.STATUS, C.PERCENT, C.DUE, C.EDITED, C.ACCEPTED, C.DELETED, C.RESTORED),
    ),
    Entity.LINK: (C.SUGGESTED, C.CONFIRMED, C.REJECTED, C.REMOVED),
    Entity.EVIDENCE: (C.ADDED, C.REMOVED),
    Entity.ORGANISATION: (C.ADDED, C.RENAMED, C.MERGED, C.RETYPED, C.REPARENTED, C.EDITED, C.DELETED),
    Entity.DOCUMENT: (C.IMPORTED, C.EDITED, C.DELETED, C.RESTORED),
    Entity.RECOMMENDATION_SET: (C.LOADED, C.CHANGED, C.DELETED),
    Entity.RETURN: (C.IMPORTED,),
    Entity.MEMBER: (C.ADDED, C.CHANGED, C.REMOVED),
    Entity.WORKSPACE: (C.PUSHED, C.PULLED),
}
# The who of history rows moved into the change log from databases that did not record one.
BEFORE_THE_LOG = "unknown (before the change log)"
# The change a link entry records when a link reaches each state.
LINK_CHANGES: dict[LinkState, Change] = {
    LinkState.SUGGESTED: C.SUGGESTED,
    LinkState.CONFIRMED: C.CONFIRMED,
    LinkState.REJECTED: C.REJECTED,
}


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The stored strings of an enum, in declaration order (for CHECK constraints and CLI choices)."""
    return tuple(member.value for member in enum)


def sql_in(members: Iterable[StrEnum]) -> str:
    """An SQL list literal of an enum's values (or of some members, e.g. OPEN_STATUSES), in order: for
    CHECK (col IN ...) in migrations and for status filters in queries."""
    return "(" + ", ".join(f"'{member.value}'" for member in members) + ")"
