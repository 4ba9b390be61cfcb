"""The web app through the API a program would use (gradio_client), with the fake encoder.

`running_app` is also what the browser tests serve the page with.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

import app as launcher
from qa import cli, web
from qa.index import build_index
from qa.library import MAX_FILE_BYTES
from qa.passage import Passage
from qa.serving import launch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(
    index_dir: Path,
    documents_dir: Path,
    auth: str | None = None,
    queue_size: int | None = None,
    manage_documents: bool = False,
) -> Iterator[str]:
    """Serve the chat on a free 127.0.0.1 port in this process, launched as `qa serve` launches it
    (with `manage_documents`, the documents tab uploads and removes, as on 127.0.0.1)."""
    demo = web.make_app(index_dir, documents_dir, manage_documents=manage_documents)
    port = free_port()
    launch(
        demo,
        "127.0.0.1",
        port,
        auth,
        blocked=(index_dir, documents_dir),
        max_queued=queue_size,
        max_file_size=MAX_FILE_BYTES if manage_documents else None,
        prevent_thread_lock=True,
        quiet=True,
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture
def client(documents_dir: Path, tmp_path: Path, encoder, fake_model) -> Iterator[Client]:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    with running_app(tmp_path / "index", documents_dir) as url:
        yield Client(url, verbose=False)


def test_the_api_has_stable_chat_and_retrieve_endpoints(client: Client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/chat", "/retrieve", "/rebuild"} <= set(endpoints)


def test_retrieve_returns_cited_passages_as_structured_data(client: Client):
    passages = client.predict("凹河村种植樱桃多少亩", 2, api_name="/retrieve")
    assert isinstance(passages, list) and len(passages) == 2
    assert set(passages[0]) == set(Passage.__dataclass_fields__)
    first = Passage(**passages[0])
    assert "樱桃600亩" in first.text
    assert first.source == "page.txt" and first.citation == f"《{first.title}》 · page.txt"
    assert passages[0]["score"] >= passages[1]["score"]


def test_retrieve_rejects_bad_input_with_the_message(client: Client):
    with pytest.raises(AppError, match="问题为空"):
        client.predict("  ", 2, api_name="/retrieve")
    with pytest.raises(AppError, match="k 必须是"):
        client.predict("樱桃", 0, api_name="/retrieve")


def test_chat_replies_with_answer_line_and_citations(client: Client):
    text = client.predict("凹河村种植樱桃多少亩", 1, api_name="/chat")
    assert text.startswith("**答：** 目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。\\[1\\]")
    assert "**\\[1\\]** 《凹河村——果园里的好日子》 · page\\.txt" in text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "问题为空"),
        ("凹河村种植樱桃" + "啊" * 10_000, "（问题超过 1000 字，只按前 1000 字检索。"),
        ("<script>alert(1)</script>凹河村种植樱桃", "**\\[1\\]** 《凹河村——果园里的好日子》"),
    ],
)
def test_chat_answers_bad_input_in_the_chat(client: Client, message: str, expected: str):
    text = client.predict(message, 3, api_name="/chat")
    assert expected in text
    assert "<script>" not in text


def test_rebuild_is_picked_up_without_a_restart(client: Client, documents_dir: Path):
    assert "暗流镇" not in client.predict("暗流镇排查了多少栋农村自建房", 1, api_name="/chat")
    (documents_dir / "new.txt").write_text("# 暗流镇\n\n暗流镇共排查农村自建房5511栋。\n", encoding="utf-8")
    status, info = client.predict(api_name="/rebuild")
    assert status.startswith("索引已重建：3 个文档")
    assert "**文档 documents**: 3" in info
    assert "5511栋" in client.predict("暗流镇排查了多少栋农村自建房", 1, api_name="/chat")


def test_rebuild_failure_is_a_message(client: Client, documents_dir: Path):
    shutil.rmtree(documents_dir)
    status, _ = client.predict(api_name="/rebuild")
    assert "没有可读的" in status


# the three ways to start the chat: the installed command, the launcher, the module
ENTRY_POINTS = {
    "qa serve": lambda argv: cli.main(["serve", *argv]),
    "python app.py": launcher.main,
    "qa.web.main": web.main,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_main_binds_localhost_7860_by_default(entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    main = ENTRY_POINTS[entry]
    launched: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs))
    monkeypatch.delenv("QA_HOST", raising=False)
    monkeypatch.delenv("QA_PORT", raising=False)
    assert main(["--index", str(tmp_path / "missing")]) == 0
    assert (launched["server_name"], launched["server_port"], launched["share"]) == ("127.0.0.1", 7860, False)
    monkeypatch.setenv("QA_HOST", "0.0.0.0")
    monkeypatch.setenv("QA_PORT", "8000")
    main([])
    assert (launched["server_name"], launched["server_port"]) == ("0.0.0.0", 8000)
    main(["--host", "127.0.0.2", "--port", "9000"])
    assert (launched["server_name"], launched["server_port"]) == ("127.0.0.2", 9000)


def test_a_bad_port_or_auth_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: pytest.fail("launched"))
    monkeypatch.setenv("QA_PORT", "http")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve"])
    assert exit_.value.code == 2 and "invalid int value: 'http'" in capsys.readouterr().err
    monkeypatch.delenv("QA_PORT")
    assert cli.main(["serve", "--auth", "nopassword"]) == 2
    assert capsys.readouterr().err == "qa serve: --auth / QA_AUTH must look like user:password (both non-empty)\n"


def test_chat_takes_earlier_questions_for_a_follow_up(client: Client):
    text = client.predict("枇杷呢？", 3, ["凹河村种了多少亩樱桃？"], api_name="/chat")
    assert text.startswith("*检索：凹河村种了多少亩樱桃? 枇杷*")
    assert "枇杷456亩" in text
