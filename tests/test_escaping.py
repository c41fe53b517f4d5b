"""Text from documents and people is shown, never obeyed: in markdown and HTML exports and in the window.

A `<script>` in a document title never runs or survives into HTML; markdown in a passage or an action
(links, emphasis, tables, headings, code fences) reads as the characters typed, in the .md file, in its
HTML rendering and on screen.
"""

from __future__ import annotations

import json
import string
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cli import main
from knowledge.actions import (
    create_action,
    link_evidence,
    link_recommendation,
    recommendation_id,
    update_progress,
)
from knowledge.reports import md_escape, md_line, render_html, safe_url
from knowledge.roundtables import create_roundtable, link_document
from knowledge.workspace import open_db

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** "
    "| a | b | # heading ``` &lt;i&gt;"
)
TITLE = "<b>Bold</b> <script>x</script>"
ORGANISATION = "<img src=x onerror=alert(2)> | # Kent ICB"
PASSAGES = [
    "Digital procurement strategies and information governance for every ICB.",
    "<script>x</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
    "# heading",
    "| a | b |\n|---|---|\n| c | d |",
    "```\ncode fence\n```",
]


class Page(HTMLParser):
    """What a browser would make of a page: the tags and attributes it builds, and the text it shows."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())


def assert_inert(html: str) -> Page:
    """Nothing in the page can run or load: no script or embedded content, no event handler attributes,
    no link or image address but http(s) and mailto."""
    page = Page(html)
    for tag, attrs in page.tags:
        assert tag not in {"script", "iframe", "object", "embed", "svg"}, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                assert safe_url(attrs[name]), (tag, attrs)
    return page


# ---- the markdown helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        TITLE,
        *PASSAGES,
        "1. not a list",
        "- not a bullet",
        "+ nor this",
        "---",
        "> not a quote",
        "C#",
    ],
)
def test_escaped_text_renders_as_exactly_the_characters_typed(text):
    html = markdown.markdown(md_line(text), extensions=["tables", "sane_lists"])
    page = assert_inert(html)
    assert [tag for tag, _ in page.tags] == ["p"]
    assert page.text == " ".join(text.split())


# Every printable ASCII character (markdown's syntax is all ASCII), in each place a report puts text.
CONTEXTS = {
    "heading": ("### {}", {"h3"}),
    "quote": ("> {}\n>\n> — *Title*", {"blockquote", "p", "em"}),
    "table cell": ("| A | B |\n|---|---|\n| {} | x |", {"table", "thead", "tbody", "tr", "th", "td"}),
    "bullet": ("- **Chair:** {}", {"ul", "li", "strong"}),
}


@settings(max_examples=200)
@given(
    text=st.text(alphabet=string.printable + "é医🙂\u00a0", max_size=40),
    where=st.sampled_from(sorted(CONTEXTS)),
)
def test_no_text_changes_the_structure_around_it(text, where):
    template, structure = CONTEXTS[where]
    page = Page(markdown.markdown(template.format(md_line(text)), extensions=["tables", "sane_lists"]))
    assert {tag for tag, _ in page.tags} <= structure
    assert " ".join(text.split()) in page.text


def test_md_escape_keeps_a_line_on_one_line_and_entities_literal():
    assert md_escape("a\nb\r\n\tc") == "a b c"
    assert md_escape("AT&T &lt;b&gt;") == "AT&amp;T &amp;lt;b&amp;gt;"


def test_the_html_renderer_refuses_raw_html_and_unsafe_links_whatever_markdown_it_gets():
    md = (
        "# Title <script>alert(1)</script>\n\n<div onclick=alert(2)>block</div>\n\n"
        "<img src=x onerror=alert(3)> [a](javascript:alert(4)) [b](JaVa\tScRiPt:alert(5)) "
        "[c](&#106;avascript:alert(6)) ![d](data:text/html,x) [e](vbscript:x) [ok](https://example.org) "
        "<http://example.org/auto> <mailto:someone@example.org>\n\n[ref]: javascript:alert(7)\n\n[f][ref]\n"
    )
    html = render_html(md, "Title")
    page = assert_inert(html)
    assert "<script>alert(1)</script>" in page.text and "<div onclick=alert(2)>block</div>" in page.text
    assert "<img src=x onerror=alert(3)>" in page.text
    links = [attrs.get("href") for tag, attrs in page.tags if tag == "a"]
    assert links == [
        None,
        None,
        None,
        None,
        "https://example.org",
        "http://example.org/auto",
        links[-2],
        None,
    ]
    assert links[-2] and links[-2].startswith("mailto:")  # python-markdown hides the address in entities


# ---- every report, through `roundtable export` ------------------------------------------------------------


@pytest.fixture
def hostile_workspace(db_path, tmp_path, capsys, hashing_embedder):
    """A document, organisation, action, progress note and roundtable whose every text is hostile."""
    source = tmp_path / "hostile.jsonl"
    record = {
        "id": "H1",
        "title": TITLE,
        "text": "\n\n".join(PASSAGES),
        "org": ORGANISATION,
        "kind": "report",
    }
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert main(["--db", str(db_path), "import", str(source)]) == 0
    capsys.readouterr()
    db = open_db(db_path)
    document_id = db.execute("SELECT id FROM documents WHERE external_id = 'H1'").fetchone()[0]
    passage_id = db.execute("SELECT min(id) FROM passages WHERE document_id = ?", [document_id]).fetchone()[0]
    roundtable = create_roundtable(
        db,
        title=f"Roundtable {HOSTILE}",
        date="2024-03-14",
        chair=HOSTILE,
        host=ORGANISATION,
        partners=[HOSTILE],
    )
    link_document(db, roundtable, document_id)
    action = create_action(
        db, text=f"Review {HOSTILE}", organisation=ORGANISATION, owner=HOSTILE, roundtable_id=roundtable
    )
    link_recommendation(db, action, recommendation_id(db, 9), state="confirmed", origin="user")
    update_progress(db, action, status="in_progress", percent=20, note=f"Note {HOSTILE}", who=HOSTILE)
    link_evidence(db, passage_id, recommendation_id=recommendation_id(db, 9), note=HOSTILE)
    db.conn.close()
    return {"roundtable": roundtable}


@pytest.mark.parametrize("kind", ["recommendation", "organisation", "roundtable", "briefing"])
def test_every_report_shows_hostile_text_literally_and_runs_none_of_it(
    hostile_workspace, db_path, tmp_path, capsys, kind
):
    target = {"recommendation": ["9"], "organisation": [ORGANISATION], "roundtable": ["1"], "briefing": []}[
        kind
    ]
    md_path, html_path = tmp_path / f"{kind}.md", tmp_path / f"{kind}.html"
    argv = ["--db", str(db_path), "export", kind, *target, "--out", str(md_path), "--html", str(html_path)]
    assert main([*argv, "--evidence", "keyword"]) == 0, capsys.readouterr().err
    md, html = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    # The HTML export: nothing runs, and the reader sees the characters that were typed.
    page = assert_inert(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert f"Review {HOSTILE}" in page.text
    assert "<img src=x onerror=alert(2)> | # Kent ICB" in page.text
    if kind in ("recommendation", "briefing"):  # the quoted passage and its citation
        assert TITLE in page.text and "<script>x</script> <img src=x onerror=alert(1)>" in page.text
    # The .md file is safe in any renderer, even one that passes raw HTML through (python-markdown's default).
    plain = assert_inert(markdown.markdown(md, extensions=["tables"]))
    assert f"Review {HOSTILE}" in plain.text
    for structure in ("<strong>bold</strong>", "<code>", "<pre>", "<h1>heading", "<td>a</td>"):
        assert structure not in html


# ---- the window -------------------------------------------------------------------------------------------


@pytest.fixture
def hostile_window(qtbot, make_desk_window, hostile_workspace, db_path):
    window = make_desk_window(db_path)
    window.show()
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=10000)
    return window


def rendered(rich_text: str) -> str:
    """What Qt shows for a rich-text string (a tooltip, a list row drawn by HtmlDelegate)."""
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(rich_text)
    return document.toPlainText()


def assert_shows_literally(label, text: str) -> None:
    from PySide6.QtCore import Qt

    assert label.text() == text and label.textFormat() == Qt.TextFormat.PlainText


def test_the_library_shows_a_hostile_title_and_passages_literally(hostile_window):
    from PySide6.QtCore import Qt

    page = hostile_window.go_to("library")
    document_id = hostile_window.db.execute("SELECT id FROM documents WHERE external_id = 'H1'").fetchone()[0]
    assert page.select_document(document_id)
    assert_shows_literally(page.doc_title, TITLE)
    index = page.table.currentIndex().siblingAtColumn(0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == TITLE
    assert rendered(index.data(Qt.ItemDataRole.ToolTipRole)) == TITLE
    organisation = page.table.currentIndex().siblingAtColumn(3).data(Qt.ItemDataRole.ToolTipRole)
    assert rendered(organisation) == ORGANISATION
    shown = page.viewer.toPlainText()
    assert "<script>x</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))" in shown
    assert "# heading" in shown and "| a | b |" in shown and "```" in shown
    assert "<script" not in page.viewer.toHtml() and "<img" not in page.viewer.toHtml()


def test_search_results_and_the_reading_pane_show_hostile_text_literally(qtbot, hostile_window):
    window = hostile_window
    page = window.go_to("search")
    with qtbot.waitSignal(window.searchFinished, timeout=10000) as blocker:
        page.run_search("script onerror", "keyword")
    hit = blocker.args[0].hits[0]
    assert hit.title == TITLE
    row = page.results_model.item(0).text()  # rich text, drawn by HtmlDelegate
    assert "<script" not in row and "<img" not in row
    assert TITLE in rendered(row) and "<script>x</script> <img src=x onerror=alert(1)>" in rendered(row)
    assert_shows_literally(page.passage_title, TITLE)
    assert "<script>x</script> <img src=x onerror=alert(1)>" in page.context.toPlainText()
    assert "<script" not in page.context.toHtml() and "<img" not in page.context.toHtml()
    # The line above the results quotes the query as typed.
    with qtbot.waitSignal(window.searchFinished, timeout=10000):
        page.run_search("<b>script</b>", "keyword")
    assert page.info.text().startswith("1 result for “<b>script</b>”")


def test_action_and_dashboard_views_show_hostile_text_literally(qtbot, hostile_window):
    actions = hostile_window.go_to("actions")
    action = hostile_window.db.execute("SELECT id FROM actions").fetchone()[0]
    actions.show_item(action_id=action)
    assert_shows_literally(actions.action_title, f"#{action} · Review {HOSTILE}")
    assert actions.action_meta.textFormat().name == "PlainText" and ORGANISATION in actions.action_meta.text()
    history = actions.history
    assert f"Note {HOSTILE}" in history.toPlainText() and "<script" not in history.toHtml()
    tree_tips = [
        actions.tree.topLevelItem(0).child(i).toolTip(0)
        for i in range(actions.tree.topLevelItem(0).childCount())
    ]
    assert any(rendered(tip).startswith(ORGANISATION) for tip in tree_tips)
    dashboard = hostile_window.go_to("dashboard")
    row_tip = dashboard.heat.verticalHeaderItem(0).toolTip()
    assert rendered(row_tip) == ORGANISATION


def test_error_messages_quote_names_literally(hostile_window):
    from PySide6.QtCore import Qt

    hostile_window.show_error("Could not delete the document", f"“{TITLE}” is in use")
    box = hostile_window.last_error_box
    assert box.text() == f"“{TITLE}” is in use" and box.textFormat() == Qt.TextFormat.PlainText
    box.close()
