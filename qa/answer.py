"""The short answer line: the sentence of the top passage that best matches the question.

    >>> line = best_sentence("清镇市一季度完成工业投资多少？", passages)
    >>> line.marked
    '一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。[1]'

A sentence is scored by how many of the question's character bigrams it holds (punctuation
and white space ignored); the first of equal sentences wins. This module only picks a
sentence that is already in a passage: it neither rewrites nor generates text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.passage import Passage

# A sentence runs to 。！？； (or their ASCII forms) plus any closing quotes or brackets after them.
SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?|[。！？!?；;]+[”’」』）)]*")
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True)
class AnswerLine:
    text: str  # one sentence, verbatim from the cited passage
    passage_number: int  # 1-based: the passage's [n] marker in the reply

    @property
    def marked(self) -> str:
        return f"{self.text}[{self.passage_number}]"


def split_sentences(text: str) -> list[str]:
    """'他说：“好。”然后走了。\\n第二段' -> ['他说：“好。”', '然后走了。', '第二段']"""
    return [sentence.strip() for sentence in SENTENCE.findall(text) if sentence.strip()]


def bigrams(text: str) -> set[str]:
    """'清镇市，一季度' -> {'清镇', '镇市', '市一', '一季', '季度'} (punctuation and spaces dropped)."""
    compact = "".join(_WORD_CHAR.findall(text.lower()))
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def best_sentence(question: str, passages: list[Passage]) -> AnswerLine | None:
    """The sentence of passages[0] sharing the most bigrams with the question; None without passages."""
    if not passages:
        return None
    sentences = split_sentences(passages[0].text)
    if not sentences:
        return None
    wanted = bigrams(question)
    best = max(sentences, key=lambda sentence: len(wanted & bigrams(sentence)))  # max keeps the first of ties
    return AnswerLine(best, 1)
