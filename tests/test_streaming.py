"""Streaming a generated answer from a fake OpenAI-compatible endpoint, then checking it (qa.streaming)."""

from __future__ import annotations

import json
import time

import pytest

from qa.generation import GenerationConfig, Streamed, stream_answer
from qa.index import build_index
from qa.passage import Passage
from qa.streaming import FAILED, REPLACED, WRITING, stream_reply
from tests.fake_llm import serve_posts
from tests.test_app import running_app

QUESTION = "凹河村种了多少亩樱桃？"


class StreamingEndpoint:
    """Streams `pieces` as server-sent events (one chat.completion.chunk each); `cut` drops the connection early."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.cut = False
        self.delay = 0.0
        self.bodies: list[dict] = []
        self.server, self.url = serve_posts(self.respond)

    def respond(self, handler, body: dict) -> None:
        self.bodies.append(body)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        for number, piece in enumerate(self.pieces):
            if self.cut and number == len(self.pieces) // 2:
                handler.wfile.write(b"data: {not json\n\n")
                return
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            handler.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            handler.wfile.flush()
            time.sleep(self.delay)
        handler.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch):
    fake = StreamingEndpoint()
    monkeypatch.setenv("QA_LLM_BASE_URL", fake.url)
    monkeypatch.setenv("QA_LLM_MODEL", "fake-model")
    yield fake
    fake.server.shutdown()


ORCHARD = Passage("目前，凹河村共种植樱桃600亩，枇杷456亩。", "b.md", "凹河村", "", 1.0, "《凹河村》 · b.md", 0)


def test_the_answer_streams_piece_by_piece_then_passes_the_checks(endpoint: StreamingEndpoint):
    endpoint.pieces = ["凹河村", "种植樱桃", "600亩。", "[1]"]
    config = GenerationConfig.from_env()
    items = list(stream_answer(config, QUESTION, [ORCHARD]))
    assert [item.text for item in items[:-1]] == ["凹河村", "凹河村种植樱桃", "凹河村种植樱桃600亩。", "凹河村种植樱桃600亩。[1]"]
    assert not any(item.done for item in items[:-1])
    assert items[-1] == Streamed("凹河村种植樱桃600亩。[1]", done=True, accepted=True)
    assert endpoint.bodies[0]["stream"] is True and endpoint.bodies[0]["model"] == "fake-model"


@pytest.mark.parametrize(
    ("pieces", "reason"),
    [
        (["凹河村种植樱桃", "700亩。[1]"], "700 is not in [1]"),
        (["凹河村种植樱桃600亩。", "[3]"], "[3] points to no passage"),
        ([], "empty answer"),
    ],
)
def test_a_streamed_answer_that_fails_the_checks_is_not_accepted(endpoint, pieces, reason):
    endpoint.pieces = pieces
    last = list(stream_answer(GenerationConfig.from_env(), QUESTION, [ORCHARD]))[-1]
    assert last.done and not last.accepted and reason in last.reason


def test_a_broken_stream_or_endpoint_ends_with_the_reason(endpoint, monkeypatch):
    endpoint.pieces, endpoint.cut = ["凹河村", "种植", "樱桃", "600亩。[1]"], True
    last = list(stream_answer(GenerationConfig.from_env(), QUESTION, [ORCHARD]))[-1]
    assert last.done and not last.accepted and "generation failed" in last.reason
    monkeypatch.setenv("QA_LLM_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    [only] = list(stream_answer(GenerationConfig.from_env(), QUESTION, [ORCHARD]))
    assert only.done and not only.accepted and "generation failed" in only.reason


def test_the_page_reply_streams_then_keeps_the_checked_answer(endpoint, retriever):
    endpoint.pieces = ["凹河村种植", "樱桃600亩。", "[1]"]
    replies = list(stream_reply(retriever, QUESTION, 3))
    assert len(replies) == 4
    assert replies[0].startswith(f"**答：** 凹河村种植{WRITING}")
    assert all("<details class=\"cited\">" in text for text in replies)  # the passages show while it writes
    assert replies[-1].startswith("**答：** 凹河村种植樱桃600亩。\\[1\\]")


def test_the_page_reply_is_replaced_by_the_extractive_answer_when_a_check_fails(endpoint, retriever):
    endpoint.pieces = ["凹河村种植樱桃", "9999亩。[1]"]
    replies = list(stream_reply(retriever, QUESTION, 3))
    assert "9999" in replies[-2]  # shown while written
    assert replies[-1].startswith(REPLACED) and "9999" not in replies[-1]
    assert "**答：** 目前，凹河村共种植樱桃600亩" in replies[-1]


def test_the_page_reply_falls_back_when_the_endpoint_fails(monkeypatch, retriever):
    monkeypatch.setenv("QA_LLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("QA_LLM_MODEL", "m")
    [only] = list(stream_reply(retriever, QUESTION, 3))
    assert only.startswith(FAILED) and "樱桃600亩" in only


def test_without_a_model_or_without_evidence_the_reply_comes_in_one_piece(endpoint, retriever, monkeypatch):
    [not_found] = list(stream_reply(retriever, "华为最新手机的价格是多少？", 3))
    assert endpoint.bodies == [] and "证据不足" in not_found
    monkeypatch.delenv("QA_LLM_BASE_URL")
    [extractive] = list(stream_reply(retriever, QUESTION, 3))
    assert extractive.startswith("**答：** 目前，凹河村共种植樱桃600亩")
    [empty] = list(stream_reply(retriever, "   ", 3))
    assert "问题为空" in empty


@pytest.mark.integration
def test_the_page_shows_the_answer_while_it_is_written(
    endpoint, documents_dir, tmp_path, encoder, fake_model, browser
):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    endpoint.pieces, endpoint.delay = ["凹河村种植", "樱桃", "600亩。", "[1]"], 1.0
    with running_app(tmp_path / "index", documents_dir) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(url)
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#question textarea").press("Enter")
        page.locator("#chat .bot", has_text="▌").first.wait_for(timeout=30_000)  # part of it, still writing
        writing = page.locator("#chat .bot").last.inner_text()
        assert "凹河村种植" in writing and "[1]" not in writing.splitlines()[0]
        page.locator("#chat .bot", has_text="樱桃600亩。[1]").first.wait_for(timeout=30_000)
        page.wait_for_function("!document.querySelector('#chat .bot').innerText.includes('▌')", timeout=30_000)
        assert page.locator("#chat .bot").last.inner_text().splitlines()[0] == "答： 凹河村种植樱桃600亩。[1]"
        page.close()
