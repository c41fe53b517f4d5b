"""The command line's core contract: recommendations, database errors, usage errors."""

from __future__ import annotations

import json
import sqlite3

import pytest

from desktop.cli import main
from knowledge.organisations import list_organisations
from knowledge.workspace import open_db


def test_recommendations_json_lists_nine_in_our_words(run_cli, db_path):
    code, out, _ = run_cli("--db", db_path, "recommendations", "--json")
    assert code == 0
    recs = json.loads(out)
    assert [r["number"] for r in recs] == list(range(1, 10))
    for rec in recs:
        assert rec["title"] and len(rec["summary"]) > 60
        assert rec["addressed_to"], rec["number"]
    # Our own wording, not the article's sentences copied.
    article_sentence = "Medical indemnity for AI technologies must be clarified"
    assert all(article_sentence not in r["summary"] for r in recs)


def test_default_database_comes_from_environment(run_cli, db_path, monkeypatch, backend):
    monkeypatch.setenv("ROUNDTABLE_DB", str(db_path))  # a file, or a team workspace's URL
    code, _, err = run_cli("org", "add", "Moorland ICB", "--type", "icb")
    assert code == 0, err
    if backend == "sqlite":
        assert db_path.exists()  # created where the variable says
    db = open_db(db_path)
    try:
        assert [o["name"] for o in list_organisations(db)] == ["Moorland ICB"]
    finally:
        db.conn.close()


def test_a_folder_as_database_is_a_clear_error(run_cli, tmp_path):
    code, _, err = run_cli("--db", tmp_path, "recommendations")
    assert code == 1
    assert "is a folder" in err and "Traceback" not in err


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(run_cli, tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 50)
    before = bogus.read_bytes()
    code, _, err = run_cli("--db", bogus, "recommendations")
    assert code == 1
    assert "not a Roundtable Desk database" in err
    assert bogus.read_bytes() == before


def test_a_database_from_a_newer_version_is_refused(run_cli, db_path, backend):
    run_cli("--db", db_path, "recommendations")
    if backend == "postgresql":  # a team workspace keeps its schema version in a table
        import psycopg

        with psycopg.connect(db_path, autocommit=True) as pg:
            pg.execute("UPDATE schema_info SET version = 999")
    else:
        conn = sqlite3.connect(db_path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
    code, _, err = run_cli("--db", db_path, "recommendations")
    assert code == 1 and "newer" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["backup", "copy.db"], "pg_dump"),
        (["restore", "copy.db"], "pg_restore"),
        (["check"], "its server"),
    ],
)
def test_file_care_commands_refuse_a_team_workspace_in_one_line(run_cli, tmp_path, argv, words):
    # Refused before any connection: the URL names no server at all.
    url = f"postgresql://nobody@/nowhere?host={tmp_path / 'no-server'}"
    code, out, err = run_cli("--db", url, *argv)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert f"{argv[0]} is for a database file" in line and words in line and "Traceback" not in err
    assert not (tmp_path / "copy.db").exists()


def test_usage_errors_exit_2(capsys, db_path):
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db_path), "no-such-command"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db_path), "import", "x.txt", "--date", "14/03/2024"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_second_recommendation_set_is_data_not_code(fresh_db):
    from knowledge.codebook import list_recommendations, load_codebook

    load_codebook(
        fresh_db,
        {
            "slug": "other-report",
            "title": "Another report",
            "recommendations": [
                {
                    "number": 1,
                    "title": "Fund PACS upgrades",
                    "summary": "Money for PACS.",
                    "addressed_to": ["icb"],
                }
            ],
        },
    )
    assert len(list_recommendations(fresh_db)) == 10
    assert [r.title for r in list_recommendations(fresh_db, "other-report")] == ["Fund PACS upgrades"]
