"""knowledge.pg.translate: each SQLite-only form the code writes turned into PostgreSQL's (no server)."""

from __future__ import annotations

import pytest

from knowledge.pg.translate import translate


def sql(text: str) -> str:
    return translate(text)[0]


def test_placeholders_become_psycopgs():
    assert sql("SELECT 1 FROM t WHERE a = ? AND b = ?") == "SELECT 1 FROM t WHERE a = %s AND b = %s"
    assert sql("SELECT 1 FROM t WHERE a = :name") == "SELECT 1 FROM t WHERE a = %(name)s"
    assert sql("SELECT '12:30' AS t") == "SELECT '12:30' AS t"  # not a parameter inside a literal


def test_a_percent_sign_is_doubled_in_code_and_in_literals():
    # psycopg reads % as the start of a placeholder anywhere in the text, string literals included.
    assert sql("SELECT x % 2 FROM t") == "SELECT x %% 2 FROM t"
    assert sql("SELECT id FROM roundtables WHERE title LIKE 'Harbourside%'") == (
        "SELECT id FROM roundtables WHERE title ILIKE 'Harbourside%%'"
    )
    assert sql("SELECT '50% done', ?") == "SELECT '50%% done', %s"


def test_a_question_mark_in_a_literal_stays_text():
    assert sql("SELECT 'why?' FROM t WHERE a = ?") == "SELECT 'why?' FROM t WHERE a = %s"
    assert sql("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , %s"


def test_like_ignores_case_as_sqlites_does():
    assert sql("SELECT 1 FROM t WHERE a LIKE ?") == "SELECT 1 FROM t WHERE a ILIKE %s"


def test_nocase_becomes_lower():
    assert (
        sql("SELECT 1 FROM t WHERE name = ? COLLATE NOCASE")
        == "SELECT 1 FROM t WHERE lower(name) = lower(%s)"
    )
    assert sql("SELECT name FROM t ORDER BY name COLLATE NOCASE") == "SELECT name FROM t ORDER BY lower(name)"


def test_is_with_a_value_is_not_distinct_from():
    assert sql("SELECT 1 FROM t WHERE a IS ?") == "SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM %s"
    assert sql("SELECT 1 FROM t WHERE a IS NOT ?") == "SELECT 1 FROM t WHERE a IS DISTINCT FROM %s"
    assert sql("SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL") == (
        "SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL"
    )


def test_insert_or_ignore_and_replace():
    assert sql("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)") == (
        "INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    assert sql("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)") == (
        "INSERT INTO settings (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )
    with pytest.raises(ValueError, match="key"):
        translate("INSERT OR REPLACE INTO nowhere (a) VALUES (?)")


def test_an_insert_into_a_table_with_ids_returns_the_new_id():
    assert translate("INSERT INTO actions (text) VALUES (?)") == (
        "INSERT INTO actions (text) VALUES (%s) RETURNING id",
        True,
    )
    assert translate("INSERT INTO settings (key, value) VALUES (?, ?)")[1] is False


def test_begin_in_any_form_is_begin():
    for text in ("BEGIN", "BEGIN IMMEDIATE", "begin deferred transaction;"):
        assert translate(text) == ("BEGIN", False)
