"""Excel workbooks in: trackers found below their title rows, dates read as dates, re-imports update in
place; other workbooks imported as documents; damaged, disguised, huge and bomb workbooks refused."""

from __future__ import annotations

import csv
import datetime as dt
import time

import pytest
from hostile_files import TRACKER_HEADER, big_xlsx, docx_bytes, tracker_workbook, xlsx_bytes, zip_bomb

from knowledge.actions import action_history, list_actions
from knowledge.ingest.base import IngestError
from knowledge.ingest.readers import read_file
from knowledge.library import document_passages, import_paths

ROWS = [
    [
        "M1",
        "Moorland ICB",
        "Agree a joint procurement approach for AI imaging",
        "Head of Procurement",
        dt.datetime(2024, 9, 30),
        "In progress",
        0.4,
    ],
    [
        "M2",
        "Moorland Royal Infirmary NHS Trust",
        "Form an AI implementation team before the next contract",
        "Deputy Medical Director",
        dt.datetime(2024, 6, 30),
        "Done",
        1.0,
    ],
    [
        "M3",
        "Helix Imaging Ltd",
        "Publish case studies of the fracture detection pilot",
        "Clinical Lead",
        dt.datetime(2024, 11, 15),
        "Planned",
        0.1,
    ],
]


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _import(db, path):
    [outcome] = import_paths(db, [path])
    return outcome


def test_a_tracker_below_a_title_and_a_blank_row_reads_its_rows_with_real_dates(tmp_path):
    doc = read_file(_write(tmp_path, "tracker.xlsx", tracker_workbook(ROWS)))
    assert doc.kind == "tracker"
    assert doc.title == "Moorland ICB - AI in imaging action tracker"
    assert [r["Due date"] for r in doc.rows] == ["2024-09-30", "2024-06-30", "2024-11-15"]
    assert [r["% complete"] for r in doc.rows] == ["40%", "100%", "10%"]
    assert {b.section for b in doc.blocks} == {"Actions"}
    # The notes sheet is not a tracker: it is named, not mixed into the actions.
    assert doc.metadata["warnings"] == ["sheet 'Notes' has no tracker columns: not imported"]


def test_importing_a_tracker_workbook_twice_adds_nothing_and_an_edited_one_updates_in_place(
    fresh_db, tmp_path
):
    first = _import(fresh_db, _write(tmp_path, "tracker.xlsx", tracker_workbook(ROWS)))
    assert (first.status, first.actions) == ("imported", 3)
    actions = {a["source_ref"]: a for a in list_actions(fresh_db)}
    assert (actions["M1"]["due"], actions["M1"]["status"], actions["M1"]["percent"]) == (
        "2024-09-30",
        "in_progress",
        40,
    )
    assert actions["M2"]["status"] == "done"
    assert actions["M1"]["organisation"] == "Moorland ICB"
    assert _import(fresh_db, tmp_path / "tracker.xlsx").status == "duplicate"
    assert len(list_actions(fresh_db)) == 3

    edited = [list(r) for r in ROWS]
    edited[0][5:7] = ["Blocked", 0.5]  # status and percent moved on
    edited[2][4] = dt.datetime(2025, 1, 31)  # a due date slipped
    edited.append(
        [
            "M4",
            "Moorland ICB",
            "Consult the IT team before procurement",
            "CIO",
            dt.datetime(2024, 12, 1),
            "Not started",
            0.0,
        ]
    )
    again = _import(fresh_db, _write(tmp_path, "tracker-june.xlsx", tracker_workbook(edited)))
    assert again.status == "imported"
    actions = {a["source_ref"]: a for a in list_actions(fresh_db)}
    assert sorted(actions) == ["M1", "M2", "M3", "M4"]
    assert (actions["M1"]["status"], actions["M1"]["percent"]) == ("blocked", 50)
    assert (actions["M3"]["original_due"], actions["M3"]["due"]) == ("2024-11-15", "2025-01-31")
    assert [h["new_status"] for h in action_history(fresh_db, actions["M1"]["id"])] == [
        "in_progress",
        "blocked",
    ]


def test_the_moorland_tracker_as_a_workbook_gives_the_same_actions_as_its_csv(fresh_db, tmp_path, corpus):
    with (corpus / "moorland-icb-ai-tracker.csv").open(encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:]
    dated = {i for i, h in enumerate(header) if "date" in h.lower() or "update" in h.lower()}
    cells = [
        [
            dt.datetime.fromisoformat(v) if i in dated and v else (int(v) if v.isdigit() else v or None)
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    workbook = xlsx_bytes({"Tracker": [["Moorland ICB AI tracker", None, None], [None], header, *cells]})
    assert _import(fresh_db, _write(tmp_path, "moorland.xlsx", workbook)).actions == 9
    by_text = {a["text"]: a for a in list_actions(fresh_db)}
    assert _import(fresh_db, corpus / "moorland-icb-ai-tracker.csv").actions == 0  # the same actions
    liability = next(a for t, a in by_text.items() if t.startswith("Clarify with the trust's legal team"))
    assert (liability["status"], liability["percent"], liability["due"]) == ("blocked", 20, "2024-08-31")
    assert liability["recommendations"] == [8]
    assert action_history(fresh_db, liability["id"])[0]["at"] == "2024-05-01"


def test_a_due_date_that_lost_its_date_format_is_still_a_date(tmp_path):
    rows = [["M9", "Moorland ICB", "Agree the framework", "Lead", 45565, "Planned", 20]]  # 30 Sep 2024
    doc = read_file(_write(tmp_path, "pasted.xlsx", tracker_workbook(rows)))
    assert doc.rows[0]["Due date"] == "2024-09-30"
    assert doc.rows[0]["% complete"] == "20"


def test_several_tracker_sheets_with_their_own_wording_are_all_read(fresh_db, tmp_path):
    trusts = [
        ["Trust", "Task", "Lead", "Deadline", "RAG status"],
        [
            "Westmoor Hospitals NHS Trust",
            "Write AI into radiology job plans",
            "Clinical Director",
            dt.datetime(2024, 10, 1),
            "In progress",
        ],
    ]
    icb = [["Quarterly return"], [], TRACKER_HEADER, *ROWS[:1]]
    path = _write(tmp_path, "system.xlsx", xlsx_bytes({"ICB": icb, "Trusts": trusts}))
    doc = read_file(path)
    assert len(doc.rows) == 2 and doc.metadata["sheets"] == ["ICB", "Trusts"]
    assert [b.section for b in doc.blocks] == ["ICB", "Trusts"]
    assert _import(fresh_db, path).actions == 2
    job_plans = next(a for a in list_actions(fresh_db) if a["text"].startswith("Write AI"))
    assert (job_plans["organisation"], job_plans["owner"], job_plans["due"]) == (
        "Westmoor Hospitals NHS Trust",
        "Clinical Director",
        "2024-10-01",
    )


def test_a_workbook_that_is_no_tracker_is_a_document_with_a_passage_per_region(fresh_db, tmp_path):
    budget = [
        ["Imaging AI budget 2024/25"],
        [],
        ["Line", "Cost", "Funding"],
        ["Fracture detection licence", 42000, "ICB capital"],
        ["PACS integration", 18500, "Trust"],
        [],
        [],
        ["Risks: the integration depends on the EPR upgrade slipping no further."],
    ]
    notes = [["Minutes of the finance group: medical indemnity cover to be confirmed with NHS Resolution."]]
    path = _write(tmp_path, "budget.xlsx", xlsx_bytes({"Budget": budget, "Finance notes": notes}))
    outcome = _import(fresh_db, path)
    assert (outcome.status, outcome.actions) == ("imported", 0)
    passages = document_passages(fresh_db, outcome.document_id)
    assert [p["section"] for p in passages] == ["Budget", "Budget", "Budget", "Finance notes"]
    assert "PACS integration; Cost: 18500; Funding: Trust" in passages[1]["text"]
    assert passages[2]["text"].startswith("Risks: the integration depends")
    hits = fresh_db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'indemnity'").fetchall()
    assert [h[0] for h in hits] == [passages[3]["id"]]


@pytest.mark.parametrize(
    ("sheets", "reason"),
    [
        ({"Empty": []}, "the workbook has no text"),
        ({"Actions": [TRACKER_HEADER]}, "the tracker has a header but no rows"),
    ],
)
def test_workbooks_with_nothing_to_import_are_refused_with_their_reason(tmp_path, sheets, reason):
    with pytest.raises(IngestError, match=f"^{reason}"):
        read_file(_write(tmp_path, "w.xlsx", xlsx_bytes(sheets)))


def test_hostile_workbooks_fail_in_one_line_each_and_the_folder_import_goes_on(fresh_db, tmp_path):
    good = tracker_workbook(ROWS)
    folder = tmp_path / "drive"
    folder.mkdir()
    cases = {
        "truncated.xlsx": (good[: len(good) // 2], "damaged or truncated ZIP package"),
        "random.xlsx": (bytes(range(256)) * 40, "not an Excel workbook file"),
        "word-named.xlsx": (docx_bytes(["A board paper."]), "(it looks like a Word document); rename it to"),
        "bomb.xlsx": (
            zip_bomb(
                "bomb.xlsx",
                {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"},
                "xl/worksheets/sheet1.xml",
            ),
            "a zip bomb",
        ),
        "macro.xlsm": (good, None),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    outcomes = {o.path.rsplit("/", 1)[-1]: o for o in import_paths(fresh_db, [folder])}
    for name, (_, reason) in cases.items():
        outcome = outcomes[name]
        if reason is None:
            assert outcome.status == "imported" and outcome.actions == 3
        else:
            assert outcome.status == "failed" and reason in outcome.reason, (name, outcome.reason)
            assert "\n" not in outcome.reason


def test_a_50000_row_sheet_is_refused_quickly_with_the_limit(tmp_path):
    rows = (
        [f"R{i}", "Moorland ICB", f"Action {i}", "Lead", "2024-09-30", "Planned", 10] for i in range(50_000)
    )
    tracker = _write(tmp_path, "big-tracker.xlsx", big_xlsx("Actions", [TRACKER_HEADER, *rows]))
    dump = _write(
        tmp_path, "big-data.xlsx", big_xlsx("Data", ([i, 2 * i, f"v{i}", 3 * i, "x"] for i in range(50_000)))
    )
    for path, reason in (
        (tracker, "too many rows: sheet 'Actions' has more than 10,000"),
        (dump, "too many cells: more than 200,000"),
    ):
        started = time.perf_counter()
        with pytest.raises(IngestError, match=reason):
            read_file(path)
        # Reading stops at the limit: a fraction of the sheet is parsed (about a second on an idle laptop;
        # generous here, as the machine running the tests may be busy).
        assert time.perf_counter() - started < 30
