"""The fast embedding path: a sentence-transformers BERT exported once to ONNX, int8-quantised.

    >>> encoder = OnnxEncoder("m3e-small")       # first use exports to ~/.cache/qa/onnx/…
    >>> encoder.encode(["贵州省从5月1日起全面入汛"]).shape
    (1, 512)

Export (`torch.onnx.export`, then `onnxruntime.quantization.quantize_dynamic`) needs torch
and transformers once; afterwards encoding needs only onnxruntime, tokenizers and numpy, so a
process that answers questions never imports torch. Pooling and normalisation are those of
the sentence-transformers model: the mean of the token vectors under the attention mask,
scaled to unit length. This module does not choose between encoders; `qa.embedding` does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from qa.errors import ModelLoadError

log = logging.getLogger(__name__)

KIND = "onnx-int8"
EXPORT_VERSION = 1  # bump when the exported graph changes; old exports are then ignored
MAX_TOKENS = 512  # m3e-small's max_position_embeddings, also sentence-transformers' max_seq_length
MODEL_FILE = "model.int8.onnx"


def onnx_cache_dir() -> Path:
    """$QA_ONNX_CACHE, else <QA cache>/onnx ($QA_CACHE, $XDG_CACHE_HOME/qa or ~/.cache/qa)."""
    if os.environ.get("QA_ONNX_CACHE"):
        return Path(os.environ["QA_ONNX_CACHE"])
    if os.environ.get("QA_CACHE"):
        return Path(os.environ["QA_CACHE"]) / "onnx"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa" / "onnx"


def export_dir(model_path: str) -> Path:
    """The cache folder of one model's export, keyed by the model's config and weights."""
    folder = Path(model_path)
    digest = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for name in ("config.json", "tokenizer.json"):
        digest.update((folder / name).read_bytes())
    for weights in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.safetensors")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return onnx_cache_dir() / f"{folder.name}-{digest.hexdigest()[:16]}"


def export(model_path: str, target: Path) -> Path:
    """Export the BERT with mean pooling and normalisation to ONNX and quantise it to int8.

    Written to a temporary folder and renamed, so a crash leaves no half export behind.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = Pooled(AutoModel.from_pretrained(model_path)).eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        sample = torch.ones((2, 8), dtype=torch.long)
        float_file = staging / "model.float.onnx"
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(
                model,
                (sample, sample, torch.zeros_like(sample)),
                str(float_file),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        quantize_dynamic(str(float_file), str(staging / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
        float_file.unlink()
        shutil.copy2(Path(model_path) / "tokenizer.json", staging / "tokenizer.json")
        (staging / "export.json").write_text(
            json.dumps({"model_path": model_path, "export_version": EXPORT_VERSION, "quantisation": "dynamic int8"}),
            encoding="utf-8",
        )
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("exported %s to %s", model_path, target)
    return target


class OnnxEncoder:
    """A BERT sentence-transformers model run by ONNX Runtime with int8 weights."""

    kind = KIND

    def __init__(self, model: str, *, batch_size: int = 32, threads: int | None = None) -> None:
        from qa.embedding import resolve_model_path

        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ModelLoadError(
                model, f"the fast path needs onnxruntime (pip install -e '.[fast]'): {error}"
            ) from error
        path = resolve_model_path(model)
        if not (Path(path) / "tokenizer.json").is_file():
            raise ModelLoadError(model, "the ONNX path needs a local model folder with tokenizer.json")
        folder = export_dir(path)
        if not (folder / MODEL_FILE).is_file():
            export(path, folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self.name = model
        self.dimension = int(self._session.get_outputs()[0].shape[1] or 0) or self._probe_dimension()
        self.batch_size = batch_size

    def _probe_dimension(self) -> int:
        return int(self._run([self._tokenizer.encode("维度")]).shape[1])

    def _run(self, encodings: list) -> np.ndarray:
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

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Unit vectors, float32 (len(texts), dimension); batches are cut from texts sorted by length."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        batches = range(0, len(order), self.batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for start in batches:
            rows = order[start : start + self.batch_size]
            vectors[rows] = self._run([encodings[i] for i in rows])
        return vectors
