"""Warm latency of `qa.answer` (k=5) on the seeds index and with distractor articles.

    .venv/bin/python -m bench.answer_latency --questions eval/questions.tune.jsonl [--distractors 1000] [--rounds 3]

Four figures per index, all with the model loaded and one warm-up question asked
(retrieve only: `Retriever.retrieve(k=5)`, the floor every answer pays):
- first ask: each question asked once, sentence vectors not yet cached (what a new question costs);
- repeat: further rounds over the same questions (sentence vectors cached);
- without sentences: the decision fed the passage cosine instead of sentence cosines, for the ratio.
The indexes come from the evaluation cache (`qa eval` builds them once, under $QA_CACHE).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

from qa.answer import answer
from qa.answer_evaluation import load_answer_items
from qa.embedding import configured_model, default_kind
from qa.evaluation import evaluation_index
from qa.retriever import Retriever


def _timed(retriever: Retriever, questions: list[str]) -> list[float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        answer(question, retriever=retriever)
        times.append(1000 * (time.perf_counter() - started))
    return times


def measure(retriever: Retriever, questions: list[str], rounds: int) -> dict[str, float]:
    answer("预热问题：清镇市有多少家企业？", retriever=retriever)
    retrieval = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            retriever.retrieve(question, k=5)
            retrieval.append(1000 * (time.perf_counter() - started))
    first = _timed(retriever, questions)
    repeat = [t for _ in range(rounds) for t in _timed(retriever, questions)]
    embed = retriever.embed
    retriever.embed = None  # type: ignore[method-assign,assignment]  # answer() then skips sentence vectors
    try:
        plain = [t for _ in range(rounds) for t in _timed(retriever, questions)]
    finally:
        retriever.embed = embed  # type: ignore[method-assign]
    return {
        "first_p50": statistics.median(first),
        "repeat_p50": statistics.median(repeat),
        "plain_p50": statistics.median(plain),
        "retrieve_p50": statistics.median(retrieval),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--documents", type=Path, default=Path("documents"))
    parser.add_argument("--distractors", type=int, nargs="+", default=[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    questions = [item.question for item in load_answer_items(args.questions)]
    print(f"encoder {default_kind()}, {len(questions)} questions")
    print(
        "| index | passages | retrieve only p50 ms | answer, first ask p50 ms | answer, repeat p50 ms "
        "| answer without sentence vectors p50 ms |"
    )
    for count in args.distractors:
        index_dir = evaluation_index(args.documents, distractors=count, model=configured_model(), show_progress=True)
        retriever = Retriever.load(index_dir)
        figures = measure(retriever, questions, args.rounds)
        print(
            f"| seeds + {count} | {retriever.info.passages} | {figures['retrieve_p50']:.1f} | {figures['first_p50']:.1f} | "
            f"{figures['repeat_p50']:.1f} | {figures['plain_p50']:.1f} |"
        )


if __name__ == "__main__":
    main()
