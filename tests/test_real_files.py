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
