"""Local store vs Milvus (Lite): retrieval quality, build time, query latency. Needs `pip install -e '.[milvus]'`.

    python -m bench.milvus quality                    # hit@1/3/5, MRR on the dev and paraphrase sets, each fusion
    python -m bench.milvus scale --passages 50000     # build time and query p50/p95, synthetic vectors

`quality` builds documents/ into a temporary folder and a temporary Milvus Lite file with the
configured encoder (the same vectors), then evaluates dense, bm25 and hybrid on both; for
Milvus, hybrid once per fusion (convex: the local convex combination on Milvus's two result
lists; rrf and weighted: Milvus's server-side rankers) and once per keyword analyzer.
`scale` stores N passages (the seeds' passages repeated, with synthetic unit vectors near the
real ones, as bench/measure.py does) in both stores and times `Retriever.retrieve` on real
questions, each question embedded once beforehand (the model's time is the same for both
stores). See docs/SCALE.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa import milvus_store
from qa.embedding import configured_model, default_kind, load_encoder
from qa.evaluation import SHARED_QUESTIONS, evaluate, load_questions
from qa.index import build_index
from qa.index_format import load_index
from qa.retriever import Retriever
from qa.store import MILVUS, StoreLocation

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
QUESTION_SETS = {
    "dev": (ROOT / SHARED_QUESTIONS).resolve(),
    "paraphrases": ROOT / "eval" / "paraphrases.jsonl",
}
QUESTIONS = [
    "清镇市一季度完成工业投资多少？",
    "贵州省2024年从哪天起全面入汛？",
    "凹河村种了多少亩樱桃？",
    "清镇市规模以上工业企业有多少家？",
    "华锦铝业一天能产出多少吨氧化铝？",
]


def quality(folder: Path) -> None:
    encoder = load_encoder(configured_model(), default_kind())
    build_index(DOCUMENTS, folder / "index", encoder=encoder)
    local = Retriever.load(folder / "index", encoder=encoder)
    stores = {}
    for analyzer in milvus_store.ANALYZERS:
        milvus_store.ANALYZER = analyzer
        location = StoreLocation(MILVUS, str(folder / "bench.db"), name=f"bench_{analyzer}")
        build_index(DOCUMENTS, folder / "index", encoder=encoder, store=location)
        stores[analyzer] = Retriever.load(encoder=encoder, store=location)
    print(f"{local.info.passages} passages, encoder {encoder.name} ({default_kind()})")
    print(f"{'set':12} {'store':28} {'mode':8} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6}")
    for name, path in QUESTION_SETS.items():
        if not path.is_file():
            print(f"{name}: {path} is absent, skipped")
            continue
        questions = load_questions(path)
        rows = [("local faiss+bm25s", local, mode, None) for mode in ("dense", "bm25", "hybrid")]
        for analyzer, retriever in stores.items():
            rows.append((f"milvus-lite {analyzer}", retriever, "bm25", None))
            rows.extend(
                (f"milvus-lite {analyzer} {fusion}", retriever, "hybrid", fusion) for fusion in milvus_store.FUSIONS
            )
        rows.insert(3, ("milvus-lite", stores["words"], "dense", None))
        for label, retriever, mode, fusion in rows:
            if fusion:
                milvus_store.FUSION = fusion
            report = evaluate(retriever, questions, mode)
            hits = " ".join(f"{report.hit_at[k]:6.3f}" for k in (1, 3, 5))
            print(f"{name:12} {label:28} {mode:8} {hits} {report.mrr:6.3f}  ({report.questions} questions)")
    milvus_store.close_clients()


class RememberingEncoder:
    """The real encoder, each question embedded once: query times are the store's, not the model's."""

    def __init__(self, encoder) -> None:
        self.encoder, self.name, self.dimension = encoder, encoder.name, encoder.dimension
        self.kind = encoder.kind
        self._vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        if len(texts) != 1:
            return self.encoder.encode(texts, show_progress=show_progress)
        if texts[0] not in self._vectors:
            self._vectors[texts[0]] = self.encoder.encode(texts)
        return self._vectors[texts[0]]


def scale(folder: Path, passages: int, repeats: int) -> None:
    encoder = RememberingEncoder(load_encoder(configured_model(), default_kind()))
    build_index(DOCUMENTS, folder / "seed", encoder=encoder)
    seed = load_index(folder / "seed")
    rng = np.random.default_rng(0)
    real = np.stack([seed.vectors.reconstruct(i) for i in range(seed.vectors.ntotal)])
    noise = rng.standard_normal((passages, real.shape[1]), dtype=np.float32) * (0.75 / np.sqrt(real.shape[1]))
    vectors = real[np.arange(passages) % len(real)] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    stored = [seed.passages[i % len(seed.passages)] for i in range(passages)]
    by_source: dict[str, list[int]] = {}
    for row, passage in enumerate(stored):
        by_source.setdefault(f"{passage.source}#{row // len(seed.passages)}", []).append(row)
    manifest = replace(seed.manifest, counts=replace(seed.manifest.counts, passages=passages))
    print(f"{passages} passages ({len(by_source)} synthetic documents), dimension {real.shape[1]}")

    from qa.index import LocalWriter

    timings = {}
    started = time.perf_counter()
    local_writer = LocalWriter(folder / "local", None, real.shape[1])
    for source, rows in by_source.items():
        local_writer.add_document(source, [stored[r] for r in rows], vectors[rows])
    local_writer.publish(manifest)
    timings["local faiss+bm25s"] = time.perf_counter() - started
    location = StoreLocation(MILVUS, str(folder / "scale.db"), name="scale")
    started = time.perf_counter()
    milvus_writer = milvus_store.MilvusWriter(location, None, real.shape[1])
    for source, rows in by_source.items():
        milvus_writer.add_document(source, [stored[r] for r in rows], vectors[rows])
    milvus_writer.publish(manifest)
    timings["milvus-lite"] = time.perf_counter() - started
    retrievers = {
        "local faiss+bm25s": Retriever.load(folder / "local", encoder=encoder),
        "milvus-lite": Retriever.load(encoder=encoder, store=location),
    }
    print(f"{'store':20} {'write s':>8} {'mode':8} {'p50 ms':>8} {'p95 ms':>8}")
    for label, retriever in retrievers.items():
        for mode in ("dense", "bm25", "hybrid"):
            for question in QUESTIONS:
                retriever.retrieve(question, k=5, mode=mode)  # warm
            times = []
            for _ in range(repeats):
                for question in QUESTIONS:
                    started = time.perf_counter()
                    retriever.retrieve(question, k=5, mode=mode)
                    times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{label:20} {timings[label]:8.1f} {mode:8} {statistics.median(times):8.1f} {p95:8.1f}")
    milvus_store.close_clients()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("quality", "scale"))
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=20, help="rounds of the questions (scale)")
    parser.add_argument("--dev", type=Path, default=QUESTION_SETS["dev"], help="the dev question file (quality)")
    args = parser.parse_args()
    QUESTION_SETS["dev"] = args.dev
    with tempfile.TemporaryDirectory(prefix="qa-bench-milvus-") as folder:
        if args.what == "quality":
            quality(Path(folder))
        else:
            scale(Path(folder), args.passages, args.repeats)


if __name__ == "__main__":
    main()
