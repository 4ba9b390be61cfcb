"""The fast embedding path: the model exported once to ONNX, int8 when that is proven right.

    >>> encoder = OnnxEncoder("m3e-small")       # first use exports to <QA cache>/onnx/…
    >>> encoder.encode(["贵州省从5月1日起全面入汛"]).shape
    (1, 512)
    >>> encoder.check.recipe, encoder.fingerprint
    ('int8-per-channel', 'onnx-int8/int8-per-channel/m3e-small-…')

Exporting and checking live in `qa.onnx_export` (which needs torch once); running the graph
in `qa.onnx_graph` (onnxruntime and tokenizers only), so a process that answers questions
never imports torch. This module does not choose between encoders; `qa.embedding` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.errors import ModelLoadError
from qa.models import ONNX_INT8, max_tokens, resolve_model_path
from qa.onnx_export import GRAPH_FILE, ExportCheck, ensure_export
from qa.onnx_graph import BATCH_SIZE, OnnxGraph


class OnnxEncoder:
    """A sentence-transformers model run by ONNX Runtime from a verified export."""

    kind = ONNX_INT8

    def __init__(self, model: str, *, batch_size: int = BATCH_SIZE, threads: int | None = None) -> None:
        try:
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401
        except ImportError as error:
            raise ModelLoadError(
                model, f"the fast path needs onnxruntime (pip install -e '.[fast]'): {error}"
            ) from error
        path = resolve_model_path(model)
        if not (Path(path) / "tokenizer.json").is_file():
            raise ModelLoadError(model, "the ONNX path needs a local model folder with tokenizer.json")
        folder, self.check = ensure_export(path)
        self._graph = OnnxGraph(
            folder / GRAPH_FILE, folder / "tokenizer.json", max_tokens=max_tokens(path), threads=threads
        )
        self.name = model
        self.dimension = self._graph.dimension
        self.batch_size = batch_size
        self.fingerprint = fingerprint_of(self.check)

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Unit vectors, float32 (len(texts), dimension)."""
        return self._graph.encode(texts, batch_size=self.batch_size, show_progress=show_progress)


def fingerprint_of(check: ExportCheck) -> str:
    """Names one exported graph: the kind, the recipe served and the export's cache key."""
    return f"{ONNX_INT8}/{check.recipe}/{check.key}"
