"""The real model on the real documents: build once, then retrieve and measure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.index import build_index
from qa.retriever import Retriever
from tests.conftest import DOCUMENTS, ROOT, dev_questions, is_hit

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("real") / "index"
    build_index(DOCUMENTS, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def real_retriever(real_index: Path) -> Retriever:
    return Retriever.load(real_index)


def test_example_question_finds_its_passage_with_citation(real_retriever: Retriever):
    best = real_retriever.retrieve("清镇市一季度完成工业投资多少？", k=5)
    assert any("完成工业投资8.4亿元" in p.text for p in best)
    hit = next(p for p in best if "完成工业投资8.4亿元" in p.text)
    assert hit.title == "抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后"
    assert hit.source == "贵阳日报_2024-04-30_清镇工业经济与贵州防汛.txt"
    assert hit.title in hit.citation and hit.source in hit.citation


def test_dev_set_hit_at_5_is_at_least_0_9(real_retriever: Retriever):
    questions = dev_questions()
    hits = [any(is_hit(p.text, q["answers"]) for p in real_retriever.retrieve(q["question"], k=5)) for q in questions]
    assert sum(hits) / len(questions) >= 0.9, [q["id"] for q, h in zip(questions, hits) if not h]


def test_cli_ask_json_against_the_real_index(real_index: Path):
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "贵州省2024年从哪天起全面入汛？", "--index", str(real_index), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    passages = json.loads(result.stdout)
    assert len(passages) == 5
    assert any("5月1日起全面入汛" in p["text"] for p in passages)
