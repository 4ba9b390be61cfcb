"""The measurements behind `python -m bench`: builds, warm queries, cold start, scale, LangChain.

Every function returns plain numbers; `bench/__main__.py` repeats them and prints the table.
Nothing here is a test: timings on a shared machine are noisy, so compare ratios taken side
by side in one run, never absolute figures across runs.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.documents import read_documents
from qa.evaluation import EvalQuestion, evaluate, is_hit
from qa.index import IndexSettings, build_index, passages_of
from qa.index_format import LoadedIndex
from qa.retriever import Retriever
from qa.sparse import SparseIndex
from qa.vector_index import make_vector_index, search

MODEL = "m3e-small"


@dataclass(frozen=True)
class Build:
    seconds: float
    characters: int  # characters embedded (passage text with title and section)
    passages: int


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p95_ms: float


def corpus_texts(corpus: Path) -> list[str]:
    settings = IndexSettings()
    return [
        p.indexed_text(settings.embed_titles) for d in read_documents(corpus) for p in passages_of(d, settings, 0)[1]
    ]


def build(corpus: Path, index_dir: Path, kind: str) -> Build:
    texts = corpus_texts(corpus)
    started = time.perf_counter()
    build_index(corpus, index_dir, model=MODEL, encoder_kind=kind)
    return Build(time.perf_counter() - started, sum(map(len, texts)), len(texts))


def warm_latency(search: Callable[[str], object], questions: list[str], rounds: int) -> Latency:
    """Warm latency of `search`: one untimed round, then `rounds` timed rounds."""
    for question in questions:
        search(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            search(question)
            times.append(time.perf_counter() - started)
    return Latency(1000 * float(np.percentile(times, 50)), 1000 * float(np.percentile(times, 95)))


def latency(retriever: Retriever, questions: list[str], rounds: int, mode: str | None = None) -> Latency:
    """Warm latency of retrieve(k=5)."""
    return warm_latency(lambda question: retriever.retrieve(question, k=5, mode=mode), questions, rounds)


def quality(retriever: Retriever, questions: list[EvalQuestion], mode: str) -> tuple[float, float]:
    report = evaluate(retriever, questions, mode)
    return report.hit_at[1], report.hit_at[5]


def cold_start(index_dir: Path, question: str) -> tuple[float, float]:
    """(seconds from process start to the printed answer of `qa ask`, peak RSS in MB)."""
    # A small wrapper process starts `qa ask`, so that the peak RSS it reads for its one child
    # is that child's, not a copy of this (large) process's pages.
    wrapper = (
        "import resource, subprocess, sys, time; started = time.perf_counter(); "
        "subprocess.run([sys.executable, '-m', 'qa.cli', 'ask', sys.argv[1], '--index', sys.argv[2]], "
        "check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, question, str(index_dir)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # ru_maxrss is in KB


def synthetic_vectors(real: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """`count` unit vectors: real ones plus Gaussian noise (cosine ~0.8 to their base).

    Uniform random unit vectors have no neighbourhoods (every vector is at cosine ~0 of
    every other), which no real corpus looks like and which makes recall meaningless.
    """
    rng = np.random.default_rng(seed)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, count, step):
        rows = min(step, count - start)
        block = real[rng.integers(0, len(real), rows)] + rng.standard_normal((rows, real.shape[1]), np.float32) * (
            0.75 / np.sqrt(real.shape[1])
        )
        out[start : start + rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def scaled_retriever(
    base: LoadedIndex,
    encoder,
    vectors: np.ndarray,
    sparse: SparseIndex | None,
    flat_limit: int,
) -> tuple:
    """A Retriever over `vectors` with the base index's passages repeated to the same count.

    Returns (retriever, index type, seconds to build the vector index).
    """
    started = time.perf_counter()
    index, kind = make_vector_index(vectors, vectors.shape[1], flat_limit=flat_limit)
    seconds = time.perf_counter() - started
    passages = [base.passages[i % len(base.passages)] for i in range(len(vectors))]
    loaded = LoadedIndex(base.index_dir, base.manifest, index, sparse or base.sparse, passages)
    return Retriever(loaded, encoder, "hybrid" if sparse is not None else "dense"), kind, seconds


def recall_at_10(index, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Share of the exact top 10 (brute force in blocks) that the index's search returns."""
    exact = np.full((len(queries), 10), -1)
    best = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    for start in range(0, len(vectors), 200_000):
        scores = queries @ vectors[start : start + 200_000].T
        merged_scores = np.concatenate([best, scores], axis=1)
        merged_ids = np.concatenate([exact, np.arange(start, start + scores.shape[1])[None].repeat(len(queries), 0)], 1)
        top = np.argsort(-merged_scores, axis=1)[:, :10]
        best = np.take_along_axis(merged_scores, top, 1)
        exact = np.take_along_axis(merged_ids, top, 1)
    found = search(index, queries, 10)[1]
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)]))


def faiss_threads(index, query: np.ndarray, threads: int, repeats: int = 50) -> float:
    """Median ms of one single-query search with `threads` OpenMP threads."""
    import faiss

    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            index.search(query, 5)
            times.append(time.perf_counter() - started)
    finally:
        faiss.omp_set_num_threads(previous)
    return 1000 * statistics.median(times)


class LangChainPipeline:
    """What a user would write: read the files, RecursiveCharacterTextSplitter defaults, FAISS.from_texts."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.store = None

    def build(self) -> float:
        """Seconds from model load to a searchable store, as `build_index` counts them."""
        from langchain_community.embeddings import HuggingFaceEmbeddings
        from langchain_community.vectorstores import FAISS
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from qa.embedding import resolve_model_path

        started = time.perf_counter()
        embeddings = HuggingFaceEmbeddings(model_name=resolve_model_path(MODEL))
        splitter = RecursiveCharacterTextSplitter()
        chunks = [c for d in read_documents(self.corpus) for c in splitter.split_text(d.text)]
        self.store = FAISS.from_texts(chunks, embeddings)
        return time.perf_counter() - started

    def latency(self, questions: list[str], rounds: int) -> Latency:
        return warm_latency(lambda question: self.store.similarity_search(question, k=5), questions, rounds)

    def hit_at_5(self, questions: list[EvalQuestion]) -> float:
        hits = 0
        for item in questions:
            found = self.store.similarity_search(item.question, k=5)
            hits += any(is_hit(d.page_content, item.answers) for d in found)
        return hits / max(len(questions), 1)


def plain_pipeline(corpus: Path, chunk_size: int) -> float:
    """Seconds of the plain pipeline: langchain splitter, sentence-transformers encode, flat FAISS.

    Same chunk size as `qa build`, so both embed about the same amount of text.
    """
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    from qa.embedding import resolve_model_path

    started = time.perf_counter()
    model = SentenceTransformer(resolve_model_path(MODEL), device="cpu")
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=0)
    chunks = [c for d in read_documents(corpus) for c in splitter.split_text(d.text)]
    vectors = model.encode(chunks, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return time.perf_counter() - started


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="qa-bench-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
