"""Retrieval quality of each embedding path, side by side: hit@1/hit@5/MRR per question set and mode.

    python -m bench.retrieval --distractors 0 1000 --kinds onnx-int8 torch \\
        --questions ../shared/eval/dev_questions.jsonl eval/questions.heldout.jsonl

Each (corpus, kind) index is built once in the evaluation cache ($QA_CACHE) and reused.
The int8 path stays the default only while its hit@5 is within 0.02 of the float model's
(docs/RETRIEVAL.md); this prints the table that says whether it is.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from qa.embedding import ENCODER_KINDS, configured_model
from qa.evaluation import evaluate, evaluation_index, load_questions
from qa.retriever import MODES, Retriever

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, nargs="+", default=[ROOT / "eval" / "questions.heldout.jsonl"])
    parser.add_argument("--documents", type=Path, default=ROOT / "documents")
    parser.add_argument("--distractors", type=int, nargs="+", default=[0, 1000])
    parser.add_argument("--kinds", nargs="+", choices=ENCODER_KINDS, default=list(ENCODER_KINDS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sets = {path.stem: [q for q in load_questions(path)] for path in args.questions if path.is_file()}
    print(
        "| corpus | encoder | mode | "
        + " | ".join(f"{name} ({len(q)}) hit@1 / hit@5 / MRR" for name, q in sets.items())
        + " |"
    )
    print("|---|---|---|" + "---|" * len(sets))
    for distractors in args.distractors:
        for kind in args.kinds:
            os.environ["QA_ENCODER"] = kind  # evaluation_index builds with the default kind
            started = time.perf_counter()
            index_dir = evaluation_index(args.documents, distractors=distractors, model=configured_model())
            retriever = Retriever.load(index_dir)
            built = time.perf_counter() - started
            corpus = f"seeds + {distractors} inews" if distractors else "seeds"
            for mode in MODES:
                cells = []
                for questions in sets.values():
                    report = evaluate(retriever, questions, mode)
                    cells.append(f"{report.hit_at[1]:.3f} / {report.hit_at[5]:.3f} / {report.mrr:.3f}")
                print(f"| {corpus} | {kind} | {mode} | " + " | ".join(cells) + " |", flush=True)
            logging.getLogger(__name__).info("index ready in %.0f s", built)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
