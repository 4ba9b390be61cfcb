"""The index folder on disk: its files, its manifest, and loading it checked.

The folder is plain files a person can inspect:

    faiss.index       the search structure, row i = passage_id i
    vectors.npy       the same vectors, float32, shape (passages, dimension), row i = passage_id i
    bm25/             the keyword index (bm25s files), document i = passage_id i
    passages.jsonl    one StoredPassage a line, UTF-8 (ensure_ascii=False)
    manifest.json     format version, model, dimension, settings, document hashes, skipped files,
                      counts, time, the sha256 of every file above

    >>> index = load_index(Path("index"))          # checks checksums and counts first
    >>> index.manifest.counts.passages == len(index.passages) == index.vectors.ntotal
    True
    >>> read_manifest(Path("index")).encoder
    'onnx-int8'

`Manifest` is read (`Manifest.from_json`) and written (`Manifest.to_json`) only here; the
Milvus store keeps the same JSON. `qa.index` plans and builds an index; this module only
reads and writes one.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.integrity import file_digests, integrity_problem
from qa.models import TORCH
from qa.passage import StoredPassage
from qa.sparse import SparseIndex
from qa.swap import write_atomically

FORMAT = "qa-index"
FORMAT_VERSION = 4  # 3: manifest keeps the sha256 of every file; 4: the encoder's fingerprint
FAISS_FILE = "faiss.index"
VECTORS_FILE = "vectors.npy"
PASSAGES_FILE = "passages.jsonl"
SPARSE_DIR = "bm25"
MANIFEST_FILE = "manifest.json"
KEPT_FILES = ("README.md",)  # committed files inside the index folder, carried over on a swap
LOAD_ATTEMPTS = 3  # a load that overlaps a swap is tried again


@dataclass(frozen=True)
class Counts:
    documents: int = 0
    articles: int = 0
    passages: int = 0


@dataclass(frozen=True)
class Manifest:
    """What one build indexed and how: the contents of manifest.json (and of a Milvus store's meta rows)."""

    model: str
    dimension: int
    encoder: str = TORCH  # one of qa.embedding.ENCODER_KINDS
    encoder_fingerprint: str | None = None  # qa.embedding.fingerprint_of the encoder that embedded the passages
    encoder_check: dict[str, Any] | None = None  # the ONNX export's check against the float model
    index_type: str | None = None  # set by the store when it publishes
    settings: dict[str, Any] = field(default_factory=dict)  # qa.index.IndexSettings.to_dict()
    pipeline: str | None = None  # qa.index.pipeline_fingerprint() of the text pipeline
    keywords: str | None = None  # the same of the keyword code
    dependencies: dict[str, Any] | None = None  # qa.versions.index_dependencies
    built_at: str = ""
    counts: Counts = Counts()
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> sha256, articles, passages
    skipped: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> sha256, reason
    store: dict[str, Any] | None = None  # a Milvus store's collection, generation and analyzer
    files: dict[str, str] | None = None  # an index folder's file -> sha256 (qa.integrity)
    format_version: int = FORMAT_VERSION

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        counts = data.get("counts") or {}
        return cls(
            model=data.get("model", ""),
            dimension=data.get("dimension"),  # type: ignore[arg-type]  # checked against the files on load
            encoder=data.get("encoder", TORCH),
            encoder_fingerprint=data.get("encoder_fingerprint"),
            encoder_check=data.get("encoder_check"),
            index_type=data.get("index_type"),
            settings=data.get("settings", {}),
            pipeline=data.get("pipeline"),
            keywords=data.get("keywords"),
            dependencies=data.get("dependencies"),
            built_at=data.get("built_at", ""),
            counts=Counts(**{key: counts[key] for key in ("documents", "articles", "passages") if key in counts}),
            documents=data.get("documents", {}),
            skipped=data.get("skipped", {}),
            store=data.get("store"),
            files=data.get("files"),
            format_version=data.get("format_version"),  # type: ignore[arg-type]  # read_manifest checks it
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object, keys in the order every version of this format has written them."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "model": self.model,
            "encoder": self.encoder,
            "encoder_fingerprint": self.encoder_fingerprint,
            "encoder_check": self.encoder_check,
            "dimension": self.dimension,
            "index_type": self.index_type,
            "settings": self.settings,
            "pipeline": self.pipeline,
            "keywords": self.keywords,
            "dependencies": self.dependencies,
            "built_at": self.built_at,
            "counts": {
                "documents": self.counts.documents,
                "articles": self.counts.articles,
                "passages": self.counts.passages,
            },
            "documents": self.documents,
            "skipped": self.skipped,
        }
        if self.store is not None:
            data["store"] = self.store
        if self.files is not None:
            data["files"] = self.files
        return data


@dataclass
class LoadedIndex:
    index_dir: Path
    manifest: Manifest
    vectors: faiss.Index
    sparse: SparseIndex
    passages: list[StoredPassage] = field(default_factory=list)


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of an index folder. Raises IndexNotFoundError or IndexMismatchError."""
    manifest_path = Path(index_dir) / MANIFEST_FILE
    if not manifest_path.is_file():
        raise IndexNotFoundError(index_dir)
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexMismatchError(index_dir, f"{MANIFEST_FILE} is unreadable ({error})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise IndexMismatchError(index_dir, f"{MANIFEST_FILE} is not a {FORMAT} manifest")
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            index_dir,
            f"it has format version {data.get('format_version')}, this program reads version {FORMAT_VERSION}",
        )
    return Manifest.from_json(data)


def readable_manifest(index_dir: Path) -> Manifest | None:
    """The manifest of an index folder, None when there is none or it cannot be read."""
    try:
        return read_manifest(index_dir)
    except (IndexNotFoundError, IndexMismatchError):
        return None


def manifest_stamp(index_dir: Path) -> tuple[int, int] | None:
    """What changes when a build swaps a new index in (inode and time of the manifest); None without one."""
    try:
        stat = (Path(index_dir) / MANIFEST_FILE).stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def read_passages(index_dir: Path) -> list[StoredPassage]:
    with open(index_dir / PASSAGES_FILE, encoding="utf-8") as lines:
        return [StoredPassage(**json.loads(line)) for line in lines if line.strip()]


def load_index(index_dir: Path, *, expected_model: str | None = None) -> LoadedIndex:
    """Load and check an index. Raises IndexNotFoundError or IndexMismatchError.

    A load that overlaps a rebuild's swap (the manifest changed meanwhile) is done again,
    so the files loaded always belong to one build.
    """
    index_dir = Path(index_dir)
    for _ in range(LOAD_ATTEMPTS - 1):
        stamp = manifest_stamp(index_dir)
        try:
            loaded = _load_once(index_dir, expected_model)
        except IndexMismatchError:
            if manifest_stamp(index_dir) == stamp:
                raise
            continue
        if manifest_stamp(index_dir) == stamp:
            return loaded
    return _load_once(index_dir, expected_model)


def _load_once(index_dir: Path, expected_model: str | None) -> LoadedIndex:
    manifest = read_manifest(index_dir)
    if expected_model is not None and manifest.model != expected_model:
        raise IndexMismatchError(index_dir, f"it was built with model {manifest.model!r}, not {expected_model!r}")
    # FAISS reads a damaged file without complaint: check every file it and we read first.
    served = {name: digest for name, digest in (manifest.files or {}).items() if name != VECTORS_FILE}
    problem = integrity_problem(index_dir, served)
    if problem is not None:
        raise IndexMismatchError(index_dir, problem)
    try:
        vectors = faiss.read_index(str(index_dir / FAISS_FILE))
        sparse = SparseIndex.load(index_dir / SPARSE_DIR)
        passages = read_passages(index_dir)
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as error:
        raise IndexMismatchError(index_dir, f"its files are missing or damaged ({error})") from error
    expected = manifest.counts.passages
    if vectors.ntotal != len(passages) or expected != len(passages):
        raise IndexMismatchError(
            index_dir,
            f"the manifest lists {expected} passages, {PASSAGES_FILE} has {len(passages)} "
            f"and {FAISS_FILE} has {vectors.ntotal}",
        )
    if vectors.d != manifest.dimension:
        raise IndexMismatchError(
            index_dir, f"{FAISS_FILE} has dimension {vectors.d}, the manifest says {manifest.dimension}"
        )
    return LoadedIndex(index_dir, manifest, vectors, sparse, passages)


def write_index(
    index_dir: Path,
    faiss_index: faiss.Index,
    sparse: SparseIndex,
    passages: list[StoredPassage],
    manifest: Manifest,
    *,
    vectors: np.ndarray | None = None,
) -> Manifest:
    """Write an index folder and swap it in atomically (`qa.swap`); returns the manifest as written."""
    written = manifest

    def write(staging: Path) -> None:
        nonlocal written
        faiss.write_index(faiss_index, str(staging / FAISS_FILE))
        if vectors is not None:
            np.save(staging / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        sparse.save(staging / SPARSE_DIR)
        with open(staging / PASSAGES_FILE, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(passage.to_json(), ensure_ascii=False) + "\n" for passage in passages)
        for kept in KEPT_FILES:
            if (index_dir / kept).is_file():
                shutil.copy2(index_dir / kept, staging / kept)
        # The manifest goes last: a folder without one is never taken for an index.
        written = replace(manifest, files=file_digests(staging, skip=KEPT_FILES))
        text = json.dumps(written.to_json(), ensure_ascii=False, indent=2)
        (staging / MANIFEST_FILE).write_text(text, encoding="utf-8")

    write_atomically(index_dir.resolve(), write)
    return written
