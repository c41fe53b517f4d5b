"""What `export --redact` says it took out (stderr, per category) and how the Reports page marks it."""

from __future__ import annotations

import re

import pytest

from knowledge.redact import placeholder_counts, redaction_line

FOOTER = re.compile(r"\*Redacted for onward circulation: (\d+) items? \((.*)\)\.\*\s*$")


@pytest.fixture
def corpus_db(db_path, corpus, run_cli):
    path = db_path
    code, _out, _err = run_cli("--db", path, "import", corpus, "--no-index")
    assert code == 0
    return path


def test_redact_prints_each_category_on_stderr_as_the_report_ends_with(corpus_db, run_cli, tmp_path):
    out = tmp_path / "briefing.md"
    code, stdout, err = run_cli(
        "--db", corpus_db, "export", "briefing", "--redact", "--evidence", "none", "--out", out
    )
    assert code == 0 and stdout == ""
    footer = FOOTER.search(out.read_text(encoding="utf-8"))
    assert footer, "the report ends with its count"
    total, parts = footer.groups()
    # The stderr line names the same total and the same categories, in the same order.
    assert f"{total} items redacted: {parts}" in err.splitlines()
    assert "e-mail address" in parts and "names" in parts


def test_the_count_goes_to_stderr_so_the_markdown_on_stdout_stays_clean(corpus_db, run_cli):
    code, stdout, err = run_cli("--db", corpus_db, "export", "briefing", "--redact", "--evidence", "none")
    assert code == 0
    assert "items redacted:" not in stdout and "items redacted:" in err
    assert "@harbourside-icb" not in stdout


def test_without_redact_nothing_is_said_about_redaction(corpus_db, run_cli):
    code, _stdout, err = run_cli("--db", corpus_db, "export", "briefing", "--evidence", "none")
    assert code == 0 and "redacted" not in err.lower()


def test_a_report_with_nothing_to_redact_says_so(corpus_db, run_cli, tmp_path):
    code, _stdout, err = run_cli(
        "--db",
        corpus_db,
        "export",
        "recommendation",
        "7",
        "--redact",
        "--evidence",
        "none",
        "--out",
        tmp_path / "r7.md",
    )
    assert code == 0 and "Nothing was redacted" in err


def test_placeholders_are_counted_however_markdown_escaped_their_brackets():
    text = (
        "\\[name redacted], [name redacted] and [email redacted];"
        " <b>[NHS number redacted]</b> \\[phone redacted\\]"
    )
    assert placeholder_counts(text) == {"person": 2, "email": 1, "nhs_number": 1, "phone": 1}
    assert redaction_line(placeholder_counts(text)) == (
        "5 items redacted: 1 NHS number, 1 e-mail address, 1 phone number, 2 names"
    )
    assert placeholder_counts("[name] redacted, [ordinary brackets]") == {}


def test_the_preview_marks_placeholders_in_text_but_not_inside_tags():
    from desktop.pages.reports import mark_redactions

    html = '<p title="[name redacted]">Chair: [name redacted] and [email redacted]</p>'
    marked = mark_redactions(html)
    assert marked.count("<span style=") == 2
    assert '<p title="[name redacted]">' in marked  # an attribute is left as it is
    assert re.sub(r"<span[^>]*>|</span>", "", marked) == html


def test_the_reports_page_shows_what_was_redacted_above_the_preview(qtbot, make_desk_window, corpus_db):
    window = make_desk_window(corpus_db, load_model=False)
    window.show()
    page = window.go_to("export")
    with qtbot.waitSignal(page.previewReady, timeout=20000):
        page.show_item(kind="briefing", redact=False)
    assert page.redaction_note.isHidden()
    assert "#fde68a" not in page.preview.toHtml()
    with qtbot.waitSignal(page.previewReady, timeout=20000) as redacted:
        page.redact.setChecked(True)
    counts = placeholder_counts(redacted.args[0])
    assert sum(counts.values()) >= 3 and counts.get("person")
    assert not page.redaction_note.isHidden()
    assert page.redaction_note.text() == redaction_line(counts)
    assert page.redaction_note.text().startswith(f"{sum(counts.values())} items redacted: ")
    # Each placeholder in the preview is highlighted: Qt keeps the marking as a background colour.
    shown = page.preview.toHtml()
    assert len(re.findall(r"background-color:#fde68a;[^>]*>\[[a-zA-Z ]+ redacted\]", shown)) == sum(
        counts.values()
    )
    # What is saved is the export, unmarked.
    assert '<span style="background-color' not in page.html
