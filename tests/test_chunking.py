from __future__ import annotations

import pytest

from qa.chunking import ChunkSettings, chunk_article
from qa.layout import Article, Block, split_articles
from tests.conftest import DOCUMENTS


@pytest.mark.parametrize("chunk_size", [200, 300])  # longer than any sentence of the seeds
def test_passages_are_whole_sentences_of_their_article(chunk_size):
    settings = ChunkSettings(chunk_size=chunk_size)
    for path in DOCUMENTS.glob("*.txt"):
        for article in split_articles(path.read_text(encoding="utf-8")):
            body = "".join(b.text for b in article.blocks)
            for chunk in chunk_article(article, settings):
                assert chunk.title == article.title
                flat = chunk.text.replace("\n", "")
                start = body.index(flat)
                assert (
                    start == 0
                    or body[start - 1] in "。！？；;”）)…"
                    or any(body.startswith(b.text, start) for b in article.blocks)
                ), chunk.text
                assert len(flat) <= chunk_size + settings.min_chunk


def test_chunks_never_cross_articles_or_sections():
    article = Article(
        "标题",
        [
            Block("第一节第一句。第一节第二句。", "一", "paragraph"),
            Block("第二节的句子，足够长的一段话，用来凑满最小长度的要求。", "二", "paragraph"),
        ],
    )
    chunks = chunk_article(article, ChunkSettings(chunk_size=200, min_chunk=0))
    assert [(c.section, c.text) for c in chunks] == [
        ("一", "第一节第一句。第一节第二句。"),
        ("二", "第二节的句子，足够长的一段话，用来凑满最小长度的要求。"),
    ]


def test_a_caption_is_a_passage_of_its_own():
    article = Article(
        "标题",
        [
            Block("图片说明文字在这里，说明这张照片。", "", "caption"),
            Block("正文第一句很长很长很长很长很长很长很长很长很长很长。", "", "paragraph"),
        ],
    )
    chunks = chunk_article(article, ChunkSettings(min_chunk=0))
    assert [c.text for c in chunks] == [b.text for b in article.blocks]


def test_a_short_tail_such_as_a_byline_joins_the_passage_before_it():
    article = Article("标题", [Block("正文。" * 30, "", "paragraph"), Block("（记者 帅弋）", "", "paragraph")])
    chunks = chunk_article(article, ChunkSettings(chunk_size=200, min_chunk=40))
    assert chunks[-1].text.endswith("正文。\n（记者 帅弋）")
