"""The vocabulary is written once: desktop/ spells no status, type or kind itself, and each one has a look."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from knowledge.vocab import DocumentKind, LinkState, OrgType, Rag, Status

DESKTOP = Path(__file__).resolve().parent.parent / "desktop"
# Words that are vocabulary and nothing else. "other" and "report" are left out: they are ordinary
# English in labels and messages ("Other…", "the report"), so a hit would not mean a copied vocabulary.
UNAMBIGUOUS = (
    {status.value for status in Status}
    | {org_type.value for org_type in OrgType if org_type is not OrgType.OTHER}
    | {kind.value for kind in DocumentKind if kind not in (DocumentKind.REPORT, DocumentKind.OTHER)}
    | {state.value for state in LinkState}
)


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr):
            found.add(id(node.body[0].value))
    return found


def vocabulary_literals(source: str) -> list[tuple[int, str]]:
    """(line, word) for each string constant in `source` that is a vocabulary value (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in UNAMBIGUOUS
        and id(node) not in docstrings
    )


def test_the_scan_finds_a_status_written_out_but_not_ordinary_words():
    source = '"""Lists what is blocked."""\nx = row["status"] == "blocked"\nlabel = "Other" + "report"\n'
    assert vocabulary_literals(source) == [(2, "blocked")]


def test_desktop_spells_no_status_type_or_kind_outside_the_vocabulary():
    hits = [
        f"{path.relative_to(DESKTOP.parent)}:{line}: {word!r}"
        for path in sorted(DESKTOP.rglob("*.py"))
        for line, word in vocabulary_literals(path.read_text(encoding="utf-8"))
    ]
    assert not hits, "use knowledge.vocab instead of these literals:\n" + "\n".join(hits)


@pytest.fixture
def style():
    from desktop import style

    return style


def test_every_status_rating_and_link_state_has_its_own_colour(style):
    from PySide6.QtGui import QColor

    for enum, colours in (
        (Status, style.STATUS_COLORS),
        (Rag, style.RAG_COLORS),
        (LinkState, style.LINK_COLORS),
    ):
        assert set(colours) == set(enum), enum.__name__
        assert all(QColor(colour).isValid() for colour in colours.values())
        assert len(set(colours.values())) == len(enum), f"two {enum.__name__} values look alike"
    assert style.status_color(Status.BLOCKED) == style.STATUS_COLORS["blocked"]  # stored strings work too
    assert style.status_color("a status from a newer version") == style.UNKNOWN_COLOR


def test_labels_in_the_window_are_the_vocabularys(style):
    assert style.status_label("in_progress") == Status.IN_PROGRESS.display == "In progress"
    assert style.kind_label("roundtable_notes") == DocumentKind.ROUNDTABLE_NOTES.label == "Roundtable notes"
    assert style.org_type_label("icb") == "ICB"
    assert list(style.STATUS_LABELS) == [status.value for status in Status]


def test_status_icons_are_dots_of_the_status_colour(qapp, style):
    icon = style.status_icon(Status.DONE)
    image = icon.pixmap(12, 12).toImage()
    assert image.pixelColor(6, 6).name() == style.STATUS_COLORS[Status.DONE]
    assert image.pixelColor(0, 0).alpha() == 0  # a dot, not a square


def test_status_display_gives_table_words_for_stored_and_unknown_statuses():
    from knowledge.vocab import status_display

    assert status_display("in_progress") == Status.IN_PROGRESS.display == "In progress"
    assert [status_display(s.value) for s in Status] == [s.display for s in Status]
    assert status_display("on_hold") == "On hold"  # a newer database's status: words, not code
    assert status_display(None) == status_display("") == "–"


def test_report_tables_show_statuses_in_the_vocabularys_words():
    from knowledge.reports.common import status_cell

    assert status_cell("in_progress") == "In progress"
    assert status_cell("blocked", overdue=True) == "Blocked (overdue)"
