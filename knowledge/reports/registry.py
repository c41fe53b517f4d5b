"""The report kinds: what each one is about, how it is built, what a person picks from; build_report()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import sqlite_utils

from knowledge.codebook import BUILTIN_SET, list_recommendations
from knowledge.vocab import ReportKind

Target = Literal["number", "name", "id"]
Evidence = dict[int, list[dict[str, Any]]]  # passages found by search, per recommendation number
# builder(db, target, *, evidence, as_at=..., redact=..., **options) -> markdown
Builder = Callable[..., str]
# Every report takes these: its date, redaction, and whether it shows the record as it stood on that date
# (`export --as-at`) rather than today's record judged on it.
COMMON_OPTIONS = ("as_at", "redact", "as_recorded")


class ReportError(LookupError):
    """The thing a report was asked for does not exist; str() is one line for the user."""


@dataclass(frozen=True)
class ReportKindSpec:
    """One kind of report. `target` says what it is about (a recommendation number, an organisation name,
    a roundtable id; None: the whole workspace); `options` are the keywords it takes beyond as_at and
    redact; `evidence_for(db, target)` names the recommendations whose evidence it quotes (the caller
    searches, since this layer does not); `targets(db)` lists (label, value) pairs a person picks from;
    `workbook(db, target, as_at=..., redact=...)` gives the report as a spreadsheet (an openpyxl
    Workbook) for the kinds that have one."""

    kind: ReportKind
    label: str
    target: Target | None
    builder: Builder
    options: tuple[str, ...] = ()
    evidence_for: Callable[[sqlite_utils.Database, Any], list[int]] | None = None
    targets: Callable[[sqlite_utils.Database], list[tuple[str, Any]]] | None = None
    workbook: Callable[..., Any] | None = None

    @property
    def target_text(self) -> str:
        """'recommendation number', 'organisation name', 'roundtable id' (or '' without a target)."""
        return f"{self.kind} {self.target}" if self.target else ""

    def parse_target(self, value: Any) -> Any:
        """The target as the builder takes it (an int for numbers and ids, a stripped name); ValueError
        with a one-line reason when it is missing, unwanted or not a number."""
        given = value is not None and str(value).strip() != ""
        if self.target is None:
            if given:
                raise ValueError(f"{self.kind} takes no target")
            return None
        if not given:
            raise ValueError(f"{self.kind} needs a {self.target}")
        if self.target == "name":
            return str(value).strip()
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"expected a {self.target_text}, got {value!r}") from None

    def target_choices(self, db: sqlite_utils.Database, set_slug: str | None = None) -> list[tuple[str, Any]]:
        """The (label, value) pairs a person picks a target from. Recommendation numbers are per set, so a
        kind targeted by number lists one set's recommendations: `set_slug`'s, else the built-in set's;
        the other kinds are not numbered by set and ignore it."""
        if self.targets is None:
            return []
        if self.target == "number":
            return recommendation_targets(db, set_slug)
        return self.targets(db)

    def evidence_wanted(self, db: sqlite_utils.Database, target: Any) -> list[int]:
        """The recommendation numbers to find evidence for (none for a report that quotes no search)."""
        return self.evidence_for(db, target) if self.evidence_for else []


_KINDS: dict[str, ReportKindSpec] = {}


def recommendation_targets(db: sqlite_utils.Database, set_slug: str | None = None) -> list[tuple[str, Any]]:
    """("R1: title", 1) for each recommendation of one set (the built-in set unless `set_slug` names
    another). Never every set's at once: each set numbers its own from 1, so a mixed list offers two R1s
    and the number picked would build the built-in set's report whichever was meant."""
    return [(f"R{r.number}: {r.title}", r.number) for r in list_recommendations(db, set_slug or BUILTIN_SET)]


def register(spec: ReportKindSpec) -> ReportKindSpec:
    """Add a report kind (each kind's module calls this once, on import). A kind targeted by recommendation
    number lists its targets per set (recommendation_targets), whatever list its module gave, so callers
    of `spec.targets(db)` get the built-in set's numbers and target_choices(db, slug) another set's."""
    if spec.target == "number" and spec.targets is not None:
        spec = replace(spec, targets=recommendation_targets)
    _KINDS[spec.kind.value] = spec
    return spec


def kinds() -> tuple[str, ...]:
    """The registered kinds' names, in the vocabulary's order (the command line's choices)."""
    return tuple(spec.kind.value for spec in specs())


def specs() -> list[ReportKindSpec]:
    """Every registered kind, in the vocabulary's order (whatever order the modules were imported in)."""
    order = list(ReportKind)
    return sorted(_KINDS.values(), key=lambda spec: order.index(spec.kind))


def get(kind: str) -> ReportKindSpec:
    """The spec of a kind; ValueError naming the choices for an unknown one."""
    try:
        return _KINDS[str(kind)]
    except KeyError:
        raise ValueError(f"unknown report {kind!r}; choose one of {', '.join(_KINDS)}") from None


def build_report(
    db: sqlite_utils.Database,
    kind: str,
    target: Any = None,
    *,
    evidence: Evidence | None = None,
    **options: Any,
) -> str:
    """The markdown of any report. `evidence` holds passages found by search per recommendation number
    (see ReportKindSpec.evidence_wanted). Raises ValueError for an unknown kind or a bad target,
    TypeError for an option the kind does not take and ReportError for a target that does not exist."""
    spec = get(kind)
    unknown = sorted(set(options) - {*COMMON_OPTIONS, *spec.options})
    if unknown:
        raise TypeError(f"the {spec.kind} report takes no {', '.join(unknown)} option")
    return spec.builder(db, spec.parse_target(target), evidence=evidence or {}, **options)


def build_workbook(db: sqlite_utils.Database, kind: str, target: Any = None, **options: Any) -> Any:
    """The report as an openpyxl Workbook (as_at and redact as for build_report); ValueError for a kind
    that has no spreadsheet form, naming the kinds that do."""
    spec = get(kind)
    if spec.workbook is None:
        having = ", ".join(s.kind.value for s in specs() if s.workbook) or "none"
        raise ValueError(f"the {spec.kind} report has no spreadsheet form (reports that have one: {having})")
    unknown = sorted(set(options) - set(COMMON_OPTIONS))
    if unknown:
        raise TypeError(f"the {spec.kind} workbook takes no {', '.join(unknown)} option")
    return spec.workbook(db, spec.parse_target(target), **options)
