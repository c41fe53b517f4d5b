"""The faiss vector index: ids are passage ids, saved beside the database, rebuilt from SQLite when stale."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from knowledge.files import replacing, sweep_temporary
from knowledge.pg.connection import cache_folder, is_server_url

# Exact search costs O(n) per query; past this many vectors an inverted-file index keeps queries fast
# (benchmarks/ann_recall.py measures its recall@10 against exact search).
APPROX_THRESHOLD = 200_000
# Share of the inverted lists each query scans. Measured on real all-MiniLM-L6-v2 vectors of SciFact
# (benchmarks/ann_recall.py --real): 5% of lists gives recall@10 0.78, 20% gives 0.94; clustered synthetic
# data reaches 1.0 at 5%, but real sentence embeddings are less tidy.
IVF_PROBE_SHARE = 0.2


def ivf_nprobe(nlist: int) -> int:
    """How many of an IVF index's nlist lists each query scans."""
    return max(1, math.ceil(nlist * IVF_PROBE_SHARE))


FORMAT_VERSION = 2  # 2: config.json records the identity of the other two files
INDEX_FILE, IDS_FILE, CONFIG_FILE = "index.faiss", "ids.npy", "config.json"


class IndexCorrupt(Exception):
    """The saved index folder is missing, unreadable or inconsistent with itself."""


def index_folder(db_path: str | Path) -> Path:
    """Where the index of a database lives: `<db file>.index/` beside it; for a team workspace, a local
    cache folder on this machine (knowledge.pg.connection.cache_folder)."""
    if is_server_url(db_path):
        return cache_folder(str(db_path))
    return Path(str(db_path) + ".index")


def id_checksum(ids: np.ndarray) -> str:
    """A short fingerprint of a set of ids (order-independent: ids are sorted first)."""
    ordered = np.sort(np.asarray(ids, dtype=np.int64))
    return hashlib.blake2b(ordered.tobytes(), digest_size=8).hexdigest()


def stored_ids(db: sqlite_utils.Database, model: str) -> np.ndarray:
    """Sorted passage ids that have a vector for `model` in the database."""
    rows = db.execute("SELECT passage_id FROM passage_vectors WHERE model = ? ORDER BY passage_id", [model])
    return np.fromiter((r[0] for r in rows), dtype=np.int64)


def stored_stats(db: sqlite_utils.Database, model: str) -> tuple[int, int, int]:
    """(count, sum, max) of the vector ids for `model`: a cheap staleness probe."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(passage_id), 0), coalesce(max(passage_id), 0) "
        "FROM passage_vectors WHERE model = ?",
        [model],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def load_vectors(
    db: sqlite_utils.Database, model: str, ids: Sequence[int] | None = None, chunk: int = 20_000
) -> tuple[np.ndarray, np.ndarray]:
    """(ids, matrix) of stored vectors for `model`, optionally only the given ids."""
    out_ids: list[int] = []
    blobs: list[bytes] = []
    dim = None
    if ids is None:
        rows: Iterable = db.execute(
            "SELECT passage_id, dim, vector FROM passage_vectors WHERE model = ? ORDER BY passage_id", [model]
        )
        for pid, d, blob in rows:
            dim = d
            out_ids.append(pid)
            blobs.append(blob)
    else:
        wanted = [int(i) for i in ids]
        for start in range(0, len(wanted), 900):
            part = wanted[start : start + 900]
            marks = ", ".join("?" for _ in part)
            for pid, d, blob in db.execute(
                "SELECT passage_id, dim, vector FROM passage_vectors "
                f"WHERE model = ? AND passage_id IN ({marks})",
                [model, *part],
            ):
                dim = d
                out_ids.append(pid)
                blobs.append(blob)
    if not out_ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(out_ids), dim)
    return np.asarray(out_ids, dtype=np.int64), matrix


def _faiss() -> Any:
    import faiss  # lazily: it is not needed for keyword search or start-up

    return faiss


@dataclass
class IndexState:
    """What open_index did: 'loaded' (as saved), 'updated' (incremental fix) or 'rebuilt'."""

    action: str
    added: int = 0
    removed: int = 0


class VectorIndex:
    """A faiss index of normalised vectors keyed by passage id (inner product = cosine similarity)."""

    def __init__(
        self, model: str, dim: int, kind: str = "flat", index: Any = None, ids: np.ndarray | None = None
    ):
        # The exact embedder name the vectors carry ("all-MiniLM-L6-v2/onnx-int8-avx512vnni"): the key
        # for stored vectors and for telling a stale index from a current one.
        self.embedder = model
        self.dim = int(dim)
        self.kind = kind
        self.index = index if index is not None else self._new_flat(self.dim)
        self._ids = set() if ids is None else {int(i) for i in ids}

    @staticmethod
    def _new_flat(dim: int) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def build(cls, model: str, dim: int, ids: np.ndarray, vectors: np.ndarray, approx: bool | None = None):
        """A new index over the given vectors; approximate (IVF) when there are very many."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if approx is None:
            approx = len(ids) >= APPROX_THRESHOLD
        if approx:
            index = _build_ivf(dim, vectors)
            kind = "ivf"
        else:
            index = cls._new_flat(dim)
            kind = "flat"
        if len(ids):
            index.add_with_ids(vectors, ids)
        return cls(model, dim, kind, index, ids)

    # -- contents ------------------------------------------------------------------------------------
    @property
    def model(self) -> str:
        """The model the vectors come from ("all-MiniLM-L6-v2"), without how it was run (the embedder)."""
        return self.embedder.split("/", 1)[0]

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        return np.fromiter(sorted(self._ids), dtype=np.int64, count=len(self._ids))

    def __contains__(self, passage_id: int) -> bool:
        return int(passage_id) in self._ids

    def stats(self) -> tuple[int, int, int]:
        """(count, sum, max) of ids, comparable with stored_stats()."""
        if not self._ids:
            return 0, 0, 0
        return len(self._ids), sum(self._ids), max(self._ids)

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) vectors for these passage ids."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return
        present = [i for i in ids.tolist() if i in self._ids]
        if present:
            self.remove(present)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self._ids.update(ids.tolist())

    def remove(self, ids: Iterable[int]) -> int:
        """Remove these passage ids (unknown ids are ignored); returns how many were removed."""
        wanted = [int(i) for i in ids if int(i) in self._ids]
        if not wanted:
            return 0
        removed = int(self.index.remove_ids(np.asarray(wanted, dtype=np.int64)))
        self._ids.difference_update(wanted)
        return removed

    # -- search --------------------------------------------------------------------------------------
    def search(
        self, queries: np.ndarray, k: int, allowed_ids: Sequence[int] | np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """For each query vector, up to k (passage_id, cosine) pairs, best first.

        allowed_ids restricts the search to those passages (filters) through a faiss id selector, so
        filtered searches still return k results when k matching passages exist.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.count == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        k = min(int(k), self.count)
        params = None
        if allowed_ids is not None:
            allowed = np.ascontiguousarray(allowed_ids, dtype=np.int64)
            if not len(allowed):
                return [[] for _ in range(len(queries))]
            faiss = _faiss()
            selector = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed))
            if self.kind == "ivf":
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
            k = min(k, len(allowed))
            scores, ids = self.index.search(queries, k, params=params)
        else:
            scores, ids = self.index.search(queries, k)
        out = []
        for row_ids, row_scores in zip(ids.tolist(), scores.tolist(), strict=True):
            out.append([(i, s) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0])
        return out

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        """Write index.faiss, ids.npy and, last, config.json; each replaced whole (knowledge.files).

        config.json records each file's identity (inode, size, mtime), so a folder where a crash or a
        second program left one file from another save does not load: it is rebuilt from SQLite."""
        faiss = _faiss()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sweep_temporary(folder)
        ids = self.ids()
        with replacing(folder / INDEX_FILE) as tmp:
            faiss.write_index(self.index, str(tmp))
        with replacing(folder / IDS_FILE) as tmp, open(tmp, "wb") as handle:
            np.save(handle, ids)
        config = {
            "format": FORMAT_VERSION,
            "model": self.embedder,
            "dim": self.dim,
            "kind": self.kind,
            "count": len(ids),
            "id_checksum": id_checksum(ids),
            "files": {name: _identity(folder / name) for name in (INDEX_FILE, IDS_FILE)},
        }
        with replacing(folder / CONFIG_FILE) as tmp:
            tmp.write_text(json.dumps(config, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> VectorIndex:
        """Read a saved index; IndexCorrupt when anything is missing or does not agree with itself."""
        faiss = _faiss()
        folder = Path(folder)
        try:
            config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            files = config["files"]
            if any(files[name] != _identity(folder / name) for name in (INDEX_FILE, IDS_FILE)):
                raise IndexCorrupt("its files come from different saves")
            ids = np.load(folder / IDS_FILE, allow_pickle=False)
            index = faiss.read_index(str(folder / INDEX_FILE))
        except Exception as exc:  # missing files, bad JSON, truncated faiss data: all mean "rebuild"
            raise IndexCorrupt(f"cannot read the vector index in {folder}: {exc}") from exc
        if (
            config.get("format") != FORMAT_VERSION
            or int(index.ntotal) != len(ids)
            or config.get("count") != len(ids)
            or config.get("id_checksum") != id_checksum(ids)
            or int(index.d) != int(config.get("dim", -1))
        ):
            raise IndexCorrupt(f"the vector index in {folder} is inconsistent")
        kind = config.get("kind", "flat")
        if kind == "ivf":
            index.nprobe = ivf_nprobe(index.nlist)
        return cls(config["model"], config["dim"], kind, index, ids)


def saved_index_current(db: sqlite_utils.Database, db_path: str | Path, model: str) -> bool:
    """Whether the saved index holds exactly the database's vectors for `model`, checked without faiss.

    Reads config.json only (the files' identities, the model, the id checksum): `roundtable index` with
    nothing new answers from this, so it never loads faiss or the model."""
    if str(db_path) == ":memory:":
        return False
    folder = index_folder(db_path)
    try:
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        files = config["files"]
        if any(files[name] != _identity(folder / name) for name in (INDEX_FILE, IDS_FILE)):
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if config.get("format") != FORMAT_VERSION or config.get("model") != model:
        return False
    ids = stored_ids(db, model)
    return config.get("count") == len(ids) and config.get("id_checksum") == id_checksum(ids)


def _identity(path: Path) -> list[int]:
    """What tells one saved file from another: a rename keeps it, any rewrite changes it."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _build_ivf(dim: int, vectors: np.ndarray) -> Any:
    """An IVF-flat index trained on (a sample of) the vectors: ~sqrt(n) lists, a fifth of them probed.

    sqrt(n) lists keep k-means training to seconds at a few hundred thousand vectors; each query then
    scans about a fifth of the vectors: ten times faster than exact search at 200,000 (one query at a time).
    """
    faiss = _faiss()
    n = len(vectors)
    nlist = max(1, min(int(np.sqrt(max(n, 1))), max(1, n // 39)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if n > 64 * nlist:
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, 64 * nlist, replace=False)]
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = ivf_nprobe(nlist)
    # IVF keeps ids itself (no IDMap needed) and supports remove_ids.
    return index


def rebuild_from_db(db: sqlite_utils.Database, model: str, dim: int) -> VectorIndex:
    """A fresh index from the vectors stored in SQLite (no re-embedding)."""
    ids, matrix = load_vectors(db, model)
    if len(ids) and matrix.shape[1] != dim:
        raise IndexCorrupt(f"stored vectors have dimension {matrix.shape[1]}, the model {dim}")
    return VectorIndex.build(model, dim, ids, matrix if len(ids) else np.zeros((0, dim), np.float32))


def reconcile(db: sqlite_utils.Database, index: VectorIndex, refresh: Sequence[int] = ()) -> IndexState:
    """Make the index hold exactly the database's vectors for its model, changing only the difference.

    refresh: ids whose vectors were just (re)written, re-added even if already present, because
    SQLite may reuse the id of a deleted passage.
    """
    db_ids = stored_ids(db, index.embedder)
    db_set = set(db_ids.tolist())
    extra = index._ids - db_set
    missing = (db_set - index._ids) | (set(int(i) for i in refresh) & db_set)
    removed = index.remove(extra) if extra else 0
    if missing:
        ids, matrix = load_vectors(db, index.embedder, sorted(missing))
        index.add(ids, matrix)
    # Crossing the size threshold changes the index type: rebuild once in the right form.
    if (index.kind == "flat") != (index.count < APPROX_THRESHOLD) and index.count:
        return (
            IndexState("rebuilt", len(missing), removed)
            if _swap_rebuild(db, index)
            else IndexState("updated")
        )
    return IndexState("updated" if (missing or removed) else "loaded", len(missing), removed)


def _swap_rebuild(db: sqlite_utils.Database, index: VectorIndex) -> bool:
    fresh = rebuild_from_db(db, index.embedder, index.dim)
    index.index, index.kind, index._ids = fresh.index, fresh.kind, fresh._ids
    return True


def open_index(
    db: sqlite_utils.Database,
    db_path: str | Path,
    model: str,
    dim: int,
    *,
    rebuild: bool = False,
    save: bool = True,
    refresh: Sequence[int] = (),
) -> tuple[VectorIndex, IndexState]:
    """Load the saved index and make it agree with the database; rebuild from SQLite when unusable.

    Rebuilds when the folder is missing or corrupt, or was built for another model or dimension;
    otherwise adds and removes only the ids that differ. Saves the result when it changed.
    """
    folder = index_folder(db_path)
    index = None
    state = IndexState("rebuilt")
    if not rebuild and str(db_path) != ":memory:":
        try:
            index = VectorIndex.load(folder)
        except IndexCorrupt:
            index = None
        if index is not None and (index.embedder != model or index.dim != dim):
            index = None
    if index is None:
        index = rebuild_from_db(db, model, dim)
        state = IndexState("rebuilt", index.count, 0)
    else:
        state = reconcile(db, index, refresh)
    if save and str(db_path) != ":memory:" and state.action != "loaded":
        index.save(folder)
    return index, state


def delete_index_folder(db_path: str | Path) -> None:
    """Forget the saved index (it is derived data; the next open rebuilds it)."""
    shutil.rmtree(index_folder(db_path), ignore_errors=True)
