"""Print the retrieval table of docs/RETRIEVAL.md: modes x passage context x chunk size.

    .venv/bin/python eval/table.py [--questions FILE ...] [--distractors N]

Each configuration is built once in the evaluation cache (see `qa eval`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from qa.chunking import ChunkSettings
from qa.embedding import configured_model
from qa.evaluation import DEFAULT_QUESTIONS, evaluate, evaluation_index, load_questions
from qa.index import IndexSettings
from qa.retriever import MODES, Retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, nargs="+", default=[DEFAULT_QUESTIONS])
    parser.add_argument("--documents", type=Path, default=Path("documents"))
    parser.add_argument("--distractors", type=int, default=0)
    parser.add_argument("--chunk-sizes", type=int, nargs="+", default=[120, 150, 200, 250, 300])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    question_sets = {path.stem: load_questions(path) for path in args.questions}
    print("| chunk size | titles | mode | " + " | ".join(f"{name} hit@1 / hit@5 / MRR" for name in question_sets) + " | median chars |")
    print("|---" * (4 + len(question_sets)) + "|")
    for chunk_size in args.chunk_sizes:
        for titles in (True, False):
            settings = IndexSettings(ChunkSettings(chunk_size=chunk_size), embed_titles=titles)
            index_dir = evaluation_index(
                args.documents, distractors=args.distractors, model=configured_model(), settings=settings
            )
            retriever = Retriever.load(index_dir)
            for mode in MODES:
                reports = [evaluate(retriever, questions, mode) for questions in question_sets.values()]
                cells = " | ".join(f"{r.hit_at[1]:.2f} / {r.hit_at[5]:.2f} / {r.mrr:.3f}" for r in reports)
                median = reports[0].median_passage_chars
                print(f"| {chunk_size} | {'yes' if titles else 'no'} | {mode} | {cells} | {median:.0f} |", flush=True)


if __name__ == "__main__":
    main()
