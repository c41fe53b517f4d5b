"""Test fixtures: fresh databases, the project's own corpus, the third-party material, headless Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Before anything imports Qt or huggingface: headless Qt, and never touch the network.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from knowledge.workspace import open_db  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The project's own sample corpus: the fictional notes and tracker, and a stand-in for the published article.
CORPUS = FIXTURES / "corpus"
# Third-party material (the published article, real PDFs, SciFact), used only by tests marked `shared`.
SHARED = Path(os.environ.get("ROUNDTABLE_SHARED") or REPO.parent / "shared").resolve()

# One hypothesis profile for every fuzz test: derandomised, so CI runs the same examples every time; no
# example database, so a run leaves nothing in the working tree; no deadline, because the first examples
# (pypdf, python-docx, SQLite warming up) are slow on a busy 2-core machine. FUZZ_EXAMPLES scales it.
settings.register_profile(
    "roundtable",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("roundtable")


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory, monkeypatch):
    """No test reads or writes the real per-user database."""
    monkeypatch.setenv("ROUNDTABLE_DB", str(tmp_path_factory.mktemp("userdata") / "default.db"))


def recorded_as(target, name: str) -> str:
    """Who a change made as `name` (--who, who=, $ROUNDTABLE_USER) is recorded as: that name in a SQLite
    file; on a team workspace the member connected, whatever the client says. `target` is an open
    database or a db_path (file or URL)."""
    from knowledge.pg.connection import is_server_url

    if getattr(target, "dialect", None) == "postgresql":
        return target.login
    if not is_server_url(target):
        return name
    db = open_db(target)
    try:
        return db.login
    finally:
        db.close()


def shared_material() -> Path:
    """The third-party material ($ROUNDTABLE_SHARED, else ../shared); a test needing it fails without it."""
    if not SHARED.is_dir():
        pytest.fail(
            f"this test is marked `shared` and needs the third-party material, not found at {SHARED}:"
            " set ROUNDTABLE_SHARED to its folder (the default run deselects these tests: -m 'not shared')",
            pytrace=False,
        )
    return SHARED


@pytest.fixture
def shared() -> Path:
    """The third-party material, for tests marked `shared` (never skipped: absent material fails)."""
    return shared_material()


@pytest.fixture
def corpus() -> Path:
    """The project's own corpus folder: the article stand-in, the Harbourside notes, the Moorland tracker."""
    return CORPUS


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("ROUNDTABLE_TEST_BACKEND", "sqlite"),
        help="the store the db_path and fresh_db fixtures give: a SQLite file (default) or a new database"
        " on a throwaway PostgreSQL cluster (tests marked sqlite_only are then deselected)",
    )


@pytest.fixture(scope="session")
def backend(pytestconfig) -> str:
    return pytestconfig.getoption("backend")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster on a local socket for the whole run (started and stopped here)."""
    import pgcluster

    cluster = pgcluster.start()
    yield cluster
    cluster.stop()


_PG_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """A workspace with the schema and codebook installed once; each test's database is a copy of it."""
    open_db(pg_cluster.url("rt_template")).close()
    return "rt_template"


@pytest.fixture
def pg_database(pg_cluster, pg_template) -> str:
    """The URL of a new team workspace (a copy of the template), as the cluster's superuser."""
    import psycopg

    name = f"rt_test_{next(_PG_DATABASES)}"
    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as pg:
        pg.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    return pg_cluster.url(name)


@pytest.fixture
def db_path(request, tmp_path, backend):
    """Where a test's workspace lives: a file in tmp_path, or (--backend postgresql) a server URL."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_database")
    return tmp_path / "test.db"


@pytest.fixture
def fresh_db(db_path):
    """A new database (file, or team workspace under --backend postgresql) with the schema and codebook."""
    db = open_db(db_path)
    yield db
    db.conn.close()


@pytest.fixture
def memory_db():
    """A new in-memory database with the schema and the built-in codebook (no file, no WAL)."""
    db = open_db(":memory:")
    yield db
    db.conn.close()


@pytest.fixture
def run_cli(capsys):
    """run_cli(*argv) runs `roundtable` in process; returns (exit code, stdout, stderr)."""
    from desktop.cli import main

    def run(*argv) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


# ---- desktop window fixtures (issue 5; used by tests/test_desktop_*.py) ------------------------------
@pytest.fixture
def desk_settings(tmp_path):
    """An isolated QSettings file, so tests never read or write the user's window state."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "desk-settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_desk_window(qtbot, desk_settings, db_path):
    """Build MainWindow on a test database; the model is the fast HashingEmbedder unless told otherwise."""
    from desktop.window import MainWindow
    from indexes.embedder import HashingEmbedder, get_embedder, set_embedder

    windows = []

    def make(path=None, *, model_loader=None, load_model=True, hashing=True):
        if hashing:
            set_embedder(HashingEmbedder())
        window = MainWindow(
            path or db_path,
            settings=desk_settings,
            model_loader=model_loader or get_embedder,
            load_model=load_model,
        )
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.listener is not None:  # a team workspace's notification thread
            window.listener.stop()
        window.workers.shutdown()
    set_embedder(None)


@pytest.fixture
def demo_window(qtbot, make_desk_window):
    """The demo workspace at 1280x800, model not loaded (keyword search)."""
    window = make_desk_window(load_model=False)
    window.resize(1280, 800)
    window.show()
    with qtbot.waitSignal(window.demoFinished, timeout=60000):
        window.load_demo()
    return window


@pytest.fixture
def corpus_window(qtbot, make_desk_window, corpus):
    """A shown window with the project's corpus imported and indexed (HashingEmbedder as the model)."""
    window = make_desk_window()
    window.show()
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=10000)
    with qtbot.waitSignal(window.indexFinished, timeout=60000):
        with qtbot.waitSignal(window.importFinished, timeout=60000):
            window.start_import([corpus])
    return window


# --- search fixtures (indexes/ tests): documents inserted by SQL, and a fast fake embedder -------------
def insert_document(db, title, passages, *, kind="report", date=None, organisation_id=None, external_id=None):
    """Store a document and its passages directly (no importer); returns (document_id, [passage ids])."""
    import hashlib

    from knowledge.dates import now_iso

    digest = hashlib.sha256((title + "\x00" + "\x00".join(passages)).encode()).hexdigest()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO documents (title, kind, date, content_hash, organisation_id, external_id,"
            " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [title, kind, date, digest, organisation_id, external_id, now_iso()],
        )
        doc_id = cursor.lastrowid
        ids = []
        for ordinal, text in enumerate(passages):
            page = ordinal + 1
            ids.append(
                db.execute(
                    "INSERT INTO passages (document_id, ordinal, text, page, section, char_start, char_end) "
                    "VALUES (?, ?, ?, ?, ?, 0, ?)",
                    [doc_id, ordinal, text, page, f"Section {page}", len(text)],
                ).lastrowid
            )
    return doc_id, ids


@pytest.fixture
def hashing_embedder():
    """The process-wide embedder replaced by the instant HashingEmbedder for one test."""
    from indexes.embedder import HashingEmbedder, set_embedder

    embedder = HashingEmbedder()
    set_embedder(embedder)
    yield embedder
    set_embedder(None)


# --- tracking fixtures (issue 4; tests/test_extract.py): a hand-made ParsedDocument stored as the importer
# stores it (one passage per block) and passed to knowledge.extract.extract_actions in the same transaction.
def store_parsed(db, parsed):
    """Store a ParsedDocument and run action extraction; returns (document_id, actions extracted)."""
    import hashlib

    from knowledge.dates import now_iso
    from knowledge.extract import extract_actions
    from knowledge.ingest.base import StoredPassage

    digest = hashlib.sha256((parsed.title + "\x00" + parsed.text + repr(parsed.rows)).encode()).hexdigest()
    with db.atomic():
        doc_id = db.execute(
            "INSERT INTO documents (title, kind, date, content_hash, imported_at) VALUES (?, ?, ?, ?, ?)",
            [parsed.title, parsed.kind or "other", parsed.date, digest, now_iso()],
        ).lastrowid
        stored = []
        for ordinal, b in enumerate(parsed.blocks):
            pid = db.execute(
                "INSERT INTO passages (document_id, ordinal, text, page, section, char_start, char_end)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [doc_id, ordinal, b.text, b.page, b.section, b.start, b.end],
            ).lastrowid
            stored.append(StoredPassage(pid, ordinal, b.text, b.page, b.section, b.start, b.end))
        count = extract_actions(db, doc_id, parsed, stored)
    return doc_id, count


# --- programs in child processes and old databases (issue 6: crashes, concurrency, backups) ----------------
ROUNDTABLE = [sys.executable, "-m", "desktop.cli"]


def roundtable(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the `roundtable` command in a child process; its exit code, stdout and stderr."""
    return subprocess.run(
        [*ROUNDTABLE, *(str(a) for a in args)], capture_output=True, text=True, timeout=timeout
    )


def version_one_database(path) -> None:
    """What an early release wrote: only migration 001, with a document and passages, no FTS table."""
    import sqlite3

    from knowledge.db import MIGRATIONS

    conn = sqlite3.connect(path)
    name, script = MIGRATIONS[0]
    assert name == "001_core"
    conn.executescript(script)
    conn.execute(
        "INSERT INTO documents (id, title, kind, content_hash, imported_at)"
        " VALUES (1, 'Old indemnity report', 'report', 'hash-1', '2023-11-01T00:00:00+00:00')"
    )
    conn.executemany(
        "INSERT INTO passages (document_id, ordinal, text, page, section, char_start, char_end)"
        " VALUES (1, ?, ?, ?, 'Findings', 0, 10)",
        [
            (0, "Medical indemnity for AI technologies must be clarified.", 1),
            (1, "Synthetic data could train imaging models.", 2),
        ],
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """A test that asks for the third-party material is a `shared` test, marked or not, so the default run
    deselects it rather than failing it.

    One back end per run: `postgres` tests (a real server) only under --backend postgresql, and tests of
    the SQLite file itself (WAL, backups, file paths) only under the default back end. Deselected, not
    skipped: CI's third step runs the PostgreSQL ones."""
    for item in items:
        if "shared" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("shared"):
            item.add_marker(pytest.mark.shared)
    backend = config.getoption("backend")
    unwanted = "sqlite_only" if backend == "postgresql" else "postgres"
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker(unwanted) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
