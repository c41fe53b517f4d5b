"""Excel out: `export tracker --xlsx` (every action, header row, filters, RAG colours) and the xlsx return."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from knowledge.reports.tracker import HEADERS, RAG_FILLS
from knowledge.workspace import open_db


@pytest.fixture
def corpus_db(tmp_path, corpus, run_cli):
    path = tmp_path / "corpus.db"
    code, _out, err = run_cli("--db", path, "import", corpus, "--no-index")
    assert code == 0, err
    return path


def stored_actions(path) -> dict[int, dict]:
    db = open_db(path)
    try:
        from knowledge.actions import list_actions

        return {a["id"]: a for a in list_actions(db)}
    finally:
        db.conn.close()


def rows_by_id(sheet) -> dict[int, dict]:
    header = [c.value for c in sheet[1]]
    return {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }


def test_tracker_workbook_has_a_header_row_filters_and_every_action(corpus_db, run_cli, tmp_path):
    out = tmp_path / "tracker.xlsx"
    code, stdout, err = run_cli(
        "--db", corpus_db, "export", "tracker", "--xlsx", out, "--out", tmp_path / "t.md"
    )
    assert code == 0, err
    assert stdout == ""
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Tracker", "About"]
    sheet = workbook["Tracker"]
    assert tuple(c.value for c in sheet[1]) == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"  # the header stays in view
    assert sheet.auto_filter.ref == f"A1:L{sheet.max_row}"
    actions = stored_actions(corpus_db)
    rows = rows_by_id(sheet)
    assert set(rows) == set(actions) and len(actions) >= 10
    for action_id, action in actions.items():
        row = rows[action_id]
        assert row["Organisation"] == action["organisation"]
        assert row["Action"] == action["text"]
        assert (row["Owner"] or "") == (action["owner"] or "")
        assert row["% complete"] == action["percent"]
        assert row["Status"].lower().replace(" ", "_") == action["status"]
        assert row["RAG"].lower() == action["rag"]
        if action["due"]:
            assert isinstance(row["Due date"], datetime)
            assert row["Due date"].date() == date.fromisoformat(action["due"][:10])
        numbers = {f"R{n}" for n in action["recommendations"]}
        assert set(filter(None, (row["Recommendation"] or "").split(", "))) == numbers
    # RAG cells carry their colour, so a printed or filtered sheet reads as a traffic light.
    rag_column = HEADERS.index("RAG") + 1
    for number in range(2, sheet.max_row + 1):
        cell = sheet.cell(number, rag_column)
        assert cell.fill.fgColor.rgb.endswith(RAG_FILLS[cell.value.lower()][0])
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Actions"] == len(actions)
    assert workbook.properties.creator == "Roundtable Desk"
    # The markdown tracker lists the same actions.
    markdown = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Action tracker")
    assert sum(1 for line in markdown.splitlines() if line.startswith("| ") and line[2].isdigit()) == len(
        actions
    )


def test_redacted_tracker_workbook_keeps_no_personal_data(corpus_db, run_cli, tmp_path):
    db = open_db(corpus_db)
    from knowledge.actions import create_action

    text = "Call jo.bloggs@moorland.example.nhs.uk about the DPIA"
    create_action(db, text=text, organisation="Moorland ICB", owner="Dr Jo Bloggs")
    db.conn.close()
    plain, redacted = tmp_path / "plain.xlsx", tmp_path / "redacted.xlsx"
    assert run_cli("--db", corpus_db, "export", "tracker", "--xlsx", plain)[0] == 0
    code, _stdout, err = run_cli("--db", corpus_db, "export", "tracker", "--xlsx", redacted, "--redact")
    assert code == 0, err

    def cells(path) -> str:
        workbook = openpyxl.load_workbook(path)
        values = [str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v]
        return "\n".join(values)

    assert "jo.bloggs@moorland.example.nhs.uk" in cells(plain) and "Jo Bloggs" in cells(plain)
    text = cells(redacted)
    assert "jo.bloggs@" not in text and "Bloggs" not in text
    assert "[email redacted]" in text
    assert "Redacted for onward circulation" in text  # the About sheet says what was taken out


def test_a_spreadsheet_of_a_report_without_one_is_a_usage_error(corpus_db, run_cli, tmp_path):
    out = tmp_path / "briefing.xlsx"
    code, stdout, err = run_cli("--db", corpus_db, "export", "briefing", "--xlsx", out, "--evidence", "none")
    assert code == 2
    assert err.strip().splitlines() == ["roundtable: export briefing has no spreadsheet form (only tracker)"]
    assert stdout == "" and not out.exists()


def test_an_empty_workspace_gives_a_header_only_tracker(tmp_path, run_cli):
    out = tmp_path / "empty.xlsx"
    code, _stdout, err = run_cli("--db", tmp_path / "empty.db", "export", "tracker", "--xlsx", out)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out)["Tracker"]
    assert sheet.max_row == 1 and sheet["A1"].value == "Action ID"


# ---- the progress return as a workbook ----------------------------------------------------------------


def action_state(path, action_id: int) -> tuple:
    db = open_db(path)
    try:
        return tuple(
            db.execute("SELECT status, percent, due FROM actions WHERE id = ?", [action_id]).fetchone()
        )
    finally:
        db.conn.close()


def return_form(run_cli, db, path, organisation="Moorland ICB"):
    code, _stdout, err = run_cli("--db", db, "return", "export", organisation, "--out", path)
    assert code == 0, err
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Return"]
    header_row = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "Action ID")
    columns = {sheet.cell(header_row, c).value: c for c in range(1, sheet.max_column + 1)}
    return workbook, sheet, header_row, columns


def test_the_xlsx_return_form_has_a_status_list_percent_rule_and_locked_columns(corpus_db, run_cli, tmp_path):
    from knowledge.vocab import Status

    workbook, sheet, header_row, columns = return_form(run_cli, corpus_db, tmp_path / "moorland.xlsx")
    ids = [sheet.cell(r, 1).value for r in range(header_row + 1, sheet.max_row + 1)]
    moorland = [a["id"] for a in stored_actions(corpus_db).values() if a["organisation"] == "Moorland ICB"]
    assert sorted(ids) == sorted(moorland) and ids
    # The organisation and form id are in the visible header, a hidden sheet and defined names.
    form_id = sheet.cell(header_row + 1, columns["Form ID"]).value
    assert form_id.startswith("RF-")
    visible = " ".join(str(sheet.cell(r, 1).value or "") for r in range(1, header_row))
    assert "Moorland ICB" in visible and form_id in visible
    assert workbook["Form"].sheet_state == "hidden"
    assert {r[0]: r[1] for r in workbook["Form"].iter_rows(values_only=True)}["Form ID"] == form_id
    assert set(workbook.defined_names) >= {"ReturnFormID", "ReturnOrganisation"}
    from openpyxl.utils.cell import range_boundaries

    bounds = {dv: range_boundaries(str(dv.sqref)) for dv in sheet.data_validations.dataValidation}
    rules = {sheet.cell(header_row, b[0]).value: dv for dv, b in bounds.items()}
    assert rules["New status"].type == "list"
    assert rules["New status"].formula1.strip('"').split(",") == [s.display for s in Status]
    assert (rules["New %"].type, rules["New %"].formula1, rules["New %"].formula2) == ("whole", "0", "100")
    # Every row of the form, and only the New % column, is validated.
    assert bounds[rules["New %"]] == (columns["New %"], header_row + 1, columns["New %"], sheet.max_row)
    # The sheet is protected without a password; only the cells to fill in are unlocked.
    assert sheet.protection.sheet and not sheet.protection.password
    row = header_row + 1
    for name in ("Action ID", "Organisation", "Action", "Due", "Current status", "Current %", "Form ID"):
        assert sheet.cell(row, columns[name]).protection.locked, name
    for name in ("New status", "New %", "New due", "Reason", "Note"):
        assert not sheet.cell(row, columns[name]).protection.locked, name


def test_a_filled_in_xlsx_return_updates_progress_once(corpus_db, run_cli, tmp_path):
    form = tmp_path / "moorland.xlsx"
    workbook, sheet, header_row, columns = return_form(run_cli, corpus_db, form)
    first, second = header_row + 1, header_row + 2
    first_id, second_id = sheet.cell(first, 1).value, sheet.cell(second, 1).value
    sheet.cell(first, columns["New status"], "Blocked")  # as the drop-down writes it
    sheet.cell(first, columns["New %"], 55)
    sheet.cell(first, columns["Note"], "Waiting for the trusts' legal teams")
    sheet.cell(second, columns["New due"], datetime(2025, 3, 31))  # a date typed into Excel
    sheet.cell(second, columns["Reason"], "Guidance consultation extended")
    filled = tmp_path / "moorland-filled.xlsx"
    workbook.save(filled)

    code, _stdout, err = run_cli("--db", corpus_db, "return", "import", filled)
    assert code == 0, err
    assert "2 action(s) updated" in err
    assert action_state(corpus_db, first_id)[:2] == ("blocked", 55)
    assert action_state(corpus_db, second_id)[2] == "2025-03-31"
    db = open_db(corpus_db)
    notes = [r[0] for r in db.execute("SELECT note FROM progress_updates WHERE action_id = ?", [first_id])]
    db.conn.close()
    assert "Waiting for the trusts' legal teams" in notes

    code, _stdout, err = run_cli("--db", corpus_db, "return", "import", filled)  # sent twice
    assert code == 0 and "0 action(s) updated" in err and "2 already applied" in err
    assert action_state(corpus_db, first_id)[:2] == ("blocked", 55)


def test_an_xlsx_return_is_held_to_the_same_rules_as_csv(corpus_db, run_cli, tmp_path):
    form = tmp_path / "moorland.xlsx"
    workbook, sheet, header_row, columns = return_form(run_cli, corpus_db, form)
    other = next(a for a in stored_actions(corpus_db).values() if a["organisation"] != "Moorland ICB")
    row = sheet.max_row + 1
    sheet.cell(row, columns["Action ID"], other["id"])  # someone else's action, pasted in
    sheet.cell(row, columns["New %"], 90)
    sheet.cell(header_row + 1, columns["New status"], "finished-ish")  # typed past the drop-down
    sheet.cell(header_row + 2, columns["New %"], 0.4).number_format = "0%"  # 40% in a percent cell
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    before = action_state(corpus_db, other["id"])
    second_id = sheet.cell(header_row + 2, 1).value

    code, _stdout, err = run_cli("--db", corpus_db, "return", "import", filled)
    assert code == 1
    problems = [line for line in err.splitlines() if "row " in line]
    assert len(problems) == 2
    assert any(f"action {other['id']} belongs to {other['organisation']}" in p for p in problems)
    assert any("unknown status 'finished-ish'" in p for p in problems)
    assert action_state(corpus_db, other["id"]) == before
    assert action_state(corpus_db, second_id)[1] == 40
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\xff random bytes " * 200, "not a readable Excel workbook"),
        (None, "not a readable Excel workbook"),  # a real form cut short
        ("docx", "looks like a Word document"),
        ("plain", "not a progress return"),
    ],
)
def test_a_broken_xlsx_return_is_one_line_and_changes_nothing(corpus_db, run_cli, tmp_path, content, reason):
    import docx

    path = tmp_path / "return.xlsx"
    if content is None:
        return_form(run_cli, corpus_db, tmp_path / "whole.xlsx")
        path.write_bytes((tmp_path / "whole.xlsx").read_bytes()[:1500])
    elif content == "docx":
        docx.Document().save(str(path))
    elif content == "plain":
        workbook = openpyxl.Workbook()
        workbook.active.append(["Budget line", "Amount"])
        workbook.save(path)
    else:
        path.write_bytes(content)
    before = stored_actions(corpus_db)
    code, stdout, err = run_cli("--db", corpus_db, "return", "import", path)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and reason in err and "Traceback" not in err
    assert stdout == ""
    assert {k: (a["status"], a["percent"]) for k, a in stored_actions(corpus_db).items()} == {
        k: (a["status"], a["percent"]) for k, a in before.items()
    }


def test_the_actions_page_exports_an_xlsx_return_and_the_tracker(qtbot, corpus_window, tmp_path):
    window = corpus_window
    page = window.go_to("actions")
    form = tmp_path / "moorland.xlsx"
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=10000):
        page.export_return("Moorland ICB", str(form))
    assert openpyxl.load_workbook(form)["Return"].protection.sheet
    tracker = tmp_path / "tracker.xlsx"
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=10000):
        page.export_tracker(str(tracker))
    sheet = openpyxl.load_workbook(tracker)["Tracker"]
    assert sheet.max_row - 1 == len(
        window.db.execute("SELECT id FROM actions WHERE deleted_at IS NULL").fetchall()
    )
