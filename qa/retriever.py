"""Answer a question with the passages that best match it, each with its citation.

    >>> retriever = Retriever.load("index")
    >>> [p.citation for p in retriever.retrieve("清镇市一季度完成工业投资多少？", k=1)]
    ['《抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后》 · 贵阳日报_2024-04-30_….txt']

This module searches an existing index; `qa.index` builds one, `qa.live` shares retrievers
across a process and follows rebuilds.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.embedding import Encoder, fingerprint_of, load_encoder
from qa.english import translate_if_english
from qa.errors import IndexMismatchError, InvalidKError, InvalidModeError
from qa.index import encoder_changed
from qa.index_format import LoadedIndex
from qa.local_store import LocalStore
from qa.normalize import CorpusTerms, NormalizedQuestion, normalize_question
from qa.passage import Passage, StoredPassage
from qa.question import prepare_question
from qa.store import (
    CANDIDATES,
    KEYWORD_WEIGHT,
    PassageStore,
    StoreLocation,
    configured_location,
    convex_fusion,
    parse_location,
    top_scores,
)

DEFAULT_INDEX_DIR = "index"
MAX_K = 100
MODES = ("dense", "bm25", "hybrid")
DEFAULT_MODE = "hybrid"
EMBEDDED_SENTENCES = 20_000  # sentence vectors kept in memory (2 KiB each at 512 dimensions)
__all__ = ["CANDIDATES", "KEYWORD_WEIGHT", "Retriever", "RetrieverSource", "convex_fusion", "top_scores"]


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


@dataclass(frozen=True)
class IndexInfo:
    index_dir: str
    model: str
    documents: int
    articles: int
    passages: int
    built_at: str


class RetrieverSource(Protocol):
    """What answers and the chat search through: a `Retriever`, or a `qa.live.LiveRetriever`."""

    def current(self) -> Retriever:
        """The retriever of the build to search now."""
        ...

    def retrieve(self, question: str, k: int = 5) -> list[Passage]: ...


class Retriever:
    """Retrieval over one published build of a store (local folder or Milvus). Safe to share between threads."""

    def __init__(self, store: PassageStore | LoadedIndex, encoder: Encoder, mode: str = DEFAULT_MODE) -> None:
        self._store: PassageStore = LocalStore(store) if isinstance(store, LoadedIndex) else store
        self._encoder = encoder
        self.mode = check_mode(mode)
        self._terms: CorpusTerms | None = None
        self._terms_lock = threading.Lock()
        self._embedded: dict[str, np.ndarray] = {}  # sentence -> vector, oldest first (first in, first out)
        self._embedded_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        encoder: Encoder | None = None,
        mode: str = DEFAULT_MODE,
        store: str | StoreLocation | None = None,
    ) -> Retriever:
        """Load an index (or the store named, else $QA_STORE) and the model it was built with (or the encoder given).

        Raises IndexMismatchError when the encoder's fingerprint is not the index's: its
        query vectors would not be comparable with the passages' (e.g. the ONNX export was
        made again with other library versions or on another processor).
        """
        expected = encoder.name if encoder is not None else None
        opened = open_store(store_location(index_dir, store), expected_model=expected)
        encoder = encoder or load_encoder(opened.manifest.model, opened.manifest.encoder)
        return cls(check_encoder(opened, encoder), encoder, mode)

    def current(self) -> Retriever:
        """This retriever: one build, as `RetrieverSource` asks (`qa.live.LiveRetriever` follows rebuilds)."""
        return self

    @property
    def store(self) -> PassageStore:
        return self._store

    @property
    def sparse(self) -> PassageStore:
        """What weighs a question's words (`idf`), for `qa.answer`."""
        return self._store

    @property
    def passages(self) -> list[StoredPassage]:
        return self._store.all_passages()

    @property
    def info(self) -> IndexInfo:
        manifest = self._store.manifest
        return IndexInfo(
            index_dir=str(self._store.location),
            model=manifest.model,
            documents=manifest.counts.documents,
            articles=manifest.counts.articles,
            passages=manifest.counts.passages,
            built_at=manifest.built_at,
        )

    @property
    def terms(self) -> CorpusTerms:
        """The index's text and vocabulary, for rewriting questions (built on first use)."""
        with self._terms_lock:
            if self._terms is None:
                passages = self._store.all_passages()
                sparse = getattr(self._store, "sparse", None)  # the local store's keyword index
                vocabulary = sparse.vocabulary if sparse is not None else {}
                self._terms = CorpusTerms(
                    [f"{p.title}\n{p.section}\n{p.text}" for p in passages], list(vocabulary), vocabulary
                )
            return self._terms

    def normalize(self, question: str) -> NormalizedQuestion:
        """The question as searched: cleaned, simplified, numbers and homophone typos as the documents write them;
        an English question translated into the documents' words (`qa.english`)."""
        prepared = prepare_question(question).text
        return translate_if_english(prepared, self.terms) or normalize_question(prepared, self.terms)

    def retrieve(self, question: str, k: int = 5, *, mode: str | None = None) -> list[Passage]:
        """The k passages that best match the question, best first.

        mode: "dense" (cosine similarity of embeddings), "bm25" (keywords) or "hybrid"
        (a convex combination of both); default: the retriever's mode.
        """
        return self.search(question, k, mode=mode).passages

    def search(self, question: str, k: int = 5, *, mode: str | None = None) -> Retrieval:
        """As `retrieve`, with what the answer's evidence check uses: each passage's dense cosine and ranks."""
        question = self.normalize(question).text
        k = min(check_k(k), self._store.size)
        mode = check_mode(mode or self.mode)
        if k == 0:
            return Retrieval([], [], [], [], None)
        vector = self._encoder.encode([question])[0] if mode != "bm25" else None
        if mode == "hybrid":  # the store's fusion hands back the lists it searched: no second search
            hybrid = self._store.hybrid(question, vector, k)
            ranked = hybrid.ranked
            dense = hybrid.dense if hybrid.dense is not None else self._store.dense(vector, max(k, CANDIDATES))
            keyword = hybrid.keyword if hybrid.keyword is not None else self._store.keyword(question, CANDIDATES)
            keyword = keyword[:CANDIDATES]
        else:
            dense = self._store.dense(vector, max(k, CANDIDATES)) if mode == "dense" else []
            keyword = self._store.keyword(question, CANDIDATES) if mode == "bm25" else []
            ranked = dense if mode == "dense" else keyword
        ranked = ranked[:k]
        cosine = dict(dense)
        dense_rank = {i: rank for rank, (i, _) in enumerate(dense, 1)}
        keyword_rank = {i: rank for rank, (i, _) in enumerate(keyword, 1)}
        stored = self._store.passages([i for i, _ in ranked])
        return Retrieval(
            passages=[Passage.from_stored(passage, score) for passage, (_, score) in zip(stored, ranked)],
            cosines=[cosine.get(i, min(cosine.values(), default=0.0)) for i, _ in ranked],
            dense_ranks=[dense_rank.get(i) for i, _ in ranked],
            keyword_ranks=[keyword_rank.get(i) for i, _ in ranked],
            question_vector=vector,
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of short texts (sentences), remembered by text: a sentence is embedded once."""
        with self._embedded_lock:
            known = {text: self._embedded[text] for text in texts if text in self._embedded}
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            known.update(zip(missing, self._encoder.encode(missing)))
            with self._embedded_lock:
                self._embedded.update((text, known[text]) for text in missing)
                while len(self._embedded) > EMBEDDED_SENTENCES:
                    self._embedded.pop(next(iter(self._embedded)))
        return np.stack([known[text] for text in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


@dataclass(frozen=True)
class Retrieval:
    """The passages of a search, best first, with per-passage signals in the same order."""

    passages: list[Passage]
    cosines: list[float]  # dense cosine to the question (the lowest candidate's when outside the dense list)
    dense_ranks: list[int | None]  # 1-based rank among the dense candidates, None when not among them
    keyword_ranks: list[int | None]  # 1-based rank by BM25, None beyond CANDIDATES or in dense mode
    question_vector: np.ndarray | None  # the question's unit vector (None in bm25 mode)


def check_encoder(store: PassageStore, encoder: Encoder) -> PassageStore:
    """The store, when the encoder embeds questions as its passages were. Raises IndexMismatchError."""
    built_with = store.manifest.encoder_fingerprint
    if built_with != fingerprint_of(encoder):
        raise IndexMismatchError(store.location, encoder_changed(built_with, fingerprint_of(encoder)))
    return store


def store_location(index_dir: str | Path | None, store: str | StoreLocation | None) -> StoreLocation:
    """The store named, else $QA_STORE, else the folder `index_dir` (default: $QA_INDEX, else index/)."""
    if isinstance(store, StoreLocation):
        return store
    if store is not None:
        return parse_location(store)
    return configured_location(index_dir)


def open_store(location: StoreLocation, *, expected_model: str | None = None) -> PassageStore:
    """The published build of a store. Raises IndexNotFoundError, IndexMismatchError (or StoreUnavailableError)."""
    if location.is_local:
        return LocalStore.load(location.uri, expected_model=expected_model)
    from qa.milvus_store import MilvusStore  # optional extra: pymilvus is imported only here

    return MilvusStore.open(location, expected_model=expected_model)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidModeError(mode, MODES)
    return mode
