"""Format retrieved passages as a chat reply, shared by the CLI and the web chat.

Passage text is untrusted document content: it is escaped so that a document holding
`<script>` or a markdown link is shown as text, never rendered.
"""

from __future__ import annotations

import html
import re

from qa.passage import Passage

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def escape_text(text: str) -> str:
    """Make untrusted text inert in markdown rendered as HTML."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=True))


def format_reply(passages: list[Passage]) -> str:
    if not passages:
        return "没有找到相关段落。"
    parts = []
    for number, passage in enumerate(passages, 1):
        parts.append(
            f"**[{number}]** {escape_text(passage.citation)}　*相关度 {passage.score:.2f}*\n\n"
            f"> {escape_text(passage.text).replace(chr(10), chr(10) + '> ')}"
        )
    return "\n\n".join(parts)
