"""Serving safely (issue 7, cases 10-12): bind address, login, file routes, Origin, a full queue.

The app runs in this process on 127.0.0.1 with the fake encoder, launched as `qa serve` and
`app.py` launch it (`qa.serving.launch`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client import Client

from qa import web
from qa.index import build_index
from qa.serving import CHAT_CONCURRENCY, DEFAULT_QUEUE_SIZE, AuthFormatError, launch_settings, parse_auth, same_origin
from tests import test_app
from tests.conftest import ROOT
from tests.test_app import running_app


@pytest.fixture
def index_dir(documents_dir: Path, tmp_path: Path, encoder, fake_model) -> Path:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return tmp_path / "index"


@pytest.fixture
def url(index_dir: Path, documents_dir: Path) -> Iterator[str]:
    with running_app(index_dir, documents_dir) as url:
        yield url


def test_launch_defaults_are_local_without_share_or_login():
    settings = launch_settings()
    assert settings["server_name"] == "127.0.0.1" and settings["share"] is False and settings["auth"] is None
    assert settings["max_file_size"] and settings["strict_cors"] is True and settings["allowed_paths"] == []


@pytest.mark.parametrize("entry", test_app.ENTRY_POINTS)
def test_main_launches_with_the_safe_settings(entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    main = test_app.ENTRY_POINTS[entry]
    launched: dict = {}
    queued: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs))
    original_queue = gr.Blocks.queue
    monkeypatch.setattr(
        gr.Blocks, "queue", lambda self, **kwargs: queued.update(kwargs) or original_queue(self, **kwargs)
    )
    for name in ("QA_HOST", "QA_PORT", "QA_AUTH", "QA_QUEUE_SIZE", "QA_DOCUMENTS"):
        monkeypatch.delenv(name, raising=False)
    main(["--index", str(tmp_path / "missing"), "--documents", str(tmp_path / "docs")])
    assert launched["server_name"] == "127.0.0.1" and launched["share"] is False and launched["auth"] is None
    assert launched["strict_cors"] is True and launched["allowed_paths"] == [] and launched["max_file_size"]
    assert launched["app_kwargs"]["middleware"][0].cls.__name__ == "OriginCheck"
    assert str((tmp_path / "missing").resolve()) in launched["blocked_paths"]
    assert str((tmp_path / "docs").resolve()) in launched["blocked_paths"]
    assert str((ROOT / ".venv").resolve()) in launched["blocked_paths"]
    assert queued == {"default_concurrency_limit": CHAT_CONCURRENCY, "max_size": DEFAULT_QUEUE_SIZE}
    monkeypatch.setenv("QA_AUTH", "ana:s3cret")
    monkeypatch.setenv("QA_QUEUE_SIZE", "7")
    monkeypatch.setenv("QA_DOCUMENTS", str(tmp_path / "elsewhere"))
    main([])
    assert launched["auth"] == ("ana", "s3cret") and queued["max_size"] == 7
    assert str((tmp_path / "elsewhere").resolve()) in launched["blocked_paths"]
    main(["--auth", "bo:pw", "--queue-size", "9"])
    assert launched["auth"] == ("bo", "pw") and queued["max_size"] == 9


@pytest.mark.parametrize("value", ["nocolon", ":pw", "user:"])
def test_a_malformed_auth_is_refused(value: str):
    with pytest.raises(AuthFormatError, match="user:password"):
        parse_auth(value)
    assert parse_auth("a:b:c") == ("a", "b:c")


def test_same_origin():
    scope = {"scheme": "http"}
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860", scope)
    assert not same_origin("http://evil.example", "127.0.0.1:7860", scope)
    assert not same_origin("null", "127.0.0.1:7860", scope)


def test_login_protects_the_page_and_the_api(index_dir: Path, documents_dir: Path):
    with running_app(index_dir, documents_dir, auth="ana:s3cret") as url:
        assert httpx.get(url + "config").status_code == 401
        assert "凹河村" not in httpx.get(url).text
        assert httpx.get(url + "gradio_api/info").status_code == 401
        assert httpx.post(url + "gradio_api/call/chat", json={"data": ["樱桃", 1]}).status_code == 401
        with pytest.raises(Exception):  # noqa: B017 (gradio_client raises a bare ValueError)
            Client(url, verbose=False)
        client = Client(url, auth=("ana", "s3cret"), verbose=False)
        assert "樱桃600亩" in client.predict("凹河村种植樱桃多少亩", 1, api_name="/chat")


@pytest.mark.parametrize("origin", ["http://evil.example", "null"])
def test_a_foreign_origin_is_refused(url: str, origin: str):
    headers = {"Origin": origin}
    assert httpx.get(url + "gradio_api/info", headers=headers).status_code == 403
    assert httpx.post(url + "gradio_api/call/chat", json={"data": ["樱桃", 1]}, headers=headers).status_code == 403
    assert httpx.get(url, headers=headers).status_code == 403


def test_same_origin_and_no_origin_requests_work(url: str):
    assert httpx.get(url + "gradio_api/info", headers={"Origin": url.rstrip("/")}).status_code == 200
    assert httpx.get(url + "gradio_api/info").status_code == 200
    assert "樱桃600亩" in Client(url, verbose=False).predict("凹河村种植樱桃多少亩", 1, api_name="/chat")


def test_file_routes_serve_nothing_outside_what_the_app_needs(url: str, index_dir: Path, documents_dir: Path):
    venv_file = ROOT / ".venv" / "pyvenv.cfg"
    targets = ["/etc/passwd", str(venv_file), str(index_dir / "manifest.json"), str(documents_dir / "page.txt")]
    for target in targets:
        for route in ("gradio_api/file=", "file="):
            response = httpx.get(url + route + target)
            assert response.status_code in (403, 404), (route, target, response.status_code)
            assert "root:" not in response.text and "凹河村" not in response.text
    traversal = httpx.get(url + "gradio_api/file=../../../../etc/passwd")
    assert traversal.status_code in (403, 404)


def test_an_upload_over_the_limit_is_refused(url: str):
    response = httpx.post(url + "gradio_api/upload", files={"files": ("big.txt", b"x" * 2_000_000)})
    assert response.status_code == 413


def test_analytics_are_off(url: str):
    assert web.make_app is not None
    config = httpx.get(url + "config").json()
    assert config.get("analytics_enabled") is False


def test_a_full_queue_answers_busy_at_once(index_dir: Path, documents_dir: Path, monkeypatch: pytest.MonkeyPatch):
    release = threading.Event()
    original = web.reply

    def slow_reply(*args, **kwargs):
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(web, "reply", slow_reply)
    with running_app(index_dir, documents_dir, queue_size=1) as url:
        client = Client(url, verbose=False)
        jobs = [client.submit("凹河村种植樱桃多少亩", 1, api_name="/chat") for _ in range(10)]
        busy, started = [], time.monotonic()
        for job in jobs:
            with contextlib.suppress(Exception):
                job.result(timeout=0.1)
        while time.monotonic() - started < 10 and not busy:
            busy = [job for job in jobs if job.done() and job.exception() is not None]
            time.sleep(0.1)
        assert busy, "no request was refused with the queue full"
        assert all("queue is full" in str(job.exception()).lower() for job in busy)
        assert time.monotonic() - started < 10  # refused at once, not after the running ones finish
        release.set()
        outcomes = []
        for job in jobs:  # a request may also have been refused after the first look
            try:
                outcomes.append(job.result(timeout=60))
            except Exception as error:  # noqa: BLE001 (each must be the busy answer)
                outcomes.append(error)
        refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        answered = [outcome for outcome in outcomes if isinstance(outcome, str)]
        assert all("queue is full" in str(error).lower() for error in refused)
        assert answered and all("樱桃600亩" in text for text in answered)
        assert len(answered) + len(refused) == 10
