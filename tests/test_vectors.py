"""The faiss index: ids are passage ids, saved atomically beside the database, rebuilt when it disagrees."""

import json

import numpy as np
import pytest
from conftest import insert_document

from indexes.vectors import (
    IndexCorrupt,
    VectorIndex,
    id_checksum,
    index_folder,
    open_index,
)


def unit(rows, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def store_vectors(db, ids, vectors, model="m"):
    with db.atomic():
        for pid, vec in zip(ids, vectors, strict=True):
            db.execute(
                "INSERT OR REPLACE INTO passage_vectors (passage_id, model, dim, vector) VALUES (?, ?, ?, ?)",
                [pid, model, vectors.shape[1], vec.astype(np.float32).tobytes()],
            )


def test_search_returns_passage_ids_best_first():
    vecs = unit(50)
    index = VectorIndex.build("m", 16, np.arange(100, 150), vecs)
    hits = index.search(vecs[7], 3)[0]
    assert hits[0][0] == 107
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert len(hits) == 3


def test_add_replace_and_remove_by_id():
    vecs = unit(10)
    index = VectorIndex.build("m", 16, np.arange(10), vecs)
    index.remove([3, 4, 999])
    assert index.count == 8 and 3 not in index
    assert all(pid not in (3, 4) for pid, _ in index.search(vecs[3], 8)[0])
    index.add([5], vecs[3:4])  # replacing an id does not duplicate it
    assert index.count == 8
    assert index.search(vecs[3], 1)[0][0][0] == 5


def test_allowed_ids_restrict_the_search():
    vecs = unit(40)
    index = VectorIndex.build("m", 16, np.arange(40), vecs)
    hits = index.search(vecs[0], 5, allowed_ids=[30, 31, 32])[0]
    assert {pid for pid, _ in hits} == {30, 31, 32}
    assert index.search(vecs[0], 5, allowed_ids=[])[0] == []


def test_approximate_index_finds_near_duplicates_and_supports_removal():
    vecs = unit(3000, dim=32)
    index = VectorIndex.build("m", 32, np.arange(3000), vecs, approx=True)
    assert index.kind == "ivf"
    found = sum(index.search(vecs[i], 1)[0][0][0] == i for i in range(0, 3000, 100))
    assert found >= 27
    index.remove([0])
    assert index.count == 2999


def test_save_and_load_round_trip(tmp_path):
    vecs = unit(20)
    index = VectorIndex.build("m", 16, np.arange(1, 21), vecs)
    index.save(tmp_path / "x.index")
    loaded = VectorIndex.load(tmp_path / "x.index")
    assert loaded.model == "m" and loaded.count == 20
    config = json.loads((tmp_path / "x.index" / "config.json").read_text())
    assert config["count"] == 20 and config["id_checksum"] == id_checksum(np.arange(1, 21))
    assert not list((tmp_path / "x.index").glob("*.tmp"))


@pytest.mark.parametrize("damage", ["missing", "truncated", "bad-config", "wrong-ids"])
def test_damaged_folders_are_reported_as_corrupt(tmp_path, damage):
    folder = tmp_path / "x.index"
    VectorIndex.build("m", 16, np.arange(5), unit(5)).save(folder)
    if damage == "missing":
        (folder / "index.faiss").unlink()
    elif damage == "truncated":
        data = (folder / "index.faiss").read_bytes()
        (folder / "index.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "bad-config":
        (folder / "config.json").write_text("{not json")
    else:
        np.save(folder / "ids.npy", np.arange(10, 15))
    with pytest.raises(IndexCorrupt):
        VectorIndex.load(folder)


def test_open_index_rebuilds_from_sqlite_and_reconciles(fresh_db, db_path):
    _, ids = insert_document(fresh_db, "Doc", [f"passage {i}" for i in range(6)])
    vecs = unit(6)
    store_vectors(fresh_db, ids, vecs)
    index, state = open_index(fresh_db, db_path, "m", 16)
    assert state.action == "rebuilt" and index.count == 6
    assert index_folder(db_path).is_dir()

    # Loaded as saved when nothing changed.
    index, state = open_index(fresh_db, db_path, "m", 16)
    assert state.action == "loaded"

    # A vector deleted behind the index's back is removed on the next open; a new one is added.
    fresh_db.execute("DELETE FROM passage_vectors WHERE passage_id = ?", [ids[0]])
    _, more = insert_document(fresh_db, "Doc 2", ["another"])
    store_vectors(fresh_db, more, unit(1, seed=5))
    index, state = open_index(fresh_db, db_path, "m", 16)
    assert state.action == "updated" and (state.added, state.removed) == (1, 1)
    assert set(index.ids().tolist()) == set(ids[1:] + more)

    # Another model's index is not reused.
    store_vectors(fresh_db, ids, unit(6, dim=8), model="other")
    index, state = open_index(fresh_db, db_path, "other", 8)
    assert state.action == "rebuilt" and index.model == "other" and index.count == 6
