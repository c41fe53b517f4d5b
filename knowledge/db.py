"""The knowledge base's SQLite layer: connection, WAL, migrations keyed on PRAGMA user_version, settings."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from knowledge.fsinfo import wal_refusal
from knowledge.vocab import BEFORE_THE_LOG, Change, DocumentKind, Entity, LinkState, OrgType, Status, sql_in


class DatabaseError(Exception):
    """A database the user pointed at cannot be opened or is not ours."""


# Each migration is (name, SQL). Appending is the only allowed change: user_version counts how many ran.
# The CHECK lists come from the vocabulary in its declaration order, so 001 reads exactly as it did when
# existing databases were created by it.
MIGRATIONS: list[tuple[str, str | Callable[[sqlite3.Connection], None]]] = [
    (
        "001_core",
        f"""
        CREATE TABLE organisations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            type TEXT NOT NULL DEFAULT 'other' CHECK (type IN {sql_in(OrgType)}),
            parent_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
            contact_role TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN {sql_in(DocumentKind)}),
            date TEXT,
            source_path TEXT,
            content_hash TEXT NOT NULL UNIQUE,
            organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
            external_id TEXT,
            pages INTEGER,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX idx_documents_external_id ON documents(external_id);
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            page INTEGER,
            section TEXT,
            char_start INTEGER,
            char_end INTEGER,
            UNIQUE (document_id, ordinal)
        );
        -- Vectors live with the passages so the faiss index can be rebuilt without re-embedding.
        CREATE TABLE passage_vectors (
            passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE recommendation_sets (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            source TEXT,
            published TEXT,
            url TEXT
        );
        CREATE TABLE recommendations (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES recommendation_sets(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            addressed_to TEXT NOT NULL DEFAULT '[]',   -- JSON list of organisation types
            addressed_to_text TEXT,
            includes TEXT NOT NULL DEFAULT '[]',       -- JSON list: what counts
            excludes TEXT NOT NULL DEFAULT '[]',       -- JSON list: what does not
            example_actions TEXT NOT NULL DEFAULT '[]',
            keywords TEXT NOT NULL DEFAULT '[]',
            source_text TEXT,
            UNIQUE (set_id, number)
        );
        CREATE TABLE roundtables (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            date TEXT,
            chair TEXT,
            host TEXT,
            partners TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        CREATE TABLE roundtable_documents (
            roundtable_id INTEGER NOT NULL REFERENCES roundtables(id) ON DELETE CASCADE,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            PRIMARY KEY (roundtable_id, document_id)
        );
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
            text TEXT NOT NULL,
            owner TEXT,
            original_due TEXT,
            due TEXT,
            status TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN {sql_in(Status)}),
            percent INTEGER NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
            source_passage_id INTEGER REFERENCES passages(id) ON DELETE SET NULL,
            source_document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
            source_ref TEXT,          -- e.g. 'A3' in a notes table, or a tracker row key
            roundtable_id INTEGER REFERENCES roundtables(id) ON DELETE SET NULL,
            draft INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_actions_org ON actions(organisation_id);
        CREATE TABLE action_recommendations (
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
            state TEXT NOT NULL DEFAULT 'suggested' CHECK (state IN {sql_in(LinkState)}),
            score REAL,
            origin TEXT,              -- 'model', 'tracker', 'user'
            decided_by TEXT,
            decided_at TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (action_id, recommendation_id)
        );
        CREATE TABLE progress_updates (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            at TEXT NOT NULL,         -- when the update happened (ISO date or datetime)
            recorded_at TEXT NOT NULL,
            who TEXT,
            old_status TEXT,
            new_status TEXT,
            old_percent INTEGER,
            new_percent INTEGER,
            old_due TEXT,
            new_due TEXT,
            note TEXT
        );
        CREATE INDEX idx_progress_action ON progress_updates(action_id, at);
        CREATE TABLE evidence_links (
            id INTEGER PRIMARY KEY,
            passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            recommendation_id INTEGER REFERENCES recommendations(id) ON DELETE CASCADE,
            action_id INTEGER REFERENCES actions(id) ON DELETE CASCADE,
            note TEXT,
            created_at TEXT NOT NULL,
            CHECK (recommendation_id IS NOT NULL OR action_id IS NOT NULL)
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT
        );
        """,
    ),
    (
        "002_keyword_index",
        # A plain FTS5 table (not external-content) so it can carry the document title beside each
        # passage: titles matter for keyword ranking, and triggers keep it in the same transaction.
        """
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, section, title,
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
            INSERT INTO passages_fts (rowid, text, section, title)
            VALUES (new.id, new.text, coalesce(new.section, ''),
                    (SELECT title FROM documents WHERE id = new.document_id));
        END;
        CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
            DELETE FROM passages_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER passages_au AFTER UPDATE OF text, section ON passages BEGIN
            UPDATE passages_fts SET text = new.text, section = coalesce(new.section, '')
            WHERE rowid = new.id;
        END;
        CREATE TRIGGER documents_title_au AFTER UPDATE OF title ON documents BEGIN
            UPDATE passages_fts SET title = new.title
            WHERE rowid IN (SELECT id FROM passages WHERE document_id = new.id);
        END;
        -- Passages stored before this migration become searchable too.
        INSERT INTO passages_fts (rowid, text, section, title)
            SELECT p.id, p.text, coalesce(p.section, ''), d.title
            FROM passages p JOIN documents d ON d.id = p.document_id;
        """,
    ),
    (
        "003_search_bookkeeping",
        # Listing one model's vector ids (index reconciliation at every start) must not read the blobs.
        # keyword_changes logs passages whose keyword text was deleted or edited, so the in-memory term
        # index (indexes/terms.py) can catch up incrementally; new ids it finds by itself. The log only
        # grows with deletes and edits.
        """
        CREATE INDEX IF NOT EXISTS idx_passage_vectors_model ON passage_vectors(model, passage_id);
        CREATE TABLE keyword_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            passage_id INTEGER NOT NULL
        );
        CREATE TRIGGER keyword_changes_ad AFTER DELETE ON passages BEGIN
            INSERT INTO keyword_changes (passage_id) VALUES (old.id);
        END;
        CREATE TRIGGER keyword_changes_au AFTER UPDATE OF text, section ON passages
        WHEN old.text IS NOT new.text OR old.section IS NOT new.section BEGIN
            INSERT INTO keyword_changes (passage_id) VALUES (new.id);
        END;
        CREATE TRIGGER keyword_changes_title_au AFTER UPDATE OF title ON documents
        WHEN old.title IS NOT new.title BEGIN
            INSERT INTO keyword_changes (passage_id) SELECT id FROM passages WHERE document_id = new.id;
        END;
        """,
    ),
    (
        "004_change_log",
        # One append-only log of who changed what (knowledge/changelog.py); triggers refuse to edit or
        # delete its rows. `at` is when a change took effect (a back-dated update gives its date),
        # recorded_at when it was written. Every progress history row already kept moves into it, its who
        # kept (or marked as unknown). Deleted actions are kept, marked; deleted documents move to the
        # document bin with their passages and vectors, so a delete can be undone.
        f"""
        CREATE TABLE change_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            who TEXT NOT NULL CHECK (trim(who) <> ''),
            entity TEXT NOT NULL,
            entity_id INTEGER,
            change TEXT NOT NULL,
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            after TEXT CHECK (after IS NULL OR json_valid(after)),
            note TEXT
        );
        CREATE INDEX idx_change_log_entity ON change_log(entity, entity_id, at);
        CREATE INDEX idx_change_log_at ON change_log(at);
        CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log BEGIN
            SELECT RAISE(ABORT, 'the change log is append-only: its entries cannot be changed');
        END;
        CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log BEGIN
            SELECT RAISE(ABORT, 'the change log is append-only: its entries cannot be deleted');
        END;
        INSERT INTO change_log (at, recorded_at, who, entity, entity_id, change, before, after, note)
            SELECT at, recorded_at,
                CASE WHEN trim(coalesce(who, '')) = '' THEN '{BEFORE_THE_LOG}' ELSE who END,
                '{Entity.ACTION}', action_id,
                CASE
                    WHEN old_status IS NULL THEN '{Change.CREATED}'
                    WHEN old_due IS NOT new_due THEN '{Change.DUE}'
                    WHEN old_status IS NOT new_status THEN '{Change.STATUS}'
                    WHEN old_percent IS NOT new_percent THEN '{Change.PERCENT}'
                    ELSE '{Change.UPDATED}'
                END,
                CASE
                    WHEN old_status IS NULL THEN NULL
                    WHEN old_due IS NOT new_due THEN json_object('due', old_due)
                    ELSE json_object('status', old_status, 'percent', old_percent)
                END,
                CASE
                    WHEN old_status IS NULL
                        THEN json_object('status', new_status, 'percent', new_percent, 'due', new_due)
                    WHEN old_due IS NOT new_due THEN json_object('due', new_due)
                    ELSE json_object('status', new_status, 'percent', new_percent)
                END,
                note
            FROM progress_updates ORDER BY id;
        ALTER TABLE actions ADD COLUMN deleted_at TEXT;
        ALTER TABLE actions ADD COLUMN deleted_by TEXT;
        CREATE TABLE document_bin (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            deleted_at TEXT NOT NULL,
            deleted_by TEXT NOT NULL CHECK (trim(deleted_by) <> ''),
            restored_at TEXT,
            snapshot TEXT NOT NULL     -- JSON: the rows delete_document removed (vectors in base64)
        );
        CREATE INDEX idx_document_bin_document ON document_bin(document_id);
        """,
    ),
    (
        "005_returns",
        # Progress returns (knowledge/returns.py): each form exported is registered with the organisation
        # it was issued to, so an import is scoped to that organisation whatever the file's cells say;
        # each row applied is remembered by form, action and a hash of what it asked, so importing the
        # same file again changes nothing. Existing data is untouched.
        """
        CREATE TABLE return_forms (
            id INTEGER PRIMARY KEY,
            form_id TEXT NOT NULL UNIQUE,
            organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
            organisation TEXT NOT NULL,      -- its name when the form was issued
            actions INTEGER NOT NULL,
            exported_at TEXT NOT NULL,
            exported_by TEXT NOT NULL
        );
        CREATE TABLE return_rows (
            form_id TEXT NOT NULL,           -- '' for a return without a form id (one made by hand)
            action_id INTEGER NOT NULL,
            row_hash TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            applied_by TEXT NOT NULL,
            file TEXT,
            PRIMARY KEY (form_id, action_id, row_hash)
        );
        """,
    ),
    (
        "006_sets",
        # Recommendation sets loaded as data (issue 18): a set may name its source document, whose passages
        # teach the matcher how each recommendation is discussed, and keeps when it was last loaded.
        # match_checks remembers that the matcher judged an action to serve none of a set's
        # recommendations, so the window can say "no recommendation fits" and the next index run does not
        # ask again. Existing sets and links are untouched.
        """
        ALTER TABLE recommendation_sets ADD COLUMN document_id INTEGER
            REFERENCES documents(id) ON DELETE SET NULL;
        ALTER TABLE recommendation_sets ADD COLUMN loaded_at TEXT;
        CREATE TABLE match_checks (
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            set_id INTEGER NOT NULL REFERENCES recommendation_sets(id) ON DELETE CASCADE,
            fits_none INTEGER NOT NULL,
            fit REAL,
            checked_at TEXT NOT NULL,
            PRIMARY KEY (action_id, set_id)
        );
        """,
    ),
    (
        "007_ocr",
        # Passages whose text was recognised from a scan (issue 13) keep the OCR engine's confidence (0-1),
        # so the window can say "text recognised from a scan"; typed text has NULL. Existing passages were
        # all typed: NULL is right for every one of them.
        """
        ALTER TABLE passages ADD COLUMN ocr_confidence REAL;
        """,
    ),
    (
        "008_action_versions",
        # Optimistic concurrency (issue 17): every change to an action moves its version, and a save made
        # from an older version is refused with the other person's change named, never a silent
        # overwrite. Existing actions start at version 1.
        """
        ALTER TABLE actions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """The number of migrations already applied to this database."""
    return db.execute("PRAGMA user_version").fetchone()[0]


# Runs before the migrations of a database that already holds a schema: (db, its version) -> where it
# saved a copy, named in the error when a migration fails.
BeforeMigration = Callable[[sqlite_utils.Database, int], Path | None]


def migrate(db: sqlite_utils.Database, *, before: BeforeMigration | None = None) -> list[str]:
    """Apply every migration the database has not seen yet; returns the names applied.

    `before` runs first when the database already holds data (the workspace opener copies it to the
    backups folder: a migration is the one step that rewrites the schema under months of work). All pending
    migrations run in one IMMEDIATE transaction that re-reads the version once it holds the write lock: two
    programs opening an old (or brand new) database at the same moment migrate it once, not twice."""
    current = _check_version(schema_version(db))
    if current == SCHEMA_VERSION:
        return []
    saved = before(db, current) if before is not None and current > 0 else None
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    applied = []
    name = ""
    try:
        current = _check_version(schema_version(db))
        for index in range(current, SCHEMA_VERSION):
            name, step = MIGRATIONS[index]
            if callable(step):
                step(conn)
            else:
                # Statement by statement: executescript would commit in the middle of the transaction.
                for statement in _split_sql(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {index + 1}")
            applied.append(name)
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error) and not _is_busy(exc):
            copy = f"; a copy from before is in {saved}" if saved else ""
            raise DatabaseError(
                f"could not upgrade the database (step {name} failed: {exc}); it is unchanged{copy}"
            ) from exc
        raise
    return applied


def _check_version(version: int) -> int:
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"this database was written by a newer Roundtable Desk (schema {version}, "
            f"this program knows {SCHEMA_VERSION})"
        )
    return version


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


# How long a write waits for another program's transaction before giving up (sqlite3's busy timeout).
BUSY_TIMEOUT_S = 60.0


class KnowledgeBase(sqlite_utils.Database):
    """A sqlite-utils Database whose outermost transactions take the write lock at once (BEGIN IMMEDIATE).

    In WAL mode a deferred transaction that reads and then writes fails at once with "database is locked"
    when another program committed in between (waiting could not help it); an immediate one waits for its
    turn, so two windows, or the window and the CLI, can write to one file."""

    dialect = "sqlite"  # knowledge.store.dialect(): the PostgreSQL store says "postgresql"

    @contextlib.contextmanager
    def atomic(self) -> Iterator[KnowledgeBase]:
        if self.conn.in_transaction:
            with super().atomic():  # nested: a savepoint, as sqlite-utils does
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def backup_folder(path: str | Path) -> Path:
    """Where automatic backups of a database go: `<db file>.backups/` beside it."""
    return Path(str(path) + ".backups")


def _enable_wal(db: sqlite_utils.Database) -> None:
    # Switching a new file to WAL needs a moment of exclusive access; two programs creating the same
    # database at once can find it taken, and SQLite does not wait for it: retry briefly.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def is_memory(path: str | Path) -> bool:
    """True for SQLite's in-memory database name: no file, no WAL, no backups folder."""
    return str(path) == ":memory:"


def _check_path(path: Path, create: bool) -> None:
    if not path.exists():
        if not create:
            raise DatabaseError(f"no database at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file")


def connect(path: str | Path, *, create: bool = True) -> KnowledgeBase:
    """A connection with foreign keys on and, for a file, WAL; no migrations (see knowledge.workspace).

    Raise sqlite3 errors as they come; wrap the whole opening in named_errors(path) to word them."""
    if not is_memory(path):
        _check_path(Path(path), create)
        if refusal := wal_refusal(path):
            raise DatabaseError(refusal)
    # isolation_level=None: transactions are explicit, through db.atomic().
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    db = KnowledgeBase(conn)
    db.execute("PRAGMA foreign_keys = ON")
    if not is_memory(path):
        _enable_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
    return db


@contextlib.contextmanager
def named_errors(path: str | Path) -> Iterator[None]:
    """Turn SQLite's errors while opening a database into one DatabaseError a person can act on."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if _is_busy(exc):
            raise DatabaseError(
                f"{path} is busy: another program kept it locked for over {BUSY_TIMEOUT_S:.0f} s; try again"
            ) from exc
        if "malformed" in str(exc):
            raise DatabaseError(f"{path} is damaged ({exc}); restore a backup of it") from exc
        raise DatabaseError(f"{path} is not a Roundtable Desk database ({exc})") from exc


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """Read one value from the settings table."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store one value in the settings table."""
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])


def data_version(db: sqlite_utils.Database) -> int:
    """A number that moves whenever another connection commits (PRAGMA data_version)."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])
