"""Measure retrieval quality on a question file: hit@k, MRR@10, passage length, misses.

A question file holds one JSON object a line, as `eval/paraphrases.jsonl`:
`{"id": "p01", "question": "…", "answers": ["约4700吨氧化铝产出"]}`. A passage is a
hit when, with all white space removed, it contains one of the item's answers. Items
without answers (out-of-corpus questions) or without a `question` (dialogues) are skipped.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.cache import cache_root
from qa.distractors import corpus_with_distractors
from qa.embedding import default_kind
from qa.errors import QAError
from qa.index import IndexSettings, build_index, index_status
from qa.retriever import Retriever
from qa.sentences import compact

HIT_AT = (1, 3, 5)
MRR_DEPTH = 10
# The project's own question set, relative to the project root: `qa eval`, the tests and the
# benchmarks default to it. Change it here, and only here.
DEFAULT_QUESTIONS = Path("eval/questions.heldout.jsonl")  # the half we report; tune on questions.tune.jsonl
# An optional second check beside the project (never tuned on); a user's clone does not have it.
SHARED_QUESTIONS = Path("../shared/eval/dev_questions.jsonl")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Miss:
    """A question whose first passage is not a hit."""

    id: str
    question: str
    rank: int | None  # 1-based rank of the first hit within MRR_DEPTH, None when absent
    top_passage: str
    top_citation: str


@dataclass(frozen=True)
class EvalReport:
    mode: str
    questions: int
    hit_at: dict[int, float]  # k -> share of questions with a hit in the first k passages
    mrr: float  # mean reciprocal rank of the first hit, 0 beyond MRR_DEPTH
    median_passage_chars: float  # over every passage in the index
    misses: list[Miss] = field(default_factory=list)

    def summary(self) -> str:
        hits = "  ".join(f"hit@{k} {v:.2f}" for k, v in self.hit_at.items())
        return (
            f"{self.mode}: {self.questions} questions  {hits}  MRR@{MRR_DEPTH} {self.mrr:.3f}  "
            f"median passage {self.median_passage_chars:.0f} chars"
        )


def is_hit(text: str, answers: tuple[str, ...]) -> bool:
    flat = compact(text)
    return any(compact(answer) in flat for answer in answers)


def read_json_lines(path: Path) -> list[tuple[int, Any]]:
    """(line number, value) of each non-blank line of a JSON-lines file; one-line QAError when unreadable."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise QAError(f"无法读取问题文件 {path}：{error.strerror} (Cannot read question file {path})") from error
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append((number, json.loads(line)))
        except ValueError as error:
            raise QAError(f"{path}:{number}: not a JSON object ({error})") from error
    return items


def load_questions(path: Path) -> list[EvalQuestion]:
    """The answerable single-turn questions of a question file."""
    questions = []
    for number, item in read_json_lines(path):
        if item.get("question") and item.get("answers"):
            questions.append(EvalQuestion(str(item.get("id", number)), item["question"], tuple(item["answers"])))
    return questions


def evaluate(retriever: Retriever, questions: list[EvalQuestion], mode: str | None = None) -> EvalReport:
    mode = mode or retriever.mode
    first_hits: list[int | None] = []
    misses = []
    for item in questions:
        passages = retriever.retrieve(item.question, k=MRR_DEPTH, mode=mode)
        rank = next((i for i, p in enumerate(passages, 1) if is_hit(p.text, item.answers)), None)
        first_hits.append(rank)
        if rank != 1 and passages:
            misses.append(Miss(item.id, item.question, rank, passages[0].text, passages[0].citation))
    count = max(len(questions), 1)
    return EvalReport(
        mode=mode,
        questions=len(questions),
        hit_at={k: sum(1 for r in first_hits if r is not None and r <= k) / count for k in HIT_AT},
        mrr=sum(1 / r for r in first_hits if r is not None) / count,
        median_passage_chars=statistics.median(len(p.text) for p in retriever.passages) if retriever.passages else 0,
        misses=misses,
    )


def evaluation_index(
    documents_dir: Path,
    *,
    distractors: int = 0,
    model: str,
    settings: IndexSettings | None = None,
    show_progress: bool = False,
) -> Path:
    """An index of the documents (plus distractors) in the cache, built only when stale."""
    settings = settings or IndexSettings()
    corpus = corpus_with_distractors(documents_dir, distractors) if distractors else Path(documents_dir)
    kind = default_kind()
    key = json.dumps([str(Path(corpus).resolve()), model, kind, settings.to_dict()], sort_keys=True)
    index_dir = cache_root() / "eval-indexes" / hashlib.sha256(key.encode()).hexdigest()[:16]
    if index_status(corpus, index_dir, model=model, encoder_kind=kind, settings=settings).stale_reason is not None:
        build_index(corpus, index_dir, model=model, encoder_kind=kind, settings=settings, show_progress=show_progress)
    return index_dir
