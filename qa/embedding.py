"""Turn texts into normalized vectors.

`Encoder` is the one interface the index and the retriever need. Two kinds exist:
"torch" (sentence-transformers, float32) and "onnx-int8" (`qa.onnx_encoder`: the same
model exported to ONNX Runtime, with int8 weights where a check against the float model
proves them right, no torch at query time). Both are imported lazily, so code which only
reads an index pays for neither. `load_encoder` picks one: the kind asked for, else
$QA_ENCODER, else onnx-int8 when onnxruntime is installed. The index manifest records the
kind and the encoder's fingerprint; the retriever refuses an encoder whose fingerprint
differs from the one the index was built with.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Protocol

import numpy as np

from qa.errors import ModelLoadError
from qa.models import DEFAULT_MODEL, ONNX_INT8, TORCH, configured_model, resolve_model_path

__all__ = ["DEFAULT_MODEL", "ONNX_INT8", "TORCH", "configured_model", "resolve_model_path"]

ENCODER_KINDS = (ONNX_INT8, TORCH)


class Encoder(Protocol):
    name: str  # recorded in the index manifest, as are the two below
    kind: str  # one of ENCODER_KINDS: how the vectors are made
    dimension: int
    # Also recorded when present: `fingerprint`, which names the exact graph (see `fingerprint_of`).

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), rows of unit length."""
        ...


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by bundled alias, hub name or local path."""

    kind = TORCH

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 32, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:  # pragma: no cover - install problem
            raise ModelLoadError(model, f"sentence-transformers is not installed ({error})") from error
        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as error:  # the library raises many kinds: OSError, ValueError, HF errors
            raise ModelLoadError(model, str(error).splitlines()[0] if str(error) else type(error).__name__) from error
        self.name = model
        self.dimension = int(self._model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        self.fingerprint = torch_fingerprint(model)

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def torch_fingerprint(model: str) -> str:
    return f"{TORCH}/float32/{model}"


def fingerprint_of(encoder: Encoder) -> str:
    """What names the encoder's exact vectors: kind, recipe and export key for the ONNX path.

    An encoder without a `fingerprint` is named by its kind and model (torch: float32).
    """
    default = torch_fingerprint(encoder.name) if encoder.kind == TORCH else f"{encoder.kind}/{encoder.name}"
    return getattr(encoder, "fingerprint", None) or default


def known_fingerprint(model: str, kind: str) -> str | None:
    """The fingerprint `load_encoder(model, kind)` would have, without loading a model;
    None for the ONNX path when this machine has not exported the model yet."""
    if kind != ONNX_INT8:
        return torch_fingerprint(model)
    from qa.onnx_encoder import fingerprint_of as onnx_fingerprint
    from qa.onnx_export import GRAPH_FILE, export_dir, read_check

    try:
        folder = export_dir(resolve_model_path(model))
    except ModelLoadError:
        return None
    check = read_check(folder)
    return onnx_fingerprint(check) if check is not None and (folder / GRAPH_FILE).is_file() else None


def default_kind() -> str:
    """$QA_ENCODER, else onnx-int8 when onnxruntime is installed, else torch."""
    if os.environ.get("QA_ENCODER"):
        return os.environ["QA_ENCODER"]
    return ONNX_INT8 if importlib.util.find_spec("onnxruntime") is not None else TORCH


def load_encoder(model: str | None = None, kind: str | None = None) -> Encoder:
    """The encoder of a model; kind "torch" or "onnx-int8" (default: `default_kind()`)."""
    model = model or configured_model()
    kind = kind or default_kind()
    if kind == TORCH:
        return SentenceTransformerEncoder(model)
    if kind == ONNX_INT8:
        from qa.onnx_encoder import OnnxEncoder

        return OnnxEncoder(model)
    raise ModelLoadError(model, f"unknown encoder kind {kind!r}; use one of {', '.join(ENCODER_KINDS)}")
