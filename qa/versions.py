"""What else decides an index's tokens and vectors: library versions and the model's weights.

    >>> index_dependencies("m3e-small")
    {'jieba': '0.42.1', 'bm25s': '0.2.14', 'langchain-text-splitters': '1.1.3', 'model_weights': '3f1c…'}

The manifest records these at build time; a build or `qa status` that finds other values
asks for a full rebuild, so an upgrade (say a jieba with another dictionary) never mixes
old and new tokens or vectors in one index.
"""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from qa.embedding import resolve_model_path
from qa.errors import QAError

# jieba cuts BM25 words, bm25s scores them, the splitter cuts passages
TOKEN_PACKAGES = ("jieba", "bm25s", "langchain-text-splitters")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=8)
def _weights_digest(files: tuple[tuple[str, int, int], ...]) -> str:
    """sha256 over the weight files (path, size, mtime_ns: the cache key), hashed once a process."""
    digest = hashlib.sha256()
    for path, _, _ in files:
        digest.update(Path(path).name.encode())
        with open(path, "rb") as weights:
            for block in iter(lambda: weights.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def model_weights_sha256(model: str) -> str | None:
    """A hash of a local model folder's weight files; None for a model that is not a local folder."""
    try:
        folder = Path(resolve_model_path(model))
    except QAError:
        return None
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
    if not files:
        return None
    return _weights_digest(tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))


def index_dependencies(model: str) -> dict[str, str | None]:
    """The versions and weight hash to record in an index built with `model`."""
    return {**{name: package_version(name) for name in TOKEN_PACKAGES}, "model_weights": model_weights_sha256(model)}


def dependency_changes(recorded: dict[str, str | None] | None, current: dict[str, str | None]) -> str | None:
    """'jieba 0.42.1 -> 0.43.0' for what differs; None when nothing does."""
    if recorded is None:
        return "the index does not record the versions it was built with"
    changes = [f"{key} {recorded.get(key)} -> {value}" for key, value in current.items() if recorded.get(key) != value]
    return ", ".join(changes) or None
