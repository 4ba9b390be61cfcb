"""Split Chinese text into sentences, keeping the closing quotes that belong to them.

>>> split_sentences("他说：“好。”然后走了。\\n第二段")
['他说：“好。”', '然后走了。', '第二段']
>>> compact("樱桃 600\\n亩")                 # how answers are found in passages
'樱桃600亩'
"""

from __future__ import annotations

import re

SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?|[。！？!?；;]+[”’」』）)]*")


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE.findall(text) if sentence.strip()]


def compact(text: str) -> str:
    """The text without white space: Chinese puts none between words, layouts put it anywhere."""
    return "".join(text.split())
