from __future__ import annotations

import pytest

from qa.chunking import ChunkSettings, _merge_short, chunk_article
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


def test_passages_do_not_overlap_and_carry_no_white_space_at_their_ends():
    sentences = [f"第{n}句话说的是清镇市第{n}个项目的进展情况。" for n in range(1, 9)]
    article = Article(
        "标题", [Block("".join(sentences[:4]), "", "paragraph"), Block("".join(sentences[4:]), "", "paragraph")]
    )
    chunks = chunk_article(article, ChunkSettings(chunk_size=60, chunk_overlap=0, min_chunk=0))
    texts = [c.text for c in chunks]
    assert "".join(t.replace("\n", "") for t in texts) == "".join(sentences)  # each sentence once
    assert all(t == t.strip() for t in texts) and len(texts) > 2


@pytest.mark.parametrize(
    ("pieces", "source", "merged"),
    [
        (["短。", "长" * 40 + "。"], "短。" + "长" * 40 + "。", ["短。" + "长" * 40 + "。"]),  # a short first piece
        (["长" * 40 + "。", "短。"], "长" * 40 + "。\n短。", ["长" * 40 + "。\n短。"]),  # across a paragraph break
        (["甲" * 40, "乙" * 40], "甲" * 40 + "乙" * 40, ["甲" * 40, "乙" * 40]),  # min_chunk long: kept apart
        (["甲" * 39, "乙" * 40], "甲" * 39 + "乙" * 40, ["甲" * 39 + "乙" * 40]),
    ],
)
def test_short_pieces_join_their_neighbour_with_a_line_break_only_across_paragraphs(pieces, source, merged):
    assert _merge_short(pieces, 40, source) == merged
