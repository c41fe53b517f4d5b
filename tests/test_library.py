"""The import pipeline and the document library: duplicates, one transaction per document, delete + undo."""

from __future__ import annotations

import json

import pytest
from pdfs import pdf_bytes

import knowledge.extract
from knowledge.library import (
    delete_document,
    document_passages,
    get_document,
    import_paths,
    list_documents,
    restore_document,
    update_document,
)


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _is_team(db) -> bool:
    return getattr(db, "dialect", "sqlite") == "postgresql"


def _fts_hits(db, query: str, column: str | None = None) -> int:
    """Passages the keyword index finds for `query` (FTS5 syntax; `column` limits it to title, text or
    section). A team workspace has no FTS5 table: its keyword search (over the term index) is asked for
    the words, as the app asks it."""
    if _is_team(db):
        from indexes.keyword import keyword_search

        return len(keyword_search(db, query, limit=100_000))
    match = f"{column}:{query}" if column else query
    return db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", [match]).fetchone()[0]


def _keyword_rows(db) -> int:
    """Passages in the keyword index: FTS5's rows; on a team workspace those of the term index the app
    searches (kept on this machine, caught up from the server)."""
    if _is_team(db):
        from indexes.termquery import live_index

        return live_index(db).stats()[0]
    return _count(db, "passages_fts")


def test_import_the_corpus(fresh_db, corpus):
    outcomes = import_paths(fresh_db, [corpus])
    by_name = {o.path.rsplit("/", 1)[-1]: o for o in outcomes}
    assert {o.status for o in outcomes} == {"imported"}
    assert set(by_name) == {
        "harbourside-roundtable-notes-2024-03.md",
        "moorland-icb-ai-tracker.csv",
        "ppp-ai-imaging-roundtable-2023.txt",
    }
    notes = get_document(fresh_db, by_name["harbourside-roundtable-notes-2024-03.md"].document_id)
    assert notes["kind"] == "roundtable_notes" and notes["date"] == "2024-03-14"
    tracker = by_name["moorland-icb-ai-tracker.csv"]
    assert get_document(fresh_db, tracker.document_id)["kind"] == "tracker"
    assert tracker.passages == 9  # one passage per tracker row
    article = get_document(fresh_db, by_name["ppp-ai-imaging-roundtable-2023.txt"].document_id)
    assert article["kind"] == "report" and article["source_path"].endswith(
        "ppp-ai-imaging-roundtable-2023.txt"
    )
    # Passages are searchable at once: the FTS triggers ran in the same transaction.
    assert _fts_hits(fresh_db, "indemnity") >= 1
    assert _count(fresh_db, "passages") == sum(o.passages for o in outcomes)
    for passage in document_passages(fresh_db, article["id"]):
        assert passage["text"].strip() and passage["char_end"] > passage["char_start"]


def test_reimport_is_recognised_as_duplicate(fresh_db, corpus):
    first = import_paths(fresh_db, [corpus])
    again = import_paths(fresh_db, [corpus / "moorland-icb-ai-tracker.csv", corpus])
    assert [o.status for o in again] == ["duplicate"] * 4
    assert again[0].document_id == next(o.document_id for o in first if o.path.endswith(".csv"))
    assert _count(fresh_db, "documents") == 3


def test_paths_that_cannot_be_imported(fresh_db, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("Kept.", encoding="utf-8")
    (tmp_path / "folder" / "image.png").write_bytes(b"\x89PNG")  # skipped silently inside a folder
    (tmp_path / "folder" / ".hidden.txt").write_text("Hidden.", encoding="utf-8")
    (tmp_path / "folder" / ".git").mkdir()
    (tmp_path / "folder" / ".git" / "x.md").write_text("# Hidden too", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "data.xyz").write_text("x", encoding="utf-8")
    outcomes = import_paths(
        fresh_db,
        [tmp_path / "missing.pdf", tmp_path / "folder", tmp_path / "empty", tmp_path / "data.xyz"],
    )
    seen = [(o.path.rsplit("/", 1)[-1], o.status, (o.reason or "").split(" (")[0] or None) for o in outcomes]
    assert seen == [
        ("missing.pdf", "failed", "no such file or folder"),
        ("notes.txt", "imported", None),
        ("empty", "failed", "no files to import in this folder"),
        ("data.xyz", "failed", "unsupported file type .xyz"),
    ]


def test_invalid_options_are_usage_errors(fresh_db, corpus):
    with pytest.raises(ValueError, match="unknown document kind"):
        import_paths(fresh_db, [corpus], kind="memo")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        import_paths(fresh_db, [corpus], date="14/03/2024")


def test_caller_options_win_and_org_is_created(fresh_db, corpus):
    outcomes = import_paths(
        fresh_db,
        [corpus / "ppp-ai-imaging-roundtable-2023.txt"],
        kind="guidance",
        title="PPP roundtable article",
        date="2023-10-11",
        org="Public Policy Projects",
    )
    doc = get_document(fresh_db, outcomes[0].document_id)
    assert (doc["kind"], doc["title"], doc["date"], doc["organisation"]) == (
        "guidance",
        "PPP roundtable article",
        "2023-10-11",
        "Public Policy Projects",
    )
    # The FTS row carries the title that was stored, not the one the reader found.
    assert _fts_hits(fresh_db, '"PPP roundtable article"', "title") >= 1


def test_jsonl_one_outcome_per_line(fresh_db, tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        {"id": "a", "title": "Alpha", "text": "The alpha document about imaging.", "org": "NHS England"},
        "not json",
        {"id": "b", "title": "Beta", "text": "The beta document about procurement.", "kind": "guidance"},
        {"id": "a2", "title": "Alpha", "text": "The alpha   document about imaging."},  # same content
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", "utf-8")
    outcomes = import_paths(fresh_db, [path], title="ignored for jsonl lines")
    assert [o.status for o in outcomes] == ["imported", "failed", "imported", "duplicate"]
    assert outcomes[1].path.endswith("docs.jsonl:2") and "not valid JSON" in outcomes[1].reason
    docs = {d["external_id"]: d for d in list_documents(fresh_db)}
    assert set(docs) == {"a", "b"}
    assert docs["a"]["title"] == "Alpha" and docs["a"]["organisation"] == "NHS England"
    assert docs["b"]["kind"] == "guidance"


@pytest.mark.shared
def test_scifact_slice_imports_with_external_ids(fresh_db, shared, tmp_path):
    source = shared / "eval" / "scifact" / "corpus.jsonl"
    with source.open(encoding="utf-8") as handle:
        head = [next(handle) for _ in range(300)]
    path = tmp_path / "scifact-300.jsonl"
    path.write_text("".join(head), encoding="utf-8")
    outcomes = import_paths(fresh_db, [path])
    assert [o.status for o in outcomes] == ["imported"] * 300
    first = json.loads(head[0])
    row = fresh_db.execute(
        "SELECT d.title, count(p.id) FROM documents d JOIN passages p ON p.document_id = d.id"
        " WHERE d.external_id = ? GROUP BY d.id",
        [first["_id"]],
    ).fetchone()
    assert row[0] == first["title"]
    # Abstracts of up to ~250 words stay one passage.
    short = [
        o for o, line in zip(outcomes, head, strict=True) if len(json.loads(line)["text"].split()) <= 250
    ]
    assert short and all(o.passages == 1 for o in short)


def test_progress_and_cancel(fresh_db, corpus, tmp_path):
    calls = []
    import_paths(fresh_db, [corpus], progress=lambda done, total, label: calls.append((done, total)))
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)

    seen = []

    def cancel() -> bool:
        return len(seen) >= 1

    pdf = tmp_path / "minimal-document.pdf"
    pdf.write_bytes(pdf_bytes([["A minimal document of one page."]]))
    outcomes = import_paths(
        fresh_db,
        [pdf, corpus],
        progress=lambda done, total, label: seen.append(label),
        cancel=cancel,
    )
    assert len(outcomes) == 1


def test_a_failing_hook_leaves_nothing_of_that_document(fresh_db, corpus, monkeypatch):
    real = knowledge.extract.extract_actions

    def failing(db, document_id, parsed, passages):
        if parsed.kind == "tracker":
            raise RuntimeError("simulated crash in action extraction")
        return real(db, document_id, parsed, passages)

    monkeypatch.setattr(knowledge.extract, "extract_actions", failing)
    outcomes = import_paths(fresh_db, [corpus])
    statuses = {o.path.rsplit("/", 1)[-1]: o.status for o in outcomes}
    assert statuses == {
        "harbourside-roundtable-notes-2024-03.md": "imported",
        "moorland-icb-ai-tracker.csv": "failed",
        "ppp-ai-imaging-roundtable-2023.txt": "imported",
    }
    failed = next(o for o in outcomes if o.status == "failed")
    assert "simulated crash" in failed.reason
    titles = [d["title"] for d in list_documents(fresh_db)]
    assert len(titles) == 2 and not any("tracker" in t.lower() for t in titles)
    # No orphan passages or keyword rows of the failed document.
    assert _count(fresh_db, "passages") == sum(o.passages for o in outcomes if o.status == "imported")
    assert _keyword_rows(fresh_db) == _count(fresh_db, "passages")
    assert (
        fresh_db.execute("SELECT count(*) FROM actions WHERE text LIKE 'Agree a joint%'").fetchone()[0] == 0
    )
    # Once the hook works again, the same file imports (it was not recorded as a duplicate).
    monkeypatch.setattr(knowledge.extract, "extract_actions", real)
    again = import_paths(fresh_db, [corpus / "moorland-icb-ai-tracker.csv"])
    assert again[0].status == "imported"


def test_delete_and_restore_bring_everything_back(fresh_db, corpus):
    outcomes = import_paths(fresh_db, [corpus])
    notes = next(o for o in outcomes if o.path.endswith(".md"))
    passages_before = document_passages(fresh_db, notes.document_id)
    fresh_db.execute(
        "INSERT INTO passage_vectors (passage_id, model, dim, vector) VALUES (?, 'test', 2, ?)",
        [passages_before[0]["id"], b"\x00" * 8],
    )
    actions_before = fresh_db.execute(
        "SELECT id, source_passage_id FROM actions WHERE source_document_id = ? ORDER BY id",
        [notes.document_id],
    ).fetchall()
    assert actions_before  # the notes' action table became draft actions pointing at their passages
    document_before = get_document(fresh_db, notes.document_id)

    snapshot = delete_document(fresh_db, notes.document_id)
    assert snapshot is not None
    assert get_document(fresh_db, notes.document_id) is None
    assert document_passages(fresh_db, notes.document_id) == []
    assert _count(fresh_db, "passage_vectors") == 0
    assert _keyword_rows(fresh_db) == _count(fresh_db, "passages")
    assert delete_document(fresh_db, notes.document_id) is None

    restored = restore_document(fresh_db, snapshot)
    assert restored == notes.document_id
    assert get_document(fresh_db, restored) == document_before
    assert document_passages(fresh_db, restored) == passages_before
    assert _count(fresh_db, "passage_vectors") == 1
    assert _keyword_rows(fresh_db) == _count(fresh_db, "passages")
    assert _fts_hits(fresh_db, "Kingsbridge") >= 1
    actions_after = fresh_db.execute(
        "SELECT id, source_passage_id FROM actions WHERE source_document_id = ? ORDER BY id", [restored]
    ).fetchall()
    assert actions_after == actions_before
    with pytest.raises(ValueError, match="imported again"):
        restore_document(fresh_db, snapshot)


def test_restore_after_the_same_file_was_reimported_is_refused(fresh_db, corpus):
    path = corpus / "ppp-ai-imaging-roundtable-2023.txt"
    doc_id = import_paths(fresh_db, [path])[0].document_id
    snapshot = delete_document(fresh_db, doc_id)
    assert import_paths(fresh_db, [path])[0].status == "imported"
    with pytest.raises(ValueError):
        restore_document(fresh_db, snapshot)


def test_list_filter_and_update(fresh_db, corpus):
    outcomes = import_paths(fresh_db, [corpus])
    docs = list_documents(fresh_db)
    assert [d["id"] for d in docs] == sorted((o.document_id for o in outcomes), reverse=True)
    assert set(docs[0]) >= {
        "id",
        "title",
        "kind",
        "date",
        "organisation",
        "pages",
        "passages",
        "source_path",
        "external_id",
        "imported_at",
    }
    assert [d["kind"] for d in list_documents(fresh_db, kind="tracker")] == ["tracker"]
    assert len(list_documents(fresh_db, text_filter="harbourside")) == 1
    assert list_documents(fresh_db, text_filter="%") == []  # LIKE wildcards are literal

    doc_id = docs[0]["id"]
    update_document(
        fresh_db, doc_id, title="Renamed", kind="guidance", date="2024-01-02", organisation="NHS England"
    )
    doc = get_document(fresh_db, doc_id)
    assert (doc["title"], doc["kind"], doc["date"], doc["organisation"]) == (
        "Renamed",
        "guidance",
        "2024-01-02",
        "NHS England",
    )
    assert _fts_hits(fresh_db, "Renamed", "title") >= 1
    update_document(fresh_db, doc_id, date="", organisation="")
    doc = get_document(fresh_db, doc_id)
    assert doc["date"] is None and doc["organisation"] is None
    for bad, message in [
        ({"kind": "memo"}, "unknown document kind"),
        ({"date": "2024-13-01"}, "YYYY-MM-DD"),
        ({"title": "  "}, "needs a title"),
    ]:
        with pytest.raises(ValueError, match=message):
            update_document(fresh_db, doc_id, **bad)
    with pytest.raises(ValueError, match="no document"):
        update_document(fresh_db, 99999, title="x")


def test_a_failing_jsonl_document_rolls_back_alone(fresh_db, tmp_path, monkeypatch):
    path = tmp_path / "three.jsonl"
    path.write_text(
        "\n".join(json.dumps({"id": n, "title": f"Doc {n}", "text": f"Text number {n}."}) for n in (1, 2, 3)),
        encoding="utf-8",
    )

    def failing(db, document_id, parsed, passages):
        if parsed.external_id == "2":
            raise RuntimeError("hook failed")
        return 0

    monkeypatch.setattr(knowledge.extract, "extract_actions", failing)
    outcomes = import_paths(fresh_db, [path])
    assert [o.status for o in outcomes] == ["imported", "failed", "imported"]
    assert sorted(d["external_id"] for d in list_documents(fresh_db)) == ["1", "3"]
    assert _count(fresh_db, "passages") == 2 == _keyword_rows(fresh_db)


def test_word_notes_import_with_their_actions(fresh_db, tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Coastal ICS imaging AI roundtable", level=1)
    document.add_paragraph("Date: 2 May 2024")
    document.add_heading("Actions agreed", level=2)
    table = document.add_table(rows=2, cols=3)
    for col, value in enumerate(["Organisation", "Action", "Due"]):
        table.cell(0, col).text = value
    for col, value in enumerate(["Coastal ICB", "Write a digital procurement strategy", "2024-09-30"]):
        table.cell(1, col).text = value
    path = tmp_path / "notes.docx"
    document.save(path)

    outcome = import_paths(fresh_db, [path])[0]
    assert outcome.status == "imported" and outcome.actions == 1
    action = fresh_db.execute("SELECT text, due, source_document_id FROM actions").fetchone()
    assert action == ("Write a digital procurement strategy", "2024-09-30", outcome.document_id)
