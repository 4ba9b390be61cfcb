"""Answer a question with the passages that best match it, each with its citation.

    >>> retriever = Retriever.load("index")
    >>> [p.citation for p in retriever.retrieve("清镇市一季度完成工业投资多少？", k=1)]
    ['《抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后》 · 贵阳日报_2024-04-30_….txt']

This module searches an existing index; `qa.index` builds one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embedding import TORCH, Encoder, load_encoder
from qa.errors import InvalidKError, InvalidModeError
from qa.index import MANIFEST_FILE, LoadedIndex, load_index, read_manifest
from qa.passage import Passage, StoredPassage
from qa.question import prepare_question
from qa.sparse import SparseIndex
from qa.vector_index import search

DEFAULT_INDEX_DIR = "index"
MAX_K = 100
MODES = ("dense", "bm25", "hybrid")
DEFAULT_MODE = "hybrid"
CANDIDATES = 50  # per retriever, before fusion
KEYWORD_WEIGHT = 0.5  # hybrid score = w * bm25 / best bm25 + (1 - w) * cosine; see docs/RETRIEVAL.md
BIGRAM_WEIGHT = 0.5  # keyword score = words / best + w * character bigrams / best; see docs/BENCHMARKS.md


def default_index_dir() -> Path:
    """The folder named by QA_INDEX, else `index/`."""
    return Path(os.environ.get("QA_INDEX") or DEFAULT_INDEX_DIR)


def check_k(k: object) -> int:
    """k as an int in 1..MAX_K. Raises InvalidKError for anything below 1 or not an integer.

    An integral float (5.0, as sliders and JSON clients send it) counts as that integer.
    """
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        try:
            k = int(str(k).strip())
        except ValueError:
            raise InvalidKError(k) from None
    if k < 1:
        raise InvalidKError(k)
    return min(int(k), MAX_K)


def check_question(question: object) -> str:
    """The question as searched (cleaned, simplified, cut to MAX_QUESTION_CHARS); see qa.question."""
    return prepare_question(question).text


@dataclass(frozen=True)
class IndexInfo:
    index_dir: str
    model: str
    documents: int
    articles: int
    passages: int
    built_at: str


class Retriever:
    """Dense retrieval over one loaded index. Safe to share between threads."""

    def __init__(self, index: LoadedIndex, encoder: Encoder, mode: str = DEFAULT_MODE) -> None:
        self._index = index
        self._encoder = encoder
        self.mode = check_mode(mode)

    @classmethod
    def load(
        cls, index_dir: str | Path | None = None, *, encoder: Encoder | None = None, mode: str = DEFAULT_MODE
    ) -> Retriever:
        """Load an index and the model it was built with (or the encoder given)."""
        index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        index = load_index(index_dir, expected_model=encoder.name if encoder is not None else None)
        return cls(index, encoder or load_encoder(index.manifest["model"], index.manifest.get("encoder", TORCH)), mode)

    @property
    def sparse(self) -> SparseIndex:
        return self._index.sparse

    @property
    def passages(self) -> list[StoredPassage]:
        return self._index.passages

    @property
    def info(self) -> IndexInfo:
        manifest = self._index.manifest
        counts = manifest.get("counts", {})
        return IndexInfo(
            index_dir=str(self._index.index_dir),
            model=manifest.get("model", ""),
            documents=counts.get("documents", 0),
            articles=counts.get("articles", 0),
            passages=counts.get("passages", 0),
            built_at=manifest.get("built_at", ""),
        )

    def retrieve(self, question: str, k: int = 5, *, mode: str | None = None) -> list[Passage]:
        """The k passages that best match the question, best first.

        mode: "dense" (cosine similarity of embeddings), "bm25" (keywords) or "hybrid"
        (a convex combination of both); default: the retriever's mode.
        """
        question = check_question(question)
        k = min(check_k(k), len(self._index.passages))
        mode = check_mode(mode or self.mode)
        if k == 0:
            return []
        if mode == "dense":
            ranked = self._dense(question, k)
        elif mode == "bm25":
            ranked = top_scores(self._keyword_scores(question), k)
        else:
            dense = self._dense(question, max(k, CANDIDATES))
            ranked = convex_fusion(dense, self._keyword_scores(question), KEYWORD_WEIGHT)
        return [Passage.from_stored(self._index.passages[i], score) for i, score in ranked[:k]]

    def _keyword_scores(self, question: str) -> np.ndarray:
        sparse = self._index.sparse
        return keyword_fusion(sparse.scores(question), sparse.bigram_scores(question), BIGRAM_WEIGHT)

    def _dense(self, question: str, depth: int) -> list[tuple[int, float]]:
        scores, ids = search(self._index.vectors, self._encoder.encode([question]), depth)
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]


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
    dense_score = dict(dense)
    floor = min(dense_score.values(), default=0.0)
    candidates = dense_score.keys() | {i for i, _ in keyword}
    fused = {
        i: keyword_weight * float(keyword_scores[i]) / best_keyword + (1 - keyword_weight) * dense_score.get(i, floor)
        for i in candidates
    }
    return sorted(fused.items(), key=lambda item: item[1], reverse=True)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidModeError(mode, MODES)
    return mode


_encoders: dict[tuple[str, str | None], Encoder] = {}
_encoders_lock = threading.Lock()


def shared_encoder(model: str, kind: str | None = None) -> Encoder:
    """One encoder per model name and kind in this process: a model is loaded once."""
    with _encoders_lock:
        if (model, kind) not in _encoders:
            _encoders[model, kind] = load_encoder(model, kind)
        return _encoders[model, kind]


class LiveRetriever:
    """A retriever for one index folder that follows rebuilds.

    `current()` checks the manifest between questions and loads the new index when it
    changed; a question already running keeps the Retriever it started with, so it is
    answered from the old index. Models are shared through `shared_encoder`.
    """

    def __init__(self, index_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self._retriever: Retriever | None = None
        self._key: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def _manifest_key(self) -> tuple[int, int]:
        try:
            stat = (self.index_dir / MANIFEST_FILE).stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_ino, stat.st_mtime_ns)

    def current(self) -> Retriever:
        """The retriever of the index as it is now. Raises QAError subclasses."""
        key = self._manifest_key()
        with self._lock:
            if self._retriever is None or self._key != key:
                manifest = read_manifest(self.index_dir)
                encoder = shared_encoder(manifest["model"], manifest.get("encoder", TORCH))
                self._retriever = Retriever.load(self.index_dir, encoder=encoder)
                self._key = key
            return self._retriever

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        return self.current().retrieve(question, k)


_live: dict[str, LiveRetriever] = {}


def live_retriever(index_dir: str | Path | None = None) -> LiveRetriever:
    """The process-wide LiveRetriever of a folder (default: $QA_INDEX, else index/)."""
    folder = Path(index_dir) if index_dir is not None else default_index_dir()
    key = str(folder.resolve())
    with _encoders_lock:
        if key not in _live:
            _live[key] = LiveRetriever(folder)
        return _live[key]


def retrieve(question: str, k: int = 5) -> list[Passage]:
    """Retrieve from the default index (QA_INDEX, else `index/`), loaded once and reused."""
    return live_retriever().retrieve(question, k)
