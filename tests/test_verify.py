"""Verifiable citations: each quote carries [D12 p.4 #3fa9c1]; `roundtable verify` checks it at its source."""

from __future__ import annotations

import re

import pytest
from pdfs import four_page_pdf

from knowledge.actions import link_evidence, recommendation_id
from knowledge.library import import_paths
from knowledge.reports import build_recommendation_report, render_html, report_title
from knowledge.reports.citations import quote_digest, visible_markdown
from knowledge.verify import State, citations_in_html, citations_in_markdown, verify_report
from knowledge.workspace import open_db

REFERENCE = re.compile(r"\[D(\d+)(?: p\.(\d+))? #([0-9a-f]{6})\]")


@pytest.fixture
def corpus_path(db_path, corpus):
    db = open_db(db_path)
    import_paths(db, [corpus])
    db.conn.close()
    return db_path


def export(run_cli, db_path, tmp_path, *extra, name="r9"):
    md, html = tmp_path / f"{name}.md", tmp_path / f"{name}.html"
    code, _, err = run_cli(
        "--db",
        db_path,
        "export",
        "recommendation",
        "9",
        "--evidence",
        "keyword",
        "--out",
        md,
        "--html",
        html,
        *extra,
    )
    assert code == 0, err
    return md, html


def quoted_lines(md_text: str) -> list[str]:
    return re.findall(r"^> (?!— )(.+)$", md_text, flags=re.M)


def test_every_quote_carries_a_reference_that_hashes_what_the_reader_sees(run_cli, corpus_path, tmp_path):
    md, html = export(run_cli, corpus_path, tmp_path)
    text = md.read_text(encoding="utf-8")
    pairs = re.findall(r"^> (?!— )(.+)\n>\n> — (.+)$", text, flags=re.M)
    assert len(pairs) >= 2
    for quote, attribution in pairs:
        document, _, digest = REFERENCE.search(attribution).groups()
        assert attribution.endswith("]") and attribution.startswith("*")  # readable: title first
        assert quote_digest(visible_markdown(quote)) == digest
    # The HTML rendering carries the same references for the same quotes.
    assert [str(c.reference) for c in citations_in_html(html.read_text(encoding="utf-8"))] == [
        str(c.reference) for c in citations_in_markdown(text)
    ]


def test_an_untouched_export_verifies_as_markdown_and_as_html(run_cli, corpus_path, tmp_path):
    md, html = export(run_cli, corpus_path, tmp_path)
    for path in (md, html):
        code, out, err = run_cli("--db", corpus_path, "verify", path)
        assert code == 0, err
        assert "citation(s) match their sources" in err and out == ""


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_edited_quote_fails_naming_its_citation(run_cli, corpus_path, tmp_path, fmt):
    md, html = export(run_cli, corpus_path, tmp_path)
    path = md if fmt == "md" else html
    text = path.read_text(encoding="utf-8")
    assert "single system-level DPIA" in text
    path.write_text(text.replace("single system-level DPIA", "single trust-level DPIA", 1), encoding="utf-8")
    code, _, err = run_cli("--db", corpus_path, "verify", path)
    assert code == 1
    problems = [line for line in err.splitlines() if "quote altered" in line]
    assert len(problems) == 1
    assert REFERENCE.search(problems[0]) and "trust-level" in problems[0]


def test_a_quote_edited_together_with_its_hash_still_fails_against_the_source(run_cli, corpus_path, tmp_path):
    md, _ = export(run_cli, corpus_path, tmp_path)
    text = md.read_text(encoding="utf-8")
    [line] = [q for q in quoted_lines(text) if "DPIA" in q]
    forged = line.replace("single system-level DPIA", "single trust-level DPIA")
    old = quote_digest(visible_markdown(line))
    text = text.replace(line, forged).replace(f"#{old}]", f"#{quote_digest(visible_markdown(forged))}]")
    md.write_text(text, encoding="utf-8")
    code, _, err = run_cli("--db", corpus_path, "verify", md)
    assert code == 1 and "source changed" in err and "no longer says" in err


def test_a_deleted_source_document_fails(run_cli, corpus_path, tmp_path):
    md, html = export(run_cli, corpus_path, tmp_path)
    [document, *_] = REFERENCE.search(md.read_text(encoding="utf-8")).groups()
    code, _, err = run_cli("--db", corpus_path, "delete", document)
    assert code == 0, err
    for path in (md, html):
        code, _, err = run_cli("--db", corpus_path, "verify", path)
        assert code == 1
        assert f"[D{document} " in err and "source gone" in err and "was deleted on" in err
    # Restored from the bin, the document holds what it held: the report verifies again.
    assert run_cli("--db", corpus_path, "document", "restore", document)[0] == 0
    assert run_cli("--db", corpus_path, "verify", md)[0] == 0


def test_a_changed_source_passage_fails(run_cli, corpus_path, tmp_path):
    md, _ = export(run_cli, corpus_path, tmp_path)
    db = open_db(corpus_path)
    db.execute(
        "UPDATE passages SET text = replace(text, 'single system-level DPIA', 'DPIA per trust')"
        " WHERE text LIKE '%single system-level DPIA%'"
    )
    db.conn.close()
    code, _, err = run_cli("--db", corpus_path, "verify", md)
    assert code == 1
    [line] = [x for x in err.splitlines() if "source changed" in x]
    assert "Harbourside" in line and REFERENCE.search(line)


def test_a_redacted_report_verifies_and_still_catches_an_edit(run_cli, corpus_path, tmp_path):
    md, html = export(run_cli, corpus_path, tmp_path, "--redact", name="redacted")
    text = md.read_text(encoding="utf-8")
    assert any("[NHS number redacted]" in q for q in quoted_lines(text))  # the quote itself is redacted
    assert "485 777 3457" not in text
    for path in (md, html):
        code, _, err = run_cli("--db", corpus_path, "verify", path)
        assert code == 0, err
    md.write_text(text.replace("[NHS number redacted]", "[NHS number redacted] (not)", 1), encoding="utf-8")
    assert run_cli("--db", corpus_path, "verify", md)[0] == 1


def test_markdown_specials_and_entities_hash_the_same_in_markdown_and_html(memory_db, tmp_path):
    source = tmp_path / "notes.md"
    source.write_text(
        "# Costs\n\nProcurement of AI: R&D <costs> rise *sharply* | 50% of ICB_budget, see #4 [annex] "
        "and \\ path; system-level strategy procurement agreed.\n",
        encoding="utf-8",
    )
    import_paths(memory_db, [source])
    pid = memory_db.execute("SELECT id FROM passages WHERE text LIKE '%R&D%'").fetchone()[0]
    link_evidence(memory_db, pid, recommendation_id=recommendation_id(memory_db, 9))
    md = build_recommendation_report(memory_db, 9)
    (tmp_path / "r.md").write_text(md, encoding="utf-8")
    (tmp_path / "r.html").write_text(render_html(md, report_title(md)), encoding="utf-8")
    for name in ("r.md", "r.html"):
        report = verify_report(memory_db, tmp_path / name)
        assert [f.state for f in report.findings] == [State.MATCH], report.problems
        assert "R&D <costs> rise" in report.findings[0].citation.quote


def test_a_pdf_quote_names_its_page(memory_db, tmp_path):
    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(four_page_pdf())
    import_paths(memory_db, [pdf])
    pid, page = memory_db.execute(
        "SELECT id, page FROM passages WHERE text LIKE '%Procurement strategy%'"
    ).fetchone()
    link_evidence(memory_db, pid, recommendation_id=recommendation_id(memory_db, 9))
    md = build_recommendation_report(memory_db, 9)
    assert page == 2 and re.search(r"\[D\d+ p\.2 #[0-9a-f]{6}\]", md)
    (tmp_path / "r.md").write_text(md, encoding="utf-8")
    assert verify_report(memory_db, tmp_path / "r.md").ok
    memory_db.execute("UPDATE passages SET page = 3 WHERE id = ?", [pid])  # the page no longer holds it
    assert [f.state for f in verify_report(memory_db, tmp_path / "r.md").findings] == [State.CHANGED]


def test_a_file_that_cannot_be_read_is_one_line(run_cli, corpus_path, tmp_path):
    code, _, err = run_cli("--db", corpus_path, "verify", tmp_path / "missing.md")
    assert code == 1 and err.count("\n") == 1 and "cannot read" in err
    binary = tmp_path / "x.md"
    binary.write_bytes(b"\xff\xfe\x00garbage\x81")
    code, _, err = run_cli("--db", corpus_path, "verify", binary)
    assert code == 1 and "Traceback" not in err


def test_json_lists_every_citation_with_its_state(run_cli, corpus_path, tmp_path):
    import json

    md, _ = export(run_cli, corpus_path, tmp_path)
    code, out, _ = run_cli("--db", corpus_path, "verify", md, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and {r["state"] for r in rows} == {"match"}
    assert set(rows[0]) >= {"reference", "document_id", "page", "hash", "state", "quote"}


def test_the_reports_page_verifies_a_saved_report(qtbot, make_desk_window, corpus_path, tmp_path):
    db = open_db(corpus_path)
    pid = db.execute("SELECT id FROM passages WHERE text LIKE '%single system-level DPIA%'").fetchone()[0]
    link_evidence(db, pid, recommendation_id=recommendation_id(db, 9))
    path = tmp_path / "r9.md"
    path.write_text(build_recommendation_report(db, 9), encoding="utf-8")
    db.conn.close()
    window = make_desk_window(corpus_path, load_model=False)
    page = window.go_to("export")
    assert page.verify.text() == "Verify a saved report…"
    with qtbot.waitSignal(page.verified, timeout=10000) as blocker:
        page.verify_saved(path)
    assert blocker.args[0].ok and "match their sources" in window.statusBar().currentMessage()
    path.write_text(
        path.read_text(encoding="utf-8").replace("system-level DPIA", "trust DPIA"), encoding="utf-8"
    )
    with qtbot.waitSignal(page.verified, timeout=10000) as blocker:
        page.verify_saved(path)
    assert not blocker.args[0].ok
    assert "quote altered" in window.last_error_box.text() and "[D" in window.last_error_box.text()
