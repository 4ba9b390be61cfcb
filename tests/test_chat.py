"""The answer line and the chat reply: sentence choice, escaping, highlighting, folding, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import AnswerLine, best_sentence, bigrams, split_sentences
from qa.chat import (
    FOLD_CHARS,
    MAX_QUESTION_CHARS,
    cited_passages,
    escape_in_html_block,
    escape_text,
    format_reply,
    highlight,
    reply,
    shown_question,
    truncate_question,
)
from qa.errors import EmptyQuestionError
from qa.index import build_index
from qa.passage import Passage
from qa.retriever import Retriever


def passage(text: str, title: str = "标题", source: str = "a.txt", score: float = 0.5) -> Passage:
    return Passage(text, source, title, "", score, f"《{title}》 · {source}", 0)


INVESTMENT = passage(
    "该项目的又快又好建设，离不开清镇市采取的诸多举措。"
    "一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。"
    "他说：“我们有信心。”新企业3个月火速“上规”！"
)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("", []),
        ("没有句号的一段", ["没有句号的一段"]),
        ("他说：“好。”然后走了。\n第二段", ["他说：“好。”", "然后走了。", "第二段"]),
        ("一是联动；二是预警！真的吗？是的", ["一是联动；", "二是预警！", "真的吗？", "是的"]),
        ("Hello. World!", ["Hello. World!"]),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_bigrams_ignore_punctuation_and_space():
    assert bigrams("清镇市，一 季度") == {"清镇", "镇市", "市一", "一季", "季度"}
    assert bigrams("？") == set()


def test_best_sentence_is_the_top_passage_sentence_sharing_most_bigrams():
    line = best_sentence("清镇市一季度完成工业投资多少？", [INVESTMENT, passage("清镇市一季度完成工业投资多少")])
    assert line == AnswerLine("一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。", 1)
    assert line.marked == "一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。[1]"


def test_best_sentence_keeps_closing_quotes_and_takes_the_first_of_ties():
    assert best_sentence("我们有信心吗", [INVESTMENT]).text == "他说：“我们有信心。”"
    assert best_sentence("毫不相干", [INVESTMENT]).text == "该项目的又快又好建设，离不开清镇市采取的诸多举措。"


def test_best_sentence_without_passages_is_none():
    assert best_sentence("问题", []) is None
    assert best_sentence("问题", [passage("   ")]) is None


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>window.__pwned = 1</script>",
        '<img src=x onerror="alert(1)">',
        "[点我](http://evil.example/)",
        "![图](http://evil.example/x.png)",
        "http://evil.example/ 与 www.evil.example 与 a@evil.example",
        "**粗体** _斜体_ `代码` # 标题",
    ],
)
def test_escaped_text_holds_no_markup(dangerous):
    escaped = escape_text(dangerous)
    assert "<" not in escaped and ">" not in escaped.replace("&gt;", "")
    assert "](" not in escaped and "http://" not in escaped and "www." not in escaped and "**" not in escaped


def test_escaping_keeps_ordinary_punctuation_readable():
    assert escape_text("他说：“好”、'ok' & 3>2") == "他说：“好”、'ok' &amp; 3&gt;2"
    assert escape_in_html_block("a<b>[c](d:e)") == "a&lt;b&#62;&#91;c&#93;&#40;d&#58;e&#41;"


def test_highlight_marks_terms_and_escapes_the_rest():
    assert highlight("ab<c>b", ["b"], lambda s: s.replace("<", "&lt;")) == "a<mark>b</mark>&lt;c><mark>b</mark>"
    assert highlight("8.4亿元", []) == "8\\.4亿元"


def test_reply_shows_answer_line_then_numbered_citations():
    passages = [INVESTMENT, passage("凹河村共种植樱桃600亩。", "凹河村", "b.md", 0.25)]
    text = format_reply("清镇市一季度完成工业投资多少？", passages)
    answer, heading, first, _second = text.split("\n\n", 3)
    assert answer == "**答：** 一季度，清镇市完成工业投资8\\.4亿元，是目标值的129\\.23%。\\[1\\]"
    assert heading == "**引用段落**"
    assert first.startswith("**\\[1\\]** 《标题》 · a\\.txt　*相关度 0.50*")
    assert "**\\[2\\]** 《凹河村》 · b\\.md　*相关度 0.25*" in text
    assert "<mark>清镇市</mark>" in text and "<mark>工业</mark>" in text


def test_long_passages_fold_and_short_ones_do_not():
    long = passage("清镇市。" * (FOLD_CHARS // 4 + 1))
    text = format_reply("清镇市", [passage("短段落。"), long])
    assert text.count("<details><summary>") == 1
    assert f"共 {len(long.text)} 字" in text
    assert text.index("<details>") > text.index("**\\[2\\]**")


def test_document_markup_in_a_reply_is_inert():
    evil = passage('<script>window.__pwned=1</script>[点我](http://evil.example/)<img src=x onerror="x()">' * 3)
    text = format_reply("点我", [evil])
    without_own_markup = text.replace("<mark>", "").replace("</mark>", "")
    for tag in ("<details>", "<summary>", "</summary>", "</details>"):
        without_own_markup = without_own_markup.replace(tag, "")
    assert "<" not in without_own_markup
    assert "](http" not in text and "http://" not in text


def test_truncate_question():
    assert truncate_question("问" * MAX_QUESTION_CHARS) == ("问" * MAX_QUESTION_CHARS, False)
    assert truncate_question("问" * 10_000) == ("问" * MAX_QUESTION_CHARS, True)
    assert shown_question("<b>问</b>") == "&lt;b&gt;问&lt;/b&gt;"
    assert shown_question("问" * 10_000) == "问" * MAX_QUESTION_CHARS + "…"


@pytest.fixture
def retriever(documents_dir: Path, tmp_path: Path, encoder) -> Retriever:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return Retriever.load(tmp_path / "index", encoder=encoder)


def test_reply_answers_from_the_index(retriever: Retriever):
    text = reply(retriever, "凹河村种植樱桃多少亩", 1)
    assert text.startswith("**答：** 目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。\\[1\\]")
    assert text.count("**\\[") == 1


@pytest.mark.parametrize(
    ("message", "k", "expected"),
    [
        ("", 5, "问题为空"),
        ("   \n", 5, "问题为空"),
        (None, 5, "问题为空"),
        ("樱桃", 0, "k 必须是"),
        ("樱桃", "many", "k 必须是"),
    ],
)
def test_bad_input_is_answered_not_raised(retriever: Retriever, message, k, expected):
    assert expected in reply(retriever, message, k)


def test_a_long_question_is_cut_with_a_notice(retriever: Retriever):
    text = reply(retriever, "凹河村种植樱桃多少亩" + "啊" * 10_000, 2.0)
    assert text.startswith(f"（问题过长，只使用了前 {MAX_QUESTION_CHARS} 个字符。）")
    assert "樱桃600亩" in text


def test_cited_passages_are_passage_json(retriever: Retriever):
    passages = cited_passages(retriever, "凹河村种植樱桃多少亩", 2.0)
    assert len(passages) == 2
    assert set(passages[0]) == set(Passage.__dataclass_fields__)
    assert "樱桃600亩" in passages[0]["text"]
    with pytest.raises(EmptyQuestionError):
        cited_passages(retriever, " ")


def test_a_missing_index_is_a_message(tmp_path: Path):
    from qa.retriever import LiveRetriever

    assert "qa build" in reply(LiveRetriever(tmp_path / "none"), "问题")
