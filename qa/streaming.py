"""The web page's reply, streamed when a language model is configured.

    for text in stream_reply(retriever, "凹河村种了多少亩樱桃？", k=5, history=[]):
        ...   # markdown: the answer as it is written, then the checked (or the extractive) one

Without QA_LLM_BASE_URL / QA_LLM_MODEL (or when the documents hold no evidence) the reply is
the extractive one, in one piece. With them, the cited passages are found first, the model's
answer streams in (`qa.generation.stream_answer`), and once it is complete its numbers and
[n] markers are checked: when a check fails, or the endpoint fails, the reply is replaced by
the extractive answer with a note saying so. This module knows nothing of Gradio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from qa.answer import answer
from qa.chat import escape_text
from qa.errors import QAError
from qa.generation import GenerationConfig, stream_answer
from qa.reply_view import compact_answer
from qa.retriever import RetrieverSource

WRITING = " ▌"  # after the text while the model is still writing
REPLACED = "*语言模型的回答未通过数字与引用核对，已换成文档原文中的回答。* (The generated answer failed the checks.)"
FAILED = "*语言模型暂时不可用，以下是文档原文中的回答。* (The language model failed; the extractive answer follows.)"


def stream_reply(
    retriever: RetrieverSource, message: object, k: object = 5, history: list[str] | None = None
) -> Iterator[str]:
    """The page's reply to `message` as markdown, one item per update; the last one is final. Never raises QAError."""
    try:
        earlier = [(question, "") for question in history or [] if isinstance(question, str)]
        result = answer(message, earlier, k=k, retriever=retriever, generate=False)  # type: ignore[arg-type]
    except QAError as error:
        yield escape_text(str(error))
        return
    config = GenerationConfig.from_env()
    if config is None or not result.found:
        yield compact_answer(result)
        return
    for streamed in stream_answer(config, result.query, result.passages):
        if not streamed.done:
            yield compact_answer(replace(result, text=streamed.text + WRITING))
        elif streamed.accepted:
            yield compact_answer(replace(result, text=streamed.text, generated=True))
        else:
            note = FAILED if streamed.endpoint_failed or not streamed.text else REPLACED
            yield f"{note}\n\n{compact_answer(result)}"
