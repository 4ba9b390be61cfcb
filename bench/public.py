"""`python -m bench.public FILE`: the LangChain-defaults reference on a SQuAD-style set.

    python -m bench.public ../shared/external/drcd/DRCD_dev.json --limit 500

What a newcomer builds (bench.measure.LangChainPipeline: RecursiveCharacterTextSplitter()
defaults, the same model through HuggingFaceEmbeddings, FAISS.from_texts) over the same
documents `qa eval` indexes for the set (one per context paragraph), asked the same sample
of questions; prints hit@1 and hit@5 as `qa eval` counts them. Not cached: every run embeds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.measure import LangChainPipeline
from qa.benchmarks import load_squad, sample, write_corpus
from qa.evaluation import is_hit


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.public", description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="SQuAD-style JSON file")
    parser.add_argument("--limit", type=int, default=None, help="an evenly spread sample of N questions")
    args = parser.parse_args()
    dataset = load_squad(args.questions)
    pipeline = LangChainPipeline(write_corpus(f"squad-{dataset.name}", dataset.paragraphs))
    seconds = pipeline.build()
    questions = sample(dataset.questions, args.limit)
    first = any_five = 0
    for item in questions:
        found = pipeline.store.similarity_search(item.question, k=5)
        first += bool(found) and is_hit(found[0].page_content, item.answers)
        any_five += any(is_hit(d.page_content, item.answers) for d in found)
    count = max(len(questions), 1)
    report = {"set": dataset.name, "questions": len(questions), "hit_at_1": first / count, "hit_at_5": any_five / count}
    print(json.dumps({**report, "build_seconds": round(seconds, 1)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
