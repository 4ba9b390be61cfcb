"""Answer a question in one to three verbatim sentences, each with a citation marker.

    >>> a = answer("凹河村种了多少亩樱桃？")
    >>> a.text
    '目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩，柑橘20亩，……[1]'
    >>> b = answer("枇杷呢？", history=[("凹河村种了多少亩樱桃？", a.text)])

The answer is extractive: every sentence is a sentence of a cited passage, chosen by
how much of the question's vocabulary it covers (weighted by rarity) and whether it
holds what the question asks for (a quantity, a date, a name, a place, a list). When
the best evidence covers too little of the question, `found` is False and the nearest
passages are still returned, marked as weak. Generation by a language model, when one
is configured, lives in `qa.generation`; its answer replaces the extractive one only
when it passes the citation and number checks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from qa.followup import resolve_followup
from qa.generation import GenerationConfig, generate_answer
from qa.passage import Passage
from qa.question import prepare_question
from qa.retriever import LiveRetriever, Retriever, live_retriever
from qa.sentences import split_sentences
from qa.sparse import QUESTION_WORDS, SparseIndex, content_words, tokenize

ANSWER_PASSAGES = 3  # sentences are taken from this many top passages
MAX_SENTENCES = 2
MIN_EVIDENCE = 0.55  # share of the question's rarity-weighted words around the best sentence; docs/ANSWERS.md
TYPE_WEIGHT = 0.5
RANK_WEIGHT = 0.1
CONTEXT_WEIGHT = 0.3  # share of a sentence's coverage that may come from the sentence before it
NOT_FOUND = "文档中没有找到这个问题的答案。以下是最接近的段落，仅供参考。"
CITATION_MARKER = re.compile(r"\[(\d+)\]")  # [n] cites passages[n-1]

# A quantity, not a date: "300余份", "29%", "8.4亿元", "两万人", but not "6月21日" or "2024年".
NUMBER = r"\d+(?:\.\d+)?(?![\d.]|[年月日号])|[一二两三四五六七八九十百千万亿]+[个家亩栋支件次倍成名人户场项所座万亿元]"
ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    # (what the question asks, what a sentence that answers it holds)
    (
        re.compile(r"什么时候|何时|哪一?天|哪一?年|几月|几号|哪个月|日期|截止|持续到"),
        re.compile(r"\d+[年月日号]|月底|月初|年底|年初|[一二三四五六七八九十]+月"),
    ),
    (re.compile(r"多少|几|多大|多远|多长|多高|多重|多久|比例|增长|产能|总投资"), re.compile(NUMBER)),
    (
        re.compile(r"谁|哪家|哪个(?:单位|部门|公司|企业)"),
        re.compile(r"公司|局|中心|委员会|部|院|学校|企业|政府|[说讲表示]"),
    ),
    (
        re.compile(r"哪里|哪儿|什么地方|哪个(?:站|地方|地区|省|市|县|镇|村)|在哪"),
        re.compile(r"站|省|市|县|镇|村|区|国家|地区|园"),
    ),
    (re.compile(r"哪些"), re.compile(r"、.*、|等")),
)


@dataclass(frozen=True)
class Answer:
    text: str  # the answer with [n] markers, or NOT_FOUND
    passages: list[Passage]  # cited passages first, in marker order, then the other retrieved ones
    found: bool  # False when the documents do not hold an answer
    query: str  # the question as typed, or the standalone query searched for a follow-up
    question: str
    sentences: list[str] = field(default_factory=list)  # the verbatim sentences of an extractive answer
    generated: bool = False  # True when a configured language model wrote `text` (and it passed the checks)
    truncated: bool = False  # the question was cut to MAX_QUESTION_CHARS before searching

    @property
    def markers(self) -> list[int]:
        """The passage numbers the text cites, in order of first use: "…[2]…[1]…[2]" -> [2, 1]."""
        return list(dict.fromkeys(int(number) for number in CITATION_MARKER.findall(self.text)))

    def to_json(self) -> dict[str, Any]:
        """The answer for other programs: question, query, text, found, markers and the passages' fields."""
        return {
            "question": self.question,
            "query": self.query,
            "text": self.text,
            "found": self.found,
            "markers": self.markers,
            "generated": self.generated,
            "truncated": self.truncated,
            "passages": [passage.to_json() for passage in self.passages],
        }


@dataclass(frozen=True)
class _Scored:
    score: float
    sentence: str
    passage_rank: int  # 0-based rank among the retrieved passages


def _question_words(query: str) -> list[str]:
    return [word for word in dict.fromkeys(tokenize(query)) if word not in QUESTION_WORDS]


def _sentences_in_context(passages: list[Passage]) -> list[tuple[int, str, str]]:
    """(passage rank, sentence, the sentence before it or "") for the top passages."""
    found = []
    for rank, passage in enumerate(passages[:ANSWER_PASSAGES]):
        previous = ""
        for sentence in split_sentences(passage.text):
            found.append((rank, sentence, previous))
            previous = sentence
    return found


def evidence(query: str, passages: list[Passage], sparse: SparseIndex) -> float:
    """How much of the question one sentence covers, read with its title and the sentence before, 0..1.

    Counted over precise-mode words, each weighted by its rarity in the index, so that a
    missing subject ("GDP", "市长") weighs more than a missing common word; per sentence,
    so that words scattered over a long passage do not add up to an answer.
    """
    words = [word for word in content_words(query) if word not in QUESTION_WORDS]
    return max(
        (
            coverage(words, f"{passages[rank].title}{previous}{sentence}", sparse)
            for rank, sentence, previous in _sentences_in_context(passages)
        ),
        default=0.0,
    )


def coverage(words: list[str], text: str, sparse: SparseIndex) -> float:
    """Share of the words' rarity (IDF) found in the text: 1.0 when every word occurs."""
    total = sum(sparse.idf(word) for word in words)
    if total == 0:
        return 0.0
    present = set(tokenize(text))
    compact = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    return sum(sparse.idf(word) for word in words if word in present or word in compact) / total


def answer_type_match(question: str, sentence: str) -> float:
    """1.0 when the sentence holds what the question asks for, 0.0 when it does not, 0.5 if unknown."""
    for asks, holds in ANSWER_TYPES:
        if asks.search(question):
            return 1.0 if holds.search(sentence) else 0.0
    return 0.5


def _score_sentences(question: str, words: list[str], passages: list[Passage], sparse: SparseIndex) -> list[_Scored]:
    scored = []
    for rank, sentence, previous in _sentences_in_context(passages):
        # "该项目总投资3.36亿元" names its subject in the sentence before it.
        own = coverage(words, sentence, sparse)
        in_context = coverage(words, f"{previous or passages[rank].title}\n{sentence}", sparse)
        score = (
            (1 - CONTEXT_WEIGHT) * own
            + CONTEXT_WEIGHT * in_context
            + TYPE_WEIGHT * answer_type_match(question, sentence)
            + RANK_WEIGHT / (1 + rank)
        )
        scored.append(_Scored(score, sentence, rank))
    return sorted(scored, key=lambda item: item.score, reverse=True)


def _choose(scored: list[_Scored], question: str) -> list[_Scored]:
    """The best sentence, plus close runners-up (lists may take up to three)."""
    if not scored:
        return []
    limit = 3 if "哪些" in question else MAX_SENTENCES
    best = scored[0]
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) >= limit:
            break
        if candidate.score >= 0.9 * best.score and candidate.sentence not in {c.sentence for c in chosen}:
            chosen.append(candidate)
    return chosen


def _compose(chosen: list[_Scored], passages: list[Passage]) -> tuple[str, list[Passage]]:
    """Answer text with [n] markers, and passages renumbered so that [n] is passages[n-1]."""
    order: list[int] = []
    for item in chosen:
        if item.passage_rank not in order:
            order.append(item.passage_rank)
    order += [rank for rank in range(len(passages)) if rank not in order]
    number = {rank: position + 1 for position, rank in enumerate(order)}
    text = "".join(f"{item.sentence}[{number[item.passage_rank]}]" for item in chosen)
    return text, [passages[rank] for rank in order]


def extract_answer(question: str, query: str, passages: list[Passage], sparse: SparseIndex) -> Answer:
    """Compose an extractive answer to `question` from passages retrieved for `query`."""
    if not passages or evidence(query, passages, sparse) < MIN_EVIDENCE:
        return Answer(NOT_FOUND, passages, False, query, question)
    chosen = _choose(_score_sentences(query, _question_words(query), passages, sparse), query)
    text, ordered = _compose(chosen, passages)
    return Answer(text, ordered, True, query, question, [item.sentence for item in chosen])


def answer(
    question: str,
    history: list[tuple[str, str]] | None = None,
    *,
    k: int = 5,
    retriever: Retriever | LiveRetriever | None = None,
) -> Answer:
    """Answer a question from the default index (or the retriever given).

    history: earlier (question, answer) turns of the conversation, oldest first; a
    follow-up such as "枇杷呢？" is searched together with the question it follows.
    """
    prepared = prepare_question(question)
    current = (retriever or live_retriever()).current() if not isinstance(retriever, Retriever) else retriever
    earlier = [prepare_question(user).text for user, _ in history or [] if isinstance(user, str) and user.strip()]
    resolved = resolve_followup(prepared.text, earlier)
    query = resolved if resolved != prepared.text else question
    passages = current.retrieve(resolved, k=k)
    extracted = replace(
        extract_answer(question, resolved, passages, current.sparse), query=query, truncated=prepared.truncated
    )
    config = GenerationConfig.from_env()
    if config is None or not extracted.found:
        return extracted
    generated = generate_answer(config, resolved, passages)
    if generated is None:
        return extracted
    return Answer(generated, passages, True, query, question, generated=True, truncated=prepared.truncated)
