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

from qa.embedding import Encoder, load_encoder
from qa.errors import EmptyQuestionError, InvalidKError
from qa.index import MANIFEST_FILE, LoadedIndex, load_index, read_manifest
from qa.passage import Passage
from qa.vector_index import search

DEFAULT_INDEX_DIR = "index"
MAX_K = 100


def default_index_dir() -> Path:
    """The folder named by QA_INDEX, else `index/`."""
    return Path(os.environ.get("QA_INDEX") or DEFAULT_INDEX_DIR)


def check_k(k: object) -> int:
    """k as an int in 1..MAX_K. Raises InvalidKError for anything below 1 or not an integer."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        try:
            k = int(str(k).strip())
        except ValueError:
            raise InvalidKError(k) from None
    if k < 1:
        raise InvalidKError(k)
    return min(int(k), MAX_K)


def check_question(question: object) -> str:
    if not isinstance(question, str) or not question.strip():
        raise EmptyQuestionError()
    return question.strip()


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

    def __init__(self, index: LoadedIndex, encoder: Encoder) -> None:
        self._index = index
        self._encoder = encoder

    @classmethod
    def load(cls, index_dir: str | Path | None = None, *, encoder: Encoder | None = None) -> Retriever:
        """Load an index and the model it was built with (or the encoder given)."""
        index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        index = load_index(index_dir, expected_model=encoder.name if encoder is not None else None)
        return cls(index, encoder or load_encoder(index.manifest["model"]))

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

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        """The k passages most similar to the question, best first."""
        question = check_question(question)
        k = min(check_k(k), len(self._index.passages))
        if k == 0:
            return []
        query = self._encoder.encode([question])
        scores, ids = search(self._index.vectors, query, k)
        return [
            Passage.from_stored(self._index.passages[i], float(score)) for score, i in zip(scores[0], ids[0]) if i >= 0
        ]


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def shared_encoder(model: str) -> Encoder:
    """One encoder per model name in this process: a model is loaded once."""
    with _encoders_lock:
        if model not in _encoders:
            _encoders[model] = load_encoder(model)
        return _encoders[model]


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
                encoder = shared_encoder(read_manifest(self.index_dir)["model"])
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
