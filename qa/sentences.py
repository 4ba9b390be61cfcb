"""Split Chinese text into sentences, keeping the closing quotes that belong to them.

>>> split_sentences("他说：“好。”然后走了。\\n第二段")
['他说：“好。”', '然后走了。', '第二段']
"""

from __future__ import annotations

import re

SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]*)?|[。！？!?；;]+[”’」』）)]*")


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE.findall(text) if sentence.strip()]
