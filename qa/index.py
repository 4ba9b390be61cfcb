"""Build, save and load the index: a FAISS inner-product index plus passages and a manifest.

The index folder is plain files a person can inspect:

    faiss.index       vectors, row i = passage_id i
    bm25/             the keyword index (bm25s files), document i = passage_id i
    passages.jsonl    one StoredPassage a line, UTF-8 (ensure_ascii=False)
    manifest.json     format version, model, dimension, settings, document hashes, counts, time

A build is written to a temporary folder beside the index and swapped in by rename, so
a crash never leaves a half-written index. This module does not answer questions.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss

from qa.chunking import ChunkSettings, chunk_article
from qa.documents import Document, read_documents
from qa.embedding import Encoder, kind_of, load_encoder
from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.layout import split_articles
from qa.passage import StoredPassage
from qa.sparse import SparseIndex
from qa.vector_index import make_vector_index

log = logging.getLogger(__name__)

FORMAT = "qa-index"
FORMAT_VERSION = 2
FAISS_FILE = "faiss.index"
PASSAGES_FILE = "passages.jsonl"
SPARSE_DIR = "bm25"
MANIFEST_FILE = "manifest.json"
KEPT_FILES = ("README.md",)  # committed files inside the index folder, carried over on a swap


@dataclass(frozen=True)
class IndexSettings:
    chunks: ChunkSettings = field(default_factory=ChunkSettings)
    embed_titles: bool = True  # embed each passage with its article title and section

    def to_dict(self) -> dict[str, Any]:
        return {**self.chunks.to_dict(), "embed_titles": self.embed_titles}


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    model: str
    documents: int
    articles: int
    passages: int
    seconds: float
    skipped: int = 0  # documents without any text

    def summary(self) -> str:
        return (
            f"indexed {self.documents} documents, {self.articles} articles, "
            f"{self.passages} passages in {self.seconds:.1f} s with {self.model} -> {self.index_dir}"
        )


@dataclass
class LoadedIndex:
    index_dir: Path
    manifest: dict[str, Any]
    vectors: faiss.Index
    sparse: SparseIndex
    passages: list[StoredPassage] = field(default_factory=list)


def passages_of(document: Document, settings: IndexSettings, first_id: int) -> tuple[int, list[StoredPassage]]:
    """(number of articles, passages) of one document, ids counting from `first_id`."""
    articles = split_articles(document.text, default_title=Path(document.source).stem)
    passages = []
    for article in articles:
        for chunk in chunk_article(article, settings.chunks):
            passages.append(
                StoredPassage(first_id + len(passages), document.source, chunk.title, chunk.section, chunk.text)
            )
    return len(articles), passages


def build_index(
    documents_dir: Path,
    index_dir: Path,
    *,
    encoder: Encoder | None = None,
    model: str | None = None,
    encoder_kind: str | None = None,
    settings: IndexSettings = IndexSettings(),
    show_progress: bool = False,
) -> BuildReport:
    """Read, repair, chunk and embed every document, then swap the new index in."""
    started = time.perf_counter()
    documents = read_documents(documents_dir)
    encoder = encoder or load_encoder(model, encoder_kind)
    passages: list[StoredPassage] = []
    document_entries: dict[str, dict[str, Any]] = {}
    article_count = 0
    for document in documents:
        articles, document_passages = passages_of(document, settings, len(passages))
        passages.extend(document_passages)
        article_count += articles
        document_entries[document.source] = {
            "sha256": document.sha256,
            "articles": articles,
            "passages": len(document_passages),
        }
    log.info("embedding %d passages from %d documents", len(passages), len(documents))
    texts = [p.indexed_text(settings.embed_titles) for p in passages]
    vectors = encoder.encode(texts, show_progress=show_progress)
    faiss_index, index_type = make_vector_index(vectors, encoder.dimension)
    sparse = SparseIndex.build(texts)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": encoder.name,
        "encoder": kind_of(encoder),
        "dimension": encoder.dimension,
        "index_type": index_type,
        "settings": settings.to_dict(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {
            "documents": len(documents),
            "articles": article_count,
            "passages": len(passages),
        },
        "documents": document_entries,
    }
    _write_atomically(index_dir, faiss_index, sparse, passages, manifest)
    return BuildReport(
        index_dir=index_dir,
        model=encoder.name,
        documents=len(documents),
        articles=article_count,
        passages=len(passages),
        seconds=time.perf_counter() - started,
        skipped=sum(1 for d in documents if not d.text.strip()),
    )


def _write_atomically(
    index_dir: Path,
    faiss_index: faiss.Index,
    sparse: SparseIndex,
    passages: list[StoredPassage],
    manifest: dict[str, Any],
) -> None:
    index_dir = index_dir.resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
        faiss.write_index(faiss_index, str(staging / FAISS_FILE))
        sparse.save(staging / SPARSE_DIR)
        with open(staging / PASSAGES_FILE, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(passage.to_json(), ensure_ascii=False) + "\n" for passage in passages)
        for kept in KEPT_FILES:
            if (index_dir / kept).is_file():
                shutil.copy2(index_dir / kept, staging / kept)
        # The manifest goes last: a folder without one is never taken for an index.
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for path in staging.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        retired = index_dir.parent / f".{index_dir.name}.retired-{os.getpid()}-{time.time_ns()}"
        if index_dir.exists():
            os.rename(index_dir, retired)
        os.rename(staging, index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(index_dir: Path) -> dict[str, Any]:
    manifest_path = index_dir / MANIFEST_FILE
    if not manifest_path.is_file():
        raise IndexNotFoundError(index_dir)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexMismatchError(index_dir, f"{MANIFEST_FILE} is unreadable ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexMismatchError(index_dir, f"{MANIFEST_FILE} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            index_dir,
            f"it has format version {manifest.get('format_version')}, this program reads version {FORMAT_VERSION}",
        )
    return manifest


def load_index(index_dir: Path, *, expected_model: str | None = None) -> LoadedIndex:
    """Load and check an index. Raises IndexNotFoundError or IndexMismatchError."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if expected_model is not None and manifest.get("model") != expected_model:
        raise IndexMismatchError(
            index_dir, f"it was built with model {manifest.get('model')!r}, not {expected_model!r}"
        )
    try:
        vectors = faiss.read_index(str(index_dir / FAISS_FILE))
        sparse = SparseIndex.load(index_dir / SPARSE_DIR)
        with open(index_dir / PASSAGES_FILE, encoding="utf-8") as lines:
            passages = [StoredPassage(**json.loads(line)) for line in lines if line.strip()]
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as error:
        raise IndexMismatchError(index_dir, f"its files are missing or damaged ({error})") from error
    expected = manifest.get("counts", {}).get("passages")
    if vectors.ntotal != len(passages) or expected != len(passages):
        raise IndexMismatchError(
            index_dir,
            f"the manifest lists {expected} passages, {PASSAGES_FILE} has {len(passages)} "
            f"and {FAISS_FILE} has {vectors.ntotal}",
        )
    if vectors.d != manifest.get("dimension"):
        raise IndexMismatchError(
            index_dir, f"{FAISS_FILE} has dimension {vectors.d}, the manifest says {manifest.get('dimension')}"
        )
    return LoadedIndex(index_dir, manifest, vectors, sparse, passages)


def stale_reason(
    documents_dir: Path, index_dir: Path, *, model: str, settings: IndexSettings = IndexSettings()
) -> str | None:
    """Why the index no longer matches the documents, model or settings; None when current."""
    try:
        manifest = read_manifest(index_dir)
    except (IndexNotFoundError, IndexMismatchError) as error:
        return str(error)
    if manifest.get("model") != model:
        return f"the index was built with model {manifest.get('model')!r}, {model!r} is configured"
    if manifest.get("settings") != settings.to_dict():
        return "the index was built with other settings"
    current = {d.source: d.sha256 for d in read_documents(documents_dir)}
    indexed = {source: entry.get("sha256") for source, entry in manifest.get("documents", {}).items()}
    if current != indexed:
        changed = sorted(set(current.items()) ^ set(indexed.items()))
        return f"documents changed: {', '.join(sorted({source for source, _ in changed}))}"
    return None
