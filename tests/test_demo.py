"""The demo workspace: a newcomer sees every feature populated."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.cli import main
from knowledge.actions import action_history, list_actions
from knowledge.demo import DemoAlreadyLoaded, load_demo, render_template
from knowledge.library import list_documents
from knowledge.vocab import OrgType, values


def test_template_dates_are_relative_to_today():
    assert (
        render_template("due {{date:+3}} from {{date:-1}}", date(2026, 1, 30))
        == "due 2026-02-02 from 2026-01-29"
    )


def test_demo_populates_every_kind_of_record(fresh_db):
    load_demo(fresh_db, today=date(2026, 11, 29))
    kinds = {d["kind"] for d in list_documents(fresh_db)}
    assert {"report", "guidance", "roundtable_notes", "tracker"} <= kinds
    types = {row[0] for row in fresh_db.execute("SELECT DISTINCT type FROM organisations")}
    assert types == set(values(OrgType))
    actions = list_actions(fresh_db, today=date(2026, 11, 29))
    assert len(actions) >= 15
    assert {a["status"] for a in actions} >= {"not_started", "planned", "in_progress", "blocked", "done"}
    assert any(a["overdue"] for a in actions)
    assert any(len(action_history(fresh_db, a["id"])) >= 3 for a in actions)
    assert fresh_db.execute("SELECT count(*) FROM roundtables").fetchone()[0] == 1


def test_demo_loads_once(fresh_db, db_path, capsys):
    load_demo(fresh_db)
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(fresh_db)
    before = len(list_actions(fresh_db))
    fresh_db.conn.close()
    assert main(["--db", str(db_path), "demo", "--no-index"]) == 1
    assert "already loaded" in capsys.readouterr().err
    from knowledge.workspace import open_db

    assert len(list_actions(open_db(db_path))) == before
