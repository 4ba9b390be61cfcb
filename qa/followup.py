"""Turn a follow-up question into a query that stands on its own.

    resolve_followup("它一季度产值多少？", ["旭鼎光电是什么时候注册成立的？"])
        -> "旭鼎光电一季度产值多少？"          (a pronoun takes the previous topic)
    resolve_followup("枇杷呢？", ["凹河村种了多少亩樱桃？"])
        -> "凹河村种了多少亩樱桃？ 枇杷"        (an ellipsis borrows the previous question)
    resolve_followup("清镇市有多少家规上企业？", [...])
        -> unchanged                            (a question that stands on its own)

Only the user's own earlier questions are used, never the answers. This module does
not search; `qa.answer` does.
"""

from __future__ import annotations

import re

PRONOUNS = ("它们", "他们", "她们", "它", "该企业", "该公司", "该项目", "那里", "这里", "那儿", "这儿", "当地")
PARTITIVES = ("其中", "其余", "其")  # "among those …": the whole previous question is the context
ELLIPSIS = re.compile(r"^(?:那么?|那|还有|另外)?(?P<rest>.{1,12}?)呢[？?]?$")
# Where the topic of a question ends: its predicate or question word.
PREDICATE = re.compile(
    r"是|有|在|的|种|排查|完成|实现|建|开展|组织|成立|注册|投资|达|增|发|送|获|被|把|将|从|于|今年|去年|"
    r"一季度|多少|几|什么|哪|谁|怎么|如何|为何|为什么|何时"
)


def topic(question: str) -> str:
    """The subject a question is about: what comes before its predicate. "凹河村种了…" -> "凹河村"."""
    text = question.strip().rstrip("？?。！!")
    match = PREDICATE.search(text)
    return text[: match.start()].strip() if match and match.start() > 0 else ""


def _previous_query(history: list[str]) -> str:
    """The standalone form of the last question that was not itself an ellipsis.

    After "樱桃多少亩？" / "枇杷呢？", "李子呢？" asks about 李子, not about 枇杷 and 李子.
    """
    for position in range(len(history) - 1, -1, -1):
        if not ELLIPSIS.match(history[position].strip()):
            return resolve_followup(history[position], history[:position])
    return ""


def resolve_followup(question: str, history: list[str]) -> str:
    """The query to search for `question`, given the user's earlier questions (oldest first)."""
    question = question.strip()
    previous = _previous_query(history)
    if not previous:
        return question
    ellipsis = ELLIPSIS.match(question)
    if ellipsis:
        return f"{previous} {ellipsis.group('rest').strip()}"
    if question.startswith(PARTITIVES):
        return f"{previous} {question}"
    for pronoun in PRONOUNS:
        if pronoun in question:
            subject = topic(previous)
            if subject:
                return question.replace(pronoun, subject, 1)
            return f"{previous} {question}"
    return question
