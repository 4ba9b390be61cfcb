"""Build, update, save and load the index: FAISS vectors plus passages and a manifest.

The index folder is plain files a person can inspect:

    faiss.index       the search structure, row i = passage_id i
    vectors.npy       the same vectors, float32, shape (passages, dimension), row i = passage_id i
    bm25/             the keyword index (bm25s files), document i = passage_id i
    passages.jsonl    one StoredPassage a line, UTF-8 (ensure_ascii=False)
    manifest.json     format version, model, dimension, settings, document hashes, skipped files,
                      counts, time

A build is incremental: documents whose sha256 matches the manifest keep their passages
and vectors (from vectors.npy); only added and changed documents are embedded. It is
written to a temporary folder beside the index and swapped in atomically, under a lock
(`qa.lock`), so a crash never leaves a half-written index and a reader never sees one.
This module does not answer questions.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.chunking import ChunkSettings, chunk_article
from qa.documents import Document, SkippedFile, read_document, scan_documents
from qa.embedding import (
    TORCH,
    Encoder,
    configured_model,
    default_kind,
    fingerprint_of,
    kind_of,
    known_fingerprint,
    load_encoder,
)
from qa.errors import DocumentReadError, IndexMismatchError, IndexNotFoundError, NoDocumentsError
from qa.integrity import file_digests, integrity_problem
from qa.layout import split_articles
from qa.lock import index_lock
from qa.passage import StoredPassage
from qa.sparse import SparseIndex
from qa.store import StoreLocation, StoreWriter, parse_location
from qa.vector_index import make_vector_index
from qa.versions import dependency_changes, index_dependencies

log = logging.getLogger(__name__)

FORMAT = "qa-index"
FORMAT_VERSION = 4  # 3: manifest keeps the sha256 of every file; 4: the encoder's fingerprint
FAISS_FILE = "faiss.index"
VECTORS_FILE = "vectors.npy"
PASSAGES_FILE = "passages.jsonl"
SPARSE_DIR = "bm25"
MANIFEST_FILE = "manifest.json"
KEPT_FILES = ("README.md",)  # committed files inside the index folder, carried over on a swap
# The code that turns a file into passages: when it changes, old passages may differ from new ones.
PIPELINE_MODULES = ("documents", "readers", "layout", "chunking", "passage")
# The code that turns a passage into keywords: when it changes, the keyword index is rebuilt and
# the vectors are kept (every build indexes the keywords of all passages anew).
KEYWORD_MODULES = ("sparse", "question")
LOAD_ATTEMPTS = 3  # a load that overlaps a swap is tried again


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
    documents: int  # documents in the index after the build
    articles: int
    passages: int
    seconds: float
    skipped: int = 0  # files skipped: empty, binary, undecodable, unreadable, links outside the folder
    encoder: str = TORCH  # the embedding path: one of qa.embedding.ENCODER_KINDS
    changed_during_build: tuple[str, ...] = ()  # documents edited, added or deleted while the build ran
    added: int = 0  # documents
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0  # passages embedded by this build
    full_reason: str | None = None  # why every document was embedded again; None for an incremental build
    skipped_files: tuple[SkippedFile, ...] = ()
    store: str = ""  # the Milvus store built, "" for the index folder

    @property
    def up_to_date(self) -> bool:
        """True when the build found nothing to do."""
        return self.full_reason is None and not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        lines = [f"full rebuild: {self.full_reason}"] if self.full_reason else []
        if self.up_to_date:
            lines.append(
                f"index {self.store or self.index_dir} is up to date: {self.documents} documents, {self.passages} passages, "
                f"nothing embedded ({self.seconds:.1f} s)"
            )
        else:
            lines.append(
                f"indexed {self.documents} documents, {self.articles} articles, "
                f"{self.passages} passages in {self.seconds:.1f} s with {self.model} -> {self.store or self.index_dir}"
            )
            lines.append(
                f"documents: {self.added} added, {self.changed} changed, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.embedded} passages embedded"
            )
        if self.skipped:
            lines.append(f"skipped {self.skipped} files (see the warnings)")
        if self.changed_during_build:
            lines.append(
                f"changed while the build read them: {', '.join(self.changed_during_build)}; "
                "run `qa build` again to index their new content"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class IndexStatus:
    """How the documents folder differs from the index, as `qa status` shows it."""

    index_dir: Path
    manifest: dict[str, Any] | None  # None when there is no readable index
    problem: str | None  # why the whole index must be rebuilt, None when it can be updated
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[SkippedFile]
    keywords_stale: bool = False  # the keyword code changed since the build: a build re-indexes keywords
    # the fingerprint of this machine's encoder for the index's model and kind; None when the
    # ONNX path has not been exported here yet (the next build or question exports and checks it)
    encoder_fingerprint: str | None = None

    @property
    def up_to_date(self) -> bool:
        return self.problem is None and not (self.added or self.changed or self.removed or self.keywords_stale)


@dataclass
class LoadedIndex:
    index_dir: Path
    manifest: dict[str, Any]
    vectors: faiss.Index
    sparse: SparseIndex
    passages: list[StoredPassage] = field(default_factory=list)


@dataclass(frozen=True)
class _Plan:
    """What a build does with each file of the documents folder."""

    added: list[str]
    changed: list[str]
    removed: list[str]  # sources in the index that are gone or can no longer be read
    unchanged: list[str]  # same bytes as indexed
    fresh: list[Document]  # documents read, to embed: added and changed ones (all of them in a full build)
    skipped: list[SkippedFile]


def pipeline_fingerprint(modules: tuple[str, ...] = PIPELINE_MODULES) -> str:
    """A hash of the code that turns files into passages; passages of another version are not reused."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def keywords_stale(manifest: dict[str, Any]) -> bool:
    return manifest.get("keywords") != pipeline_fingerprint(KEYWORD_MODULES)


NO_BODY_TEXT = "only headings, no body text to index"


def has_body_text(document: Document) -> bool:
    """Whether the layout finds text below a heading (a file of headings alone yields no passage)."""
    parts = document.pages or (document.text,)
    return any(article.blocks for text in parts for article in split_articles(text))


def passages_of(document: Document, settings: IndexSettings, first_id: int) -> tuple[int, list[StoredPassage]]:
    """(number of articles, passages) of one document, ids counting from `first_id`.

    A PDF is split page by page, so that each passage cites its page; an article that
    runs onto the next page keeps its title there.
    """
    title = Path(document.source).stem
    parts: list[tuple[int | None, str]] = (
        list(enumerate(document.pages, 1)) if document.pages else [(None, document.text)]
    )
    article_count = 0
    passages: list[StoredPassage] = []
    for page, text in parts:
        for article in split_articles(text, default_title=title):
            if not article.blocks:
                log.info("%s: heading without text below it, not indexed: %s", document.source, article.title)
                continue
            article_count += 1
            for chunk in chunk_article(article, settings.chunks):
                passage_id = first_id + len(passages)
                passages.append(
                    StoredPassage(passage_id, document.source, chunk.title, chunk.section, chunk.text, page)
                )
            title = article.title
    return article_count, passages


def _plan(documents_dir: Path, manifest: dict[str, Any] | None, *, reuse: bool = True) -> _Plan:
    """Compare the folder with the manifest of the index (None when there is none).

    With `reuse`, only files whose hash differs from the manifest are read; without it
    (a full build) every file is read again.
    """
    scan = scan_documents(documents_dir)
    indexed = (manifest or {}).get("documents", {})
    known_skipped = (manifest or {}).get("skipped", {}) if reuse else {}
    unchanged, fresh, skipped = [], [], list(scan.skipped)
    for found in scan.files:
        same = indexed.get(found.source, {}).get("sha256") == found.sha256
        if same and reuse:
            unchanged.append(found.source)
        elif known_skipped.get(found.source, {}).get("sha256") == found.sha256:
            skipped.append(SkippedFile(found.source, known_skipped[found.source]["reason"], found.sha256))
        else:
            try:
                document = read_document(found.path, documents_dir)
            except DocumentReadError as error:
                skipped.append(SkippedFile(found.source, error.reason, error.sha256))
                continue
            if not has_body_text(document):
                skipped.append(SkippedFile(found.source, NO_BODY_TEXT, document.sha256))
                continue
            fresh.append(document)
            if indexed.get(found.source, {}).get("sha256") == document.sha256:
                unchanged.append(found.source)
    kept = set(unchanged) | {document.source for document in fresh}
    return _Plan(
        added=[d.source for d in fresh if d.source not in indexed],
        changed=[d.source for d in fresh if d.source in indexed and d.source not in unchanged],
        removed=sorted(source for source in indexed if source not in kept),
        unchanged=unchanged,
        fresh=fresh,
        skipped=sorted(skipped, key=lambda item: item.source),
    )


@dataclass(frozen=True)
class _Previous:
    manifest: dict[str, Any]
    passages: dict[str, list[StoredPassage]]  # source -> its passages, in order
    vectors: np.ndarray  # (passages, dimension), row = passage_id


def _manifest_problem(
    manifest: dict[str, Any], model: str, kind: str, settings: IndexSettings, fingerprint: str | None = None
) -> str | None:
    """Why an index cannot be updated in place for this model, embedding path and these settings.

    `fingerprint` is the current encoder's (None: not known yet, not compared).
    """
    if manifest.get("model") != model:
        return f"the model changed ({manifest.get('model')!r} -> {model!r})"
    if manifest.get("encoder", TORCH) != kind:
        return f"the embedding path changed ({manifest.get('encoder', TORCH)} -> {kind})"
    if fingerprint is not None and manifest.get("encoder_fingerprint") != fingerprint:
        return encoder_changed(manifest.get("encoder_fingerprint"), fingerprint)
    old, new = manifest.get("settings", {}), settings.to_dict()
    if old != new:
        changes = ", ".join(f"{key} {old.get(key)} -> {new.get(key)}" for key in new if old.get(key) != new.get(key))
        return f"the chunking settings changed ({changes or 'unknown keys'})"
    if manifest.get("pipeline") != pipeline_fingerprint():
        return (
            "the code that reads and cuts documents changed (qa/documents, readers, layout, chunking, passage)"
        )
    changes = dependency_changes(manifest.get("dependencies"), index_dependencies(model))
    if changes is not None:
        return f"what makes tokens or vectors changed ({changes})"
    return None


def encoder_changed(built_with: str | None, now: str) -> str:
    return (
        f"this machine's encoder differs from the one the index was built with ({built_with} -> {now}), "
        "so questions and passages would be embedded differently"
    )


def _read_passages(index_dir: Path) -> list[StoredPassage]:
    with open(index_dir / PASSAGES_FILE, encoding="utf-8") as lines:
        return [StoredPassage(**json.loads(line)) for line in lines if line.strip()]


def _previous_index(
    index_dir: Path, model: str, kind: str, settings: IndexSettings, fingerprint: str | None
) -> tuple[_Previous | None, str | None]:
    """(the index to build on, None) or (None, why everything is embedded again)."""
    if not (index_dir / MANIFEST_FILE).is_file():
        return None, f"no index at {index_dir} yet"
    try:
        manifest = read_manifest(index_dir)
    except IndexMismatchError as error:
        return None, f"the previous index cannot be used ({error.problem})"
    problem = _manifest_problem(manifest, model, kind, settings, fingerprint)
    if problem is not None:
        return None, problem
    problem = integrity_problem(index_dir, manifest.get("files", {}))
    if problem is not None:
        return None, f"the previous index cannot be reused: {problem}"
    try:
        passages = _read_passages(index_dir)
        vectors = np.load(index_dir / VECTORS_FILE, allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError):
        return None, f"the previous index has no readable {VECTORS_FILE} (built by an older version)"
    if vectors.shape != (len(passages), manifest.get("dimension")) or vectors.dtype != np.float32:
        return None, f"the previous index's {VECTORS_FILE} does not match its passages"
    by_source: dict[str, list[StoredPassage]] = {}
    for passage in passages:
        by_source.setdefault(passage.source, []).append(passage)
    return _Previous(manifest, by_source, vectors), None


def build_index(
    documents_dir: Path,
    index_dir: Path,
    *,
    encoder: Encoder | None = None,
    model: str | None = None,
    encoder_kind: str | None = None,
    settings: IndexSettings = IndexSettings(),
    show_progress: bool = False,
    full: bool = False,
    lock_wait: float | None = None,
    store: str | StoreLocation | None = None,
) -> BuildReport:
    """Bring the index in step with the documents, embedding only added and changed ones.

    `store` names where the index lives (`qa.store.parse_location`): by default the folder
    `index_dir`; a Milvus server or Milvus Lite file holds the passages and the manifest
    instead, and `index_dir` only names the lock that keeps a second builder out.

    Everything is embedded again when `full` is set, when there is no usable previous
    index, or when the model, the settings or the text pipeline changed; the report's
    `full_reason` says why. The model is loaded only when there is something to embed.
    Raises NoDocumentsError, or IndexLockedError when another build holds the index
    for longer than `lock_wait` seconds (default `qa.lock.LOCK_WAIT`).
    """
    started = time.perf_counter()
    documents_dir, index_dir = Path(documents_dir), Path(index_dir)
    target = _target(store)
    model_name = encoder.name if encoder is not None else (model or configured_model())
    kind = kind_of(encoder) if encoder is not None else (encoder_kind or default_kind())
    with index_lock(_lock_dir(target, index_dir), wait=lock_wait):
        if target is None:
            _clean_leftovers(index_dir)
        if full:
            previous, full_reason = None, "asked for (--full)"
        else:
            fingerprint = fingerprint_of(encoder) if encoder is not None else known_fingerprint(model_name, kind)
            indexed = (
                (index_dir / MANIFEST_FILE).is_file() if target is None else bool(_store_manifest(target, index_dir))
            )
            if fingerprint is None and indexed:
                # The ONNX path is not exported on this machine yet: export it now, to know
                # whether the vectors already in the index are the ones it makes.
                encoder = load_encoder(model_name, kind)
                fingerprint = fingerprint_of(encoder)
            if target is None:
                previous, full_reason = _previous_index(index_dir, model_name, kind, settings, fingerprint)
            else:
                previous, full_reason = _previous_in_store(target, model_name, kind, settings, fingerprint)
        plan = _plan(
            documents_dir, previous.manifest if previous else _store_manifest(target, index_dir), reuse=bool(previous)
        )
        for item in plan.skipped:
            log.warning("skipped %s: %s", item.source, item.reason)
        if not plan.unchanged and not plan.fresh:
            raise NoDocumentsError(documents_dir)
        skipped_entries = {s.source: {"sha256": s.sha256, "reason": s.reason} for s in plan.skipped if s.sha256}
        report = BuildReport(
            index_dir=index_dir,
            model=model_name,
            encoder=kind,
            documents=len(set(plan.unchanged) | {d.source for d in plan.fresh}),
            articles=0,
            passages=0,
            seconds=0.0,
            skipped=len(plan.skipped),
            added=len(plan.added),
            changed=len(plan.changed),
            removed=len(plan.removed),
            unchanged=len(plan.unchanged),
            full_reason=full_reason,
            skipped_files=tuple(plan.skipped),
            store=str(target) if target is not None else "",
        )
        if (
            previous is not None
            and report.up_to_date
            and skipped_entries == previous.manifest.get("skipped", {})
            and not keywords_stale(previous.manifest)
        ):
            counts = previous.manifest["counts"]
            return replace(
                report,
                articles=counts["articles"],
                passages=counts["passages"],
                seconds=time.perf_counter() - started,
            )
        report = _build(plan, previous, report, skipped_entries, encoder, settings, show_progress, started, target)
        unhashed = {item.source for item in plan.skipped if not item.sha256}  # e.g. empty or unreadable
        published = _store_manifest(target, index_dir) or {}
        moved = changed_during_build(documents_dir, published, ignore=unhashed)
        if moved:
            log.warning("documents changed while the build read them, run `qa build` again: %s", ", ".join(moved))
        return replace(report, changed_during_build=moved)


def _target(store: str | StoreLocation | None) -> StoreLocation | None:
    """The Milvus store named, or None for the local folder."""
    if store is None:
        return None
    location = store if isinstance(store, StoreLocation) else parse_location(store)
    return None if location.is_local else location


def _lock_dir(target: StoreLocation | None, index_dir: Path) -> Path:
    """What the build lock is named after: the index folder, or a Milvus Lite file's path."""
    if target is not None and target.uri.endswith(".db"):
        return Path(target.uri + ".build")  # milvus-lite holds its own `.<name>.db.lock`
    return index_dir


def _store_manifest(target: StoreLocation | None, index_dir: Path) -> dict[str, Any] | None:
    if target is None:
        return _readable_manifest(index_dir)
    from qa.milvus_store import published_manifest

    return published_manifest(target)


def _previous_in_store(
    target: StoreLocation, model: str, kind: str, settings: IndexSettings, fingerprint: str | None
) -> tuple[_Previous | None, str | None]:
    """(the published build of a Milvus store to build on, None) or (None, why everything is embedded again)."""
    manifest = _store_manifest(target, Path())
    if manifest is None:
        return None, f"no index in {target} yet"
    if manifest.get("format_version") != FORMAT_VERSION:
        return None, f"the index in {target} has format version {manifest.get('format_version')}"
    problem = _manifest_problem(manifest, model, kind, settings, fingerprint)
    if problem is not None:
        return None, problem
    return _Previous(manifest, {}, np.zeros((0, int(manifest["dimension"])), dtype=np.float32)), None


def changed_during_build(documents_dir: Path, manifest: dict[str, Any], ignore: set[str]) -> tuple[str, ...]:
    """Documents whose bytes now differ from what the build read (edited, added or deleted meanwhile).

    The index stays consistent (each document's passages match the sha256 in the manifest);
    these differ, so the next build picks them up.
    """
    scan = scan_documents(documents_dir)
    now = {found.source: found.sha256 for found in scan.files}
    now |= {item.source: item.sha256 for item in scan.skipped if item.sha256}
    read = {source: entry["sha256"] for source, entry in manifest.get("documents", {}).items()}
    read |= {source: entry["sha256"] for source, entry in manifest.get("skipped", {}).items()}
    differ = (now.keys() | read.keys()) - ignore
    return tuple(sorted(source for source in differ if now.get(source) != read.get(source)))


def _build(
    plan: _Plan,
    previous: _Previous | None,
    report: BuildReport,
    skipped_entries: dict[str, dict[str, Any]],
    encoder: Encoder | None,
    settings: IndexSettings,
    show_progress: bool,
    started: float,
    target: StoreLocation | None = None,
) -> BuildReport:
    fresh = {document.source: document for document in plan.fresh}
    entries: dict[str, dict[str, Any]] = {}
    new_passages: dict[str, list[StoredPassage]] = {}
    for source in sorted(set(plan.unchanged) | set(fresh)):
        if source in fresh:
            articles, document_passages = passages_of(fresh[source], settings, 0)
            entries[source] = {"sha256": fresh[source].sha256, "articles": articles, "passages": len(document_passages)}
            new_passages[source] = document_passages
        else:
            assert previous is not None  # documents are kept unchanged only from a previous index
            entries[source] = previous.manifest["documents"][source]
    texts = [p.indexed_text(settings.embed_titles) for passages in new_passages.values() for p in passages]
    if texts or previous is None:
        encoder = encoder or load_encoder(report.model, report.encoder)
    dimension = encoder.dimension if encoder is not None else int(previous.manifest["dimension"])
    log.info("embedding %d of %d passages", len(texts), sum(entry["passages"] for entry in entries.values()))
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    if texts:
        vectors[:] = encoder.encode(texts, show_progress=show_progress)
    writer = _writer(target, report.index_dir, previous, dimension, settings)
    indexed = previous.manifest["documents"] if previous is not None else {}
    for source in plan.removed:
        if source in indexed:
            writer.delete_document(source)
    row = 0
    for source, document_passages in new_passages.items():
        stage = writer.replace_document if source in indexed else writer.add_document
        stage(source, document_passages, vectors[row : row + len(document_passages)], entries[source]["sha256"])
        row += len(document_passages)
    article_count = sum(entry["articles"] for entry in entries.values())
    passage_count = sum(entry["passages"] for entry in entries.values())
    earlier = previous.manifest if previous is not None else {}  # when nothing was embedded, the encoder is as before
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": encoder.name if encoder is not None else report.model,
        "encoder": kind_of(encoder) if encoder is not None else report.encoder,
        "encoder_fingerprint": fingerprint_of(encoder) if encoder is not None else earlier["encoder_fingerprint"],
        "encoder_check": encoder_check(encoder) if encoder is not None else earlier.get("encoder_check"),
        "dimension": dimension,
        "index_type": None,  # set by the store when it publishes
        "settings": settings.to_dict(),
        "pipeline": pipeline_fingerprint(),
        "keywords": pipeline_fingerprint(KEYWORD_MODULES),
        "dependencies": index_dependencies(encoder.name if encoder is not None else report.model),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {"documents": len(entries), "articles": article_count, "passages": passage_count},
        "documents": entries,
        "skipped": skipped_entries,
    }
    writer.publish(manifest)
    return replace(
        report,
        articles=article_count,
        passages=passage_count,
        embedded=len(texts),
        seconds=time.perf_counter() - started,
    )


def _writer(
    target: StoreLocation | None, index_dir: Path, previous: _Previous | None, dimension: int, settings: IndexSettings
) -> StoreWriter:
    if target is None or target.is_local:
        return LocalWriter(index_dir, previous, dimension)
    from qa.milvus_store import MilvusWriter  # optional extra

    manifest = previous.manifest if previous is not None else None
    return MilvusWriter(target, manifest, dimension, embed_titles=settings.embed_titles)


class LocalWriter:
    """Stages a build of an index folder in memory; `publish` writes it and swaps it in atomically.

    Passage ids are rows, renumbered on every build in the order of the documents' sources.
    """

    def __init__(self, index_dir: Path, previous: _Previous | None, dimension: int) -> None:
        self.index_dir = index_dir
        self.dimension = dimension
        self._documents: dict[str, tuple[list[StoredPassage], np.ndarray]] = {}
        if previous is not None:
            for source, passages in previous.passages.items():
                rows = [p.passage_id for p in passages]
                self._documents[source] = (passages, previous.vectors[rows])

    def add_document(self, source: str, passages: list[StoredPassage], vectors: np.ndarray, sha256: str = "") -> None:
        self._documents[source] = (passages, np.asarray(vectors, dtype=np.float32))

    replace_document = add_document

    def delete_document(self, source: str) -> None:
        self._documents.pop(source, None)

    def publish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        passages: list[StoredPassage] = []
        blocks = [np.zeros((0, self.dimension), dtype=np.float32)]
        for source in sorted(self._documents):
            document_passages, vectors = self._documents[source]
            first = len(passages)
            passages.extend(replace(p, passage_id=first + i) for i, p in enumerate(document_passages))
            blocks.append(vectors)
        vectors = np.concatenate(blocks)
        faiss_index, index_type = make_vector_index(vectors, self.dimension)
        sparse = SparseIndex.build([p.indexed_text(manifest["settings"]["embed_titles"]) for p in passages])
        manifest = {**manifest, "index_type": index_type}
        _write_atomically(self.index_dir, faiss_index, sparse, passages, manifest, vectors=vectors)
        return manifest


def encoder_check(encoder: Encoder) -> dict[str, Any] | None:
    """How the encoder's export compares with the float model (ONNX path), for the manifest."""
    check = getattr(encoder, "check", None)
    if check is None:
        return None
    return {"recipe": check.recipe, "min_cosine": check.min_cosine, "mean_cosine": check.mean_cosine}


def _write_atomically(
    index_dir: Path,
    faiss_index: faiss.Index,
    sparse: SparseIndex,
    passages: list[StoredPassage],
    manifest: dict[str, Any],
    *,
    vectors: np.ndarray | None = None,
) -> None:
    index_dir = index_dir.resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
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
        manifest = {**manifest, "files": file_digests(staging, skip=KEPT_FILES)}
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for path in staging.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        _swap_in(staging, index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Put the staged index at `index_dir`; readers see the old index or the new one, never none."""
    if index_dir.exists() and _exchange(staging, index_dir):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old index now
    else:  # two renames: a reader may find no index for a moment
        retired = index_dir.parent / f".{index_dir.name}.retired-{os.getpid()}-{time.time_ns()}"
        if index_dir.exists():
            os.rename(index_dir, retired)
        os.rename(staging, index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    directory = os.open(index_dir.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _clean_leftovers(index_dir: Path) -> None:
    """Remove staging folders of killed builds; put back an index retired by one killed mid-swap.

    Called with the lock held, so no other build is writing any of them.
    """
    index_dir = index_dir.resolve()
    retired = sorted(index_dir.parent.glob(f".{index_dir.name}.retired-*"), key=lambda p: p.stat().st_mtime)
    if not index_dir.exists() and retired and (retired[-1] / MANIFEST_FILE).is_file():
        log.warning("restoring %s from %s, left by a build that was killed", index_dir, retired[-1].name)
        os.rename(retired.pop(), index_dir)
    for leftover in [*index_dir.parent.glob(f".{index_dir.name}.building-*"), *retired]:
        log.info("removing %s, left by a build that was killed", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    manifest_path = Path(index_dir) / MANIFEST_FILE
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


def _readable_manifest(index_dir: Path) -> dict[str, Any] | None:
    try:
        return read_manifest(index_dir)
    except (IndexNotFoundError, IndexMismatchError):
        return None


def _manifest_stamp(index_dir: Path) -> tuple[int, int] | None:
    try:
        stat = (Path(index_dir) / MANIFEST_FILE).stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def load_index(index_dir: Path, *, expected_model: str | None = None) -> LoadedIndex:
    """Load and check an index. Raises IndexNotFoundError or IndexMismatchError.

    A load that overlaps a rebuild's swap (the manifest changed meanwhile) is done again,
    so the files loaded always belong to one build.
    """
    index_dir = Path(index_dir)
    for _ in range(LOAD_ATTEMPTS - 1):
        stamp = _manifest_stamp(index_dir)
        try:
            loaded = _load_once(index_dir, expected_model)
        except IndexMismatchError:
            if _manifest_stamp(index_dir) == stamp:
                raise
            continue
        if _manifest_stamp(index_dir) == stamp:
            return loaded
    return _load_once(index_dir, expected_model)


def _load_once(index_dir: Path, expected_model: str | None) -> LoadedIndex:
    manifest = read_manifest(index_dir)
    if expected_model is not None and manifest.get("model") != expected_model:
        raise IndexMismatchError(
            index_dir, f"it was built with model {manifest.get('model')!r}, not {expected_model!r}"
        )
    # FAISS reads a damaged file without complaint: check every file it and we read first.
    served = {name: digest for name, digest in manifest.get("files", {}).items() if name != VECTORS_FILE}
    problem = integrity_problem(index_dir, served)
    if problem is not None:
        raise IndexMismatchError(index_dir, problem)
    try:
        vectors = faiss.read_index(str(index_dir / FAISS_FILE))
        sparse = SparseIndex.load(index_dir / SPARSE_DIR)
        passages = _read_passages(index_dir)
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


def index_status(
    documents_dir: Path,
    index_dir: Path,
    *,
    model: str,
    encoder_kind: str | None = None,
    settings: IndexSettings = IndexSettings(),
    store: str | StoreLocation | None = None,
) -> IndexStatus:
    """What the index (in the folder, or the Milvus store named) holds and how the documents differ from it.

    Reads, never writes. Like a build, it reads only files whose hash is not in the manifest,
    to tell which of them would be skipped.
    """
    index_dir = Path(index_dir)
    kind = encoder_kind or default_kind()
    fingerprint = known_fingerprint(model, kind)
    target = _target(store)
    try:
        manifest: dict[str, Any] | None = (
            read_manifest(index_dir) if target is None else _store_manifest(target, index_dir)
        )
        if manifest is None:
            raise IndexNotFoundError(target)
        problem = _manifest_problem(manifest, model, kind, settings, fingerprint)
    except (IndexNotFoundError, IndexMismatchError) as error:
        manifest, problem = None, str(error)
    plan = _plan(Path(documents_dir), manifest)
    return IndexStatus(
        index_dir=index_dir,
        manifest=manifest,
        problem=problem,
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=plan.unchanged,
        skipped=plan.skipped,
        keywords_stale=manifest is not None and problem is None and keywords_stale(manifest),
        encoder_fingerprint=fingerprint,
    )


def stale_reason(
    documents_dir: Path,
    index_dir: Path,
    *,
    model: str,
    encoder_kind: str | None = None,
    settings: IndexSettings = IndexSettings(),
    store: str | StoreLocation | None = None,
) -> str | None:
    """Why the index no longer matches the documents, model or settings; None when current."""
    status = index_status(
        documents_dir, index_dir, model=model, encoder_kind=encoder_kind, settings=settings, store=store
    )
    if status.problem is not None:
        return status.problem
    changed = sorted([*status.added, *status.changed, *status.removed])
    if changed:
        return f"documents changed: {', '.join(changed)}"
    if status.keywords_stale:
        return "the keyword code changed (qa/sparse, question): the keyword index is rebuilt, the vectors kept"
    if status.encoder_fingerprint is None:
        # A build exports and checks the encoder first; when its fingerprint is the index's,
        # nothing is embedded again.
        return "this machine has not exported and checked the encoder yet"
    return None
