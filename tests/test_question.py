"""Whatever a user types is answered or refused cleanly: Python API and CLI alike."""

from __future__ import annotations

import pytest

from qa import cli
from qa.answer import NOT_FOUND, answer
from qa.errors import EmptyQuestionError, InvalidKError
from qa.index import build_index
from qa.question import MAX_QUESTION_CHARS, prepare_question
from qa.retriever import Retriever


@pytest.mark.parametrize("question", ["", "   ", "\n\t\u3000", "\x00\x07", "\u200b\u200e", "\ud800", None, 42])
def test_empty_or_invisible_questions_are_refused_before_any_search(question):
    with pytest.raises(EmptyQuestionError, match="empty"):
        prepare_question(question)


def test_a_very_long_question_is_cut_with_a_flag_and_answered(retriever: Retriever):
    question = "凹河村种了多少亩樱桃？" + "很" * 100_000
    prepared = prepare_question(question)
    assert prepared.truncated and len(prepared.text) <= MAX_QUESTION_CHARS
    result = answer(question, retriever=retriever)
    assert result.truncated and "樱桃600亩" in result.text


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("清鎮市工業投資", "清镇市工业投资"),  # traditional characters
        ("ＧＤＰ１１８家？", "GDP118家?"),  # full-width letters, digits, punctuation
        ("凹河村\x00种了\x1b多少", "凹河村 种了 多少"),  # control characters
        ("樱桃😀多少亩\ud83d", "樱桃😀多少亩"),  # emoji kept, a lone surrogate dropped
    ],
)
def test_questions_are_normalised(raw, cleaned):
    assert prepare_question(raw).text == cleaned


def test_a_traditional_question_finds_the_simplified_passage(retriever: Retriever):
    # 櫻桃種植 shares no character bigram with the passage (种植樱桃): only the conversion finds it
    assert "樱桃600亩" in retriever.retrieve("櫻桃種植", k=1)[0].text
    assert "樱桃600亩" in retriever.retrieve("凹河村種植櫻桃多少畝", k=1)[0].text


@pytest.mark.parametrize("question", ["<script>alert(1)</script>凹河村樱桃", "[点我](javascript:alert(1)) 樱桃"])
def test_markup_around_a_question_does_not_keep_it_from_its_passage(retriever: Retriever, question):
    result = answer(question, retriever=retriever)
    assert "樱桃600亩" in result.passages[0].text and result.passages[0].source == "page.txt"
    assert "<script>" not in result.text and "javascript:" not in result.text


@pytest.mark.parametrize("question", ["😀🎉", "？？？"])
def test_a_question_without_words_is_answered_not_found_with_the_nearest_passages(retriever: Retriever, question):
    result = answer(question, retriever=retriever)
    assert (result.found, result.text, result.markers) == (False, NOT_FOUND, [])
    assert len(result.passages) == min(5, retriever.info.passages) > 0  # the nearest passages, for reference


@pytest.mark.parametrize("k", [0, -3, "many", 2.5, None])
def test_bad_k_is_a_clear_error(retriever: Retriever, k):
    with pytest.raises(InvalidKError):
        retriever.retrieve("樱桃", k=k)


def test_huge_k_is_clamped(retriever: Retriever):
    assert len(retriever.retrieve("樱桃", k=10**12)) == retriever.info.passages


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["  "], "empty"),
        (["\x00\x01"], "empty"),
        (["樱桃", "-k", "-1"], "k must be"),
        (["樱桃", "-k", "0"], "k must be"),
    ],
)
def test_cli_refuses_bad_input_in_one_line(argv, message, documents_dir, tmp_path, capsys, fake_model):
    build_index(documents_dir, tmp_path / "index", encoder=fake_model)
    assert cli.main(["ask", *argv, "--index", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_shows_a_notice_for_a_cut_question(documents_dir, tmp_path, capsys, fake_model):
    build_index(documents_dir, tmp_path / "index", encoder=fake_model)
    assert cli.main(["ask", "凹河村种了多少亩樱桃？" + "。" * 5000, "--index", str(tmp_path / "index")]) == 0
    assert capsys.readouterr().out.startswith(f"（问题超过 {MAX_QUESTION_CHARS} 字")
