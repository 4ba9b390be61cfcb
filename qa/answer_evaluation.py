"""Measure the answer line on a question file: found, answer holds the answer, refusals.

For in-corpus questions (non-empty `answers`): the found rate and the share whose answer
is found and contains an answer string (white space removed). For questions the documents
do not answer (`answers` empty): the refusal rate (`found` False), overall and by `kind`
(e.g. "near_miss", "off_topic"). Every failure is listed. Dialogues (`turns`) are skipped.

    report = evaluate_answers(retriever, load_answer_items(Path("eval/questions.tune.jsonl")))
    print(report.summary())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.answer import Answer, answer
from qa.evaluation import is_hit, read_json_lines
from qa.retriever import Retriever

UNKNOWN_KIND = "unanswerable"


@dataclass(frozen=True)
class AnswerItem:
    id: str
    question: str
    answers: tuple[str, ...]  # empty: the documents do not answer it
    kind: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class AnswerMiss:
    id: str
    question: str
    kind: str
    found: bool
    text: str  # the answer given
    query: str  # what was searched
    answerable: bool

    @property
    def reason(self) -> str:
        if not self.answerable:
            return "answered, should refuse"
        return "answer lacks the answer string" if self.found else "refused"


@dataclass(frozen=True)
class AnswerReport:
    in_corpus: int
    found: int  # in-corpus questions answered (found True)
    correct: int  # in-corpus questions found whose answer contains an answer string
    unanswerable: int
    refused: int
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # unanswerable kind -> (count, refused)
    misses: list[AnswerMiss] = field(default_factory=list)

    @property
    def found_rate(self) -> float:
        return self.found / self.in_corpus if self.in_corpus else 0.0

    @property
    def correct_rate(self) -> float:
        return self.correct / self.in_corpus if self.in_corpus else 0.0

    @property
    def refused_rate(self) -> float:
        return self.refused / self.unanswerable if self.unanswerable else 0.0

    def kind_rate(self, kind: str) -> float:
        count, refused = self.by_kind.get(kind, (0, 0))
        return refused / count if count else 0.0

    def to_json(self) -> dict:
        return {
            "in_corpus": self.in_corpus,
            "found": self.found,
            "correct": self.correct,
            "found_rate": self.found_rate,
            "correct_rate": self.correct_rate,
            "unanswerable": self.unanswerable,
            "refused": self.refused,
            "refused_rate": self.refused_rate,
            "by_kind": {kind: {"count": c, "refused": r} for kind, (c, r) in self.by_kind.items()},
            "misses": [{**miss.__dict__, "reason": miss.reason} for miss in self.misses],
        }

    def summary(self) -> str:
        found = (
            f"answers: {self.in_corpus} in-corpus questions  found {self.found}/{self.in_corpus} "
            f"({self.found_rate:.1%})  found and holds the answer {self.correct}/{self.in_corpus} "
            f"({self.correct_rate:.1%})"
        )
        kinds = "".join(f"  {kind} {r}/{c}" for kind, (c, r) in sorted(self.by_kind.items()))
        refused = (
            f"refusals: {self.unanswerable} unanswerable questions  refused {self.refused}/{self.unanswerable} "
            f"({self.refused_rate:.1%}){kinds}"
        )
        lines = [found, refused]
        return "\n".join(lines)


def load_answer_items(path: Path) -> list[AnswerItem]:
    """Every single-turn question of a question file, answerable or not."""
    items = []
    for number, item in read_json_lines(path):
        if not isinstance(item, dict) or not item.get("question"):
            continue
        answers = tuple(str(a) for a in item.get("answers") or ())
        kind = str(item.get("kind") or ("" if answers else UNKNOWN_KIND))
        items.append(AnswerItem(str(item.get("id", number)), item["question"], answers, kind))
    return items


def evaluate_answers(
    retriever: Retriever,
    items: list[AnswerItem],
    ask: Callable[[str, Retriever], Answer] | None = None,
) -> AnswerReport:
    """Ask every item and count; `ask` defaults to `qa.answer` with this retriever."""
    ask = ask or (lambda question, current: answer(question, retriever=current))
    found = correct = refused = 0
    by_kind: dict[str, list[int]] = {}
    misses = []
    for item in items:
        result = ask(item.question, retriever)
        if item.answerable:
            found += result.found
            hit = result.found and is_hit(result.text, item.answers)
            correct += hit
            ok = hit
        else:
            counts = by_kind.setdefault(item.kind or UNKNOWN_KIND, [0, 0])
            counts[0] += 1
            counts[1] += not result.found
            refused += not result.found
            ok = not result.found
        if not ok:
            misses.append(
                AnswerMiss(item.id, item.question, item.kind, result.found, result.text, result.query, item.answerable)
            )
    answerable = sum(item.answerable for item in items)
    return AnswerReport(
        in_corpus=answerable,
        found=found,
        correct=correct,
        unanswerable=len(items) - answerable,
        refused=refused,
        by_kind={kind: (c, r) for kind, (c, r) in by_kind.items()},
        misses=misses,
    )
