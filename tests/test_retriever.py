"""Retrieval, its inputs and the module-level one-liner, with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

import qa
from qa.errors import EmptyQuestionError, InvalidKError, InvalidModeError
from qa.index import build_index
from qa.retriever import LiveRetriever, Retriever, check_k


@pytest.fixture(autouse=True)
def _fresh_process_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """qa.retriever keeps encoders and live retrievers for the whole process: each test starts without any."""
    monkeypatch.setattr("qa.retriever._encoders", {})
    monkeypatch.setattr("qa.retriever._live", {})


@pytest.fixture
def retriever(documents_dir: Path, tmp_path: Path, encoder) -> Retriever:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return Retriever.load(tmp_path / "index", encoder=encoder)


def test_retrieve_returns_cited_passages_best_first(retriever: Retriever):
    passages = retriever.retrieve("凹河村种植樱桃多少亩", k=3)
    assert len(passages) == 3
    best = passages[0]
    assert "樱桃600亩" in best.text
    assert best.source == "page.txt"
    assert best.title == "凹河村——果园里的好日子"
    assert best.citation == "《凹河村——果园里的好日子》 · page.txt"
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_k_larger_than_the_index_returns_every_passage(retriever: Retriever):
    assert len(retriever.retrieve("清镇", k=100)) == retriever.info.passages


@pytest.mark.parametrize("question", ["", "   ", "\n\t", None])
def test_empty_question_is_refused(retriever: Retriever, question):
    with pytest.raises(EmptyQuestionError):
        retriever.retrieve(question)


@pytest.mark.parametrize("k", [0, -1, "abc", 1.5, None])
def test_invalid_k_is_refused(retriever: Retriever, k):
    with pytest.raises(InvalidKError):
        retriever.retrieve("清镇", k=k)


def test_check_k_clamps_huge_values():
    assert check_k(10**9) == 100
    assert check_k("7") == 7


def test_module_level_retrieve_loads_the_default_index_once(
    documents_dir: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch
):
    index_dir = tmp_path / "qa-index"
    build_index(documents_dir, index_dir, encoder=encoder)
    monkeypatch.setenv("QA_INDEX", str(index_dir))
    loads = []
    monkeypatch.setattr("qa.retriever.load_encoder", lambda model, kind=None: loads.append(model) or encoder)
    first = qa.retrieve("规模以上工业企业数量", k=1)
    second = qa.retrieve("规模以上工业企业数量", k=1)
    assert first == second and "118家" in first[0].text
    assert loads == ["fake-bigram"]


def test_info_reports_what_is_indexed(retriever: Retriever):
    info = retriever.info
    assert (info.documents, info.articles, info.model) == (2, 3, "fake-bigram")
    assert info.built_at


def test_live_retriever_follows_a_rebuild(documents_dir: Path, tmp_path: Path, encoder, monkeypatch):
    index_dir = tmp_path / "live"
    build_index(documents_dir, index_dir, encoder=encoder)
    monkeypatch.setattr("qa.retriever.load_encoder", lambda model, kind=None: encoder)
    live = LiveRetriever(index_dir)
    before = live.current()
    assert live.current() is before  # nothing changed: no reload
    (documents_dir / "new.txt").write_text("新增文档：暗流镇排查农村自建房5511栋。", encoding="utf-8")
    build_index(documents_dir, index_dir, encoder=encoder)
    assert live.current() is not before
    assert "5511栋" in live.retrieve("暗流镇排查农村自建房多少栋", k=1)[0].text


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_finds_an_exact_fact(retriever: Retriever, mode):
    best = retriever.retrieve("规模以上工业企业数量", k=1, mode=mode)[0]
    assert "118家" in best.text


def test_unknown_mode_is_refused(retriever: Retriever):
    with pytest.raises(InvalidModeError, match="dense"):
        retriever.retrieve("清镇", mode="sparse")


def test_bm25_mode_finds_nothing_for_a_question_without_known_words(retriever: Retriever):
    assert retriever.retrieve("？？", k=3, mode="bm25") == []
    assert len(retriever.retrieve("？？", k=3, mode="hybrid")) == 3  # dense still ranks
