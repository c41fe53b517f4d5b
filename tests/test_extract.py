"""Action extraction: draft actions from roundtable notes, tracked actions from tracker CSVs, re-imports."""

from __future__ import annotations

from pathlib import Path

from conftest import store_parsed

from knowledge.actions import action_history, list_actions
from knowledge.ingest.base import ParsedDocument
from knowledge.ingest.text import read_markdown
from knowledge.library import import_paths
from knowledge.roundtables import list_roundtables

HARBOURSIDE_TABLE = {
    "A1": ("Harbourside ICB", "icb", "Director of Digital Transformation", "2024-07-31", "in_progress"),
    "A2": ("Harbourside ICB", "icb", "IG Lead", "2024-06-30", "not_started"),
    "A3": ("Westmoor Hospitals NHS Trust", "trust", "Consultant Radiologist (AI lead)", "2024-04-30", "done"),
    "A4": (
        "Northfield Teaching Hospitals NHS FT",
        "trust",
        "Head of IT Infrastructure",
        "2024-05-31",
        "in_progress",
    ),
    "A5": (
        "Kingsbridge Community Hospitals",
        "trust",
        "Lead Reporting Radiographer",
        "2024-04-15",
        "blocked",
    ),
    "A6": ("Lumina Diagnostics Ltd", "vendor", "Clinical Affairs Manager", "2024-09-30", "not_started"),
    "A7": ("Harbourside ICB", "icb", "CCIO", "2024-04-30", "not_started"),
    "A8": ("Riverside Imaging Network", "imaging_network", "Network Manager", "2024-06-30", "planned"),
}


def _harbourside(corpus: Path) -> ParsedDocument:
    return read_markdown(corpus / "harbourside-roundtable-notes-2024-03.md")


def _import(db, path) -> int:
    [outcome] = import_paths(db, [path])
    assert outcome.status in ("imported", "duplicate"), outcome.reason
    return outcome.actions


def test_harbourside_notes_give_the_eight_actions_of_their_table(fresh_db, corpus):
    assert _import(fresh_db, corpus / "harbourside-roundtable-notes-2024-03.md") == 8
    actions = list_actions(fresh_db)
    assert len(actions) == 8
    got = {
        a["source_ref"]: (a["organisation"], a["org_type"], a["owner"], a["due"], a["status"])
        for a in actions
    }
    assert got == HARBOURSIDE_TABLE
    doc_id = fresh_db.execute("SELECT id FROM documents").fetchone()[0]
    for a in actions:
        assert a["draft"] and a["source_document_id"] == doc_id
        passage = fresh_db.execute(
            "SELECT text FROM passages WHERE id = ? AND document_id = ?", [a["source_passage_id"], doc_id]
        ).fetchone()
        assert a["text"] in passage[0]  # linked to the passage that holds its row
    done = next(a for a in actions if a["source_ref"] == "A3")
    assert done["percent"] == 100
    # The status in the notes is dated at the meeting.
    assert action_history(fresh_db, done["id"])[0]["at"] == "2024-03-14"


def test_roundtable_notes_create_a_roundtable_linked_to_document_and_actions(fresh_db, corpus):
    _import(fresh_db, corpus / "harbourside-roundtable-notes-2024-03.md")
    doc_id = fresh_db.execute("SELECT id FROM documents").fetchone()[0]
    [rt] = list_roundtables(fresh_db)
    assert rt["title"].startswith("Harbourside ICS")
    assert rt["date"] == "2024-03-14"
    assert rt["chair"].startswith("Dr Amara Okafor")
    assert rt["host"] == "Harbourside ICB"
    assert [d["id"] for d in rt["documents"]] == [doc_id]
    assert rt["actions"] == 8 and rt["drafts"] == 8
    assert "Lumina Diagnostics Ltd" in rt["partners"]
    assert len(list_actions(fresh_db, roundtable_id=rt["id"])) == 8


def test_action_lines_in_free_text_become_draft_actions(fresh_db):
    raw = (
        "# Northshire digital board\n\n**Date:** 2 May 2024\n**Chair:** Prof. Helen Marsh, Northshire ICB\n\n"
        "The board discussed the DPIA.\n\n"
        "ACTION: Northshire ICB to circulate the system DPIA template (Owner: IG Lead, due 30/05/2024)\n\n"
        "- **Action:** Write to NHS Resolution about indemnity"
        " (owner: CMO; due: 30 June 2024; status: planned)\n\n"
        "Action: Bramley General Hospital NHS Foundation Trust to share its pilot results\n"
    )
    parsed = ParsedDocument(
        title="Northshire digital board roundtable",
        text=raw,
        blocks=[],
        kind="roundtable_notes",
        metadata={"raw_text": raw, "date": "2 May 2024", "chair": "Prof. Helen Marsh, Northshire ICB"},
    )
    _, count = store_parsed(fresh_db, parsed)
    got = {a["text"]: a for a in list_actions(fresh_db)}
    assert count == 3
    dpia = got["Circulate the system DPIA template"]
    assert (dpia["organisation"], dpia["owner"], dpia["due"]) == ("Northshire ICB", "IG Lead", "2024-05-30")
    letter = got["Write to NHS Resolution about indemnity"]
    assert (letter["owner"], letter["due"], letter["status"]) == ("CMO", "2024-06-30", "planned")
    assert letter["organisation"] == "Northshire ICB"  # no organisation given: the roundtable's host
    share = got["Share its pilot results"]
    assert (
        share["organisation"] == "Bramley General Hospital NHS Foundation Trust"
        and share["org_type"] == "trust"
    )
    assert all(a["draft"] for a in got.values())


def test_reports_are_not_mined_for_actions(fresh_db):
    raw = "| Action | Owner |\n|---|---|\n| Publish guidance | NHS England |\n"
    parsed = ParsedDocument(title="A report", text=raw, blocks=[], kind="report", metadata={"raw_text": raw})
    assert store_parsed(fresh_db, parsed)[1] == 0


def test_moorland_tracker_creates_nine_tracked_actions(fresh_db, corpus):
    assert _import(fresh_db, corpus / "moorland-icb-ai-tracker.csv") == 9
    doc_id = fresh_db.execute("SELECT id FROM documents").fetchone()[0]
    actions = list_actions(fresh_db)
    assert len(actions) == 9
    assert not any(a["draft"] for a in actions)
    orgs = {a["organisation"]: a["org_type"] for a in actions}
    assert orgs == {
        "Moorland ICB": "icb",
        "Moorland Royal Infirmary NHS Trust": "trust",
        "Dale Valley Hospitals NHS Foundation Trust": "trust",
        "Helix Imaging Ltd": "vendor",
    }
    liability = next(a for a in actions if a["text"].startswith("Clarify with the trust's legal team"))
    assert (liability["status"], liability["percent"], liability["due"]) == ("blocked", 20, "2024-08-31")
    assert liability["recommendations"] == [8]
    assert liability["links"][0]["origin"] == "tracker" and liability["links"][0]["state"] == "confirmed"
    [first] = action_history(fresh_db, liability["id"])
    assert (first["at"], first["new_status"], first["new_percent"]) == ("2024-05-01", "blocked", 20)
    assert sum(1 for a in actions if a["recommendations"]) == 5
    for a in actions:  # each action points at the passage of its own row
        row = fresh_db.execute(
            "SELECT text, document_id FROM passages WHERE id = ?", [a["source_passage_id"]]
        )
        text, passage_doc = row.fetchone()
        assert passage_doc == doc_id and a["text"] in text


def test_tracker_reimport_updates_instead_of_duplicating(fresh_db, corpus, tmp_path):
    source = corpus / "moorland-icb-ai-tracker.csv"
    _import(fresh_db, source)
    history_before = fresh_db.execute("SELECT count(*) FROM progress_updates").fetchone()[0]
    # The same file again is a duplicate; the same rows in another file (a copy with a blank line at the
    # end, so its hash differs) are recognised row by row: nothing new.
    assert _import(fresh_db, source) == 0
    copy = tmp_path / "moorland-copy.csv"
    copy.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _import(fresh_db, copy) == 0
    assert len(list_actions(fresh_db)) == 9
    assert fresh_db.execute("SELECT count(*) FROM progress_updates").fetchone()[0] == history_before
    # A changed tracker: one row moved on, one row's due date slipped.
    changed = tmp_path / "moorland-june.csv"
    text = source.read_text(encoding="utf-8")
    text = text.replace("Planned,10,,2024-04-18", "In progress,35,,2024-06-20")
    text = text.replace("Deputy Medical Director,2024-06-30", "Deputy Medical Director,2024-07-15")
    changed.write_text(text, encoding="utf-8")
    assert _import(fresh_db, changed) == 2
    actions = list_actions(fresh_db)
    assert len(actions) == 9
    ig = next(a for a in actions if a["text"].startswith("Publish common information governance"))
    assert (ig["status"], ig["percent"]) == ("in_progress", 35)
    last = action_history(fresh_db, ig["id"])[-1]
    assert (last["old_status"], last["new_status"], last["at"]) == ("planned", "in_progress", "2024-06-20")
    team = next(a for a in actions if a["text"].startswith("Form an AI implementation team"))
    assert (team["original_due"], team["due"]) == ("2024-06-30", "2024-07-15")
    assert fresh_db.execute("SELECT count(*) FROM progress_updates").fetchone()[0] == history_before + 2


def test_tracker_with_id_column_and_synonym_headers_matches_by_id(fresh_db):
    def tracker(rows):
        return ParsedDocument(title="Tracker", text="", blocks=[], kind="tracker", rows=rows)

    first = [
        {
            "ID": "T-1",
            "Org": "Helix Imaging Ltd",
            "Type": "vendor",
            "Description": "Publish a UK case study",
            "Lead": "Clinical Affairs",
            "Deadline": "30 Nov 2024",
            "Status": "Planned",
            "Progress": "0%",
            "Rec": "2",
            "Updated": "10/04/2024",
        },
        {"ID": "T-2", "Org": "Helix Imaging Ltd", "Description": "", "Status": "Done"},  # no action: skipped
        {"ID": "", "Org": "", "Description": "  "},
    ]
    assert store_parsed(fresh_db, tracker(first))[1] == 1
    reworded = [
        dict(
            first[0],
            Description="Publish a UK case study with outcome data",
            Status="In progress",
            Progress="25%",
            Updated="01/06/2024",
        )
    ]
    assert store_parsed(fresh_db, tracker(reworded))[1] == 1
    [action] = list_actions(fresh_db)
    assert (action["due"], action["status"], action["percent"], action["recommendations"]) == (
        "2024-11-30",
        "in_progress",
        25,
        [2],
    )


def test_an_older_tracker_snapshot_does_not_roll_progress_back(fresh_db):
    rows = [
        {
            "Organisation": "Moorland ICB",
            "Action": "Agree a joint procurement approach",
            "Status": "Done",
            "% complete": "100",
            "Last update": "2024-06-30",
        }
    ]
    store_parsed(fresh_db, ParsedDocument(title="June", text="", blocks=[], kind="tracker", rows=rows))
    older = [dict(rows[0], Status="In progress", **{"% complete": "40", "Last update": "2024-05-02"})]
    assert (
        store_parsed(fresh_db, ParsedDocument(title="May", text="", blocks=[], kind="tracker", rows=older))[1]
        == 0
    )
    assert list_actions(fresh_db)[0]["status"] == "done"


def test_table_rows_flattened_by_other_readers_are_found_too(fresh_db, corpus):
    # docx and html readers give no raw markdown: rows arrive as "Organisation: X. Action: Y." lines.
    parsed = _harbourside(corpus)
    parsed.metadata.pop("raw_text", None)
    parsed.text = "\n".join(
        f"{ref}. Organisation: {org}. Action: Do item {ref}. Owner: {owner}. Due: {due}. Status: {status}."
        for ref, (org, _, owner, due, status) in HARBOURSIDE_TABLE.items()
    )
    assert store_parsed(fresh_db, parsed)[1] == 8
    got = {a["source_ref"]: a for a in list_actions(fresh_db)}
    a5 = got["A5"]
    assert (a5["organisation"], a5["owner"], a5["due"], a5["status"]) == (
        "Kingsbridge Community Hospitals",
        "Lead Reporting Radiographer",
        "2024-04-15",
        "blocked",
    )


def test_words_that_merely_start_with_action_are_not_actions(fresh_db):
    raw = "Action-oriented research was discussed.\nActions agreed\nAction potentials: not relevant here\n"
    parsed = ParsedDocument(
        title="Meeting notes", text=raw, blocks=[], kind="roundtable_notes", metadata={"raw_text": raw}
    )
    assert store_parsed(fresh_db, parsed)[1] == 0


def test_odd_tracker_values_are_kept_as_notes_not_errors(fresh_db):
    rows = [
        {
            "Organisation": "Moorland ICB",
            "Action": "Agree the AI budget",
            "Due date": "next year",
            "Status": "Amber",
            "% complete": "lots",
            "Last update": "sometime",
        },
        {"Organisation": "Moorland ICB", "Action": "Second action", None: ["stray", "cells"]},
    ]
    parsed = ParsedDocument(title="Messy tracker", text="", blocks=[], kind="tracker", rows=rows)
    assert store_parsed(fresh_db, parsed)[1] == 2
    budget = next(a for a in list_actions(fresh_db) if a["text"] == "Agree the AI budget")
    assert (budget["status"], budget["percent"], budget["due"]) == ("not_started", 0, None)
    note = action_history(fresh_db, budget["id"])[0]["note"]
    assert "due given as 'next year'" in note and "status given as 'Amber'" in note


def test_edited_notes_reimported_update_their_roundtable_and_actions(fresh_db, corpus, tmp_path):
    source = corpus / "harbourside-roundtable-notes-2024-03.md"
    _import(fresh_db, source)
    edited = tmp_path / "harbourside-v2.md"
    edited.write_text(
        source.read_text(encoding="utf-8").replace(
            "| 2024-06-30 | Planned |", "| 2024-06-30 | In progress |"
        ),
        encoding="utf-8",
    )
    assert _import(fresh_db, edited) == 1
    [rt] = list_roundtables(fresh_db)
    assert len(rt["documents"]) == 2 and rt["actions"] == 8
    a8 = next(a for a in list_actions(fresh_db) if a["source_ref"] == "A8")
    assert a8["status"] == "in_progress" and len(list_actions(fresh_db)) == 8
