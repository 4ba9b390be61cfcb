"""Format a chat reply: the answer, then the cited passages, all rendered inert.

    >>> print(reply(retriever, "清镇市一季度完成工业投资多少？", k=1))
    **答：** 一季度，清镇市完成工业投资8\\.4亿元，是目标值的129\\.23%。\\[1\\]
    ...

The answer comes from `qa.answer` (extractive, with follow-ups and "not in the
documents"); this module only renders it.

Passage and question text are untrusted: every piece is HTML-escaped and markdown-escaped,
so a document holding `<script>`, a markdown link or `$$E=mc^2$$` is shown as text, never rendered. The
only markup in a reply is the one this module writes (`**`, `<mark>`, `<details>`). The
web chat (`app.py`) and any other front end call `reply` with the retriever to use; this
module knows nothing of Gradio.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from qa.answer import Answer, answer
from qa.errors import QAError
from qa.index import BuildReport
from qa.passage import Passage
from qa.question import MAX_QUESTION_CHARS, truncation_notice
from qa.retriever import IndexInfo, RetrieverSource
from qa.sparse import tokenize

FOLD_CHARS = 160  # passages longer than this fold behind a preview
PREVIEW_CHARS = 80
NO_PASSAGES = "没有找到相关段落。"
EXAMPLE_QUESTIONS = [
    "清镇市一季度完成工业投资多少？",
    "2024年一季度清镇市规上工业增加值同比增长多少？",
    "清镇市规模以上工业企业有多少家？",
    "贵州省2024年从哪天起全面入汛？",
    "防汛安全隐患排查一共查出了多少处隐患？",
]

# ":" and "@" break bare-URL and e-mail autolinks; "$" keeps math renderers from typesetting $$E=mc^2$$
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:@$])")


def escape_text(text: str) -> str:
    """Make untrusted text inert in markdown rendered as HTML: '<a>[x](y)' -> '&lt;a&gt;\\[x\\]\\(y\\)'."""
    # Quotes need no escaping outside attributes; escaping them would add "#" (&#x27;) for markdown to mangle.
    return MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))


def escape_in_html_block(text: str) -> str:
    """Make untrusted text inert inside raw HTML (<summary>), where markdown backslashes would show.

    Markdown characters become numeric entities, which neither HTML nor markdown reads as markup.
    """
    return "".join(f"&#{ord(c)};" if MARKDOWN_SPECIALS.fullmatch(c) else html.escape(c, quote=True) for c in text)


def shown_question(question: object) -> str:
    """The user's question as the chat shows it: cut to MAX_QUESTION_CHARS and escaped, so HTML shows as text."""
    text = question if isinstance(question, str) else ""
    return escape_text(text[:MAX_QUESTION_CHARS]) + ("…" if len(text) > MAX_QUESTION_CHARS else "")


def highlight_terms(question: str) -> list[str]:
    """The question's words worth marking in a passage: jieba words of two or more characters, longest first."""
    return sorted({word for word in tokenize(question) if len(word) >= 2}, key=len, reverse=True)


def highlight(text: str, terms: list[str], escape: Callable[[str], str] = escape_text) -> str:
    """Escape `text` and wrap each occurrence of a term in <mark>: ('ab<c', ['b']) -> 'a<mark>b</mark>&lt;c'."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def format_passage(number: int, passage: Passage, terms: list[str]) -> str:
    """One cited passage: its marker, title, file and score, then its text (folded when long)."""
    header = (
        f"**\\[{number}\\]** 《{escape_text(passage.title)}》 · {escape_text(passage.source)}"
        f"　*相关度 {passage.score:.2f}*"
    )
    paragraphs = "\n\n".join(highlight(line, terms) for line in passage.text.splitlines() if line.strip())
    if len(passage.text) <= FOLD_CHARS:
        return f"{header}\n\n{paragraphs}"
    preview = highlight(passage.text[:PREVIEW_CHARS].replace("\n", " "), terms, escape_in_html_block)
    return (
        f"{header}\n\n<details><summary>{preview}…（展开全文，共 {len(passage.text)} 字）</summary>\n\n"
        f"{paragraphs}\n\n</details>"
    )


def format_answer(result: Answer) -> str:
    """The answer, then every passage numbered [1]..[k] as its markers cite them.

    A follow-up shows the query that was searched; an answer without evidence says so and
    marks the passages as the nearest ones, not as sources.
    """
    if not result.passages:
        return NO_PASSAGES
    terms = highlight_terms(result.query)
    parts = []
    if result.truncated:
        parts.append(escape_text(truncation_notice()))
    if result.query != result.question:
        parts.append(f"*检索：{escape_text(result.query)}*")
    parts.append(f"**答：** {escape_text(result.text)}")
    parts.append("**引用段落**" if result.found else "**最接近的段落（证据不足，仅供参考）**")
    parts += [format_passage(number, passage, terms) for number, passage in enumerate(result.passages, 1)]
    return "\n\n".join(parts)


def reply(
    retriever: RetrieverSource,
    message: object,
    k: object = 5,
    history: list[str] | None = None,
) -> str:
    """The chat's answer to a message, given the user's earlier questions (oldest first).

    Never raises for bad input: says what went wrong instead.
    """
    try:
        earlier = [(question, "") for question in history or [] if isinstance(question, str)]
        result = answer(message, earlier, k=k, retriever=retriever)  # type: ignore[arg-type]
    except QAError as error:
        return escape_text(str(error))
    return format_answer(result)


def cited_passages(retriever: RetrieverSource, question: object, k: object = 5) -> list[dict[str, Any]]:
    """The passages for a question as JSON objects with the `Passage` fields. Raises QAError subclasses."""
    return [passage.to_json() for passage in retriever.retrieve(question, k=k)]  # type: ignore[arg-type]


def describe_index(retriever: RetrieverSource) -> str:
    """What is indexed, for the side panel; says how to build an index when there is none."""
    try:
        return format_index_info(retriever.current().info)
    except QAError as error:
        return escape_text(str(error))


def format_build_report(report: BuildReport) -> str:
    return (
        f"索引已重建：{report.documents} 个文档，{report.articles} 篇文章，{report.passages} 个段落，"
        f"用时 {report.seconds:.1f} 秒。"
    )


def format_index_info(info: IndexInfo) -> str:
    """The side panel's description of what is indexed."""
    rows = [
        ("文档 documents", str(info.documents)),
        ("文章 articles", str(info.articles)),
        ("段落 passages", str(info.passages)),
        ("模型 model", info.model),
        ("建立时间 built", info.built_at),
        ("索引目录 index", info.index_dir),
    ]
    return "\n".join(f"- **{name}**: {escape_text(value)}" for name, value in rows)
