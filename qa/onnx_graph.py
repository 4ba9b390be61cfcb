"""Run an exported sentence-embedding graph with ONNX Runtime: texts in, unit vectors out.

    >>> graph = OnnxGraph(folder / "model.onnx", folder / "tokenizer.json")
    >>> graph.encode(["贵州省从5月1日起全面入汛"]).shape
    (1, 512)

The graph holds the pooling and the normalisation (see `qa.onnx_export`), so this module
only tokenises, pads each batch to its longest text and runs it. It needs onnxruntime,
tokenizers and numpy, never torch. It neither exports nor checks a graph.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

BATCH_SIZE = 32


class OnnxGraph:
    def __init__(
        self, graph_file: Path, tokenizer_file: Path, *, max_tokens: int = 512, threads: int | None = None
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(str(graph_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        self.dimension = int(self._session.get_outputs()[0].shape[1] or 0) or self._run(["维度"]).shape[1]

    def _run(self, texts: list[str]) -> np.ndarray:
        return self._run_encodings(self._tokenizer.encode_batch(texts))

    def _run_encodings(self, encodings: list) -> np.ndarray:
        """Pad one batch to its longest text and embed it: (len(encodings), dimension)."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = encoding.attention_mask
            types[row, : len(encoding.ids)] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self._session.run(None, feeds)[0]

    def encode(self, texts: list[str], *, batch_size: int = BATCH_SIZE, show_progress: bool = False) -> np.ndarray:
        """Unit vectors, float32 (len(texts), dimension); batches are cut from texts sorted by length,
        so that little padding is computed."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        batches = range(0, len(order), batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for start in batches:
            rows = order[start : start + batch_size]
            vectors[rows] = self._run_encodings([encodings[i] for i in rows])
        return vectors
