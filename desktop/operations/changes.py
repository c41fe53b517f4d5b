"""What an operation changed: the window refreshes only the pages that show it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """Which kinds of record an operation wrote (as Anki's OpChanges: flags, not the records)."""

    documents: bool = False
    passages: bool = False  # passages and the search indexes derived from them
    actions: bool = False
    links: bool = False  # action-recommendation links and evidence links
    organisations: bool = False
    recommendations: bool = False
    roundtables: bool = False

    @classmethod
    def everything(cls) -> Changes:
        """For writes we cannot see into: another program's commit, F5, a restored database."""
        return cls(**{f.name: True for f in fields(cls)})

    def names(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name)}

    def touches(self, other: Changes) -> bool:
        """Whether the two share a kind: a page showing `self` must refresh after `other`."""
        return bool(self.names() & other.names())

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{name: True for name in self.names() | other.names()})

    def __bool__(self) -> bool:
        return bool(self.names())


NOTHING = Changes()


@dataclass
class Result(Generic[T]):
    """An operation's answer: its value (for the message or the next step) and what it changed."""

    value: T
    changes: Changes = field(default_factory=Changes)
