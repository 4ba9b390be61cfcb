"""Choose, build and search the FAISS structure that holds the passage vectors.

Up to FLAT_LIMIT vectors the index is exact (`IndexFlatIP` over unit vectors, so scores
are cosine similarities); past it, an inverted file (`IndexIVFFlat`, inner product) whose
recall@10 against exact search was measured at or above 0.95 (bench/RESULTS.md). The
type name goes into the manifest. This module does not know about passages or files.

    >>> index, kind = make_vector_index(np.eye(3, dtype=np.float32), 3)
    >>> kind, search(index, np.eye(3, dtype=np.float32)[:1], 1)[1].tolist()
    ('flat-ip', [[0]])
"""

from __future__ import annotations

import math
import os

import faiss
import numpy as np

EXACT = "flat-ip"
APPROXIMATE = "ivf-flat-ip"
# Exact search reads every vector (2 KB at 512 dimensions) per question: ~15 ms at 100,000 on
# two cores, ~150 ms at 1,000,000. Below this size it is fast enough and needs no training.
FLAT_LIMIT = 100_000
TRAINING_POINTS_PER_LIST = 40  # k-means wants ~39 points per centroid; more only slows training
PROBE_SHARE = 1 / 32  # lists searched per question: recall@10 0.995 at 1,000,000 (1/16: 1.0, twice the time)
MIN_PROBES = 16
# One question searched with two OpenMP threads pays a fixed thread start-up (~9 ms seen);
# a single query is faster on one thread. Batches use every core.
SINGLE_QUERY_THREADS = 1


def list_count(size: int) -> int:
    """Inverted lists for `size` vectors: 2·√size, so each list holds about √size / 2."""
    return max(1, int(2 * math.sqrt(size)))


def make_vector_index(
    vectors: np.ndarray, dimension: int, *, flat_limit: int = FLAT_LIMIT, seed: int = 0
) -> tuple[faiss.Index, str]:
    """(FAISS index holding `vectors`, its type name for the manifest)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= flat_limit:
        index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        return index, EXACT
    lists = list_count(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT)
    sample = min(len(vectors), lists * TRAINING_POINTS_PER_LIST)
    rows = np.random.default_rng(seed).choice(len(vectors), size=sample, replace=False)
    with _threads(os.cpu_count() or 1):
        index.train(vectors[np.sort(rows)])
        index.add(vectors)
    index.nprobe = probes(lists)
    return index, APPROXIMATE


def probes(lists: int) -> int:
    return min(lists, max(MIN_PROBES, math.ceil(lists * PROBE_SHARE)))


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids), each of shape (len(queries), k); ids are -1 where fewer than k exist."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = probes(index.nlist)
    with _threads(SINGLE_QUERY_THREADS if len(queries) == 1 else os.cpu_count() or 1):
        return index.search(queries, k)


class _threads:
    """Set FAISS's OpenMP thread count for a block (process-wide; FAISS has no per-call setting)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __enter__(self) -> None:
        self.previous = faiss.omp_get_max_threads()
        if self.count != self.previous:
            faiss.omp_set_num_threads(self.count)

    def __exit__(self, *exc: object) -> None:
        if self.count != self.previous:
            faiss.omp_set_num_threads(self.previous)
