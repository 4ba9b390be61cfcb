"""The default store: an index folder on this machine (FAISS vectors, bm25s keywords, passages.jsonl).

Reads a `qa.index_format.LoadedIndex`; `qa.index` builds the folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.index_format import LoadedIndex, Manifest, load_index
from qa.passage import StoredPassage
from qa.sparse import SparseIndex
from qa.store import (
    CANDIDATES,
    KEYWORD_WEIGHT,
    LOCAL,
    Hybrid,
    StoreLocation,
    convex_fusion,
    keyword_fusion,
    top_scores,
)
from qa.vector_index import search

BIGRAM_WEIGHT = 0.25  # keyword score = words / best + w * character bigrams / best; see docs/BENCHMARKS.md


class LocalStore:
    """A loaded index folder. Passage ids are rows: 0 .. size - 1."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.location = StoreLocation(LOCAL, str(index.index_dir))
        self.manifest: Manifest = index.manifest

    @classmethod
    def load(cls, index_dir: str | Path, *, expected_model: str | None = None) -> LocalStore:
        return cls(load_index(Path(index_dir), expected_model=expected_model))

    @property
    def size(self) -> int:
        return len(self.index.passages)

    @property
    def sparse(self) -> SparseIndex:
        return self.index.sparse

    def dense(self, vector: np.ndarray, depth: int) -> list[tuple[int, float]]:
        scores, ids = search(self.index.vectors, np.reshape(vector, (1, -1)), depth)
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def keyword(self, question: str, depth: int) -> list[tuple[int, float]]:
        return top_scores(self.keyword_scores(question), depth)

    def hybrid(self, question: str, vector: np.ndarray, depth: int) -> Hybrid:
        dense = self.dense(vector, max(depth, CANDIDATES))
        scores = self.keyword_scores(question)
        return Hybrid(convex_fusion(dense, scores, KEYWORD_WEIGHT), dense, top_scores(scores, CANDIDATES))

    def keyword_scores(self, question: str) -> np.ndarray:
        """Words and character-bigram BM25 of every passage, fused (`qa.sparse` has the why)."""
        sparse = self.index.sparse
        return keyword_fusion(sparse.scores(question), sparse.bigram_scores(question), BIGRAM_WEIGHT)

    def passages(self, ids: list[int]) -> list[StoredPassage]:
        return [self.index.passages[i] for i in ids]

    def all_passages(self) -> list[StoredPassage]:
        return self.index.passages

    def idf(self, token: str) -> float:
        return self.index.sparse.idf(token)
