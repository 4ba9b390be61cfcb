"""Flat below the limit, inverted file above it; recall of the approximate index against exact search."""

from __future__ import annotations

import os

import faiss
import numpy as np
import pytest

from qa.vector_index import (
    APPROXIMATE,
    EXACT,
    FLAT_LIMIT,
    SINGLE_QUERY_THREADS,
    list_count,
    make_vector_index,
    probes,
    search,
)


def clustered(count: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around 50 centres: a corpus has neighbourhoods, uniform noise has none."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, count)] + 0.5 * rng.standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_small_indexes_are_exact():
    vectors = clustered(200)
    index, kind = make_vector_index(vectors, 64)
    assert kind == EXACT and isinstance(index, faiss.IndexFlatIP) and index.ntotal == 200
    scores, ids = search(index, vectors[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]
    assert scores[:, 0] == pytest.approx(1.0, abs=1e-5)


def test_empty_index_and_short_results():
    index, kind = make_vector_index(np.zeros((0, 8), dtype=np.float32), 8)
    assert kind == EXACT and index.ntotal == 0
    _, ids = search(index, np.ones((1, 8), dtype=np.float32), 3)
    assert ids.tolist() == [[-1, -1, -1]]


def test_past_the_limit_the_index_is_approximate_with_recall_at_10_of_095():
    vectors, queries = clustered(20_000), clustered(50, seed=1)
    index, kind = make_vector_index(vectors, 64, flat_limit=5_000)
    assert kind == APPROXIMATE and isinstance(index, faiss.IndexIVF) and index.ntotal == 20_000
    assert index.nlist == list_count(20_000) and index.nprobe == probes(index.nlist)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, found = search(index, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)])
    assert recall >= 0.95


def test_approximate_index_survives_a_save_and_load(tmp_path):
    vectors = clustered(3_000)
    index, _ = make_vector_index(vectors, 64, flat_limit=1_000)
    faiss.write_index(index, str(tmp_path / "faiss.index"))
    loaded = faiss.read_index(str(tmp_path / "faiss.index"))
    assert search(loaded, vectors[:5], 3)[1].tolist() == search(index, vectors[:5], 3)[1].tolist()


class ThreadRecorder:
    """Stands in for a FAISS index: remembers FAISS's thread count each time it is searched."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self.threads: list[int] = []

    def search(self, queries: np.ndarray, k: int):
        self.threads.append(faiss.omp_get_max_threads())
        return self.index.search(queries, k)


def test_a_single_query_runs_on_one_thread_a_batch_on_every_core_and_the_count_is_restored():
    before = faiss.omp_get_max_threads()
    index, _ = make_vector_index(clustered(100), 64)
    recorder = ThreadRecorder(index)
    search(recorder, clustered(1), 5)
    search(recorder, clustered(4), 5)
    assert recorder.threads == [SINGLE_QUERY_THREADS, os.cpu_count() or 1] and SINGLE_QUERY_THREADS == 1
    assert faiss.omp_get_max_threads() == before


def test_the_limit_is_above_the_inews_scale():
    assert FLAT_LIMIT >= 50_000  # ~45,000 passages stay exact: flat search there is fast enough
