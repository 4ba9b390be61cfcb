"""Refit the answerability decision (qa/answerability.json) and print its precision/recall trade-off.

    .venv/bin/python eval/fit_answerability.py --questions eval/questions.tune.jsonl \\
        [--external ../shared/external] [--public-limit 80] [--cv] [--write]

Examples: every question of the question files, asked of the seeds index with a decision
that always answers, so that each yields its signals and whether the composed answer holds
the answer. Positives: in-corpus questions whose answer holds an answer string; negatives:
questions the documents do not answer. In-corpus questions whose composed answer misses
(retrieval or sentence choice failed) are left out: refusing them costs nothing.

With --external, development portions of public sets add examples (issue 18): RGB
zh_refine (a sample of queries asked of their pooled negative passages: negatives; and of
their positive passages: positives when every answer element is in the answer), CMRC 2018
and DRCD (traditional characters; samples of paragraphs and their questions). Their indexes are built once under
$QA_CACHE/calibration. Public examples together weigh as much as the own ones.

The logistic regression is fitted with Newton's method (L2-penalised) on standardised
signals; the coefficients are written back in raw units. The threshold maximises the mean
of the in-corpus correct rate and the refusal rate on the question files, averaged (with
--external) with the mean of the public rates (RGB negatives refused, RGB positives, CMRC
and DRCD questions answered right). With --cv the table and the threshold come from 10-fold
cross-validated probabilities (each example scored by a model fitted without it), an honest
estimate on the tune data; the written coefficients are those fitted on every example. With
--threshold the operating point is given instead (docs/ANSWERS.md says why it was).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer import extract_answer
from qa.answer_evaluation import load_answer_items
from qa.answerability import ALWAYS_ANSWER, FEATURES, MODEL_FILE, AnswerabilityModel
from qa.distractors import cache_root
from qa.embedding import configured_model
from qa.evaluation import compact, evaluation_index, is_hit
from qa.retriever import Retriever

PENALTY = 1.0  # L2 on standardised weights


@dataclass
class Example:
    source: str  # "own", "rgb", "cmrc", "drcd"
    kind: str
    signals: list[float]
    label: int | None  # 1 answerable and answered right, 0 unanswerable, None left out
    answerable: bool
    hit: bool


def ask(retriever: Retriever, question: str):
    searched = retriever.normalize(question).text
    retrieval = retriever.search(searched, k=5)
    return extract_answer(question, searched, retrieval, retriever.sparse, embed=retriever.embed, model=ALWAYS_ANSWER)


def own_examples(retriever: Retriever, path: Path) -> list[Example]:
    examples = []
    for item in load_answer_items(path):
        result = ask(retriever, item.question)
        hit = item.answerable and is_hit(result.text, item.answers)
        label = (1 if hit else None) if item.answerable else 0
        examples.append(Example("own", item.kind, result.signals.vector(), label, item.answerable, hit))
    return examples


def _index_of(name: str, texts: list[str]) -> Retriever:
    folder = cache_root() / "calibration" / name / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(texts):
        path = folder / f"{number:05d}.txt"
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    return Retriever.load(evaluation_index(folder, model=configured_model(), show_progress=True))


def _rgb_correct(text: str, answer: list) -> bool:
    flat = compact(text)
    return all(
        any(compact(str(a)) in flat for a in (element if isinstance(element, list) else [element]))
        for element in answer
    )


def rgb_examples(path: Path, limit: int, seed: int) -> list[Example]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = random.Random(seed).sample(rows, min(limit, len(rows)))
    positives = {p for row in rows for p in row["positive"]}
    negatives = _index_of(f"rgb-neg-{limit}-{seed}", sorted({n for row in rows for n in row["negative"]} - positives))
    positive = _index_of(f"rgb-pos-{limit}-{seed}", sorted(positives))
    examples = []
    for row in rows:
        refused = ask(negatives, row["query"])
        examples.append(Example("rgb", "rgb_negative", refused.signals.vector(), 0, False, False))
        answered = ask(positive, row["query"])
        hit = _rgb_correct(answered.text, row["answer"])
        examples.append(Example("rgb", "rgb_positive", answered.signals.vector(), 1 if hit else None, True, hit))
    return examples


def squad_examples(path: Path, name: str, limit: int, seed: int) -> list[Example]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [p for article in data for p in article["paragraphs"]]
    paragraphs = random.Random(seed).sample(paragraphs, min(limit, len(paragraphs)))
    retriever = _index_of(f"{name}-{limit}-{seed}", [p["context"] for p in paragraphs])
    examples = []
    for paragraph in paragraphs:
        for qa in [qa for qa in paragraph["qas"] if qa.get("question", "").strip() and qa.get("answers")][:2]:
            answers = tuple(a["text"] for a in qa["answers"])
            result = ask(retriever, qa["question"])
            hit = is_hit(result.text, answers)
            examples.append(Example(name, name, result.signals.vector(), 1 if hit else None, True, hit))
    return examples


# The direction each signal may push: more evidence never lowers the probability, a missing word,
# value or slot never raises it. Without this, signals that move together (lexical coverage and
# the sentence cosine, type_match and slot_missing) and the two kinds of text fitted at once (RGB's
# negatives repeat the query's words) give some a weight of the wrong sign, and a question whose
# best sentence holds every word and the value asked for is refused.
SIGNS = {
    "lexical": 1, "semantic": 1, "passage_cosine": 1, "type_match": 1, "unit_match": 1, "agreement": 1,
    "missing_rare": -1, "missing_noun": -1, "conflict": -1, "foreign": -1, "focus_missing": -1,
    "answer_cosine": 1, "sentence_lexical": 1, "number_missing": -1, "slot_missing": -1,
    "unit_missing": -1, "clause_focus_missing": -1, "person_missing": -1,
}  # fmt: skip


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression with each weight of its signal's sign (SIGNS): a signal whose weight
    comes out of the wrong sign is left out and the rest refitted, until none is."""
    signs = np.array([SIGNS.get(name, 0) for name in FEATURES])[: x.shape[1]]
    kept = np.ones(x.shape[1], dtype=bool)
    while True:
        weights = np.zeros(x.shape[1])
        weights[kept], bias = _fit_free(x[:, kept], y, weight)
        wrong = kept & (weights * signs < 0)
        if not wrong.any():
            return weights, bias
        kept &= ~wrong


def _fit_free(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method; returns raw-unit weights and bias."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], PENALTY)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        gradient = z.T @ (weight * (p - y)) + penalty * beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = beta[1:] / scale
    return weights, float(beta[0] - (weights * mean).sum())


def rates(examples: list[Example], model: AnswerabilityModel, probabilities: list[float] | None = None) -> dict[str, float]:
    """Own rates (correct, refused, near misses refused) and public ones (RGB rejection, RGB positives
    and CMRC answered right), from the model or from given probabilities (cross-validation)."""
    if probabilities is None:
        probabilities = [model.probability(_signals(e)) for e in examples]
    answered = {id(e): p >= model.threshold for e, p in zip(examples, probabilities)}

    def share(part: list[Example], ok) -> float:
        return sum(ok(e) for e in part) / max(len(part), 1)

    own = [e for e in examples if e.source == "own"]
    in_corpus = [e for e in own if e.answerable]
    refusable = [e for e in own if not e.answerable]
    said = [e for e in own if answered[id(e)]]

    def right(e: Example) -> bool:
        return e.hit and answered[id(e)]

    def refused(e: Example) -> bool:
        return not answered[id(e)]

    return {
        "correct": share(in_corpus, right),
        "refused": share(refusable, refused),
        "near_refused": share([e for e in refusable if "near" in e.kind], refused),
        "precision": sum(e.hit for e in said) / max(len(said), 1),
        "rgb_rejection": share([e for e in examples if e.kind == "rgb_negative"], refused),
        "rgb_positive": share([e for e in examples if e.kind == "rgb_positive"], right),
        "cmrc": share([e for e in examples if e.kind == "cmrc"], right),
        "drcd": share([e for e in examples if e.kind == "drcd"], right),
    }


def objective(r: dict[str, float], public: bool) -> float:
    """Mean of the own correct and refusal rates, averaged with the mean of the public rates when fitted on them."""
    own = (r["correct"] + r["refused"]) / 2
    return (own + (r["rgb_rejection"] + r["rgb_positive"] + r["cmrc"] + r["drcd"]) / 4) / 2 if public else own


def cross_validated(examples: list[Example], folds: int = 10, seed: int = 0) -> list[float]:
    """Each example's probability from a model fitted without its fold (an honest estimate on the tune data)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    probabilities = [0.0] * len(examples)
    for fold in range(folds):
        held = set(order[fold::folds])
        train = [e for i, e in enumerate(examples) if i not in held and e.label is not None]
        weights, bias = fit(*_design(train))
        for i in held:
            z = bias + float(np.dot(weights, examples[i].signals))
            probabilities[i] = 1 / (1 + np.exp(-max(-30.0, min(30.0, z))))
    return probabilities


def _design(labelled: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signals, labels and example weights: public examples together weigh as much as the own ones."""
    own = sum(e.source == "own" for e in labelled)
    share = own / max(len(labelled) - own, 1)
    x = np.array([e.signals for e in labelled])
    y = np.array([e.label for e in labelled], dtype=float)
    return x, y, np.array([1.0 if e.source == "own" else share for e in labelled])


def _signals(example: Example):
    from qa.answerability import Signals

    return Signals(*example.signals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    parser.add_argument("--documents", type=Path, default=Path("documents"))
    parser.add_argument("--external", type=Path, default=None, help="../shared/external (development portions)")
    parser.add_argument("--public-limit", type=int, default=80, help="RGB queries and CMRC paragraphs sampled")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cv", action="store_true", help="rates and threshold from 10-fold cross-validated probabilities")
    parser.add_argument("--write", action="store_true", help=f"write the coefficients to {MODEL_FILE}")
    parser.add_argument(
        "--threshold", type=float, default=None, help="write this operating point instead of the one the objective picks"
    )
    parser.add_argument(
        "--examples",
        type=Path,
        default=None,
        help="cache examples in FILE.own.json / FILE.public.json (delete to redo)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    def cached(name: str, make) -> list[Example]:
        path = args.examples.with_suffix(f".{name}.json") if args.examples else None
        if path is not None and path.exists():
            return [Example(**e) for e in json.loads(path.read_text(encoding="utf-8"))]
        made = make()
        if path is not None:
            path.write_text(json.dumps([e.__dict__ for e in made], ensure_ascii=False), encoding="utf-8")
        return made

    def own() -> list[Example]:
        seeds = Retriever.load(evaluation_index(args.documents, model=configured_model(), show_progress=True))
        return [e for path in args.questions for e in own_examples(seeds, path)]

    def public() -> list[Example]:
        rgb = rgb_examples(args.external / "rgb" / "zh_refine.dev.json", args.public_limit, args.seed)
        cmrc = squad_examples(args.external / "cmrc2018" / "cmrc2018_trial.json", "cmrc", args.public_limit, args.seed)
        return rgb + cmrc + squad_examples(args.external / "drcd" / "DRCD_dev.json", "drcd", args.public_limit, args.seed)

    examples = cached("own", own) + (cached("public", public) if args.external else [])

    labelled = [e for e in examples if e.label is not None]
    own_labelled = [e for e in labelled if e.source == "own"]
    with_public = len(own_labelled) < len(labelled)
    weights, bias = fit(*_design(labelled))
    names = dict(zip(FEATURES, (round(float(w), 4) for w in weights)))
    print(f"{len(own_labelled)} own and {len(labelled) - len(own_labelled)} public labelled examples; {names}, bias {bias:.3f}")

    held = cross_validated(examples) if args.cv else None
    header = "| threshold | own: found and holds the answer | refused | near misses refused | precision of found |"
    print(header + (" RGB negatives refused | RGB positives right | CMRC right | DRCD right |" if with_public else ""))
    best = None
    for threshold in [round(t, 2) for t in np.arange(0.1, 0.95, 0.05)]:
        model = AnswerabilityModel(names, round(bias, 4), threshold)
        r = rates(examples, model, held)
        row = f"| {threshold:.2f} | {r['correct']:.1%} | {r['refused']:.1%} | {r['near_refused']:.1%} | {r['precision']:.1%} |"
        if with_public:
            row += f" {r['rgb_rejection']:.1%} | {r['rgb_positive']:.1%} | {r['cmrc']:.1%} | {r['drcd']:.1%} |"
        print(row)
        score = objective(r, with_public) - abs(threshold - 0.5) / 100
        if best is None or score > best[0]:
            best = (score, model)
    chosen = best[1]
    print(f"chosen threshold {chosen.threshold:.2f}" + (" (on cross-validated probabilities)" if held else ""))
    if args.threshold is not None:
        chosen = AnswerabilityModel(chosen.weights, chosen.bias, args.threshold)
        print(f"written threshold {args.threshold} (--threshold)")
    if args.write:
        MODEL_FILE.write_text(json.dumps(chosen.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
