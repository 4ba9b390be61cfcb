"""Optional generation against a fake OpenAI-compatible endpoint on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from qa.answer import answer
from qa.generation import problems
from qa.passage import Passage
from qa.retriever import Retriever
from tests.fake_llm import serve_posts


class FakeEndpoint:
    """Answers every chat completion with `reply`, and records the requests."""

    def __init__(self) -> None:
        self.reply = ""
        self.requests: list[dict] = []
        self.server, self.url = serve_posts(self.respond)

    def respond(self, handler, body: dict) -> None:
        self.requests.append({"path": handler.path, "auth": handler.headers.get("Authorization"), "body": body})
        data = json.dumps({"choices": [{"message": {"content": self.reply}}]}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch):
    fake = FakeEndpoint()
    monkeypatch.setenv("QA_LLM_BASE_URL", fake.url)
    monkeypatch.setenv("QA_LLM_MODEL", "fake-model")
    monkeypatch.setenv("QA_LLM_API_KEY", "secret")
    yield fake
    fake.server.shutdown()


QUESTION = "凹河村种了多少亩樱桃？"


def test_a_checked_generated_answer_is_used(endpoint: FakeEndpoint, retriever: Retriever):
    endpoint.reply = "凹河村种植樱桃600亩。[1]"
    result = answer(QUESTION, retriever=retriever, k=3)
    assert result.generated and result.text == "凹河村种植樱桃600亩。[1]"
    assert "樱桃600亩" in result.passages[0].text
    request = endpoint.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["body"]["model"] == "fake-model"
    assert (
        "[1]" in request["body"]["messages"][1]["content"]
        and "凹河村种了多少亩樱桃" in request["body"]["messages"][1]["content"]
    )


@pytest.mark.parametrize(
    "reply",
    [
        "凹河村种植樱桃700亩。[1]",  # a number the passage does not hold
        "凹河村种植樱桃600亩。[9]",  # a marker pointing to no passage
        "凹河村种植樱桃600亩。",  # no marker at all
    ],
)
def test_an_unfaithful_generated_answer_falls_back_to_the_extractive_one(endpoint, retriever, reply):
    endpoint.reply = reply
    result = answer(QUESTION, retriever=retriever, k=3)
    assert not result.generated
    assert result.text.startswith("目前，凹河村共种植樱桃600亩")


def test_an_unreachable_endpoint_falls_back(monkeypatch: pytest.MonkeyPatch, retriever: Retriever):
    monkeypatch.setenv("QA_LLM_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("QA_LLM_MODEL", "m")
    result = answer(QUESTION, retriever=retriever)
    assert result.found and not result.generated


def test_nothing_is_generated_for_a_question_without_evidence(endpoint: FakeEndpoint, retriever: Retriever):
    endpoint.reply = "华为手机卖5999元。[1]"
    assert not answer("华为最新手机的价格是多少？", retriever=retriever).found
    assert endpoint.requests == []


def passage(text: str) -> Passage:
    return Passage(text, "a.txt", "标题", "", 1.0, "《标题》 · a.txt", 0)


def test_problems_checks_numbers_against_the_passage_each_sentence_cites():
    passages = [passage("产值达2300万元。"), passage("投资8.4亿元。")]
    assert problems("产值2300万元[1]，投资8.4亿元[2]。", passages) == []
    assert problems("产值2300万元。[2]", passages) == ["2300 is not in [2]"]
