"""Property tests: the reader and the layout repair take any text or bytes.

Never an exception other than the documented ones, and nothing read is silently lost:
every body line comes out, white space aside, inside a passage (headings become titles).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.chunking import ChunkSettings, chunk_article
from qa.documents import read_document
from qa.errors import DocumentReadError
from qa.layout import MARKDOWN_HEADING, clean_line, split_articles
from qa.sentences import compact

NEWSPAPER_PIECES = st.sampled_from(
    [
        "## ",
        "### ",
        "# ",
        "——",
        "\n",
        "\n\n",
        "\n\n\n\n",
        "。",
        "，",
        "、",
        "？",
        "”",
        "“",
        "（",
        "）",
        "(",
        ")",
        "清镇市",
        "一季度",
        "完成投资8.4亿元",
        "通讯员 张三",
        "■相关新闻",
        "本报讯",
        " ",
        "\u3000",
        "\xa0",
        "a",
        "1",
        "#",
        "#北京冬奥会#",
        "#话题",
        "■",
        "★★★",
        "……",
        "*",
    ]
)
TEXT = st.one_of(st.text(max_size=300), st.lists(NEWSPAPER_PIECES, max_size=80).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_every_body_line_comes_out_in_a_passage(text):
    articles = split_articles(text, default_title="doc")
    chunks = [chunk for article in articles for chunk in chunk_article(article, ChunkSettings(chunk_size=60))]
    body = compact("".join(c.text for c in chunks))
    headings = compact("".join(a.title + "".join(a.sections) for a in articles))
    for raw in text.splitlines():
        line = clean_line(raw)
        heading = MARKDOWN_HEADING.match(line)
        if heading and heading.group(2):
            line = heading.group(2)  # a markdown heading becomes a title or a section
        assert compact(line) in body or compact(line) in headings, line


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_a_page_with_a_line_of_body_text_has_a_passage(text):
    """Hashtags, symbol lines and "#" without a space are not headings: the page is indexed, not silently empty."""
    articles = split_articles(text, default_title="doc")
    titles = compact("".join(a.title for a in articles))
    body_lines = [
        line
        for line in (clean_line(raw) for raw in text.splitlines())
        if line and not ((heading := MARKDOWN_HEADING.match(line)) and heading.group(2))
        and compact(line) not in titles  # a unit line ("单位——") is a title
    ]
    if body_lines:
        assert any(article.blocks for article in articles), body_lines


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_reading_any_bytes_gives_a_document_or_a_read_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("docs")
    path = folder / "x.txt"
    path.write_bytes(data)
    try:
        document = read_document(path, folder)
    except DocumentReadError as error:
        assert error.path == path
    else:
        assert document.source == "x.txt" and isinstance(document.text, str)
        split_articles(document.text)


def test_unit_line_heading_text_is_kept_in_the_title():
    (article,) = split_articles("清镇市公安局——\n\n考核提升战力\n\n正文一句。")
    assert article.title == "清镇市公安局——考核提升战力"
