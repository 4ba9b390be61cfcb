"""Plan, build and check the index: which documents changed, embed those, publish the result.

    >>> status = index_status(Path("documents"), Path("index"), model="m3e-small")
    >>> status.added, status.stale_reason
    (['new.txt'], 'documents changed: new.txt')
    >>> build_index(Path("documents"), Path("index")).summary()
    'indexed 3 documents, 9 articles, 40 passages in 2.1 s with m3e-small -> index\\n…'

A build is incremental: documents whose sha256 matches the manifest keep their passages
and vectors (from vectors.npy); only added and changed documents are embedded. It is
written to a temporary folder beside the index and swapped in atomically (`qa.swap`),
under a lock (`qa.lock`), so a crash never leaves a half-written index and a reader never
sees one. The files and the manifest are `qa.index_format`'s. This module does not answer
questions.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa.chunking import ChunkSettings, chunk_article
from qa.documents import Document, SkippedFile, read_document, scan_documents
from qa.embedding import (
    TORCH,
    Encoder,
    configured_model,
    default_kind,
    fingerprint_of,
    known_fingerprint,
    load_encoder,
)
from qa.errors import DocumentReadError, IndexMismatchError, IndexNotFoundError, NoDocumentsError
from qa.index_format import (  # noqa: F401  # the format's names, re-exported for callers of qa.index
    FAISS_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    PASSAGES_FILE,
    VECTORS_FILE,
    Counts,
    LoadedIndex,
    Manifest,
    load_index,
    read_manifest,
    read_passages,
    readable_manifest,
    write_index,
)
from qa.integrity import integrity_problem
from qa.layout import split_articles
from qa.lock import index_lock
from qa.passage import StoredPassage
from qa.sparse import SparseIndex
from qa.store import StoreLocation, StoreWriter, parse_location
from qa.swap import clean_leftovers
from qa.vector_index import make_vector_index
from qa.versions import dependency_changes, index_dependencies

log = logging.getLogger(__name__)

# The code that turns a file into passages: when it changes, old passages may differ from new ones.
PIPELINE_MODULES = ("documents", "readers", "layout", "chunking", "passage")
# The code that turns a passage into keywords: when it changes, the keyword index is rebuilt and
# the vectors are kept (every build indexes the keywords of all passages anew).
KEYWORD_MODULES = ("sparse", "question")
NO_BODY_TEXT = "only headings, no body text to index"


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
class Plan:
    """What a build does with each file of the documents folder."""

    added: list[str]
    changed: list[str]
    removed: list[str]  # sources in the index that are gone or can no longer be read
    unchanged: list[str]  # same bytes as indexed
    fresh: list[Document]  # documents read, to embed: added and changed ones (all of them in a full build)
    skipped: list[SkippedFile]

    @property
    def documents(self) -> int:
        """Documents in the index after the build."""
        return len(set(self.unchanged) | {document.source for document in self.fresh})


@dataclass(frozen=True)
class IndexStatus:
    """How the documents folder differs from the index, as `qa status` shows it."""

    index_dir: Path
    manifest: Manifest | None  # None when there is no readable index
    problem: str | None  # why the whole index must be rebuilt, None when it can be updated
    plan: Plan  # what a build would do with each file
    keywords_stale: bool = False  # the keyword code changed since the build: a build re-indexes keywords
    # the fingerprint of this machine's encoder for the index's model and kind; None when the
    # ONNX path has not been exported here yet (the next build or question exports and checks it)
    encoder_fingerprint: str | None = None

    @property
    def added(self) -> list[str]:
        return self.plan.added

    @property
    def changed(self) -> list[str]:
        return self.plan.changed

    @property
    def removed(self) -> list[str]:
        return self.plan.removed

    @property
    def unchanged(self) -> list[str]:
        return self.plan.unchanged

    @property
    def skipped(self) -> list[SkippedFile]:
        return self.plan.skipped

    @property
    def up_to_date(self) -> bool:
        return self.problem is None and not (self.added or self.changed or self.removed or self.keywords_stale)

    @property
    def stale_reason(self) -> str | None:
        """Why the index no longer matches the documents, model or settings; None when current."""
        if self.problem is not None:
            return self.problem
        changed = sorted([*self.added, *self.changed, *self.removed])
        if changed:
            return f"documents changed: {', '.join(changed)}"
        if self.keywords_stale:
            return "the keyword code changed (qa/sparse, question): the keyword index is rebuilt, the vectors kept"
        if self.encoder_fingerprint is None:
            # A build exports and checks the encoder first; when its fingerprint is the index's,
            # nothing is embedded again.
            return "this machine has not exported and checked the encoder yet"
        return None


def pipeline_fingerprint(modules: tuple[str, ...] = PIPELINE_MODULES) -> str:
    """A hash of the code that turns files into passages; passages of another version are not reused."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def keywords_stale(manifest: Manifest) -> bool:
    return manifest.keywords != pipeline_fingerprint(KEYWORD_MODULES)


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


def plan_build(documents_dir: Path, manifest: Manifest | None, *, reuse: bool = True) -> Plan:
    """Compare the folder with the manifest of the index (None when there is none).

    With `reuse`, only files whose hash differs from the manifest are read; without it
    (a full build) every file is read again.
    """
    scan = scan_documents(documents_dir)
    indexed = manifest.documents if manifest is not None else {}
    known_skipped = manifest.skipped if manifest is not None and reuse else {}
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
    return Plan(
        added=[d.source for d in fresh if d.source not in indexed],
        changed=[d.source for d in fresh if d.source in indexed and d.source not in unchanged],
        removed=sorted(source for source in indexed if source not in kept),
        unchanged=unchanged,
        fresh=fresh,
        skipped=sorted(skipped, key=lambda item: item.source),
    )


@dataclass(frozen=True)
class _Previous:
    manifest: Manifest
    passages: dict[str, list[StoredPassage]]  # source -> its passages, in order
    vectors: np.ndarray  # (passages, dimension), row = passage_id


def _manifest_problem(
    manifest: Manifest, model: str, kind: str, settings: IndexSettings, fingerprint: str | None = None
) -> str | None:
    """Why an index cannot be updated in place for this model, embedding path and these settings.

    `fingerprint` is the current encoder's (None: not known yet, not compared).
    """
    if manifest.model != model:
        return f"the model changed ({manifest.model!r} -> {model!r})"
    if manifest.encoder != kind:
        return f"the embedding path changed ({manifest.encoder} -> {kind})"
    if fingerprint is not None and manifest.encoder_fingerprint != fingerprint:
        return encoder_changed(manifest.encoder_fingerprint, fingerprint)
    old, new = manifest.settings, settings.to_dict()
    if old != new:
        changes = ", ".join(f"{key} {old.get(key)} -> {new.get(key)}" for key in new if old.get(key) != new.get(key))
        return f"the chunking settings changed ({changes or 'unknown keys'})"
    if manifest.pipeline != pipeline_fingerprint():
        return "the code that reads and cuts documents changed (qa/documents, readers, layout, chunking, passage)"
    changes = dependency_changes(manifest.dependencies, index_dependencies(model))
    if changes is not None:
        return f"what makes tokens or vectors changed ({changes})"
    return None


def encoder_changed(built_with: str | None, now: str) -> str:
    return (
        f"this machine's encoder differs from the one the index was built with ({built_with} -> {now}), "
        "so questions and passages would be embedded differently"
    )


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
    problem = integrity_problem(index_dir, manifest.files or {})
    if problem is not None:
        return None, f"the previous index cannot be reused: {problem}"
    try:
        passages = read_passages(index_dir)
        vectors = np.load(index_dir / VECTORS_FILE, allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError):
        return None, f"the previous index has no readable {VECTORS_FILE} (built by an older version)"
    if vectors.shape != (len(passages), manifest.dimension) or vectors.dtype != np.float32:
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

    The encoder is named once: an `encoder` given, else `model` and `encoder_kind`
    (defaults: `configured_model()`, `default_kind()`), loaded only when there is
    something to embed.

    Everything is embedded again when `full` is set, when there is no usable previous
    index, or when the model, the settings or the text pipeline changed; the report's
    `full_reason` says why.
    Raises NoDocumentsError, or IndexLockedError when another build holds the index
    for longer than `lock_wait` seconds (default `qa.lock.LOCK_WAIT`).
    """
    started = time.perf_counter()
    documents_dir, index_dir = Path(documents_dir), Path(index_dir)
    target = _target(store)
    model_name = encoder.name if encoder is not None else (model or configured_model())
    kind = encoder.kind if encoder is not None else (encoder_kind or default_kind())
    with index_lock(_lock_dir(target, index_dir), wait=lock_wait):
        if target is None:
            clean_leftovers(index_dir, MANIFEST_FILE)
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
        plan = plan_build(
            documents_dir, previous.manifest if previous else _store_manifest(target, index_dir), reuse=bool(previous)
        )
        for item in plan.skipped:
            log.warning("skipped %s: %s", item.source, item.reason)
        if not plan.unchanged and not plan.fresh:
            raise NoDocumentsError(documents_dir)
        skipped_entries = {s.source: {"sha256": s.sha256, "reason": s.reason} for s in plan.skipped if s.sha256}
        nothing_changed = full_reason is None and not (plan.added or plan.changed or plan.removed)
        moved: tuple[str, ...] = ()
        embedded = 0
        if (
            previous is not None
            and nothing_changed
            and skipped_entries == previous.manifest.skipped
            and not keywords_stale(previous.manifest)
        ):
            counts = previous.manifest.counts
        else:
            counts, embedded = _build(
                plan, previous, skipped_entries, encoder, model_name, kind, settings, show_progress, target, index_dir
            )
            unhashed = {item.source for item in plan.skipped if not item.sha256}  # e.g. empty or unreadable
            moved = changed_during_build(documents_dir, _store_manifest(target, index_dir), ignore=unhashed)
            if moved:
                log.warning("documents changed while the build read them, run `qa build` again: %s", ", ".join(moved))
        return BuildReport(
            index_dir=index_dir,
            model=model_name,
            encoder=kind,
            documents=plan.documents,
            articles=counts.articles,
            passages=counts.passages,
            seconds=time.perf_counter() - started,
            skipped=len(plan.skipped),
            added=len(plan.added),
            changed=len(plan.changed),
            removed=len(plan.removed),
            unchanged=len(plan.unchanged),
            embedded=embedded,
            full_reason=full_reason,
            skipped_files=tuple(plan.skipped),
            store=str(target) if target is not None else "",
            changed_during_build=moved,
        )


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


def _store_manifest(target: StoreLocation | None, index_dir: Path) -> Manifest | None:
    if target is None:
        return readable_manifest(index_dir)
    from qa.milvus_store import published_manifest

    return published_manifest(target)


def _previous_in_store(
    target: StoreLocation, model: str, kind: str, settings: IndexSettings, fingerprint: str | None
) -> tuple[_Previous | None, str | None]:
    """(the published build of a Milvus store to build on, None) or (None, why everything is embedded again)."""
    manifest = _store_manifest(target, Path())
    if manifest is None:
        return None, f"no index in {target} yet"
    if manifest.format_version != FORMAT_VERSION:
        return None, f"the index in {target} has format version {manifest.format_version}"
    problem = _manifest_problem(manifest, model, kind, settings, fingerprint)
    if problem is not None:
        return None, problem
    return _Previous(manifest, {}, np.zeros((0, int(manifest.dimension)), dtype=np.float32)), None


def changed_during_build(documents_dir: Path, manifest: Manifest | None, ignore: set[str]) -> tuple[str, ...]:
    """Documents whose bytes now differ from what the build read (edited, added or deleted meanwhile).

    The index stays consistent (each document's passages match the sha256 in the manifest);
    these differ, so the next build picks them up.
    """
    scan = scan_documents(documents_dir)
    now = {found.source: found.sha256 for found in scan.files}
    now |= {item.source: item.sha256 for item in scan.skipped if item.sha256}
    documents, skipped = (manifest.documents, manifest.skipped) if manifest is not None else ({}, {})
    read = {source: entry["sha256"] for source, entry in documents.items()}
    read |= {source: entry["sha256"] for source, entry in skipped.items()}
    differ = (now.keys() | read.keys()) - ignore
    return tuple(sorted(source for source in differ if now.get(source) != read.get(source)))


def _build(
    plan: Plan,
    previous: _Previous | None,
    skipped_entries: dict[str, dict[str, Any]],
    encoder: Encoder | None,
    model: str,
    kind: str,
    settings: IndexSettings,
    show_progress: bool,
    target: StoreLocation | None,
    index_dir: Path,
) -> tuple[Counts, int]:
    """Embed what the plan reads, publish the index; (its counts, passages embedded)."""
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
            entries[source] = previous.manifest.documents[source]
    texts = [p.indexed_text(settings.embed_titles) for passages in new_passages.values() for p in passages]
    if texts or previous is None:
        encoder = encoder or load_encoder(model, kind)
    dimension = encoder.dimension if encoder is not None else int(previous.manifest.dimension)
    log.info("embedding %d of %d passages", len(texts), sum(entry["passages"] for entry in entries.values()))
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    if texts:
        vectors[:] = encoder.encode(texts, show_progress=show_progress)
    writer = _writer(target, index_dir, previous, dimension, settings)
    indexed = previous.manifest.documents if previous is not None else {}
    for source in plan.removed:
        if source in indexed:
            writer.delete_document(source)
    row = 0
    for source, document_passages in new_passages.items():
        stage = writer.replace_document if source in indexed else writer.add_document
        stage(source, document_passages, vectors[row : row + len(document_passages)], entries[source]["sha256"])
        row += len(document_passages)
    counts = Counts(
        documents=len(entries),
        articles=sum(entry["articles"] for entry in entries.values()),
        passages=sum(entry["passages"] for entry in entries.values()),
    )
    if encoder is None:  # nothing was embedded: the encoder is as before
        assert previous is not None
        earlier = previous.manifest
        model, fingerprint, check = earlier.model, earlier.encoder_fingerprint, earlier.encoder_check
    else:
        model, kind, fingerprint, check = encoder.name, encoder.kind, fingerprint_of(encoder), encoder_check(encoder)
    writer.publish(
        Manifest(
            model=model,
            encoder=kind,
            encoder_fingerprint=fingerprint,
            encoder_check=check,
            dimension=dimension,
            settings=settings.to_dict(),
            pipeline=pipeline_fingerprint(),
            keywords=pipeline_fingerprint(KEYWORD_MODULES),
            dependencies=index_dependencies(model),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            counts=counts,
            documents=entries,
            skipped=skipped_entries,
        )
    )
    return counts, len(texts)


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

    def publish(self, manifest: Manifest) -> Manifest:
        passages: list[StoredPassage] = []
        blocks = [np.zeros((0, self.dimension), dtype=np.float32)]
        for source in sorted(self._documents):
            document_passages, vectors = self._documents[source]
            first = len(passages)
            passages.extend(replace(p, passage_id=first + i) for i, p in enumerate(document_passages))
            blocks.append(vectors)
        vectors = np.concatenate(blocks)
        faiss_index, index_type = make_vector_index(vectors, self.dimension)
        sparse = SparseIndex.build([p.indexed_text(manifest.settings["embed_titles"]) for p in passages])
        return write_index(
            self.index_dir, faiss_index, sparse, passages, replace(manifest, index_type=index_type), vectors=vectors
        )


def encoder_check(encoder: Encoder) -> dict[str, Any] | None:
    """How the encoder's export compares with the float model (ONNX path), for the manifest."""
    check = getattr(encoder, "check", None)
    if check is None:
        return None
    return {"recipe": check.recipe, "min_cosine": check.min_cosine, "mean_cosine": check.mean_cosine}


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
    manifest: Manifest | None
    try:
        manifest = read_manifest(index_dir) if target is None else _store_manifest(target, index_dir)
        if manifest is None:
            raise IndexNotFoundError(target)
        problem = _manifest_problem(manifest, model, kind, settings, fingerprint)
    except (IndexNotFoundError, IndexMismatchError) as error:
        manifest, problem = None, str(error)
    return IndexStatus(
        index_dir=index_dir,
        manifest=manifest,
        problem=problem,
        plan=plan_build(Path(documents_dir), manifest),
        keywords_stale=manifest is not None and problem is None and keywords_stale(manifest),
        encoder_fingerprint=fingerprint,
    )
