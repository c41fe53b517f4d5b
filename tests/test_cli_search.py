"""`roundtable search` and `roundtable index`: JSON shapes, batch files, filters, fallback, exit codes."""

import json

import pytest
from conftest import insert_document

from desktop.cli import main
from indexes.embedder import EmbedderUnavailable
from knowledge.workspace import open_db

RESULT_KEYS = {"document_id", "external_id", "title", "passage_id", "page", "score", "snippet"}


@pytest.fixture
def cli_db(db_path, hashing_embedder):
    db = open_db(db_path)
    insert_document(
        db,
        "AI roundtable",
        ["Medical indemnity for AI must be clarified.", "Workforce capacity."],
        external_id="R1",
        date="2023-10-05",
    )
    insert_document(db, "Procurement", ["ICBs write digital procurement strategies."], kind="guidance")
    db.conn.close()
    return db_path


def test_index_then_search_json(cli_db, run_cli):
    code, _, err = run_cli("--db", str(cli_db), "index", "--quiet")
    assert code == 0 and "embedded 3 passage(s)" in err
    code, out, err = run_cli("--db", str(cli_db), "search", "medical indemnity", "--json")
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert set(payload) == {"query", "mode", "results"}
    assert payload["query"] == "medical indemnity" and payload["mode"] == "hybrid"
    top = payload["results"][0]
    assert RESULT_KEYS <= set(top)
    assert (top["external_id"], top["title"], top["page"]) == ("R1", "AI roundtable", 1)
    assert "<mark>indemnity</mark>" in top["snippet"].lower()
    code, _, err = run_cli("--db", str(cli_db), "index", "--quiet")
    assert "embedded 0 passage(s); vector index already up to date" in err
    code, _, err = run_cli("--db", str(cli_db), "index", "--rebuild", "--quiet")
    assert code == 0 and "embedded 0 passage(s); vector index rebuilt" in err


def test_search_options_and_filters(cli_db, run_cli):
    run_cli("--db", str(cli_db), "index", "-q")
    code, out, _ = run_cli(
        "--db",
        str(cli_db),
        "search",
        "AI procurement",
        "--mode",
        "keyword",
        "--kind",
        "guidance",
        "--json",
    )
    results = json.loads(out)["results"]
    assert code == 0 and [r["title"] for r in results] == ["Procurement"]
    _, out, _ = run_cli("--db", str(cli_db), "search", "AI procurement", "--from", "2023-01-01", "--json")
    assert {r["title"] for r in json.loads(out)["results"]} == {"AI roundtable"}
    _, out, _ = run_cli(
        "--db",
        str(cli_db),
        "search",
        "indemnity workforce",
        "--per-document",
        "--mode",
        "keyword",
        "--json",
    )
    assert len(json.loads(out)["results"]) == 1
    _, out, _ = run_cli("--db", str(cli_db), "search", "AI", "--limit", "1", "--mode", "semantic", "--json")
    assert len(json.loads(out)["results"]) == 1
    code, _, err = run_cli("--db", str(cli_db), "search", "AI", "--org", "Nobody Trust")
    assert code == 1 and "no organisation called 'Nobody Trust'" in err


def test_human_output_marks_matches_with_brackets_when_not_a_tty(cli_db, run_cli):
    code, out, _ = run_cli("--db", str(cli_db), "search", "indemnity", "--mode", "keyword")
    assert code == 0
    assert out.splitlines()[0].startswith(" 1. AI roundtable, p. 1")
    assert "[indemnity]" in out and "<mark>" not in out and "\033[" not in out
    _, out, _ = run_cli("--db", str(cli_db), "search", "zzzz", "--mode", "keyword")
    assert out.strip() == "no results"


def test_batch_queries_one_line_each_and_bad_lines_reported(cli_db, run_cli, tmp_path):
    run_cli("--db", str(cli_db), "index", "-q")
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "medical indemnity"}\n'
        "not json\n"
        '{"text": "no id"}\n'
        "\n"
        '{"id": 7, "text": "procurement \\"strategy"}\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(
        "--db", str(cli_db), "search", "--queries", str(queries), "--per-document", "--json"
    )
    assert code == 1
    assert f"{queries}:2:" in err and f"{queries}:3:" in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query_id"] for line in lines] == ["q1", 7]
    assert all(RESULT_KEYS <= set(r) for line in lines for r in line["results"])
    assert lines[0]["results"][0]["external_id"] == "R1"
    assert lines[1]["results"][0]["title"] == "Procurement"


def test_usage_errors(cli_db, run_cli, tmp_path):
    assert run_cli("--db", str(cli_db), "search")[0] == 2
    assert run_cli("--db", str(cli_db), "search", "x", "--queries", str(tmp_path / "q.jsonl"))[0] == 2
    code, _, err = run_cli("--db", str(cli_db), "search", "--queries", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "cannot read" in err
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(cli_db), "search", "x", "--mode", "fuzzy"])
    assert exc.value.code == 2


def test_fallback_warning_goes_to_stderr_once(cli_db, run_cli, tmp_path, monkeypatch):
    import indexes.search as search

    def fail():
        raise EmbedderUnavailable("model package missing")

    monkeypatch.setattr(search, "get_embedder", fail)
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": 1, "text": "indemnity"}\n{"id": 2, "text": "procurement"}\n')
    code, out, err = run_cli("--db", str(cli_db), "search", "--queries", str(queries), "--json")
    assert code == 0
    assert err.count("semantic search unavailable: model package missing; showing keyword results") == 1
    assert all(json.loads(line)["results"] for line in out.splitlines())
    code, out, err = run_cli("--db", str(cli_db), "search", "indemnity", "--json")
    assert json.loads(out)["mode"] == "keyword" and err.count("semantic search unavailable") == 1


def test_index_reports_an_unloadable_model(cli_db, run_cli, monkeypatch):
    import indexes.sync as sync

    def fail():
        raise EmbedderUnavailable("model package missing")

    monkeypatch.setattr(sync, "get_embedder", fail)
    code, _, err = run_cli("--db", str(cli_db), "index")
    assert code == 1 and "cannot build the vector index: model package missing" in err
    assert "Traceback" not in err


def test_import_index_delete_round_trip_through_the_cli(db_path, hashing_embedder, run_cli, tmp_path):
    from indexes.vectors import VectorIndex, index_folder

    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"id": "a", "title": "Indemnity", "text": "Medical indemnity for AI suppliers must be clarified."}\n'
        '{"id": "b", "title": "Workforce", "text": "AI adds capacity to a short-staffed radiology team."}\n',
        encoding="utf-8",
    )
    code, _, _ = run_cli("--db", str(db_path), "import", str(docs), "--quiet")
    assert code == 0
    index = VectorIndex.load(index_folder(db_path))
    _, out, _ = run_cli("--db", str(db_path), "search", "indemnity", "--json", "--mode", "semantic")
    top = json.loads(out)["results"][0]
    assert top["external_id"] == "a" and top["passage_id"] in index
    assert run_cli("--db", str(db_path), "delete", str(top["document_id"]))[0] == 0
    assert top["passage_id"] not in VectorIndex.load(index_folder(db_path))
    for mode in ("keyword", "semantic", "hybrid"):
        _, out, _ = run_cli("--db", str(db_path), "search", "indemnity", "--json", "--mode", mode)
        assert "a" not in {r["external_id"] for r in json.loads(out)["results"]}
