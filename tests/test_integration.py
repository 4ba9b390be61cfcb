"""The real model on the real documents: build once, then retrieve and measure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.embedding import DEFAULT_MODEL
from qa.evaluation import evaluate, evaluation_index, load_questions
from qa.index import build_index
from qa.retriever import Retriever
from tests.conftest import DEV_QUESTIONS, DOCUMENTS, ROOT

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


def test_dev_set_meets_the_retrieval_targets(real_retriever: Retriever):
    report = evaluate(real_retriever, load_questions(DEV_QUESTIONS))
    assert report.mode == "hybrid"
    misses = [(m.id, m.rank) for m in report.misses]
    assert report.hit_at[5] >= 0.98, misses
    assert report.hit_at[1] >= 0.90, misses
    assert report.mrr >= 0.93, misses
    assert report.median_passage_chars <= 250


@pytest.mark.slow
def test_dev_set_meets_the_targets_among_1000_distractor_articles(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("QA_CACHE", os.environ.get("QA_TEST_CACHE") or str(tmp_path_factory.mktemp("cache")))
    index_dir = evaluation_index(DOCUMENTS, distractors=1000, model=DEFAULT_MODEL)
    retriever = Retriever.load(index_dir)
    assert retriever.info.documents == 1002
    report = evaluate(retriever, load_questions(DEV_QUESTIONS))
    misses = [(m.id, m.rank) for m in report.misses]
    assert report.hit_at[5] >= 0.95, misses
    assert report.hit_at[1] >= 0.85, misses


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
