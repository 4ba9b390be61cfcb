"""Serving safely (issue 7, cases 10-12): bind address, login, file routes, Origin, a full queue.

The app runs in this process on 127.0.0.1 with the fake encoder, launched as `qa serve` and
`app.py` launch it (`qa.serving.launch`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client import Client

import app as launcher
from qa import web
from qa.index import build_index
from qa.serving import (
    CHAT_CONCURRENCY,
    DEFAULT_QUEUE_SIZE,
    AuthFormatError,
    OriginCheck,
    launch_settings,
    parse_auth,
    same_origin,
)
from tests import test_app
from tests.conftest import ROOT
from tests.gates import Gate
from tests.test_app import running_app


@pytest.fixture
def index_dir(documents_dir: Path, tmp_path: Path, encoder, fake_model) -> Path:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return tmp_path / "index"


@pytest.fixture
def url(index_dir: Path, documents_dir: Path) -> Iterator[str]:
    with running_app(index_dir, documents_dir) as url:
        yield url


@contextlib.contextmanager
def served_by_main(index_dir: Path, documents_dir: Path, *options: str) -> Iterator[tuple[str, gr.Blocks]]:
    """(URL, app) of the chat started by `python app.py` itself: its queue, limits and launch settings.

    Only Gradio's launch is told not to block (and to keep quiet), so that the test can go on.
    """
    started: list[gr.Blocks] = []
    original_launch = gr.Blocks.launch

    def launch_without_blocking(self, **settings):
        started.append(self)
        return original_launch(self, **settings, prevent_thread_lock=True, quiet=True)

    port = test_app.free_port()
    argv = ["--index", str(index_dir), "--documents", str(documents_dir), "--port", str(port), *options]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gr.Blocks, "launch", launch_without_blocking)
        assert launcher.main(argv) == 0
    try:
        yield f"http://127.0.0.1:{port}/", started[0]
    finally:
        started[0].close()


def test_launch_defaults_are_local_without_share_or_login():
    settings = launch_settings()
    assert settings["server_name"] == "127.0.0.1" and settings["share"] is False and settings["auth"] is None
    assert settings["max_file_size"] and settings["strict_cors"] is True and settings["allowed_paths"] == []


def test_the_readme_states_the_queue_settings_the_code_uses():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"the queue answers {CHAT_CONCURRENCY} questions at once" in readme
    assert f"and holds {DEFAULT_QUEUE_SIZE} more" in readme


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
    assert str(Path(sys.prefix).resolve()) in launched["blocked_paths"]  # the Python environment running it
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
    """What a client gets. Gradio's own defaults refuse these files too, so this holds even without our
    blocked folders; `test_main_launches_with_the_safe_settings` checks the folders `qa serve` blocks."""
    venv_file = Path(sys.prefix) / "pyvenv.cfg"
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


def test_analytics_are_off(index_dir: Path, documents_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)  # Gradio's own default: on
    with served_by_main(index_dir, documents_dir) as (url, _):
        assert httpx.get(url + "config").json()["analytics_enabled"] is False


def test_chat_and_retrieve_share_the_concurrency_limit(
    index_dir: Path, documents_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    """CHAT_CONCURRENCY questions are answered at once, /chat, /retrieve and the page's box counted together."""
    chat, retrieve = Gate(web.reply), Gate(web.cited_passages)
    monkeypatch.setattr(web, "reply", chat)
    monkeypatch.setattr(web, "cited_passages", retrieve)
    with served_by_main(index_dir, documents_dir) as (url, app):
        limits = {
            (fn.api_name or fn.name): (fn.concurrency_id, fn.concurrency_limit)
            for fn in app.fns.values()
            if fn.name in ("chat", "retrieve", "respond")
        }
        assert limits == {name: ("chat", CHAT_CONCURRENCY) for name in ("chat", "retrieve", "respond")}
        client = Client(url, verbose=False)
        jobs = [client.submit("凹河村种植樱桃多少亩", 1, api_name="/chat") for _ in range(CHAT_CONCURRENCY - 1)]
        jobs.append(client.submit("凹河村种植樱桃多少亩", 1, api_name="/retrieve"))
        held = [chat.wait_inside(CHAT_CONCURRENCY - 1), retrieve.wait_inside(1)]
        chat.release.set()
        retrieve.release.set()
        assert held == [True, True]  # all CHAT_CONCURRENCY at once, none waiting for another
        assert all("樱桃600亩" in str(job.result(timeout=120)) for job in jobs)


def wait_until_done(jobs: list, count: int) -> list:
    """The first `count` jobs to finish (a minute without them: a guard against hangs, not a timing)."""
    by_future = {job.future: job for job in jobs}
    done: set = set()
    while len(done) < count:
        finished, _ = concurrent.futures.wait(
            set(by_future) - done, timeout=60, return_when=concurrent.futures.FIRST_COMPLETED
        )
        assert finished, f"{len(done)} of {count} finished"
        done |= finished
    return [by_future[future] for future in done]


def test_a_full_queue_answers_busy_at_once(index_dir: Path, documents_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """`python app.py --queue-size 1`: with every worker held, a request beyond the queue is refused while they run."""
    gate = Gate(web.reply)
    monkeypatch.setattr(web, "reply", gate)
    with served_by_main(index_dir, documents_dir, "--queue-size", "1") as (url, _):
        client = Client(url, verbose=False)
        running = []
        for held in range(1, CHAT_CONCURRENCY + 1):  # one at a time: each has left the queue for a worker
            running.append(client.submit("凹河村种植樱桃多少亩", 1, api_name="/chat"))
            assert gate.wait_inside(held)
        # every worker is held from here on, the queue is empty
        later = [client.submit("凹河村种植樱桃多少亩", 1, api_name="/chat") for _ in range(4)]
        # one of them takes the one place in the queue; the other three are answered while no worker
        # is free, so they are refused at once, not after the running ones
        refused = wait_until_done(later, 3)
        (waiting,) = [job for job in later if job not in refused]
        assert gate.inside == CHAT_CONCURRENCY and not waiting.done()
        gate.release.set()
        for job in refused:
            with pytest.raises(Exception, match="(?i)queue is full"):  # gradio_client's QueueError
                job.result()
        answered = [job.result(timeout=120) for job in [*running, waiting]]
        assert all("樱桃600亩" in text for text in answered)


class ASGICall:
    """Runs the Origin check on one request without a server: what it sends, and whether the app was reached."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.reached = False

    async def app(self, scope, receive, send) -> None:
        self.reached = True

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    def __call__(self, kind: str, headers: dict[str, str], scheme: str = "http") -> ASGICall:
        scope = {
            "type": kind,
            "scheme": scheme,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
        asyncio.run(OriginCheck(self.app)(scope, None, self.send))
        return self


def test_the_origin_check_refuses_a_foreign_http_request_with_403_and_closes_a_foreign_websocket():
    refused = ASGICall()("http", {"Host": "127.0.0.1:7860", "Origin": "http://evil.example"})
    assert not refused.reached
    assert refused.sent == [
        {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain")]},
        {"type": "http.response.body", "body": b"cross-origin request refused"},
    ]
    closed = ASGICall()("websocket", {"Host": "127.0.0.1:7860", "Origin": "null"})
    assert not closed.reached and closed.sent == [{"type": "websocket.close", "code": 1008}]
    for kind in ("http", "websocket"):
        assert ASGICall()(kind, {"HOST": "127.0.0.1:7860", "ORIGIN": "HTTP://127.0.0.1:7860/"}).reached  # same origin
        assert ASGICall()(kind, {"Host": "127.0.0.1:7860"}).reached  # no Origin: programs, curl
    assert ASGICall()("lifespan", {"Origin": "http://evil.example"}).reached  # not a request


@pytest.mark.parametrize(
    ("origin", "scheme", "same"),
    [
        ("https://qa.example", "https", True),
        ("https://qa.example", "wss", True),
        ("http://qa.example", "https", False),
        ("https://qa.example", "http", False),
        ("https://qa.example/", "https", True),
        ("/https://qa.example", "https", False),
    ],
)
def test_same_origin_follows_the_scheme_of_the_request(origin: str, scheme: str, same: bool):
    assert same_origin(origin, "qa.example", {"scheme": scheme}) is same
    assert same_origin(origin, "", {"scheme": scheme}) is False  # no Host: never the same
