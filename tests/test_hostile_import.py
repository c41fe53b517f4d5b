"""`roundtable import` of a shared drive of hostile files: each bad file named once, the rest imported."""

from __future__ import annotations

import builtins
import errno
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS
from hostile_files import ENCODED_PHRASE, JSONL_GOOD, Case, write_hostile, write_huge

from desktop.cli import main
from desktop.cli.core_cmd import printable
from knowledge.ingest.base import IngestError
from knowledge.ingest.readers import read_file
from knowledge.library import path_text

# A .jsonl file with several bad lines among good ones: still one line on stderr.
JSONL_MIXED = "nested-lines.jsonl"


@pytest.fixture(scope="module")
def drive(tmp_path_factory) -> tuple[Path, list[Case]]:
    """A folder (with a space in its name) of hostile files, huge ones included, and the project's corpus."""
    folder = tmp_path_factory.mktemp("hostile") / "shared drive"
    folder.mkdir()
    cases = write_hostile(folder) + write_huge(folder)
    for good in sorted(CORPUS.iterdir()):
        shutil.copy(good, folder / good.name)
        cases.append(Case(good.name, b"", None))
    return folder, cases


def _import(capsys, db: Path, *paths: Path) -> tuple[int, list[str], str]:
    code = main(["--db", str(db), "import", *map(str, paths), "--no-index"])
    err = capsys.readouterr().err
    return code, err.splitlines(), err


def _failure_line(lines: list[str], folder: Path, name: str) -> str:
    prefix = f"roundtable: {printable(str(folder / name))}:"
    matching = [line for line in lines if line.startswith(prefix)]
    assert len(matching) == 1, (name, matching)
    return matching[0]


def _stored_sources(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT source_path FROM documents")}


def test_every_bad_file_named_once_and_every_good_file_imported(drive, tmp_path, capsys):
    folder, cases = drive
    db = tmp_path / "x.db"
    started = time.perf_counter()
    code, lines, err = _import(capsys, db, folder)
    elapsed = time.perf_counter() - started

    assert code == 1
    assert "Traceback" not in err
    bad = [case for case in cases if case.fails]
    failures = [line for line in lines if line.startswith("roundtable: ")]
    # One line per bad file (the .jsonl of mixed lines is one file too), each with its reason.
    assert len(failures) == len(bad), "\n".join(failures)
    for case in bad:
        line = _failure_line(failures, folder, case.name)
        assert case.reason in line, line
    mixed = _failure_line(failures, folder, JSONL_MIXED)
    assert "4 lines not imported: line 2: not readable JSON (nested too deeply)" in mixed
    assert mixed.endswith("and 1 more")
    # A newline in a file name stays escaped on its one line.
    assert any(r"bad\nname.pdf: not a PDF file" in line for line in failures)
    assert re.fullmatch(r"imported \d+ document\(s\), \d+ passage\(s\).*; \d+ failed", lines[-1])

    stored = _stored_sources(db)
    for case in cases:
        if not case.fails:
            assert path_text((folder / case.name).resolve()) in stored, case.name
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        jsonl_texts = {row[0] for row in conn.execute("SELECT text FROM passages")}
        assert set(JSONL_GOOD) <= jsonl_texts
        # Nothing half-stored: each document has passages and each passage its keyword row.
        assert conn.execute(
            "SELECT count(*) FROM documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM passages p WHERE p.document_id = d.id)"
        ).fetchone() == (0,)
        assert (
            conn.execute("SELECT count(*) FROM passages").fetchone()
            == conn.execute("SELECT count(*) FROM passages_fts").fetchone()
        )
    # Tens of MB were refused or read without parsing them all: the whole folder takes seconds.
    assert elapsed < 30


def _passages_of(conn: sqlite3.Connection, source: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT p.text FROM passages p JOIN documents d ON d.id = p.document_id"
            " WHERE d.source_path = ? ORDER BY p.ordinal",
            [source],
        )
    ]


def _found_by_keyword(conn: sqlite3.Connection, source: str, phrase: str) -> bool:
    query = '"' + " ".join(re.findall(r"\w+", phrase)) + '"'
    return bool(
        conn.execute(
            "SELECT 1 FROM passages_fts f JOIN passages p ON p.id = f.rowid"
            " JOIN documents d ON d.id = p.document_id"
            " WHERE passages_fts MATCH ? AND d.source_path = ?",
            [query, source],
        ).fetchone()
    )


def test_repaired_text_is_stored_exactly_and_searchable(drive, tmp_path, capsys):
    folder, cases = drive
    db = tmp_path / "x.db"
    _import(capsys, db, folder)
    with sqlite3.connect(db) as conn:
        for case in cases:
            if case.fails or not case.phrase:
                continue
            source = path_text((folder / case.name).resolve())
            text = "\n".join(_passages_of(conn, source))
            assert case.phrase in text, (case.name, text[:300])
            assert _found_by_keyword(conn, source, case.phrase), case.name
        every = "".join(row[0] for row in conn.execute("SELECT text FROM passages"))
        assert "\x00" not in every and "\ufffd" not in every
    # The legacy and UTF-16 files kept their accents and symbols; the NULs went without joining words.
    assert sum(ENCODED_PHRASE in case.phrase for case in cases if case.phrase) == 14


def test_importing_again_skips_what_is_stored_and_loses_nothing(drive, tmp_path, capsys):
    folder, cases = drive
    db = tmp_path / "x.db"
    code, first, _ = _import(capsys, db, folder)
    before = _stored_sources(db)
    code, again, err = _import(capsys, db, folder)
    assert code == 1 and "Traceback" not in err
    assert [line for line in again if line.startswith("roundtable: ")] == [
        line for line in first if line.startswith("roundtable: ")
    ]
    assert "already imported" in again[-1] and again[-1].startswith("imported 0 document(s)")
    assert _stored_sources(db) == before


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("roundtable")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from desktop.cli import run; run()"]


def test_the_installed_command_prints_no_traceback(drive, tmp_path):
    folder, cases = drive
    env = {**os.environ, "ROUNDTABLE_DB": str(tmp_path / "x.db"), "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [*_console_script(), "import", str(folder), "--no-index", "--quiet"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    err = done.stderr.decode("ascii")  # even on an ASCII-only terminal every line printed
    assert done.returncode == 1
    assert "Traceback" not in err
    failures = [line for line in err.splitlines() if line.startswith("roundtable: ")]
    assert len(failures) == sum(case.fails for case in cases)


def test_explicit_paths_that_cannot_be_files(tmp_path, capsys):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "gone.pdf").symlink_to(tmp_path / "missing.pdf")
    code, lines, err = _import(capsys, tmp_path / "x.db", tmp_path / "loop", tmp_path / "gone.pdf")
    assert code == 1 and "Traceback" not in err
    assert lines[:2] == [
        f"roundtable: {tmp_path / 'loop'}: a link that loops back on itself",
        f"roundtable: {tmp_path / 'gone.pdf'}: a broken link (what it points to does not exist)",
    ]


def test_an_unreadable_file_is_reported_and_the_rest_imported(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "drive"
    folder.mkdir()
    locked = folder / "locked.txt"
    locked.write_text("Secret minutes.", encoding="utf-8")
    (folder / "open.txt").write_text("Open minutes of the board.", encoding="utf-8")
    # chmod 000 means nothing to root (CI may run as root), so the refusal comes from open() itself.
    real_open = io.open

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and os.fspath(file) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(locked))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", refusing_open)
    monkeypatch.setattr(builtins, "open", refusing_open)
    code, lines, err = _import(capsys, tmp_path / "x.db", folder)
    monkeypatch.undo()
    assert code == 1
    assert lines[0] == f"roundtable: {locked}: cannot read the file (Permission denied)"
    assert lines[-1].startswith("imported 1 document(s)")


def test_huge_text_is_refused_before_it_is_parsed(drive):
    folder, _ = drive
    for name in ("huge.txt", "huge.csv", "huge-one-line.html", "huge-report.docx"):
        started = time.perf_counter()
        with pytest.raises(IngestError, match=r"^too much text: (at least )?\d+\.\d million characters"):
            read_file(folder / name)
        assert time.perf_counter() - started < 5, name
    started = time.perf_counter()
    doc = read_file(folder / "huge-scan.pdf")  # 30 MB, nearly all of it one image
    assert "short typed cover note" in doc.text
    assert time.perf_counter() - started < 5
