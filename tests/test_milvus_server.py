"""Milvus as a server that several processes share: a killed build, two chat servers following a rebuild.

The server is Milvus Lite 2.5.1 (Milvus's C++ engine) started by the test on 127.0.0.1 and always
stopped; with QA_MILVUS_URI set (e.g. http://milvus:19530) the same tests run against that
server instead. Skipped when pymilvus or milvus-lite is not installed (`pip install -e '.[milvus]'`).
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.index import build_index
from qa.retriever import Retriever
from tests.conftest import ROOT
from tests.test_app import free_port

pytest.importorskip("pymilvus")
SERVER_START = 60.0  # seconds
APP_START = 120.0
QUESTION = "凹河村种植樱桃多少亩"
_names = itertools.count()


def _wait_for_port(port: int, deadline: float, process: subprocess.Popen | None = None) -> None:
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """http://host:port of a Milvus server: $QA_MILVUS_URI, else Milvus Lite started here on 127.0.0.1."""
    if os.environ.get("QA_MILVUS_URI"):
        yield os.environ["QA_MILVUS_URI"]
        return
    pytest.importorskip("milvus_lite")
    from milvus_lite.server import Server

    port = free_port()
    server = Server(str(tmp_path_factory.mktemp("milvus-server") / "shared.db"), f"127.0.0.1:{port}")
    assert server.init() and server.start(), "milvus-lite did not start"
    try:
        _wait_for_port(port, time.monotonic() + SERVER_START, server._p)
        yield f"http://127.0.0.1:{port}"
    finally:
        from qa import milvus_store

        milvus_store.close_clients()
        server.stop()  # releases its lock: the process exits, or is killed after 2 s


@pytest.fixture
def store(milvus_uri: str) -> str:
    """A store of its own on the shared server: milvus://host:port/<fresh name>."""
    return f"milvus://{milvus_uri.split('://', 1)[1]}/server{os.getpid()}_{next(_names)}"


def test_sigkill_before_publishing_leaves_the_published_build(documents_dir: Path, tmp_path: Path, encoder, store: str):
    build_index(documents_dir, tmp_path / "index", encoder=encoder, store=store)
    before = [p.text for p in Retriever.load(encoder=encoder, store=store).retrieve(QUESTION, k=3)]
    (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃900亩。\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "tests" / "slow_build.py"), str(documents_dir), str(tmp_path / "index")]
    process = subprocess.Popen([*command, "60", "publishing", store], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout.readline().strip() == "publishing"  # its rows are in Milvus, unpublished
        assert [p.text for p in Retriever.load(encoder=encoder, store=store).retrieve(QUESTION, k=3)] == before
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert [p.text for p in Retriever.load(encoder=encoder, store=store).retrieve(QUESTION, k=3)] == before
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder, store=store)
    assert (report.changed, report.unchanged) == (1, 1)
    retriever = Retriever.load(encoder=encoder, store=store)
    assert "900亩" in retriever.retrieve(QUESTION, k=1)[0].text
    assert len(retriever.passages) == report.passages  # nothing of the killed build is left visible


def _start_app(store: str, documents_dir: Path, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, str(ROOT / "tests" / "serve_fake.py"), "--store", store, "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "QA_DOCUMENTS": str(documents_dir)}
    with open(log, "w", encoding="utf-8") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def test_two_chat_servers_answer_from_one_store_and_follow_a_rebuild(
    documents_dir: Path, tmp_path: Path, encoder, store: str
):
    from gradio_client import Client

    build_index(documents_dir, tmp_path / "index", encoder=encoder, store=store)
    ports = [free_port(), free_port()]
    apps = [_start_app(store, documents_dir, port, tmp_path / f"app-{port}.log") for port in ports]
    try:
        deadline = time.monotonic() + APP_START
        for port, app in zip(ports, apps):
            _wait_for_port(port, deadline, app)
        clients = [Client(f"http://127.0.0.1:{port}/", verbose=False) for port in ports]
        for client in clients:
            (best,) = client.predict(QUESTION, 1, api_name="/retrieve")
            assert "樱桃600亩" in best["text"] and best["source"] == "page.txt"
        (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃900亩。\n", encoding="utf-8")
        build_index(documents_dir, tmp_path / "index", encoder=encoder, store=store)
        for client in clients:  # no restart: each notices the new published build before its next answer
            (best,) = client.predict(QUESTION, 1, api_name="/retrieve")
            assert "樱桃900亩" in best["text"]
    finally:
        for app in apps:
            app.terminate()
        for app in apps:
            try:
                app.wait(timeout=15)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(timeout=15)
