"""Progress returns: the CSV form round trip, unknown or invalid rows reported one line each."""

from __future__ import annotations

import csv

import pytest
from conftest import recorded_as

from knowledge.actions import action_history, create_action, get_action, list_actions
from knowledge.library import import_paths
from knowledge.returns import HEADERS, ReturnError, export_return, import_return


@pytest.fixture
def moorland(fresh_db, corpus):
    [outcome] = import_paths(fresh_db, [corpus / "moorland-icb-ai-tracker.csv"])
    assert outcome.actions == 9
    return fresh_db


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)


def _history_count(db):
    return db.execute("SELECT count(*) FROM progress_updates").fetchone()[0]


def test_export_lists_the_organisations_actions_with_blank_new_columns(moorland, tmp_path):
    out = tmp_path / "return.csv"
    assert export_return(moorland, "moorland royal infirmary nhs trust", out) == 3
    rows = _read(out)
    assert list(rows[0]) == HEADERS
    assert {r["Organisation"] for r in rows} == {"Moorland Royal Infirmary NHS Trust"}
    assert all(r["New status"] == r["New %"] == r["Note"] == "" for r in rows)
    ids = {a["id"] for a in list_actions(moorland, organisation="Moorland Royal Infirmary NHS Trust")}
    assert {int(r["Action ID"]) for r in rows} == ids
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets need the BOM to read UTF-8


def test_round_trip_two_changes_and_an_unknown_row(moorland, tmp_path):
    out = tmp_path / "return.csv"
    export_return(moorland, "Moorland ICB", out)
    rows = _read(out)
    assert len(rows) == 2
    rows[0].update({"New status": "Done", "New %": "", "Note": "Board approved the approach"})
    rows[1].update({"New status": "In progress", "New %": "30%"})
    rows.append({**rows[1], "Action ID": "9999", "New status": "Done", "New %": "100", "Note": ""})
    _write(out, rows)
    before = _history_count(moorland)
    report = import_return(moorland, out, who="Moorland ICB PMO")
    assert [u["action_id"] for u in report.updated] == [int(rows[0]["Action ID"]), int(rows[1]["Action ID"])]
    assert report.problems == ["row 4: no action with id 9999 in this database"]
    assert _history_count(moorland) == before + 2
    first = get_action(moorland, int(rows[0]["Action ID"]))
    assert (first["status"], first["percent"]) == ("done", 100)
    last = action_history(moorland, first["id"])[-1]
    assert (last["who"], last["note"], last["old_status"]) == (
        recorded_as(moorland, "Moorland ICB PMO"),
        "Board approved the approach",
        "in_progress",
    )
    second = get_action(moorland, int(rows[1]["Action ID"]))
    assert (second["status"], second["percent"]) == ("in_progress", 30)


def test_invalid_rows_are_reported_and_valid_rows_still_applied(moorland, tmp_path):
    out = tmp_path / "return.csv"
    export_return(moorland, "Moorland Royal Infirmary NHS Trust", out)
    rows = _read(out)  # statuses: done, not_started, in_progress
    rows[0].update({"New status": "In progress"})  # reopening without a note
    rows[1].update({"New status": "Finished-ish"})
    rows[2].update({"New %": "140"})
    rows.append({h: "" for h in HEADERS} | {"Action ID": "abc", "New status": "Done"})
    rows.append({h: "" for h in HEADERS})  # a blank line in the sheet is ignored
    _write(out, rows)
    before = _history_count(moorland)
    report = import_return(moorland, out)
    assert report.updated == [] and len(report.problems) == 4
    assert "reopening a done action needs a note" in report.problems[0]
    assert "unknown status 'Finished-ish'" in report.problems[1]
    assert "140" in report.problems[2]
    assert "row 5: action id 'abc' is not a number" == report.problems[3]
    assert _history_count(moorland) == before


def test_unchanged_rows_write_nothing(moorland, tmp_path):
    out = tmp_path / "return.csv"
    export_return(moorland, "Helix Imaging Ltd", out)
    rows = _read(out)
    rows[1]["New status"] = rows[1]["Current status"]  # the same status again
    _write(out, rows)
    before = _history_count(moorland)
    report = import_return(moorland, out)
    assert report.updated == [] and report.problems == [] and len(report.unchanged) == 2
    assert _history_count(moorland) == before


def test_a_file_that_is_not_a_return_is_a_clear_error(fresh_db, tmp_path, corpus):
    with pytest.raises(ReturnError, match="no 'Action ID' column"):
        import_return(fresh_db, corpus / "moorland-icb-ai-tracker.csv")
    with pytest.raises(ReturnError, match="cannot read"):
        import_return(fresh_db, tmp_path / "missing.csv")


def test_a_return_saved_by_an_old_spreadsheet_in_cp1252_is_read(fresh_db, tmp_path):
    action_id = create_action(fresh_db, text="Agree the café budget", organisation="Northshire ICB")
    out = tmp_path / "return.csv"
    text = f"Action ID,Action,New status,New %,Note\n{action_id},Agree the café budget,Planned,,Booked – £5\n"
    out.write_bytes(text.encode("cp1252"))
    report = import_return(fresh_db, out)
    assert report.applied == 1
    assert action_history(fresh_db, action_id)[-1]["note"] == "Booked – £5"
