"""Where the passages live: one interface for the local FAISS + bm25s folder and for Milvus.

Reading (`PassageStore`: dense, keyword and hybrid search, passages by id, counts) is what
`qa.retriever.Retriever` uses; writing (`StoreWriter`: add, replace or delete a document's
passages, then publish them together with the manifest) is what `qa.index.build_index` uses.
Nothing a writer does is seen by readers until `publish`, so a killed build leaves the store
answering from the previous build.

A store is named by a location string, as `--store` and `$QA_STORE` take it:

    index/                       a local index folder (the default: $QA_INDEX, else index/)
    milvus://host:19530[/name]   a Milvus server; `name` prefixes its collections (default qa)
    path/to/qa.db                a Milvus Lite file (one process at a time)

    >>> parse_location("milvus://10.0.0.5:19530/archive")
    StoreLocation(kind='milvus', uri='http://10.0.0.5:19530', name='archive')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from qa.passage import StoredPassage

if TYPE_CHECKING:
    from qa.index_format import Manifest

LOCAL = "local"
MILVUS = "milvus"
DEFAULT_COLLECTION = "qa"
MILVUS_LITE_SUFFIX = ".db"
STORE_ENV = "QA_STORE"


@dataclass(frozen=True)
class StoreLocation:
    kind: str  # LOCAL or MILVUS
    uri: str  # the index folder, a Milvus server address or a Milvus Lite file
    name: str = DEFAULT_COLLECTION  # Milvus: the prefix of the collections

    @property
    def is_local(self) -> bool:
        return self.kind == LOCAL

    def __str__(self) -> str:
        if self.is_local or self.uri.endswith(MILVUS_LITE_SUFFIX):
            return self.uri
        return f"milvus://{self.uri.split('://', 1)[-1]}/{self.name}"


def parse_location(location: str | Path) -> StoreLocation:
    """The store a `--store` / $QA_STORE string names (see the module docstring)."""
    text = str(location).strip()
    for scheme in ("milvus://", "http://", "https://", "tcp://"):
        if text.startswith(scheme):
            address, _, name = text[len(scheme) :].partition("/")
            protocol = "https" if scheme == "https://" else "http"
            return StoreLocation(MILVUS, f"{protocol}://{address}", name.strip("/") or DEFAULT_COLLECTION)
    if text.endswith(MILVUS_LITE_SUFFIX):
        return StoreLocation(MILVUS, str(Path(text).resolve()))
    return StoreLocation(LOCAL, text)


def configured_location(index_dir: str | Path | None = None) -> StoreLocation:
    """$QA_STORE when set, else the index folder given (else $QA_INDEX, else index/)."""
    from qa.retriever import default_index_dir  # the retriever owns the default folder

    if index_dir is None and os.environ.get(STORE_ENV):
        return parse_location(os.environ[STORE_ENV])
    return StoreLocation(LOCAL, str(index_dir if index_dir is not None else default_index_dir()))


def chosen_store(store: str | None, index_dir: Path | None) -> tuple[Path | None, StoreLocation | None]:
    """(index folder, Milvus store) for a command's --store and --index: --store, else $QA_STORE unless
    --index was given. A --store naming a folder is that folder; the Milvus store is None for a folder."""
    if store is None and index_dir is None:
        store = os.environ.get(STORE_ENV) or None
    if store is None:
        return index_dir, None
    location = parse_location(store)
    if location.is_local:
        return Path(location.uri), None
    return index_dir, location


CANDIDATES = 50  # per search, before fusion
KEYWORD_WEIGHT = 0.5  # hybrid score = w * bm25 / best bm25 + (1 - w) * cosine; see docs/RETRIEVAL.md


@dataclass(frozen=True)
class Hybrid:
    """A hybrid search: the fused ranking and the candidate lists it was fused from."""

    ranked: list[tuple[int, float]]  # (passage_id, fused score), best first
    dense: list[tuple[int, float]] | None  # (passage_id, cosine), best first; None when fused on a server
    keyword: list[tuple[int, float]] | None  # (passage_id, BM25), best first; None when fused on a server


@runtime_checkable
class PassageStore(Protocol):
    """One published build of an index, for searching. Safe to share between threads."""

    location: StoreLocation
    manifest: Manifest  # documents, hashes, settings, counts: what is indexed

    @property
    def size(self) -> int:
        """Passages searchable."""
        ...

    def dense(self, vector: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """(passage_id, cosine) of the `depth` nearest passages, best first."""
        ...

    def keyword(self, question: str, depth: int) -> list[tuple[int, float]]:
        """(passage_id, BM25 score) of the `depth` best keyword matches with a positive score."""
        ...

    def hybrid(self, question: str, vector: np.ndarray, depth: int) -> Hybrid:
        """Dense and keyword results fused, best first (at least `depth` when that many exist), with the
        candidate lists the fusion read, so that a caller needs no second search for them."""
        ...

    def passages(self, ids: list[int]) -> list[StoredPassage]:
        """The stored passages of these ids, in the same order."""
        ...

    def all_passages(self) -> list[StoredPassage]:
        """Every passage (for evaluation and small stores; a large store streams them)."""
        ...

    def idf(self, token: str) -> float:
        """Inverse document frequency of a word, for weighing a question's words in answers."""
        ...


class StoreWriter(Protocol):
    """One build: changes staged against the last published build, then published at once."""

    def add_document(self, source: str, passages: list[StoredPassage], vectors: np.ndarray, sha256: str = "") -> None:
        """Stage a document's passages and their vectors (row i embeds passages[i]); sha256: the document's."""
        ...

    def replace_document(
        self, source: str, passages: list[StoredPassage], vectors: np.ndarray, sha256: str = ""
    ) -> None:
        """Stage new passages for a document that is already indexed."""
        ...

    def delete_document(self, source: str) -> None:
        """Stage the removal of a document's passages."""
        ...

    def publish(self, manifest: Manifest) -> Manifest:
        """Make the staged build what readers see, with its manifest; returns the manifest as stored."""
        ...


def top_scores(scores: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """The `depth` best (id, score) pairs with a positive score, best first."""
    depth = min(depth, len(scores))
    if depth == 0:
        return []
    top = np.argpartition(-scores, depth - 1)[:depth]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def keyword_fusion(words: np.ndarray, bigrams: np.ndarray, bigram_weight: float) -> np.ndarray:
    """Words and bigram BM25 scores, each scaled by its best: [0, 2], [0, 4], .5 -> [0, 1.5]."""

    def scaled(scores: np.ndarray) -> np.ndarray:
        best = float(scores.max()) if len(scores) else 0.0
        return scores / best if best > 0 else scores

    return scaled(words) + bigram_weight * scaled(bigrams)


def convex_fusion(
    dense: list[tuple[int, float]], keyword_scores: np.ndarray, keyword_weight: float
) -> list[tuple[int, float]]:
    """Fuse dense (id, cosine) candidates with BM25 scores of every passage, best first.

    Candidates are the dense ones plus the BM25 top of the same depth. BM25 is scaled by
    the question's best BM25 score, so both parts lie in [0, 1]; a candidate outside the
    dense list gets the lowest dense score of the list (its own is at most that).

    dense [(0, .8), (1, .6)], bm25 [0, 2, 4], w .5 -> [(2, .8), (0, .4), (1, .55)] sorted.
    """
    keyword = top_scores(keyword_scores, len(dense))
    best_keyword = keyword[0][1] if keyword else 1.0
    return fuse_lists(dense, keyword, keyword_weight, keyword_scores=keyword_scores, best_keyword=best_keyword)


def fuse_lists(
    dense: list[tuple[int, float]],
    keyword: list[tuple[int, float]],
    keyword_weight: float,
    *,
    keyword_scores: np.ndarray | dict[int, float] | None = None,
    best_keyword: float | None = None,
) -> list[tuple[int, float]]:
    """The convex combination of two candidate lists: w · BM25 / best BM25 + (1 − w) · cosine.

    A candidate missing from the dense list gets the list's lowest cosine; one missing from
    the keyword list gets its score in `keyword_scores` when given (every passage's), else 0.
    """
    scores: Any = keyword_scores if keyword_scores is not None else dict(keyword)
    if best_keyword is None:
        best_keyword = max((score for _, score in keyword), default=0.0) or 1.0
    dense_score = dict(dense)
    floor = min(dense_score.values(), default=0.0)
    candidates = dense_score.keys() | {i for i, _ in keyword}

    def keyword_of(i: int) -> float:
        return float(scores[i]) if not isinstance(scores, dict) else float(scores.get(i, 0.0))

    fused = {
        i: keyword_weight * keyword_of(i) / best_keyword + (1 - keyword_weight) * dense_score.get(i, floor)
        for i in candidates
    }
    return sorted(fused.items(), key=lambda item: item[1], reverse=True)
