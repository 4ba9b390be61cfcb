from __future__ import annotations

import pytest

from qa.followup import resolve_followup, topic


@pytest.mark.parametrize(
    ("question", "history", "query"),
    [
        ("它一季度产值多少？", ["旭鼎光电是什么时候注册成立的？"], "旭鼎光电一季度产值多少？"),
        ("枇杷呢？", ["凹河村种了多少亩樱桃？"], "凹河村种了多少亩樱桃？ 枇杷"),
        ("那李子呢？", ["凹河村种了多少亩樱桃？", "枇杷呢？"], "凹河村种了多少亩樱桃？ 李子"),
        (
            "其中经营性的有多少栋？",
            ["暗流镇排查了多少栋农村自建房？"],
            "暗流镇排查了多少栋农村自建房？ 其中经营性的有多少栋？",
        ),
        ("清镇市有多少家规上企业？", ["暗流镇排查了多少栋农村自建房？"], "清镇市有多少家规上企业？"),
        ("它在哪里？", [], "它在哪里？"),
    ],
)
def test_resolve_followup(question, history, query):
    assert resolve_followup(question, history) == query


def test_topic_is_what_comes_before_the_predicate():
    assert topic("凹河村种了多少亩樱桃？") == "凹河村"
    assert topic("旭鼎光电是什么时候注册成立的？") == "旭鼎光电"
    assert topic("多少？") == ""
