"""Clean a question before it is searched: whatever a user pastes is answered or refused cleanly.

    >>> prepare_question("  淸鎮市一季度工業投資\\x00完成了多少？ ").text
    '淸镇市一季度工业投资 完成了多少?'

Steps: drop lone surrogates, turn control characters into spaces, NFKC (full-width
letters, digits and punctuation to their usual forms), traditional to simplified
Chinese (OpenCC t2s), collapse white space, and cut to MAX_QUESTION_CHARS. OpenCC maps
traditional characters, not every variant form (淸 stays 淸); 甚麼, Taiwan's spelling of 什么,
is read as 什么 so that the question's type is seen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from qa.errors import EmptyQuestionError

MAX_QUESTION_CHARS = 1000  # longer questions are cut, with a notice


@dataclass(frozen=True)
class PreparedQuestion:
    text: str  # what is searched
    truncated: bool  # the question was longer than MAX_QUESTION_CHARS and was cut


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s); simplified text comes back unchanged."""
    return _to_simplified().convert(text)


def _printable(text: str) -> str:
    kept = []
    for char in text:
        if 0xD800 <= ord(char) <= 0xDFFF:
            continue  # a lone surrogate cannot be encoded; drop it
        kept.append(" " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char)
    return "".join(kept)


def prepare_question(question: object) -> PreparedQuestion:
    """The question as it will be searched. Raises EmptyQuestionError when nothing is left."""
    if not isinstance(question, str):
        raise EmptyQuestionError()
    truncated = len(question) > MAX_QUESTION_CHARS
    text = unicodedata.normalize("NFKC", _printable(question[:MAX_QUESTION_CHARS]))
    text = re.sub(r"\s+", " ", to_simplified(text)).strip().replace("甚么", "什么")
    if not text:
        raise EmptyQuestionError()
    return PreparedQuestion(text, truncated)


def truncation_notice() -> str:
    return f"（问题超过 {MAX_QUESTION_CHARS} 字，只按前 {MAX_QUESTION_CHARS} 字检索。 The question was cut to {MAX_QUESTION_CHARS} characters.）"
