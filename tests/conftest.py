"""Shared fixtures: a fake encoder whose vectors are exact and fast, and small documents."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import qa.answer  # noqa: F401  (sys.modules["qa.answer"] for the decision fixture)
from qa.evaluation import SHARED_QUESTIONS
from qa.index import build_index
from qa.live import reset_shared
from qa.retriever import Retriever
from qa.sentences import compact

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "documents"
OWN_QUESTIONS = ROOT / "eval" / "paraphrases.jsonl"  # our own 20 paraphrases: always there
DEV_QUESTIONS = (ROOT / SHARED_QUESTIONS).resolve()  # ../shared/eval: a second check, absent from a user's clone
needs_shared_eval = pytest.mark.skipif(
    not DEV_QUESTIONS.exists(),
    reason=f"{DEV_QUESTIONS.parent} is absent: the optional second check (a user's clone has no ../shared)",
)


_SESSION_CACHE = tempfile.mkdtemp(prefix="qa-test-cache-")


# Variables that choose what the project or its libraries read: a shell's settings must not decide
# which encoder, model, index or store the tests measure (QA_TEST_CACHE, an opt-in reuse of the
# 1,000-distractor index, stays).
CHOOSING_ENV = (
    "QA_ENCODER",
    "QA_MODEL",
    "QA_INDEX",
    "QA_STORE",
    "QA_DOCUMENTS",
    "QA_AUTH",
    "QA_HOST",
    "QA_PORT",
    "QA_QUEUE_SIZE",
    "GRADIO_ANALYTICS_ENABLED",
)  # not QA_MILVUS_URI: it names a real Milvus server the store contract should also run against
# Caches of the libraries underneath (Hugging Face, torch, matplotlib, anything XDG): the model is
# loaded from its local folder, so nothing in them is needed.
LIBRARY_CACHES = ("XDG_CACHE_HOME", "HF_HOME", "TORCH_HOME", "MPLCONFIGDIR")


def pytest_configure(config: pytest.Config) -> None:
    """Every cache the project or its libraries write (ONNX exports, evaluation corpora and indexes,
    Hugging Face, torch) starts empty, and the shell's choice of encoder, model or index is ignored.

    Set before any fixture runs, session-scoped ones included, so the export and its check
    run in every test session as on a fresh machine; the user's ~/.cache is never read.
    """
    os.environ["QA_CACHE"] = _SESSION_CACHE
    for name in LIBRARY_CACHES:
        os.environ[name] = os.path.join(_SESSION_CACHE, "libraries", name.lower())
    for name in CHOOSING_ENV:
        os.environ.pop(name, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


class BigramEncoder:
    """Character-bigram hashing: texts sharing bigrams get similar vectors. No model needed."""

    name = "fake-bigram"
    kind = "torch"
    dimension = 256

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            flat = compact(text)
            for i in range(len(flat) - 1):
                vectors[row, zlib.crc32(flat[i : i + 2].encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@pytest.fixture
def encoder() -> BigramEncoder:
    return BigramEncoder()


@pytest.fixture
def fresh_shared() -> Iterator[None]:
    """The process-wide encoders and live retrievers (`qa.live`) start and end empty."""
    reset_shared()
    yield
    reset_shared()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, encoder: BigramEncoder, fresh_shared: None) -> BigramEncoder:
    """Every model the code loads (to build, to search, to share) is the fake encoder."""
    for module in ("qa.index", "qa.retriever", "qa.live"):
        monkeypatch.setattr(f"{module}.load_encoder", lambda *args, **kwargs: encoder)
    return encoder


@pytest.fixture
def retriever(documents_dir: Path, tmp_path: Path, encoder: BigramEncoder) -> Retriever:
    """A retriever over the small `documents_dir`, built and searched with the fake encoder."""
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return Retriever.load(tmp_path / "index", encoder=encoder)


@pytest.fixture(autouse=True)
def _lexical_decision_with_the_fake_encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake encoder's bigram cosines mean nothing, and the shipped answerability decision leans on
    the real model's sentence cosine (measured by the integration tests): tests with the fake encoder,
    browser tests among them, decide on the words."""
    if request.node.get_closest_marker("integration") is None or "encoder" in request.fixturenames:
        from qa.answerability import AnswerabilityModel

        lexical = AnswerabilityModel({"lexical": 10.0, "conflict": -10.0}, -5.0, 0.5)
        monkeypatch.setattr(sys.modules["qa.answer"], "default_model", lambda: lexical)


@pytest.fixture(autouse=True)
def _isolated_index_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads or writes the project's own index/ by accident."""
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "default-index"))
    monkeypatch.delenv("QA_MODEL", raising=False)
    monkeypatch.setenv("QA_ENCODER", "torch")  # the fake encoder's kind; ONNX tests ask for theirs
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")


PAGE = """
## 明起全面入汛—— 贵州六方面做好防汛抗旱工作

本报讯 贵州全省平均降水量258.1毫米，贵州省2024年将从5月1日起全面入汛。

### 健全联动机制

与重庆、四川、广西等周边省份建立自然灾害联防联控机制，及时共享上下游、左右岸雨情、

水情信息，联合高效应对暴雨洪涝等自然灾害。

凹河村——
果园里的好日子

目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。
"""


@pytest.fixture
def documents_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    (folder / "sub").mkdir(parents=True)
    (folder / "page.txt").write_text(PAGE, encoding="utf-8")
    (folder / "sub" / "note.md").write_text("# 说明\n\n清镇市规模以上工业企业数量达118家。\n", encoding="utf-8")
    (folder / "ignored.csv").write_text("不是文档", encoding="utf-8")
    return folder


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium, driven by Playwright (the browser tests)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    """A desktop-sized page on the chat the test module serves (its `served` fixture: URL first)."""
    page = browser.new_page(viewport={"width": 1280, "height": 960}, locale="zh-CN")
    page.goto(served[0])
    page.locator("#question textarea").wait_for()
    yield page
    page.close()
