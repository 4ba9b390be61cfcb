"""Load (issue 7, cases 10 and 13): 100 concurrent /chat requests, and a rebuild under load.

The real model over the real documents; the server runs in a subprocess (`qa serve`, the
installed command, with its own launch settings) so its memory can be measured. Marked `load`: runs in CI, `-m "not load"` skips it locally.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from qa.index import build_index
from tests.conftest import DOCUMENTS
from tests.test_app import free_port

pytestmark = [pytest.mark.load, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "凹河村种了多少亩樱桃？"
EXPECTED = "樱桃600亩"
NEW_QUESTION = "红枫湖镇今年新建了多少座智能温室？"
NEW_FACT = "7391座"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path, Path]]:
    """(URL, server process, documents, index) of `qa serve` over a copy of the real documents."""
    root = tmp_path_factory.mktemp("load")
    documents, index = root / "documents", root / "index"
    shutil.copytree(DOCUMENTS, documents)
    build_index(documents, index)
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "QA_QUEUE_SIZE": "200"}
    qa = str(Path(sys.executable).parent / "qa")
    args = [qa, "serve", "--port", str(port), "--index", str(index), "--documents", str(documents)]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "gradio_api/info", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the app did not start in 120 s")
    try:
        yield url, process.pid, documents, index
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB; Linux only."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


def test_100_concurrent_chat_requests_are_all_answered(server):
    url, pid, _, _ = server
    Client(url, verbose=False).predict(QUESTION, 3, api_name="/chat")  # warm up: the model is loaded lazily

    def ask(_: int) -> tuple[float, str]:
        client = Client(url, verbose=False)
        started = time.perf_counter()
        text = client.predict(QUESTION, 3, api_name="/chat")
        return time.perf_counter() - started, text

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(ask, range(100)))
    latencies = sorted(seconds for seconds, _ in results)
    errors = [text for _, text in results if EXPECTED not in text]
    p50 = statistics.median(latencies)
    p95 = latencies[94]
    print(
        f"\nload: 100 requests, concurrency 100, p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"peak RSS {peak_rss_mib(pid):.0f} MiB, errors {len(errors)}"
    )
    assert errors == []
    assert p95 < 60


def test_the_chat_survives_a_rebuild_under_load(server):
    url, _, documents, index = server
    assert NEW_FACT not in Client(url, verbose=False).predict(NEW_QUESTION, 3, api_name="/chat")
    (documents / "新增.txt").write_text(
        f"# 红枫湖镇建设温室\n\n红枫湖镇今年新建了智能温室{NEW_FACT}。\n", encoding="utf-8"
    )
    stop, errors, answered = threading.Event(), [], [0]

    def keep_asking() -> None:
        client = Client(url, verbose=False)
        while not stop.is_set():
            try:
                text = client.predict(QUESTION, 3, api_name="/chat")
                if EXPECTED not in text:
                    errors.append(text[:200])
                answered[0] += 1
            except Exception as error:  # noqa: BLE001 (every failure is a finding)
                errors.append(repr(error))

    threads = [threading.Thread(target=keep_asking, daemon=True) for _ in range(10)]
    for thread in threads:
        thread.start()
    build = subprocess.run(
        [str(Path(sys.executable).parent / "qa"), "build", "--documents", str(documents), "--index", str(index)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    print(f"\nrebuild under load: {answered[0]} answers during the build, errors {len(errors)}")
    assert build.returncode == 0, build.stderr
    assert errors == []
    assert answered[0] >= 10
    assert NEW_FACT in Client(url, verbose=False).predict(NEW_QUESTION, 3, api_name="/chat")
