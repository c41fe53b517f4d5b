"""Progress returns scoped to their organisation and idempotent: forged rows refused, re-imports a no-op."""

from __future__ import annotations

import csv

import pytest
from conftest import recorded_as

from knowledge.actions import delete_action, get_action, list_actions
from knowledge.changelog import entries
from knowledge.library import import_paths
from knowledge.returns import FORM_COLUMN, HEADERS, ReturnError, export_return_form, import_return
from knowledge.workspace import open_db

DALE = "Dale Valley Hospitals NHS Foundation Trust"


@pytest.fixture
def moorland_path(db_path, corpus):
    db = open_db(db_path)
    import_paths(db, [corpus / "moorland-icb-ai-tracker.csv"])
    db.conn.close()
    return db_path


@pytest.fixture
def db(moorland_path):
    db = open_db(moorland_path)
    yield db
    db.conn.close()


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path, rows, *, bom=True):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def dale_action(db):
    return next(a for a in list_actions(db, organisation=DALE) if a["status"] == "blocked")


def history(db):
    return db.execute("SELECT count(*) FROM progress_updates").fetchone()[0]


def action_entries(db):
    return len(entries(db, entity="action"))


def test_a_form_carries_its_organisation_and_a_registered_form_id(db, tmp_path):
    form = export_return_form(db, "moorland icb", tmp_path / "r.csv", who="Priya")
    rows = read(tmp_path / "r.csv")
    assert HEADERS[-1] == FORM_COLUMN and list(rows[0]) == HEADERS
    assert "New due" in HEADERS and "Reason" in HEADERS
    assert {r[FORM_COLUMN] for r in rows} == {form.form_id} and form.organisation == "Moorland ICB"
    issued = db.execute(
        "SELECT organisation, exported_by FROM return_forms WHERE form_id = ?", [form.form_id]
    )
    assert issued.fetchone() == ("Moorland ICB", recorded_as(db, "Priya"))


def test_a_forged_row_for_another_organisations_action_is_refused(run_cli, moorland_path, db, tmp_path):
    path = tmp_path / "moorland.csv"
    assert run_cli("--db", moorland_path, "return", "export", "Moorland ICB", "--out", path)[0] == 0
    rows = read(path)
    target = dale_action(db)
    rows[0].update({"New %": "55", "Note": "Procurement board met"})
    # The scenario of the issue: one extra row carrying a Dale Valley action id, its cells copied from a
    # Moorland row (organisation and form id included), marking that trust's action done.
    rows.append({**rows[1], "Action ID": str(target["id"]), "New status": "Done", "Note": "closed"})
    write(path, rows)
    code, _, err = run_cli("--db", moorland_path, "--who", "Moorland PMO", "return", "import", path)
    assert code == 1
    [refusal] = [line for line in err.splitlines() if "refused" in line]
    assert f"row 4: action {target['id']} belongs to {DALE}, not Moorland ICB" in refusal
    assert "1 action(s) updated" in err
    check = open_db(moorland_path)
    after = get_action(check, target["id"])
    assert (after["status"], after["percent"]) == (target["status"], target["percent"])
    assert get_action(check, int(rows[0]["Action ID"]))["percent"] == 55
    who = {e["who"] for e in entries(check, entity="action", entity_id=int(rows[0]["Action ID"]))}
    assert recorded_as(check, "Moorland PMO") in who and DALE not in who
    check.conn.close()


def test_editing_the_organisation_cells_does_not_move_the_scope(db, tmp_path):
    form = export_return_form(db, "Moorland ICB", tmp_path / "r.csv")
    rows = read(tmp_path / "r.csv")
    target = dale_action(db)
    for row in rows:
        row["Organisation"] = DALE  # the cells say Dale Valley; the form was issued to Moorland ICB
    rows.append({**rows[0], "Action ID": str(target["id"]), "New status": "Done"})
    write(tmp_path / "r.csv", rows)
    report = import_return(db, tmp_path / "r.csv")
    assert report.form_id == form.form_id and report.organisation == "Moorland ICB"
    assert len(report.problems) == 1 and "not Moorland ICB" in report.problems[0]
    assert get_action(db, target["id"])["status"] == "blocked"


def test_an_unknown_id_is_refused_and_the_rest_applied(run_cli, moorland_path, tmp_path):
    path = tmp_path / "r.csv"
    run_cli("--db", moorland_path, "return", "export", "Moorland ICB", "--out", path)
    rows = read(path)
    rows[1]["New %"] = "25"
    rows.append({**rows[0], "Action ID": "4242", "New %": "90"})
    write(path, rows)
    code, _, err = run_cli("--db", moorland_path, "return", "import", path)
    assert code == 1
    assert [line for line in err.splitlines() if "row 4" in line] == [
        f"roundtable: {path}: row 4: no action with id 4242 in this database"
    ]
    assert "1 action(s) updated" in err


def test_importing_the_same_file_twice_changes_nothing_the_second_time(run_cli, moorland_path, tmp_path):
    path = tmp_path / "r.csv"
    run_cli("--db", moorland_path, "return", "export", "Moorland ICB", "--out", path)
    rows = read(path)
    rows[0].update({"New %": "50", "Note": "Business case drafted"})
    rows[1].update({"New status": "In progress", "Note": "Drafting the IG guidance"})
    write(path, rows)
    assert run_cli("--db", moorland_path, "return", "import", path)[0] == 0
    db = open_db(moorland_path)
    before = (history(db), action_entries(db), len(entries(db, entity="return")))
    db.conn.close()
    write(path, rows, bom=False)  # opened and saved again by a spreadsheet: other bytes, same rows
    code, _, err = run_cli("--db", moorland_path, "return", "import", path)
    assert code == 0 and "0 action(s) updated" in err and "2 already applied" in err
    db = open_db(moorland_path)
    assert (history(db), action_entries(db), len(entries(db, entity="return"))) == before
    notes = [e["note"] for e in entries(db, entity="action", entity_id=int(rows[0]["Action ID"]))]
    assert notes.count("Business case drafted") == 1
    db.conn.close()


def test_a_row_corrected_after_a_first_import_is_applied(db, tmp_path):
    export_return_form(db, "Moorland ICB", tmp_path / "r.csv")
    rows = read(tmp_path / "r.csv")
    rows[0]["New %"] = "45"
    write(tmp_path / "r.csv", rows)
    assert import_return(db, tmp_path / "r.csv").applied == 1
    rows[0]["New %"] = "50"  # the person fixes a figure and sends the same form again
    write(tmp_path / "r.csv", rows)
    report = import_return(db, tmp_path / "r.csv")
    assert report.applied == 1 and get_action(db, int(rows[0]["Action ID"]))["percent"] == 50


def test_a_new_due_date_needs_its_reason(db, tmp_path):
    export_return_form(db, "Moorland ICB", tmp_path / "r.csv")
    rows = read(tmp_path / "r.csv")
    first, second = int(rows[0]["Action ID"]), int(rows[1]["Action ID"])
    rows[0].update({"New due": "2024-12-31"})  # no reason
    rows[1].update({"New due": "31/10/2024", "Reason": "IG lead on leave over the summer"})
    write(tmp_path / "r.csv", rows)
    before_due = get_action(db, first)["due"]
    report = import_return(db, tmp_path / "r.csv")
    assert report.problems == [f"row 2 (action {first}): a new due date needs its reason (the Reason column)"]
    assert get_action(db, first)["due"] == before_due
    assert get_action(db, second)["due"] == "2024-10-31"
    [moved] = [e for e in entries(db, entity="action", entity_id=second) if e["change"] == "due"]
    assert moved["after"] == {"due": "2024-10-31"} and moved["note"] == "IG lead on leave over the summer"


def test_a_reason_without_a_new_due_date_is_refused(db, tmp_path):
    export_return_form(db, "Moorland ICB", tmp_path / "r.csv")
    rows = read(tmp_path / "r.csv")
    rows[0]["Reason"] = "slipped"
    write(tmp_path / "r.csv", rows)
    [problem] = import_return(db, tmp_path / "r.csv").problems
    assert "without a New due date" in problem


def test_the_import_is_logged_as_the_person_importing_it(run_cli, moorland_path, tmp_path, monkeypatch):
    path = tmp_path / "moorland-june.csv"
    run_cli("--db", moorland_path, "return", "export", "Moorland ICB", "--out", path)
    rows = read(path)
    rows[0]["New %"] = "60"
    rows.append({**rows[0], "Action ID": "999", "New %": "10"})
    write(path, rows)
    monkeypatch.setenv("ROUNDTABLE_USER", "Jo Lead")
    assert run_cli("--db", moorland_path, "return", "import", path)[0] == 1
    db = open_db(moorland_path)
    [entry] = entries(db, entity="return")
    assert entry["who"] == recorded_as(db, "Jo Lead") and entry["change"] == "imported"
    after = entry["after"]
    assert after["file"] == "moorland-june.csv" and after["organisation"] == "Moorland ICB"
    assert after["form_id"] == rows[0][FORM_COLUMN] and after["applied"] == [int(rows[0]["Action ID"])]
    assert len(after["refused"]) == 1 and "999" in after["refused"][0]
    updates = entries(db, entity="action", entity_id=int(rows[0]["Action ID"]))
    assert updates[-1]["who"] == recorded_as(db, "Jo Lead")
    db.conn.close()


def test_a_hand_made_return_is_scoped_by_its_organisation_cells(db, tmp_path):
    target = dale_action(db)
    moorland = list_actions(db, organisation="Moorland ICB")[0]
    path = tmp_path / "hand.csv"
    path.write_text(
        "Action ID,Organisation,New %\n"
        f"{moorland['id']},Moorland ICB,35\n"
        f"{target['id']},Moorland ICB,90\n",  # a Dale Valley action under a Moorland row
        encoding="utf-8",
    )
    report = import_return(db, path)
    assert report.applied == 1 and report.organisation == "Moorland ICB" and report.form_id is None
    assert "belongs to Dale Valley" in report.problems[0]
    assert get_action(db, target["id"])["percent"] == target["percent"]


def test_rows_of_two_forms_in_one_file_are_a_clear_error(db, tmp_path):
    export_return_form(db, "Moorland ICB", tmp_path / "a.csv")
    export_return_form(db, DALE, tmp_path / "b.csv")
    write(tmp_path / "ab.csv", read(tmp_path / "a.csv") + read(tmp_path / "b.csv"))
    with pytest.raises(ReturnError, match="rows from 2 return forms"):
        import_return(db, tmp_path / "ab.csv")


def test_a_deleted_action_is_refused(db, tmp_path):
    export_return_form(db, "Moorland ICB", tmp_path / "r.csv")
    rows = read(tmp_path / "r.csv")
    rows[0]["New %"] = "70"
    write(tmp_path / "r.csv", rows)
    delete_action(db, int(rows[0]["Action ID"]))
    [problem] = import_return(db, tmp_path / "r.csv").problems
    assert "was deleted" in problem


def test_an_old_database_gains_the_return_tables_and_keeps_its_data(tmp_path):
    from conftest import version_one_database

    path = tmp_path / "old.db"
    version_one_database(path)
    db = open_db(path)
    assert db.execute("SELECT title FROM documents").fetchall() == [("Old indemnity report",)]
    assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 2
    db.execute("INSERT INTO organisations (name, type, created_at) VALUES ('Kent ICB', 'icb', '2024-01-01')")
    form = export_return_form(db, "Kent ICB", tmp_path / "kent.csv")
    assert form.actions == 0 and db.execute("SELECT count(*) FROM return_rows").fetchone()[0] == 0
    db.conn.close()
