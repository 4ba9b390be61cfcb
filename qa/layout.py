"""Repair newspaper-page layout: split a page into articles and rejoin broken sentences.

A page extracted from a newspaper holds several articles. Their headings come as
markdown lines (`# title`, `## title`, `### section`) or as a unit line ending in
`——` followed by a title line. Sentences are broken across blank lines and page
breaks, and photo captions land in the middle of them:

    旭鼎光电是……的新企业。该企业          <- sentence breaks off
    <3 blank lines>
    贵州华锦铝业有限公司车间内，……装车。     <- photo caption
    由清镇企业贵州南凡半导体……             <- the sentence goes on

becomes one paragraph "…的新企业。该企业由清镇企业贵州南凡半导体……" and a separate
caption block. This module does not chunk or embed; `qa.chunking` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# CommonMark: the hashes are followed by white space (or nothing), so "#北京冬奥会#2022年……"
# (a Weibo hashtag) and "#1" are body text; an optional closing run of hashes follows a space.
MARKDOWN_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』）)】》\"'"
CLAUSE_PUNCTUATION = "，,。；;：:！？!?、"
DASH = "——"

MAX_UNIT_LINE = 40  # "清镇市政务服务中心——"
MAX_TITLE_LINE = 80
MAX_SECTION_HEADING = 30  # "打造高品质城市生活空间"
MAX_CAPTION = 60  # "贵州华锦铝业有限公司车间内，工人将氧化铝成品装车。"
MAX_STANDALONE = 30  # bylines and labels without punctuation: "通讯员 陈勇 陈忠林"
PHOTO_BREAK = 3  # blank lines; a caption sits behind such a gap in these extractions


@dataclass(frozen=True)
class Block:
    text: str
    section: str  # the section heading inside the article, "" when none
    kind: str  # "paragraph" or "caption"


@dataclass
class Article:
    title: str
    blocks: list[Block] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # every section heading, also one with no text below


@dataclass(frozen=True)
class _Line:
    text: str
    gap_before: int  # blank lines before this line


def clean_line(line: str) -> str:
    """Strip layout white space, including ideographic and no-break spaces."""
    return re.sub(r"[ \t\u3000\xa0]+", " ", line).strip()


def _lines(text: str) -> list[_Line]:
    lines, gap = [], 0
    for raw in text.splitlines():
        line = clean_line(raw)
        if not line:
            gap += 1
            continue
        lines.append(_Line(line, gap))
        gap = 0
    return lines


def _join_title(*parts: str) -> str:
    text = "".join(part.strip() for part in parts if part.strip())
    return re.sub(r"\s*——\s*", DASH, text)


def _strip_trailing_group(text: str) -> str:
    """Drop closing quotes and a trailing bracketed note such as "(资料图片)"."""
    text = re.sub(r"[（(][^（()）]*[)）]$", "", text) or text
    return text.rstrip(CLOSERS) or text


def is_complete(text: str) -> bool:
    """Whether a line ends a sentence (so the next line starts a new paragraph)."""
    if text[0] in "（(" and text[-1] in ")）":
        return True  # a bracketed note: "(通讯员 冯煜珺)"
    if len(text) <= MAX_STANDALONE and not any(c in CLAUSE_PUNCTUATION for c in text):
        return True  # bylines and labels: "通讯员 陈勇 陈忠林"
    return _strip_trailing_group(text)[-1] in TERMINAL


def _is_unit_line(text: str) -> bool:
    return (
        text.endswith(DASH)
        and len(text) <= MAX_UNIT_LINE
        and not text.startswith(DASH)
        and not any(c in text for c in "。！？!?")
    )


def _looks_like_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_LINE and not any(c in text for c in "。！？!?")


def _is_caption(line: _Line) -> bool:
    text = line.text
    return (
        line.gap_before >= PHOTO_BREAK
        and len(text) <= MAX_CAPTION
        and is_complete(text)
        and sum(text.count(c) for c in "。！？!?") <= 1
    )


def _is_section_heading(line: _Line, following: _Line | None) -> bool:
    text = line.text
    return (
        following is not None
        and len(text) <= MAX_SECTION_HEADING
        and text[0] not in "（(—"
        and re.search(r"\w", text) is not None  # a symbol line ("■■■", "……") is body text
        and not any(c in text for c in CLAUSE_PUNCTUATION)
        and (len(following.text) > 2 * len(text) or "。" in following.text)
    )


def _join(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


class _ArticleBuilder:
    """Collects body lines of one article and resolves joins, captions and sections."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[_Line] = []

    def build(self) -> Article:
        article = Article(self.title)
        section = ""
        open_paragraph: str | None = None  # a paragraph whose last sentence is unfinished
        for i, line in enumerate(self.lines):
            following = self.lines[i + 1] if i + 1 < len(self.lines) else None
            if _is_caption(line):
                article.blocks.append(Block(line.text, section, "caption"))
                continue
            if open_paragraph is not None:
                open_paragraph = _join(open_paragraph, line.text)
            elif _is_section_heading(line, following):
                section = line.text
                article.sections.append(section)
                continue
            else:
                open_paragraph = line.text
            if is_complete(open_paragraph) or following is None:
                article.blocks.append(Block(open_paragraph, section, "paragraph"))
                open_paragraph = None
        if open_paragraph is not None:
            article.blocks.append(Block(open_paragraph, section, "paragraph"))
        return article


def split_articles(text: str, default_title: str = "") -> list[Article]:
    """Split one page into its articles, each with its title and repaired blocks.

    Text before the first heading becomes an article titled `default_title`. A heading
    without a body (a column label such as "## 贵州发布") is an article without blocks.
    """
    builders: list[_ArticleBuilder] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = MARKDOWN_HEADING.match(line.text)
        if heading and heading.group(2):
            level, title = len(heading.group(1)), heading.group(2)
            if level >= 3:
                if not builders:
                    builders.append(_ArticleBuilder(default_title))
                builders[-1].lines.append(_SectionMarker(title, line.gap_before))
            elif title.startswith(DASH) and builders and not builders[-1].lines:
                builders[-1].title = _join_title(builders[-1].title, title)  # a subtitle
            else:
                builders.append(_ArticleBuilder(_join_title(title)))
        elif _is_unit_line(line.text):
            title = line.text
            if i + 1 < len(lines) and _looks_like_title(lines[i + 1].text):
                i += 1
                title = _join_title(title, lines[i].text)
            builders.append(_ArticleBuilder(_join_title(title)))
        else:
            if not builders:
                builders.append(_ArticleBuilder(default_title))
            builders[-1].lines.append(line)
        i += 1
    return [_build(builder) for builder in builders]


@dataclass(frozen=True)
class _SectionMarker(_Line):
    """A markdown section heading (### …) inside an article."""


def _build(builder: _ArticleBuilder) -> Article:
    """Build an article, honouring explicit markdown section headings."""
    article = Article(builder.title)
    section = ""
    run: list[_Line] = []

    def flush() -> None:
        if run:
            part = _ArticleBuilder(builder.title)
            part.lines = list(run)
            built = part.build()
            article.sections.extend(built.sections)
            for block in built.blocks:
                article.blocks.append(Block(block.text, block.section or section, block.kind))
            run.clear()

    for line in builder.lines:
        if isinstance(line, _SectionMarker):
            flush()
            section = line.text
            article.sections.append(section)
        else:
            run.append(line)
    flush()
    return article
