"""The ONNX Runtime embedder: exported here from the packaged weights, int8 for this CPU, cached, faithful."""

from __future__ import annotations

import numpy as np
import pytest

from indexes import onnx_model
from indexes.onnx_model import (
    MODEL_NAME,
    OnnxEmbedder,
    embedder_name,
    model_file,
    packaged_model_path,
    prepare,
    quantisation_config,
    weights_checksum,
)

pytestmark = pytest.mark.model

TEXTS = [
    "Who carries the risk when the algorithm is wrong?",
    "Medical indemnity and the legal responsibility of clinicians and suppliers for AI must be clarified.",
    "ICBs should write system-level digital procurement strategies that include AI.",
    "word " * 400,  # past the 256-token limit: truncated as sentence-transformers truncates
    "",
]


@pytest.mark.parametrize(
    ("flags", "machine", "config"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", "avx512vnni"),
        ({"avx2", "avx_vnni"}, "x86_64", "avxvnni"),
        ({"avx2", "fma"}, "x86_64", "avx2"),
        (set(), "aarch64", "arm64"),
        (set(), "x86_64", "generic"),
    ],
)
def test_the_quantisation_config_follows_the_cpu(flags, machine, config):
    assert quantisation_config(flags, machine) == config
    assert embedder_name(config) == f"{MODEL_NAME}/onnx-int8-{config}"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A model cache of this module's own (empty at first), so the export itself is tested."""
    return tmp_path_factory.mktemp("model-cache")


def test_export_once_into_a_checksummed_cache_and_match_sentence_transformers(cache):
    from sentence_transformers import SentenceTransformer

    tmp_path = cache
    notices: list[str] = []
    embedder = prepare(notices.append, cache=tmp_path)
    assert notices == ["Preparing the search model (once)..."]
    target = model_file(packaged_model_path(), quantisation_config(), tmp_path)
    assert target.exists() and weights_checksum(packaged_model_path(), tmp_path) in target.parent.name
    assert embedder.name == embedder_name() and embedder.dim == 384
    again = prepare(notices.append, cache=tmp_path)  # cached: no second export, no second notice
    assert notices == ["Preparing the search model (once)..."]
    ours = again.encode(TEXTS)
    reference = SentenceTransformer(str(packaged_model_path()), device="cpu").encode(
        TEXTS, normalize_embeddings=True
    )
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.97 and cosine.mean() > 0.98, cosine
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # Padding is masked out of the mean; dynamic int8 scales activations per batch, so a text's vector
    # alone differs from the same text in a batch only by that rounding.
    alone = np.vstack([again.encode([t]) for t in TEXTS])
    assert (alone * ours).sum(axis=1)[:-1].min() > 0.98  # the empty text has no rounding to spare


def test_a_damaged_cache_file_is_rebuilt(cache):
    tmp_path = cache
    prepare(None, cache=tmp_path)
    target = model_file(packaged_model_path(), quantisation_config(), tmp_path)
    target.write_bytes(b"not an onnx model")
    with pytest.raises(onnx_model.ExportFailed):
        OnnxEmbedder(target, packaged_model_path())
    with pytest.raises(onnx_model.ExportFailed):
        prepare(None, cache=tmp_path)  # the damaged file is removed...
    assert not target.exists()
    assert prepare(None, cache=tmp_path).encode(["again"]).shape == (1, 384)  # ...and built anew


def test_with_the_real_model_nonsense_finds_nothing_and_a_question_its_passage(corpus, db_path):
    from indexes.embedder import get_embedder, set_embedder
    from indexes.search import Searcher
    from indexes.sync import sync_index
    from knowledge.library import import_paths
    from knowledge.workspace import open_db

    set_embedder(None)
    embedder = get_embedder()
    assert embedder.name == embedder_name()  # the ONNX path, not the torch fallback
    db = open_db(db_path)
    import_paths(db, [corpus])
    sync_index(db, db_path, embedder=embedder)
    searcher = Searcher(db, db_path, embedder=embedder)
    try:
        for nonsense in ("blorptang quixzel vurmish snoffle", "zxqv kkrt 93847x51"):
            result = searcher.search(nonsense, mode="hybrid")
            assert result.hits == [] and result.no_close_match and result.nearest, nonsense
        top = searcher.search("who carries the risk when the algorithm is wrong?", mode="hybrid").hits[0]
        assert "liab" in f"{top.section} {top.text}".lower() or "indemnity" in top.text.lower()
        assert top.relevance in {"high", "medium"}
        excluded = searcher.search("procurement -ICB", mode="hybrid").hits
        assert excluded and not any("icb" in f"{h.title} {h.section} {h.text}".lower() for h in excluded)
    finally:
        searcher.close()
        db.conn.close()
        set_embedder(None)
