"""Cut articles into passages of a few whole sentences, never across an article.

Paragraphs of one section are split at Chinese sentence boundaries (。！？；…) by
langchain's RecursiveCharacterTextSplitter and merged back up to `chunk_size`
characters. A caption is a passage of its own. This module does not read files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa.layout import Article, Block

# Regular expressions, tried in order: paragraph, sentence end (with the closing quotes
# that belong to it: 。” stays together), clause, and "" to cut an overlong clause.
CLOSING = "[”’」』）)]*"
SEPARATORS = ["\n", f"[。！？!?]+{CLOSING}", f"[；;…]+{CLOSING}", "[，,、：:]", ""]


@dataclass(frozen=True)
class ChunkSettings:
    chunk_size: int = 300  # characters; measured against 120-300 in docs/RETRIEVAL.md
    chunk_overlap: int = 0  # characters
    min_chunk: int = 40  # a shorter piece (a byline, a sentence's tail) joins its neighbour

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    title: str  # the article's title
    section: str  # the section heading inside the article, "" when none
    text: str  # as a reader should see it


def _splitter(settings: ChunkSettings) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        is_separator_regex=True,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        strip_whitespace=True,
    )


def _runs(blocks: list[Block]) -> list[list[Block]]:
    """Consecutive paragraphs of one section form a run; a caption is a run alone."""
    runs: list[list[Block]] = []
    for block in blocks:
        if (
            runs
            and block.kind == "paragraph"
            and runs[-1][-1].kind == "paragraph"
            and runs[-1][-1].section == block.section
        ):
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs


def chunk_article(article: Article, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    splitter = _splitter(settings)
    chunks = []
    for run in _runs(article.blocks):
        text = "\n".join(block.text for block in run)
        for piece in _merge_short(splitter.split_text(text), settings.min_chunk, text):
            chunks.append(Chunk(article.title, run[0].section, piece))
    return chunks


def _merge_short(pieces: list[str], min_chunk: int, source_text: str) -> list[str]:
    """Join each piece shorter than `min_chunk` to the piece before it (or after, if first).

    ["长段落……。", "（记者 帅弋）"] -> ["长段落……。\n（记者 帅弋）"]
    """
    merged: list[str] = []
    for piece in pieces:
        if merged and (len(piece) < min_chunk or len(merged[-1]) < min_chunk):
            same_paragraph = merged[-1] + piece in source_text
            merged[-1] = merged[-1] + ("" if same_paragraph else "\n") + piece
        else:
            merged.append(piece)
    return merged
