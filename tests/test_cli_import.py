"""`roundtable import` end to end, in process: exit codes, failures named on stderr, re-import, integrity."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.cli import main
from knowledge.workspace import open_db


def _documents(target) -> int:
    db = open_db(target)  # a file or a team workspace alike
    try:
        return db.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        db.conn.close()


@pytest.mark.shared
def test_import_corpus_and_pdfs_then_reimport(tmp_path, shared, corpus, run_cli):
    db = tmp_path / "x.db"
    code, out, err = run_cli(
        "--db",
        str(db),
        "import",
        str(corpus),
        str(shared / "fixtures" / "pdf"),
        "--no-index",
    )
    assert code == 1
    lines = err.strip().splitlines()
    failures = [line for line in lines if line.startswith("roundtable: ")]
    assert any(
        "005-libreoffice-writer-password.pdf: encrypted PDF: a password is needed to read it" in line
        for line in failures
    )
    assert any("017-unreadablemetadata.pdf: broken PDF structure" in line for line in failures)
    assert any("019-grayscale-image.pdf: no extractable text" in line for line in failures)
    assert "Traceback" not in err
    summary = lines[-1]
    assert summary.startswith("imported ") and "failed" in summary
    count = _documents(db)
    assert count >= 25

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Nothing half-imported: every document has passages, every passage is in the keyword index.
        assert conn.execute(
            "SELECT count(*) FROM documents d"
            " WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.document_id = d.id)"
        ).fetchone() == (0,)
        assert (
            conn.execute("SELECT count(*) FROM passages").fetchone()
            == conn.execute("SELECT count(*) FROM passages_fts").fetchone()
        )
        # Page numbers of the four-page PDF survive into the stored passages.
        pages = conn.execute(
            "SELECT DISTINCT p.page FROM passages p JOIN documents d ON d.id = p.document_id"
            " WHERE d.source_path LIKE '%004-pdflatex-4-pages.pdf' ORDER BY p.page"
        ).fetchall()
        assert pages == [(1,), (2,), (3,), (4,)]
    finally:
        conn.close()

    code, out, err = run_cli(
        "--db",
        str(db),
        "import",
        str(corpus),
        str(shared / "fixtures" / "pdf"),
        "--no-index",
    )
    assert code == 1  # the same PDFs still fail
    assert _documents(db) == count
    assert f"skipped {count} already imported" in err.strip().splitlines()[-1]


def test_missing_path_unsupported_file_and_empty_folder(tmp_path, run_cli, db_path):
    db = db_path
    odd = tmp_path / "sheet.xyz"
    odd.write_text("x", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run_cli(
        "--db", str(db), "import", str(tmp_path / "nope.pdf"), str(odd), str(empty), "--no-index"
    )
    assert code == 1
    assert "nope.pdf: no such file or folder" in err
    assert "sheet.xyz: unsupported file type .xyz" in err
    assert "empty: no files to import in this folder" in err
    assert "Traceback" not in err
    assert _documents(db) == 0


def test_all_good_exits_zero_and_bad_options_exit_two(run_cli, corpus, db_path):
    db = db_path
    code, out, err = run_cli("--db", str(db), "import", str(corpus), "--no-index")
    assert code == 0
    assert err.strip().splitlines()[-1].startswith("imported 3 document(s)")
    code, out, err = run_cli("--db", str(db), "import", str(corpus), "--date", "2024-13-45", "--no-index")
    assert code == 2 and "is not a date" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db), "import", str(corpus), "--kind", "memo"])
    assert info.value.code == 2
