"""Export a sentence-transformers model to ONNX, quantise it, and prove the result before use.

    >>> folder, check = ensure_export("/…/embedding/m3e-small")   # minutes the first time, then cached
    >>> check.recipe, round(check.min_cosine, 3)
    ('int8-per-channel', 0.995)

The export is checked, never trusted: the probe texts (`qa.probe`) are embedded with the
float model (sentence-transformers itself) and with each candidate graph, run exactly as
queries will run it. The float ONNX graph must match at cosine >= FLOAT_MIN_COSINE; then
the int8 recipes are tried in order and the first whose smallest cosine reaches
MIN_COSINE is kept. Dynamic int8 kernels differ between processors (without VNNI,
ONNX Runtime's u8s8 kernels can saturate), so a recipe that is right on one machine can
be wrong on another: that is why the check runs where the export is made, and why the
processor's features are part of the cache key. When no recipe passes, the float graph is
served and a warning says why; an unverified int8 graph is never served.

The cache key also holds the versions of torch, transformers, onnx and onnxruntime and the
recipe list, so an upgrade makes a new export. Exporting needs torch and transformers;
this module imports them only when it exports.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.cache import cache_root
from qa.errors import ModelLoadError
from qa.models import max_tokens, pooling_mode
from qa.onnx_graph import OnnxGraph
from qa.probe import PROBE_TEXTS

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # 2: verified recipes; bump when the exported graph changes
MIN_COSINE = 0.98  # an int8 graph is served only when every probe text reaches this
FLOAT_MIN_COSINE = 0.999  # the float ONNX graph against sentence-transformers
GRAPH_FILE = "model.onnx"
CHECK_FILE = "export.json"
FLOAT_RECIPE = "float32"
SUPPORTED_POOLING = ("mean", "cls")
VERSIONED_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime", "tokenizers")
# Processor features that change which int8 kernels ONNX Runtime runs.
CPU_FEATURES = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")


@dataclass(frozen=True)
class Recipe:
    """One way to quantise: options of onnxruntime.quantization.quantize_dynamic (int8 weights)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)


# Tried in this order; the first that passes the check is served.
RECIPES: tuple[Recipe, ...] = (
    Recipe("int8-per-channel", {"per_channel": True}),
    # 7-bit weights: the documented remedy for u8s8 saturation on processors without VNNI
    Recipe("int8-per-channel-reduced-range", {"per_channel": True, "reduce_range": True}),
    Recipe("int8-per-tensor", {"per_channel": False}),
    Recipe("int8-matmul-only", {"per_channel": False, "op_types_to_quantize": ["MatMul"]}),
)


@dataclass(frozen=True)
class RecipeCheck:
    recipe: str
    min_cosine: float
    mean_cosine: float
    accepted: bool


@dataclass(frozen=True)
class ExportCheck:
    """What export.json records: the graph served and how close it is to the float model."""

    recipe: str  # a Recipe name, or FLOAT_RECIPE when no int8 recipe passed
    min_cosine: float  # over the probe texts, against sentence-transformers
    mean_cosine: float
    pooling: str
    key: str  # the cache key the export was made under
    tried: tuple[RecipeCheck, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "export_version": EXPORT_VERSION}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportCheck:
        tried = tuple(RecipeCheck(**item) for item in data.get("tried", ()))
        fields = {name: data[name] for name in ("recipe", "min_cosine", "mean_cosine", "pooling", "key")}
        return cls(**fields, tried=tried, versions=dict(data.get("versions", {})))


def package_versions() -> dict[str, str]:
    """Installed versions of what makes or runs the graph, read without importing anything."""
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "none"
    return versions


def cpu_features() -> str:
    """The processor's architecture and the int8-relevant features it has, e.g. 'x86_64:avx2,avx512_vnni'."""
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    flags.update(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return f"{platform.machine()}:{','.join(f for f in CPU_FEATURES if f in flags)}"


def export_key(model_path: str | Path) -> str:
    """What an export depends on: model files, recipes, versions, processor. Same key, same graph."""
    folder = Path(model_path)
    digest = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for name in ("config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json"):
        if (folder / name).is_file():
            digest.update((folder / name).read_bytes())
    for weights in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.safetensors")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(json.dumps([asdict(r) for r in RECIPES], sort_keys=True).encode())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    digest.update(cpu_features().encode())
    return digest.hexdigest()[:16]


def export_dir(model_path: str | Path) -> Path:
    """The cache folder of one model's export under the current key."""
    return cache_root() / "onnx" / f"{Path(model_path).name}-{export_key(model_path)}"


def read_check(folder: Path) -> ExportCheck | None:
    """The check of a finished export, None when the folder holds none."""
    try:
        return ExportCheck.from_json(json.loads((folder / CHECK_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def ensure_export(model_path: str | Path) -> tuple[Path, ExportCheck]:
    """The folder of a verified export of the model (made now when missing) and its check."""
    folder = export_dir(model_path)
    check = read_check(folder)
    if check is not None and (folder / GRAPH_FILE).is_file():
        return folder, check
    return export(str(model_path), folder)


def check_graph(graph_file: Path, tokenizer_file: Path, reference: np.ndarray, tokens: int) -> tuple[float, float]:
    """(min, mean) cosine of the graph's probe vectors to the reference, run as queries run it."""
    graph = OnnxGraph(graph_file, tokenizer_file, max_tokens=tokens)
    found = (graph.encode(list(PROBE_TEXTS)) * reference).sum(axis=1)
    return float(found.min()), float(found.mean())


def quantise(recipe: Recipe, source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # the quantiser logs every tensor to the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, **recipe.options)
    finally:
        logging.disable(logging.NOTSET)


def export_float(model_path: str, pooling: str, target: Path) -> None:
    """The transformer with pooling and normalisation inside, as one float ONNX graph."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if pooling == "cls":
                pooled = tokens[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    model = Pooled(AutoModel.from_pretrained(model_path)).eval()
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def _reference_vectors(model_path: str) -> np.ndarray:
    """The probe texts embedded by the float model itself (sentence-transformers)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    return np.asarray(
        model.encode(list(PROBE_TEXTS), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False),
        np.float32,
    )


def export(model_path: str, target: Path, recipes: tuple[Recipe, ...] = RECIPES) -> tuple[Path, ExportCheck]:
    """Export, check and quantise the model into `target`; see the module docstring.

    Written to a temporary folder and renamed, so a crash leaves no half export behind.
    Raises ModelLoadError when the model's pooling is not one the graph can hold, or when
    even the float graph differs from the model (then only QA_ENCODER=torch is right).
    """
    model_name = Path(model_path).name
    pooling = pooling_mode(model_path)
    if pooling not in SUPPORTED_POOLING:
        raise ModelLoadError(
            model_name,
            f"the ONNX path handles mean or CLS pooling, this model pools by {pooling}; use QA_ENCODER=torch",
        )
    if not (Path(model_path) / "tokenizer.json").is_file():
        raise ModelLoadError(model_name, "the ONNX path needs a local model folder with tokenizer.json")
    log.info("exporting %s to ONNX and checking it against the float model (once per machine and version)", model_name)
    tokens = max_tokens(model_path)
    reference = _reference_vectors(model_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tokenizer_file = staging / "tokenizer.json"
        shutil.copy2(Path(model_path) / "tokenizer.json", tokenizer_file)
        float_file = staging / "model.float.onnx"
        export_float(model_path, pooling, float_file)
        float_min, float_mean = check_graph(float_file, tokenizer_file, reference, tokens)
        if float_min < FLOAT_MIN_COSINE:
            raise ModelLoadError(
                model_name,
                f"the float ONNX export differs from the model (cosine {float_min:.4f}); use QA_ENCODER=torch",
            )
        tried: list[RecipeCheck] = []
        served = None
        for recipe in recipes:
            candidate = staging / f"{recipe.name}.onnx"
            quantise(recipe, float_file, candidate)
            low, mean = check_graph(candidate, tokenizer_file, reference, tokens)
            accepted = low >= MIN_COSINE
            tried.append(RecipeCheck(recipe.name, round(low, 5), round(mean, 5), accepted))
            log.info("recipe %s: cosine to the float model min %.4f, mean %.4f", recipe.name, low, mean)
            if accepted:
                served = (recipe.name, low, mean, candidate)
                break
            candidate.unlink()
        if served is None:
            log.warning(
                "no int8 recipe reached cosine %.2f to the float model on this machine (%s); "
                "serving the float ONNX graph instead (slower, exact)",
                MIN_COSINE,
                ", ".join(f"{t.recipe} {t.min_cosine:.3f}" for t in tried),
            )
            served = (FLOAT_RECIPE, float_min, float_mean, float_file)
        recipe_name, low, mean, graph = served
        os.replace(graph, staging / GRAPH_FILE)
        for leftover in staging.glob("*.onnx"):
            if leftover.name != GRAPH_FILE:
                leftover.unlink()
        check = ExportCheck(
            recipe=recipe_name,
            min_cosine=round(low, 5),
            mean_cosine=round(mean, 5),
            pooling=pooling,
            key=target.name,
            tried=tuple(tried),
            versions={**package_versions(), "cpu": cpu_features()},
        )
        (staging / CHECK_FILE).write_text(json.dumps(check.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        if read_check(target) is None:  # another process may have finished the same export meanwhile
            shutil.rmtree(target, ignore_errors=True)
            os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("exported %s to %s: %s, cosine min %.4f", model_name, target, check.recipe, check.min_cosine)
    return target, read_check(target) or check
