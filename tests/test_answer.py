"""Extractive answers on a tiny index with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import NOT_FOUND, answer, answer_type_match, extract_answer
from qa.answerability import AnswerabilityModel
from qa.errors import EmptyQuestionError
from qa.index import build_index
from qa.retriever import Retriever
from qa.sentences import split_sentences

ALWAYS = AnswerabilityModel({}, 0.0, 0.0)  # answers every question


@pytest.fixture
def retriever(documents_dir: Path, tmp_path: Path, encoder) -> Retriever:
    (documents_dir / "project.txt").write_text(
        "## 产业园项目\n\n在清镇铝新材料产业园配套设施建设项目工地上，机器各司其职。"
        "该项目总投资3.36亿元，今年一季度已完成投资6234万元。\n",
        encoding="utf-8",
    )
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return Retriever.load(tmp_path / "index", encoder=encoder)


def test_answer_is_a_verbatim_sentence_with_its_marker(retriever: Retriever):
    result = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    assert result.found
    assert result.text == "目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。[1]"
    assert result.sentences == ["目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。"]
    assert result.sentences[0] in result.passages[0].text  # [1] is passages[0]
    assert result.query == result.question == "凹河村种了多少亩樱桃？"


def test_a_sentence_that_names_its_subject_in_the_sentence_before_still_answers(retriever: Retriever):
    # lexical scoring alone (no sentence vectors): the fake encoder's bigram cosines would favour the first sentence
    question = "清镇铝新材料产业园配套设施建设项目总投资多少？"
    result = extract_answer(question, question, retriever.search(question), retriever.sparse, model=ALWAYS)
    assert result.text.startswith("该项目总投资3.36亿元")


def test_a_follow_up_is_searched_with_the_question_it_follows(retriever: Retriever):
    first = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    second = answer("枇杷呢？", history=[("凹河村种了多少亩樱桃？", first.text)], retriever=retriever)
    assert second.query == "凹河村种了多少亩樱桃? 枇杷"
    assert "枇杷456亩" in second.text


def test_a_question_the_documents_do_not_answer_is_not_found(retriever: Retriever):
    result = answer("华为最新手机的价格是多少？", retriever=retriever)
    assert not result.found
    assert result.text == NOT_FOUND
    assert result.passages  # the nearest passages are still shown


def test_empty_question_is_refused(retriever: Retriever):
    with pytest.raises(EmptyQuestionError):
        answer("  ", retriever=retriever)


@pytest.mark.parametrize(
    ("question", "sentence", "match"),
    [
        ("种了多少亩？", "共种植樱桃600亩。", 1.0),
        ("种了多少亩？", "6月21日举行了活动。", 0.0),  # a date is not a quantity
        ("从哪天起入汛？", "将从5月1日起全面入汛。", 1.0),
        ("设在哪个站？", "花果园站青年志愿者服务中心投入使用。", 1.0),
        ("是不是这样？", "任何句子。", 0.5),
        ("旭鼎光电为什么能火速上规？", "还因为得到了清镇市的全方位服务。", 1.0),
        ("为何如此？", "任何句子。", 0.0),  # a reason question wants a sentence that gives one
        ("有哪几个方面？", "超前安排部署、全面排查、健全机制。", 1.0),
    ],
)
def test_answer_type_match(question, sentence, match):
    assert answer_type_match(question, sentence) == match


def test_split_sentences_keeps_closing_quotes():
    assert split_sentences("他说：“好。”然后走了。\n第二段") == ["他说：“好。”", "然后走了。", "第二段"]


def test_a_traditional_sentence_holds_the_quantity_a_question_asks_for():
    from qa.answer import answer_type_match

    assert answer_type_match("为什么能提前完成？", "由於訂單充足，工廠提前完成任務。") == 1.0  # 由於 is 由于
    assert answer_type_match("在哪个地方？", "位於清鎮縣") == 1.0  # 鎮, 縣 are 镇, 县


@pytest.mark.parametrize(
    ("question", "sentence", "missing"),
    [
        ("种了多少亩？", "6月21日举行了活动。", 1.0),  # a quantity is asked, the sentence holds none
        ("种了多少亩？", "共种植樱桃600亩。", 0.0),
        ("什么时候建成开放？", "将建设山野露营地，发展农家乐。", 1.0),  # a date is asked
        ("出现在哪个县？", "最大累计降水量为721.2毫米。", 1.0),  # a place is asked
        ("为何如此？", "任何句子。", 0.0),  # a reason is no concrete slot: a paraphrase may give it in any words
        ("是不是这样？", "任何句子。", 0.0),
    ],
)
def test_answer_slot_missing(question, sentence, missing):
    from qa.answer import answer_slot_missing

    assert answer_slot_missing(question, sentence) == missing


def test_the_words_beyond_a_passage_topic_are_those_its_title_and_first_sentence_lack():
    from qa.answer import _novel_words
    from qa.passage import Passage

    passage = Passage(
        text="大果西番莲是西番莲属的植物中果实最大的一种。其叶柄有四到六个腺体。",
        source="plant.txt",
        title="植物",
        section="",
        score=1.0,
        citation="plant.txt",
        passage_id=0,
    )
    assert _novel_words(["西番莲", "叶柄", "特点"], [passage]) == {0: ["叶柄", "特点"]}
