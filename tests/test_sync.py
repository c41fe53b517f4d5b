"""Index sync: embed what lacks a vector, resume after a crash, follow deletes, rebuild without embedding."""

import shutil

import pytest
from conftest import insert_document

from indexes.embedder import EmbedderUnavailable, HashingEmbedder
from indexes.keyword import keyword_search
from indexes.search import Searcher
from indexes.sync import IndexUnavailable, sync_index
from indexes.vectors import VectorIndex, index_folder


class CountingEmbedder(HashingEmbedder):
    """Counts encode calls; can crash after a number of batches (a killed `roundtable index`)."""

    def __init__(self, crash_after=None, name="hashing-test"):
        super().__init__(name=name)
        self.calls = 0
        self.texts = 0
        self.crash_after = crash_after

    def encode(self, texts, **kwargs):
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise KeyboardInterrupt
        self.calls += 1
        self.texts += len(texts)
        return super().encode(texts, **kwargs)


class RefusingEmbedder(HashingEmbedder):
    def encode(self, texts, **kwargs):
        raise AssertionError("the index must be rebuilt from stored vectors, not re-embedded")


def add_corpus(db, documents=3, passages=300):
    ids = []
    for d in range(documents):
        _, p = insert_document(
            db, f"Document {d}", [f"passage {d} {i} about topic{i % 7}" for i in range(passages)]
        )
        ids += p
    return ids


def vector_rows(db):
    return db.execute("SELECT passage_id, model FROM passage_vectors ORDER BY passage_id").fetchall()


def test_sync_embeds_every_passage_once_and_saves_the_index(fresh_db, db_path):
    ids = add_corpus(fresh_db, 2, 10)
    embedder = CountingEmbedder()
    report = sync_index(fresh_db, db_path, embedder=embedder)
    assert report.embedded == 20 and embedder.texts == 20
    assert [r[0] for r in vector_rows(fresh_db)] == sorted(ids)
    assert VectorIndex.load(index_folder(db_path)).count == 20
    again = sync_index(fresh_db, db_path, embedder=embedder)
    assert again.embedded == 0 and embedder.texts == 20
    assert again.index.action == "loaded"


def test_killed_sync_keeps_finished_batches_and_resumes(fresh_db, db_path):
    ids = add_corpus(fresh_db, 3, 300)  # 900 passages: four batches of 256
    with pytest.raises(KeyboardInterrupt):
        sync_index(fresh_db, db_path, embedder=CountingEmbedder(crash_after=2))
    assert len(vector_rows(fresh_db)) == 512  # two whole batches committed, nothing of the third
    resumed = CountingEmbedder()
    report = sync_index(fresh_db, db_path, embedder=resumed)
    assert resumed.texts == 900 - 512
    rows = vector_rows(fresh_db)
    assert [r[0] for r in rows] == sorted(ids)  # every passage exactly once
    index = VectorIndex.load(index_folder(db_path))
    assert sorted(index.ids().tolist()) == sorted(ids) and index.count == 900
    assert report.index.action in ("rebuilt", "updated")


def test_cancel_stops_between_batches_and_indexes_what_was_done(fresh_db, db_path):
    add_corpus(fresh_db, 2, 300)
    seen = []

    def progress(done, total, label):
        seen.append((done, total, label))

    calls = iter(range(100))
    report = sync_index(
        fresh_db, db_path, embedder=CountingEmbedder(), progress=progress, cancel=lambda: next(calls) >= 1
    )
    assert report.cancelled and report.embedded == 256
    assert VectorIndex.load(index_folder(db_path)).count == 256
    assert (0, 600, "embedding passages") in seen and (256, 600, "embedding passages") in seen
    assert sync_index(fresh_db, db_path, embedder=CountingEmbedder()).embedded == 344


def test_deleted_document_leaves_both_indexes(fresh_db, db_path):
    doc, ids = insert_document(fresh_db, "Indemnity note", ["medical indemnity for AI suppliers"])
    insert_document(fresh_db, "Other", ["workforce capacity in radiology"])
    embedder = CountingEmbedder()
    sync_index(fresh_db, db_path, embedder=embedder)
    searcher = Searcher(fresh_db, db_path, embedder=embedder)
    assert searcher.search("indemnity", mode="semantic").hits[0].passage_id == ids[0]

    from knowledge.library import delete_document

    assert delete_document(fresh_db, doc) is not None  # cascades to passages, vectors and FTS rows
    assert keyword_search(fresh_db, "indemnity") == []
    # The searcher notices the change without a sync...
    assert ids[0] not in [h.passage_id for h in searcher.search("indemnity", mode="semantic").hits]
    assert searcher.search("indemnity", mode="keyword").hits == []
    # ...and a sync without embedding (what `roundtable delete` runs) fixes both saved indexes.
    sync_index(fresh_db, db_path, embed=False, embedder=embedder)
    assert ids[0] not in VectorIndex.load(index_folder(db_path))
    from indexes.terms import TermIndex

    terms = TermIndex.load(index_folder(db_path), fresh_db)
    assert ids[0] not in terms.pids and terms.search("indemnity", 10) == []


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_lost_or_corrupt_index_is_rebuilt_without_re_embedding(fresh_db, db_path, damage):
    ids = add_corpus(fresh_db, 2, 20)
    sync_index(fresh_db, db_path, embedder=CountingEmbedder())
    folder = index_folder(db_path)
    if damage == "delete":
        shutil.rmtree(folder)
    else:
        (folder / "index.faiss").write_bytes(b"garbage")
    report = sync_index(fresh_db, db_path, embedder=RefusingEmbedder())
    assert report.index.action == "rebuilt"
    assert sorted(VectorIndex.load(folder).ids().tolist()) == sorted(ids)
    # A searcher opening a damaged index rebuilds it too, again without the model encoding passages.
    (folder / "config.json").write_text("{}")
    searcher = Searcher(fresh_db, db_path, embedder=HashingEmbedder())
    assert searcher.vector_index().count == len(ids)


def test_model_change_re_embeds_everything(fresh_db, db_path):
    ids = add_corpus(fresh_db, 1, 10)
    sync_index(fresh_db, db_path, embedder=CountingEmbedder(name="model-a"))
    newer = CountingEmbedder(name="model-b")
    report = sync_index(fresh_db, db_path, embedder=newer)
    assert report.embedded == 10 and newer.texts == 10
    assert {r[1] for r in vector_rows(fresh_db)} == {"model-b"}
    index = VectorIndex.load(index_folder(db_path))
    assert index.model == "model-b" and sorted(index.ids().tolist()) == sorted(ids)


def test_unloadable_model_raises_index_unavailable(fresh_db, db_path, monkeypatch):
    import indexes.sync as sync

    def fail():
        raise EmbedderUnavailable("model files damaged")

    monkeypatch.setattr(sync, "get_embedder", fail)
    add_corpus(fresh_db, 1, 2)
    with pytest.raises(IndexUnavailable, match="damaged"):
        sync_index(fresh_db, db_path)
    # Without embedding and without a saved index, there is nothing to do and no model is needed.
    assert sync_index(fresh_db, db_path, embed=False).embedded == 0
