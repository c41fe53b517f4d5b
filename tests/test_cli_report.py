"""`roundtable export` and `roundtable action suggest` through the command line."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import markdown
import pytest

from desktop.cli import main
from indexes.embedder import HashingEmbedder, set_embedder
from knowledge.library import import_paths
from knowledge.workspace import open_db

SECRETS = ("jamie.fletcher@harbourside-icb.example.nhs.uk", "01632 960 412", "485 777 3457")


@pytest.fixture
def corpus_path(db_path, corpus):
    """A database file holding the project's corpus (keyword index only: no model needed)."""
    db = open_db(db_path)
    import_paths(db, [corpus])
    db.conn.close()
    return db_path


@pytest.fixture
def hashing():
    """The fast fake model as the process-wide embedder for `action suggest`."""
    set_embedder(HashingEmbedder())
    yield
    set_embedder(None)


def document_titles(path) -> set[str]:
    db = open_db(path)
    try:
        return {r[0] for r in db.execute("SELECT title FROM documents")}
    finally:
        db.conn.close()


def test_export_recommendation_writes_markdown_and_html_that_cite_their_sources(
    run_cli, corpus_path, tmp_path
):
    out, html_out = tmp_path / "r9.md", tmp_path / "r9.html"
    code, stdout, err = run_cli(
        "--db", corpus_path, "export", "recommendation", "9", "--out", out, "--html", html_out
    )
    assert code == 0, err
    assert stdout == ""
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Recommendation 9: System-level procurement and unified IG")
    assert "*As at " in md
    assert "<table>" in markdown.markdown(md, extensions=["tables"])
    # Every quoted passage is followed by its citation, naming a document in the database.
    quotes = re.findall(r"^> (?!— ).+\n>\n> — \*(.+?)\*", md, flags=re.M)
    assert 1 <= len(quotes) <= 5
    assert set(quotes) <= document_titles(corpus_path)
    assert len(quotes) == len(set(quotes))  # one passage per document
    assert "system-level DPIA" in md  # the notes' information governance discussion
    root = ET.fromstring(html_out.read_text(encoding="utf-8"))
    assert root.find("head/title").text == "Recommendation 9: System-level procurement and unified IG"


def test_export_prints_markdown_when_no_file_is_given(run_cli, corpus_path):
    code, stdout, _ = run_cli("--db", corpus_path, "export", "organisation", "Moorland ICB")
    assert code == 0
    assert stdout.startswith("# Moorland ICB")
    assert "Agree a joint procurement approach" in stdout


def test_export_roundtable_by_id(run_cli, corpus_path):
    code, stdout, _ = run_cli("--db", corpus_path, "export", "roundtable", "1", "--evidence", "none")
    assert code == 0
    assert "**Chair:** Dr Amara Okafor" in stdout
    assert "| A8 | Riverside Imaging Network |" in stdout


def test_briefing_redact_removes_the_notes_identifiers(run_cli, corpus_path, tmp_path):
    plain, redacted = tmp_path / "plain.md", tmp_path / "redacted.md"
    assert run_cli("--db", corpus_path, "export", "briefing", "--out", plain)[0] == 0
    code, _, _ = run_cli(
        "--db",
        corpus_path,
        "export",
        "briefing",
        "--redact",
        "--out",
        redacted,
        "--html",
        tmp_path / "r.html",
    )
    assert code == 0
    plain_text, redacted_text = plain.read_text(encoding="utf-8"), redacted.read_text(encoding="utf-8")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret in plain_text
        assert secret not in redacted_text and secret not in html
    # The three identifiers, and (issue 16) the chair and note-taker named in the notes: three names.
    assert (
        "Redacted for onward circulation: 6 items (1 NHS number, 1 e-mail address, 1 phone number, 3 names)"
        in redacted_text
    )
    assert "Amara Okafor" not in redacted_text and "Jamie Fletcher" not in redacted_text
    ET.fromstring(html)


def test_briefing_since_date(run_cli, corpus_path):
    code, stdout, _ = run_cli(
        "--db", corpus_path, "export", "briefing", "--since", "2024-05-01", "--as-at", "2024-05-10"
    )
    assert code == 0
    assert "## What changed since 2024-05-01" in stdout
    assert "| 2024-05-20 |" not in stdout  # after the as-at date


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["export", "recommendation", "42"], 1, "no recommendation 42"),
        (["export", "organisation", "Nowhere Trust"], 1, "no organisation called 'Nowhere Trust'"),
        (["export", "roundtable", "99"], 1, "no roundtable with id 99"),
        (["export", "recommendation"], 2, "export recommendation needs a number"),
        (["export", "recommendation", "nine"], 2, "expected a recommendation number"),
        (["export", "briefing", "extra"], 2, "export briefing takes no target"),
    ],
)
def test_export_errors_are_one_clear_line(run_cli, corpus_path, argv, code, message):
    got, stdout, err = run_cli("--db", corpus_path, *argv)
    assert got == code
    assert stdout == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_since_date_is_a_usage_error(capsys, corpus_path):
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(corpus_path), "export", "briefing", "--since", "last week"])
    assert exc.value.code == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err


def test_unwritable_output_is_a_clear_error(run_cli, corpus_path, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli("--db", corpus_path, "export", "recommendation", "3", "--out", blocker / "r.md")
    assert code == 1
    assert "cannot write" in err and "Traceback" not in err


# ---- action suggest ----------------------------------------------------------------------------------------


def test_suggest_batch_answers_every_good_line_in_order(run_cli, db_path, tmp_path, hashing):
    batch = tmp_path / "batch.jsonl"
    lines = [
        {
            "id": "a1",
            "text": "Clarify medical indemnity for AI-assisted reporting",
            "org_type": "national_body",
        },
        "this is not json",
        {"id": 7, "text": "Form a multidisciplinary AI team before adoption", "org_type": "trust"},
        {"id": "a3", "text": "   ", "org_type": "icb"},
        {"id": "a4", "text": "Buy imaging AI jointly across the system", "org_type": "icb"},
    ]
    batch.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n")
    code, stdout, err = run_cli("--db", db_path, "action", "suggest", "--batch", batch, "--json")
    assert code == 1
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", 7, "a4"]
    for row in rows:
        assert set(row) == {"id", "suggestions", "none"}  # "none": DESIGN.md's additions (issue 18)
        assert row["none"] is False  # each of these serves one of the nine
        assert sorted(s["rec"] for s in row["suggestions"]) == list(range(1, 10))
        scores = [s["score"] for s in row["suggestions"]]
        assert scores == sorted(scores, reverse=True)
        assert all(set(s) == {"rec", "score"} for s in row["suggestions"])
    problems = err.strip().splitlines()
    assert len(problems) == 2
    assert f"{batch}:2: not valid JSON" in problems[0]
    assert f'{batch}:4: missing or empty "text"' in problems[1]


def test_suggest_one_text_human_and_json(run_cli, db_path, hashing):
    code, stdout, _ = run_cli(
        "--db", db_path, "action", "suggest", "Clarify medical indemnity", "--limit", "3"
    )
    assert code == 0
    lines = stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith(" 1. R")
    code, stdout, _ = run_cli(
        "--db", db_path, "action", "suggest", "Clarify indemnity", "--org-type", "NHS Trust", "--json"
    )
    assert code == 0
    payload = json.loads(stdout)
    assert payload["org_type"] == "trust"
    assert len(payload["suggestions"]) == 9


def test_suggest_usage_errors(run_cli, db_path, hashing):
    code, _, err = run_cli("--db", db_path, "action", "suggest")
    assert code == 2 and "give the action's wording" in err
    code, _, err = run_cli("--db", db_path, "action", "suggest", "x", "--org-type", "spaceship")
    assert code == 2 and "unknown organisation type 'spaceship'" in err
    code, _, err = run_cli("--db", db_path, "action", "suggest", "--batch", "/no/such/file.jsonl")
    assert code == 1 and "cannot read /no/such/file.jsonl" in err
