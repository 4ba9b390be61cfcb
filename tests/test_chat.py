"""The answer line and the chat reply: sentence choice, escaping, highlighting, folding, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import NOT_FOUND, Answer
from qa.chat import (
    FOLD_CHARS,
    cited_passages,
    escape_in_html_block,
    escape_text,
    format_answer,
    highlight,
    reply,
    shown_question,
)
from qa.errors import EmptyQuestionError
from qa.passage import Passage
from qa.question import MAX_QUESTION_CHARS, truncation_notice
from qa.retriever import Retriever
from qa.sentences import split_sentences


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


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>window.__pwned = 1</script>",
        '<img src=x onerror="alert(1)">',
        "[点我](http://evil.example/)",
        "![图](http://evil.example/x.png)",
        "http://evil.example/ 与 www.evil.example 与 a@evil.example",
        "**粗体** _斜体_ `代码` # 标题",
        "质能方程$$E=mc^2$$与$x$",
    ],
)
def test_escaped_text_holds_no_markup(dangerous):
    escaped = escape_text(dangerous)
    assert "<" not in escaped and ">" not in escaped.replace("&gt;", "")
    assert "](" not in escaped and "http://" not in escaped and "www." not in escaped and "**" not in escaped
    assert "$$" not in escaped and "$" not in escaped.replace("\\$", "")


def test_escaping_keeps_ordinary_punctuation_readable():
    assert escape_text("他说：“好”、'ok' & 3>2") == "他说：“好”、'ok' &amp; 3&gt;2"
    assert escape_in_html_block("a<b>[c](d:e)") == "a&lt;b&#62;&#91;c&#93;&#40;d&#58;e&#41;"
    assert escape_text("$$E=mc^2$$") == "\\$\\$E=mc^2\\$\\$"
    assert escape_in_html_block("$x$") == "&#36;x&#36;"


def test_highlight_marks_terms_and_escapes_the_rest():
    assert highlight("ab<c>b", ["b"], lambda s: s.replace("<", "&lt;")) == "a<mark>b</mark>&lt;c><mark>b</mark>"
    assert highlight("8.4亿元", []) == "8\\.4亿元"


def test_reply_shows_answer_line_then_numbered_citations():
    passages = [INVESTMENT, passage("凹河村共种植樱桃600亩。", "凹河村", "b.md", 0.25)]
    question = "清镇市一季度完成工业投资多少？"
    text = format_answer(
        Answer("一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。[1]", passages, True, question, question)
    )
    answer, heading, first, _second = text.split("\n\n", 3)
    assert answer == "**答：** 一季度，清镇市完成工业投资8\\.4亿元，是目标值的129\\.23%。\\[1\\]"
    assert heading == "**引用段落**"
    assert first.startswith("**\\[1\\]** 《标题》 · a\\.txt　*相关度 0.50*")
    assert "**\\[2\\]** 《凹河村》 · b\\.md　*相关度 0.25*" in text
    assert "<mark>清镇市</mark>" in text and "<mark>工业</mark>" in text


def test_long_passages_fold_and_short_ones_do_not():
    long = passage("清镇市。" * (FOLD_CHARS // 4 + 1))
    text = format_answer(Answer("短段落。[1]", [passage("短段落。"), long], True, "清镇市", "清镇市"))
    assert text.count("<details><summary>") == 1
    assert f"共 {len(long.text)} 字" in text
    assert text.index("<details>") > text.index("**\\[2\\]**")


def test_document_markup_in_a_reply_is_inert():
    evil = passage('<script>window.__pwned=1</script>[点我](http://evil.example/)<img src=x onerror="x()">' * 3)
    text = format_answer(Answer(NOT_FOUND, [evil], False, "点我", "点我"))
    without_own_markup = text.replace("<mark>", "").replace("</mark>", "")
    for tag in ("<details>", "<summary>", "</summary>", "</details>"):
        without_own_markup = without_own_markup.replace(tag, "")
    assert "<" not in without_own_markup
    assert "](http" not in text and "http://" not in text


def test_shown_question_is_escaped_and_cut():
    assert shown_question("<b>问</b>") == "&lt;b&gt;问&lt;/b&gt;"
    assert shown_question("问" * 10_000) == "问" * MAX_QUESTION_CHARS + "…"


def test_a_follow_up_shows_the_query_that_was_searched(retriever: Retriever):
    text = reply(retriever, "枇杷呢？", 3, history=["凹河村种了多少亩樱桃？"])
    searched, answer = text.split("\n\n")[:2]
    assert searched == "*检索：凹河村种了多少亩樱桃? 枇杷*"
    assert "枇杷456亩" in answer


def test_an_answer_without_evidence_marks_the_passages_as_weak(retriever: Retriever):
    text = reply(retriever, "华为最新手机的价格是多少？", 3)
    assert text.startswith(f"**答：** {escape_text(NOT_FOUND)}")
    assert "**最接近的段落（证据不足，仅供参考）**" in text and "**引用段落**" not in text


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
    assert text.startswith(escape_text(truncation_notice()))
    assert "樱桃600亩" in text


def test_cited_passages_are_passage_json(retriever: Retriever):
    passages = cited_passages(retriever, "凹河村种植樱桃多少亩", 2.0)
    assert len(passages) == 2
    assert set(passages[0]) == set(Passage.__dataclass_fields__)
    assert "樱桃600亩" in passages[0]["text"]
    with pytest.raises(EmptyQuestionError):
        cited_passages(retriever, " ")


def test_a_missing_index_is_a_message(tmp_path: Path):
    from qa.live import LiveRetriever

    assert "qa build" in reply(LiveRetriever(tmp_path / "none"), "问题")
