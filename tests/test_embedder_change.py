"""Vectors carry their embedder's exact name: a change of embedder re-embeds, with progress, never mixes."""

from __future__ import annotations

import json

from indexes.embedder import HashingEmbedder, set_embedder
from indexes.sync import missing_vectors, sync_index, up_to_date
from indexes.vectors import VectorIndex, index_folder
from knowledge.library import import_paths
from knowledge.workspace import open_db


def models(db_path) -> dict[str, int]:
    db = open_db(db_path)
    try:
        return dict(db.execute("SELECT model, count(*) FROM passage_vectors GROUP BY model").fetchall())
    finally:
        db.conn.close()


def test_a_new_embedder_re_embeds_before_searching_and_never_mixes(corpus, db_path, run_cli):
    old, new = HashingEmbedder(name="old-model"), HashingEmbedder(name="new-model")
    db = open_db(db_path)
    import_paths(db, [corpus])
    sync_index(db, db_path, embedder=old)
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    assert missing_vectors(db, "old-model") == 0 and missing_vectors(db, "new-model") == passages
    assert up_to_date(db, db_path, "old-model") and not up_to_date(db, db_path, "new-model")
    db.conn.close()

    set_embedder(new)  # as when this version first runs on a library made by the torch embedder
    try:
        code, out, err = run_cli("--db", db_path, "search", "medical indemnity", "--json")
    finally:
        set_embedder(None)
    assert code == 0 and json.loads(out)["results"]
    assert f"{passages} passage(s) have no vector for the search model new-model; embedding them now" in err
    assert "embedding passages" in err  # the progress bar
    assert models(db_path) == {"new-model": passages}  # replaced, not added beside the old ones
    assert VectorIndex.load(index_folder(db_path)).embedder == "new-model"


def test_index_re_embeds_for_a_new_embedder_and_then_has_nothing_to_do(corpus, db_path, run_cli):
    db = open_db(db_path)
    import_paths(db, [corpus])
    sync_index(db, db_path, embedder=HashingEmbedder(name="old-model"))
    db.conn.close()
    set_embedder(HashingEmbedder(name="new-model"))
    try:
        code, _, err = run_cli("--db", db_path, "index")
        assert code == 0 and "vector index rebuilt" in err and "embedding passages" in err
        code, _, err = run_cli("--db", db_path, "index", "--quiet")
        assert code == 0 and "embedded 0 passage(s); vector index already up to date" in err
    finally:
        set_embedder(None)
    assert set(models(db_path)) == {"new-model"}
