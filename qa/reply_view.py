"""The web page's view of a reply and of a source: compact citations, and the article a passage comes from.

    >>> text = compact_answer(result)          # answer line, then one line a cited passage, expandable
    >>> view = open_source(passages, "17-2bd806c9", terms)   # the article, the passage marked

A cited passage is one line (marker, title, file) that expands to its text, with a link
"阅读原文" (#passage-<id>-<checksum>) that the page turns into opening the article beside
the chat. The checksum of the passage's text makes a link from before a rebuild find its
passage again, or say that the document changed, never open another passage.

Every piece of document text is escaped (`qa.chat`): the only markup is the one written here.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass

from qa.answer import Answer
from qa.chat import NO_PASSAGES, escape_in_html_block, highlight, highlight_terms, reply_head
from qa.passage import Passage, StoredPassage, make_citation

LINK_PREFIX = "#passage-"
LINK = re.compile(r"^(?:#?passage-)?(\d+)-([0-9a-f]{8})$")  # "#passage-17-2bd806c9" or "17-2bd806c9"
DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-_.年](\d{1,2})[-_.月](\d{1,2})(?!\d)")
SOURCE_CHANGED = "这段原文已不在索引中（文档已更新或移除），请重新提问。 (The passage is no longer in the index.)"


def _checksum(text: str) -> str:
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def passage_key(passage_id: int, text: str) -> str:
    """What a link names a passage by: its id and a checksum of its text ('17-2bd806c9')."""
    return f"{passage_id}-{_checksum(text)}"


def compact_passage(number: int, passage: Passage, terms: list[str]) -> str:
    """One line: [n] 《title》 · file, which expands to the passage text and a link to its article."""
    paragraphs = "\n\n".join(highlight(line, terms) for line in passage.text.splitlines() if line.strip())
    citation = escape_in_html_block(make_citation(passage.title, passage.source, passage.page))
    summary = f"<strong>[{number}]</strong> {citation}"
    link = f'<a class="open-source" href="{LINK_PREFIX}{passage_key(passage.passage_id, passage.text)}">阅读原文</a>'
    return f'<details class="cited"><summary>{summary}</summary>\n\n{paragraphs}\n\n{link}\n\n</details>'


def compact_answer(result: Answer) -> str:
    """The answer line first, then each cited passage on one line (as `qa.chat.format_answer`, folded)."""
    if not result.passages:
        return NO_PASSAGES
    terms = highlight_terms(result.query)
    parts = reply_head(result)
    parts.append("**引用段落**（点开查看原文）" if result.found else "**最接近的段落（证据不足，仅供参考）**")
    parts.append("\n".join(compact_passage(number, passage, terms) for number, passage in enumerate(result.passages, 1)))
    return "\n\n".join(parts)


@dataclass(frozen=True)
class SourceView:
    """An article as the page shows it, with one passage marked."""

    title: str
    source: str
    date: str  # "2024-04-30" when the file name or title holds a date, else ""
    page: int | None
    html: str


def document_date(*texts: str) -> str:
    """The first date written in any of `texts`, as YYYY-MM-DD: '贵阳日报_2024-04-30_x.txt' -> '2024-04-30'."""
    for text in texts:
        match = DATE.search(text)
        if match:
            year, month, day = match.groups()
            if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
                return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""


def find_passage(passages: list[StoredPassage], key: str) -> StoredPassage | None:
    """The passage a link names: by id when its text is unchanged, else the same text elsewhere; None when gone."""
    match = LINK.match(key.strip())
    if match is None:
        return None
    wanted_id, checksum = int(match.group(1)), match.group(2)
    same_text = [passage for passage in passages if _checksum(passage.text) == checksum]
    by_id = [passage for passage in same_text if passage.passage_id == wanted_id]
    return (by_id or same_text or [None])[0]


def article_of(passages: list[StoredPassage], cited: StoredPassage) -> list[StoredPassage]:
    """The passages of the cited passage's article, in order: the same file and title, next to each other."""
    same = [p for p in passages if p.source == cited.source]
    position = next(index for index, p in enumerate(same) if p.passage_id == cited.passage_id)
    start = position
    while start > 0 and same[start - 1].title == cited.title:
        start -= 1
    end = position + 1
    while end < len(same) and same[end].title == cited.title:
        end += 1
    return same[start:end]


def open_source(passages: list[StoredPassage], key: str, terms: list[str] | None = None) -> SourceView | None:
    """The article around the passage a link names, the passage marked (id "cited-passage"); None when gone."""
    cited = find_passage(passages, key)
    if cited is None:
        return None
    article = article_of(passages, cited)
    date = document_date(cited.source, cited.title)
    where = make_citation("", cited.source, cited.page)
    header = [f"<h3>{html.escape(cited.title or cited.source)}</h3>", f'<p class="source-meta">{html.escape(where)}']
    if date:
        header.append(f" · {date}")
    header.append("</p>")
    body, section = [], ""
    for passage in article:
        if passage.section and passage.section != section:
            section = passage.section
            body.append(f"<h4>{html.escape(section)}</h4>")
        paragraphs = "".join(
            f"<p>{highlight(line, terms or [], html.escape)}</p>" for line in passage.text.splitlines() if line.strip()
        )
        if passage.passage_id == cited.passage_id:
            body.append(f'<div id="cited-passage" class="cited-passage">{paragraphs}</div>')
        else:
            body.append(f"<div>{paragraphs}</div>")
    return SourceView(cited.title, cited.source, date, cited.page, "".join(header) + "".join(body))
