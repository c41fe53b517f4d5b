"""Files as real organisations write them: Excel CSV quoting, secured PDFs, unmapped fonts, odd Word XML,
and a database on a network drive."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from hostile_files import (
    SENTENCE,
    _real_world,
    docx_with_comment,
    encrypted_pdf,
    glyph_name_pdf,
    late_quote_csv,
)

from knowledge import fsinfo
from knowledge.db import DatabaseError, connect
from knowledge.ingest.base import IngestError
from knowledge.ingest.pdf import bad_share
from knowledge.ingest.readers import read_file


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_doubled_quote_after_10000_characters_keeps_every_column_in_place(tmp_path):
    data = late_quote_csv()
    assert data.index(b'""') > 10_000
    rows = read_file(_write(tmp_path, "tracker.csv", data)).rows
    quoted, after = rows[-2], rows[-1]
    assert quoted["Action"] == 'Adopt the "AI first" policy, then review it'
    assert (quoted["Owner"], quoted["Due"], quoted["Status"]) == ("Head of Digital", "2024-09-30", "blocked")
    assert after == {
        "Organisation": "Kingsbridge Trust",
        "Action": "Write the job plans",
        "Owner": "Radiology Manager",
        "Due": "2024-10-01",
        "Status": "done",
    }


def test_a_semicolon_csv_is_still_read_by_its_delimiter(tmp_path):
    data = "Organisation;Action;Due\nMoorland ICB;Publish the strategy, then consult;2024-05-01\n"
    rows = read_file(_write(tmp_path, "semi.csv", data.encode())).rows
    assert rows == [
        {"Organisation": "Moorland ICB", "Action": "Publish the strategy, then consult", "Due": "2024-05-01"}
    ]


def test_an_aes_pdf_with_only_an_owner_password_imports(tmp_path):
    path = _write(tmp_path, "published.pdf", encrypted_pdf(["Published guidance text.", SENTENCE]))
    assert SENTENCE in " ".join(read_file(path).text.split())


def test_an_aes_pdf_with_a_user_password_is_named_as_encrypted(tmp_path):
    path = _write(tmp_path, "locked.pdf", encrypted_pdf([SENTENCE], user_password="secret"))
    with pytest.raises(IngestError, match="encrypted PDF: a password is needed"):
        read_file(path)


def test_glyph_name_text_is_detected_and_read_again_by_the_second_route(tmp_path):
    import io

    import pypdf

    data = glyph_name_pdf("Overview of the pilot results")
    first = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert first.startswith("/g79/g118") and bad_share(first) > 0.9
    document = read_file(_write(tmp_path, "glyphs.pdf", data))
    assert "Overview of the pilot results" in document.text
    assert "/g" not in document.text


def test_a_pdf_no_route_can_read_is_named_with_the_reason(tmp_path):
    path = _write(tmp_path, "unmapped.pdf", glyph_name_pdf("Unmapped font", ascii_codes=False))
    with pytest.raises(IngestError, match="glyph names or codes instead of letters"):
        read_file(path)


def test_ordinary_text_is_not_taken_for_glyph_names():
    assert bad_share("Use 1/2 of the budget; see /docs/2024 and item 3/4.") < 0.3
    assert bad_share("") == 0.0
    assert bad_share("\ufffd\ufffd\ufffd ab") > 0.5


def test_a_word_file_with_xml_comments_in_its_body_imports(tmp_path):
    document = read_file(_write(tmp_path, "converted.docx", docx_with_comment()))
    assert "Commented Word paragraph survives." in document.text
    assert SENTENCE in document.text


def test_a_folder_of_the_new_kinds_imports_the_good_and_names_each_bad_file(tmp_path, run_cli):
    folder = tmp_path / "drive"
    folder.mkdir()
    cases = _real_world()
    for case in cases:
        (folder / case.name).write_bytes(case.data)
    code, _out, err = run_cli("--db", tmp_path / "r.db", "import", folder, "--no-index")
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    for case in cases:
        named = [line for line in lines if case.name in line]
        assert len(named) == (1 if case.fails else 0), (case.name, lines)
        if case.fails:
            assert case.reason in named[0]
    with sqlite3.connect(tmp_path / "r.db") as conn:
        passages = " ".join(" ".join(row[0].split()) for row in conn.execute("SELECT text FROM passages"))
    for case in cases:
        if not case.fails:
            assert case.phrase in passages, case.name


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export/team {team} nfs4 rw,relatime 0 0
//nas/share {share} cifs rw 0 0
sshfs#me@host: {ssh} fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.fixture
def fake_mounts(tmp_path, monkeypatch):
    team, share, ssh = tmp_path / "team drive", tmp_path / "share", tmp_path / "ssh"
    for folder in (team, share, ssh):
        folder.mkdir()
    text = MOUNTS.format(team=str(team).replace(" ", "\\040"), share=share, ssh=ssh)
    mounts = tmp_path / "mounts"
    mounts.write_text(text)
    monkeypatch.setattr(fsinfo, "MOUNTS", mounts)
    monkeypatch.setattr(sys, "platform", "linux")
    return team, share, ssh


def test_network_filesystems_are_recognised_from_the_mount_table(fake_mounts, tmp_path):
    team, share, ssh = fake_mounts
    assert fsinfo.network_filesystem(team / "roundtable.db") == "nfs4"
    assert fsinfo.network_filesystem(share / "sub" / "x.db") == "cifs"
    assert fsinfo.network_filesystem(ssh / "x.db") == "fuse.sshfs"
    assert fsinfo.network_filesystem(tmp_path / "local.db") is None


def test_wal_is_refused_on_a_network_drive_with_a_way_forward(fake_mounts, tmp_path):
    team, _share, _ssh = fake_mounts
    with pytest.raises(DatabaseError, match="network drive \\(nfs4\\).*team workspace.*local disk"):
        connect(team / "roundtable.db")
    assert not (team / "roundtable.db-wal").exists()
    db = connect(tmp_path / "local.db")  # a local file still opens in WAL mode
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.conn.close()


# -- spreadsheets that are not action trackers, tracker columns by any name, nameless organisations --------

RISK_REGISTER = """\
Risk ID,Risk description,Likelihood,Impact,Risk owner,Mitigating actions,Review date,Status
R1,Model performance drifts after a scanner upgrade,3,4,Head of Digital,Re-validate quarterly,2024-06-01,Open
R2,Supplier exits the market,2,5,Procurement Lead,Escrow agreement,2024-07-01,Open
"""
INCIDENT_LOG = """\
Incident No.,Date reported,Description,Severity,Action taken,Closed
INC-7,2024-03-02,AI triage list failed to load for two hours,Moderate,Restarted the service,Yes
"""


def test_a_risk_register_or_incident_log_imports_as_a_document_and_says_so(tmp_path, run_cli):
    folder = tmp_path / "registers"
    folder.mkdir()
    (folder / "risks.csv").write_text(RISK_REGISTER, encoding="utf-8")
    (folder / "incidents.csv").write_text(INCIDENT_LOG, encoding="utf-8")
    code, _out, err = run_cli("--db", tmp_path / "r.db", "import", folder, "--no-index")
    assert code == 0  # nothing failed: the rows are stored and searchable
    for name in ("risks.csv", "incidents.csv"):
        line = f"{folder / name}: no action column found: imported as a document"
        assert line in err.splitlines(), err
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT count(*) FROM actions").fetchone() == (0,)
        texts = " ".join(row[0] for row in conn.execute("SELECT text FROM passages"))
    assert "Supplier exits the market" in texts and "AI triage list failed to load" in texts


def test_the_window_import_summary_carries_the_same_word(tmp_path, fresh_db):
    from desktop.operations.library import import_files

    path = tmp_path / "risks.csv"
    path.write_text(RISK_REGISTER, encoding="utf-8")
    summary = import_files(fresh_db, [str(path)]).value
    assert summary.warnings() == [(str(path), "no action column found: imported as a document")]
    assert "risks.csv: no action column found: imported as a document" in summary.message()


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("human_owner", "owner"),
        ("Responsible", "owner"),
        ("Lead", "owner"),
        ("Action Owner", "owner"),
        ("ACTION-OWNER(S)", "owner"),
        ("actionOwner", "owner"),
        ("Task.Lead", "owner"),
        ("Accountable person", "owner"),
        ("Target date", "due"),
        ("Deadline", "due"),
        ("target_completion_date", "due"),
        ("Due By", "due"),
        ("RAG", "status"),
        ("RAG Rating", "status"),
        ("Action status", "status"),
        ("Progress", "percent"),
        ("Progress (%)", "percent"),
        ("% Complete", "percent"),
        ("Lead Organisation", "organisation"),
        ("ORGANIZATION_NAME", "organisation"),
        ("Org. type", "org_type"),
        ("Action ID", "ref"),
        ("Ref.", "ref"),
        ("Actions agreed", "action"),
        ("Task description", "action"),
        ("Action item", "action"),
        ("Rec. no.", "recommendation"),
        ("Date last updated", "last_update"),
        ("Risk description", None),
        ("Mitigating actions", None),
        ("Action taken", None),
        ("Comments", None),
    ],
)
def test_tracker_headers_are_read_by_their_words_whatever_the_spelling(header, field):
    from knowledge.ingest.tabular import header_field

    assert header_field(header) == field


def test_a_tracker_with_synonym_headers_imports_owner_due_status_and_progress(tmp_path, run_cli):
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Ref.,Lead_Organisation,Action Description,human_owner,Target-Date,RAG status,Progress (%)\n"
        "A1,Moorland ICB,Publish the AI procurement strategy,Head of Digital,30/09/2024,In progress,40\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli("--db", tmp_path / "r.db", "import", path, "--no-index")
    assert code == 0 and "no action column" not in err
    with sqlite3.connect(tmp_path / "r.db") as conn:
        row = conn.execute(
            "SELECT a.text, a.owner, a.due, a.status, a.percent, a.source_ref, o.name FROM actions a"
            " JOIN organisations o ON o.id = a.organisation_id"
        ).fetchall()
    assert row == [
        (
            "Publish the AI procurement strategy",
            "Head of Digital",
            "2024-09-30",
            "in_progress",
            40,
            "A1",
            "Moorland ICB",
        )
    ]


NAMELESS = ["\u200b", "\u00a0\u200b", "-", "\u2013", "?", "n/a", "TBC", "\u200b.\u200b"]


def test_nameless_organisations_are_reported_per_row_and_never_shared(tmp_path, run_cli):
    lines = ["Organisation,Action,Owner"]
    lines += [f"{name},Action number {i} for a nameless row,Lead {i}" for i, name in enumerate(NAMELESS)]
    lines.insert(3, "")  # a blank line: the lines named below are the file's own line numbers
    lines.append("Moorland\u200b ICB,Publish the strategy,Head of Digital")
    path = tmp_path / "tracker.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _out, err = run_cli("--db", tmp_path / "r.db", "import", path, "--no-index")
    assert code == 0
    reported = [line for line in err.splitlines() if "is no name" in line]
    expected_lines = [n for n, text in enumerate(lines, 1) if text.startswith(tuple(NAMELESS))]
    assert len(reported) == len(NAMELESS) and len(expected_lines) == len(NAMELESS)
    for line_no, line in zip(expected_lines, reported, strict=True):
        assert line.startswith(f"{path}: line {line_no}: organisation ")
        assert line.endswith("action filed without an organisation")
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("Moorland ICB",)]
        kept = conn.execute(
            "SELECT count(*) FROM actions WHERE organisation_id IS NULL AND text LIKE 'Action number %'"
        ).fetchone()
        assert kept == (len(NAMELESS),)  # every row's action is kept, none filed under a shared nobody


def test_a_name_is_no_name_when_it_is_invisible_punctuation_or_a_placeholder(memory_db):
    from knowledge.organisations import ensure_organisation, find_organisation, organisation_name

    for value in (*NAMELESS, "", "N/A", "n.a.", "tbd", "None", "Not applicable", "\ufeff"):
        assert organisation_name(value) is None, repr(value)
        with pytest.raises(ValueError, match="not an organisation's name"):
            ensure_organisation(memory_db, value)
    assert organisation_name("Moorland\u200b ICB") == "Moorland ICB"
    assert organisation_name(" NHS\u00a0England ") == "NHS England"
    first = ensure_organisation(memory_db, "Moorland ICB")
    assert ensure_organisation(memory_db, "Moor\u200bland ICB") == first
    assert find_organisation(memory_db, "\u200b") is None


def test_a_jsonl_document_whose_org_is_no_name_is_kept_without_one(tmp_path, run_cli):
    import json

    path = tmp_path / "docs.jsonl"
    records = [{"id": "a", "title": "Board paper", "text": SENTENCE, "org": "\u200b"}]
    records.append({"id": "b", "title": "Minutes", "text": "Minutes of the board.", "org": "n/a"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, _out, err = run_cli("--db", tmp_path / "r.db", "import", path, "--no-index")
    assert code == 0
    assert f"{path}:1: organisation '\\u200b' is no name: imported without an organisation" in err
    assert f"{path}:2: organisation 'n/a' is no name: imported without an organisation" in err
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT count(*), count(organisation_id) FROM documents").fetchone() == (2, 0)
        assert conn.execute("SELECT count(*) FROM organisations").fetchone() == (0,)
