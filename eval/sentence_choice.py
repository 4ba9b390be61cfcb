"""Where the answer line misses on a SQuAD-style public set: retrieval, sentence choice or refusal.

    .venv/bin/python eval/sentence_choice.py ../shared/external/cmrc2018/cmrc2018_trial.json --limit 300
    .venv/bin/python eval/sentence_choice.py eval/questions.tune.jsonl    # in-corpus questions, documents/

For each question of an evenly spread sample (as `qa eval --limit`), the answer is composed
twice from the same retrieval: with the product's decision and with one that always answers.
Each question falls in one class:

- answered: found, and the answer holds a gold span;
- refused: the forced answer holds a gold span, the decision refused it;
- wrong sentence: a gold span lies inside one sentence of the top passages, the chosen ones lack it;
- across sentences: a top passage holds a gold span only across a sentence end;
- retrieval: no top passage holds a gold span.

Searches and sentence vectors are remembered under $QA_CACHE/sentence-choice, so that a change
to the sentence choice is measured again in seconds (`--fresh` forgets them).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa import benchmarks
from qa.answer import ANSWER_PASSAGES, extract_answer
from qa.answer_evaluation import load_answer_items
from qa.answerability import ALWAYS_ANSWER
from qa.distractors import cache_root
from qa.embedding import configured_model
from qa.evaluation import evaluation_index, is_hit
from qa.question import prepare_question
from qa.sentences import compact, split_sentences


def classify(text: str, forced: str, found: bool, answers: tuple[str, ...], passages) -> str:
    if found and is_hit(text, answers):
        return "answered"
    if is_hit(forced, answers):
        return "refused"
    top = passages[:ANSWER_PASSAGES]
    if any(is_hit(sentence, answers) for passage in top for sentence in split_sentences(passage.text)):
        return "wrong sentence"
    if any(is_hit(passage.text, answers) for passage in top):
        return "across sentences"
    return "retrieval"


def searches(path: Path, limit: int | None, fresh: bool):
    """(questions, retrievals, sparse index, embed) of the sample, from the cache when it holds them."""
    if path.suffix == ".jsonl":  # the project's own questions, asked of the documents folder
        questions = [item for item in load_answer_items(path) if item.answerable]
        corpus = Path("documents")
    else:
        dataset = benchmarks.load_squad(path)
        questions = benchmarks.sample(dataset.questions, limit)
        corpus = benchmarks.write_corpus(f"squad-{dataset.name}", dataset.paragraphs)
    key = hashlib.sha256(f"{path.resolve()}|{limit}".encode()).hexdigest()[:12]
    store = cache_root() / "sentence-choice" / f"{path.stem}-{key}.pickle"
    retriever = benchmarks.load_retriever(evaluation_index(corpus, model=configured_model()))
    if store.exists() and not fresh:
        retrievals, vectors = pickle.loads(store.read_bytes())
    else:
        retrievals, vectors = {}, {}
    for item in questions:
        if item.id not in retrievals:
            searched = retriever.normalize(prepare_question(item.question).text).text
            retrievals[item.id] = (searched, retriever.search(searched, k=benchmarks.ANSWER_K))

    def embed(texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in vectors]
        if missing:
            vectors.update(zip(missing, retriever.embed(missing)))
        return np.stack([vectors[text] for text in texts])

    def save() -> None:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_bytes(pickle.dumps((retrievals, vectors)))

    return questions, retrievals, retriever.sparse, embed, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="search and embed again")
    parser.add_argument("--misses", type=int, default=0, help="print this many misses of the class --kind")
    parser.add_argument("--kind", default="wrong sentence", help="the class whose misses are printed (refused: with signals)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    questions, retrievals, sparse, embed, save = searches(args.path, args.limit, args.fresh)
    classes: Counter[str] = Counter()
    forced_hits = 0
    shown = 0
    for item in questions:
        searched, retrieval = retrievals[item.id]
        decided = extract_answer(item.question, searched, retrieval, sparse, embed=embed)
        forced = extract_answer(item.question, searched, retrieval, sparse, embed=embed, model=ALWAYS_ANSWER)
        forced_hits += is_hit(forced.text, item.answers)
        kind = classify(decided.text, forced.text, decided.found, item.answers, retrieval.passages)
        classes[kind] += 1
        if kind == args.kind and shown < args.misses:
            shown += 1
            print(f"- {item.question} | gold {item.answers[0]} | {compact(forced.text)[:150]}")
            if kind == "refused":
                print(f"  {decided.confidence:.2f}", {k: round(v, 2) for k, v in vars(decided.signals).items() if v})
    save()
    count = len(questions)
    print(f"{args.path.name}: {count} questions")
    print(f"forced answer holds a gold span: {forced_hits} ({forced_hits / count:.1%})")
    for kind in ("answered", "refused", "wrong sentence", "across sentences", "retrieval"):
        print(f"  {kind}: {classes[kind]} ({classes[kind] / count:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
