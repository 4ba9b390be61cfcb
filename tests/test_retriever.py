"""Retrieval, its inputs and the module-level one-liner, with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qa
from qa.errors import EmptyQuestionError, IndexMismatchError, InvalidKError, InvalidModeError
from qa.index import build_index
from qa.live import LiveRetriever
from qa.retriever import Retriever, check_k
from tests.conftest import BigramEncoder


@pytest.fixture(autouse=True)
def _fresh_shared(fresh_shared: None) -> None:
    """qa.live keeps encoders and live retrievers for the whole process: each test here starts without any."""


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
    documents_dir: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch, fresh_shared
):
    index_dir = tmp_path / "qa-index"
    build_index(documents_dir, index_dir, encoder=encoder)
    monkeypatch.setenv("QA_INDEX", str(index_dir))
    loads = []
    monkeypatch.setattr("qa.live.load_encoder", lambda model, kind=None: loads.append(model) or encoder)
    first = qa.retrieve("规模以上工业企业数量", k=1)
    second = qa.retrieve("规模以上工业企业数量", k=1)
    assert first == second and "118家" in first[0].text
    assert loads == ["fake-bigram"]


def test_info_reports_what_is_indexed(retriever: Retriever):
    info = retriever.info
    assert (info.documents, info.articles, info.model) == (2, 3, "fake-bigram")
    assert info.built_at


def test_live_retriever_follows_a_rebuild(documents_dir: Path, tmp_path: Path, encoder, fake_model):
    index_dir = tmp_path / "live"
    build_index(documents_dir, index_dir, encoder=encoder)
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


@pytest.fixture
def eight_documents(tmp_path: Path) -> Path:
    folder = tmp_path / "eight"
    folder.mkdir()
    for n in range(8):
        (folder / f"d{n}.txt").write_text(f"清镇市第{n}份文档，说的是第{n}个项目。", encoding="utf-8")
    return folder


def test_five_passages_by_default(eight_documents: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch):
    build_index(eight_documents, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    assert len(retriever.retrieve("清镇市的项目")) == len(retriever.search("清镇市的项目").passages) == 5
    monkeypatch.setattr("qa.live.load_encoder", lambda *args, **kwargs: encoder)
    assert len(LiveRetriever(tmp_path / "index").retrieve("清镇市的项目")) == 5
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "index"))
    assert len(qa.retrieve("清镇市的项目")) == 5


def test_load_takes_the_model_and_path_of_the_manifest_and_checks_a_given_encoder(
    documents_dir: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch
):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    loaded: list[tuple] = []
    monkeypatch.setattr("qa.retriever.load_encoder", lambda model, kind=None: loaded.append((model, kind)) or encoder)
    assert Retriever.load(tmp_path / "index", mode="bm25").mode == "bm25"
    assert loaded == [("fake-bigram", "torch")]

    class Other(BigramEncoder):
        name = "other-model"

    with pytest.raises(IndexMismatchError, match="other-model"):
        Retriever.load(tmp_path / "index", encoder=Other())


def test_keyword_search_embeds_nothing_and_dense_search_keeps_the_question_vector(
    retriever: Retriever, encoder, monkeypatch: pytest.MonkeyPatch
):
    assert (
        retriever.search("凹河村樱桃", mode="dense").question_vector.tolist()
        == encoder.encode(["凹河村樱桃"])[0].tolist()
    )
    monkeypatch.setattr(encoder, "encode", lambda *args, **kwargs: pytest.fail("embedded"))
    found = retriever.search("凹河村樱桃", k=2, mode="bm25")
    assert found.question_vector is None and "樱桃600亩" in found.passages[0].text
    assert found.keyword_ranks[0] == 1 and found.dense_ranks == [None] * len(found.passages)


def test_sentences_are_embedded_once_and_the_oldest_forgotten_past_the_limit(
    retriever: Retriever, encoder, monkeypatch: pytest.MonkeyPatch
):
    embedded: list[str] = []
    real_encode = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda texts, **kwargs: embedded.extend(texts) or real_encode(texts))
    monkeypatch.setattr("qa.retriever.EMBEDDED_SENTENCES", 2)
    vectors = retriever.embed(["甲句。", "乙句。", "甲句。"])
    assert vectors.shape == (3, encoder.dimension) and np.array_equal(vectors[0], vectors[2])
    assert embedded == ["甲句。", "乙句。"]
    retriever.embed(["丙句。"])  # three remembered: the first is forgotten
    retriever.embed(["乙句。", "丙句。"])
    assert embedded == ["甲句。", "乙句。", "丙句。"]
    retriever.embed(["甲句。"])
    assert embedded == ["甲句。", "乙句。", "丙句。", "甲句。"]
    empty = retriever.embed([])
    assert empty.shape == (0, 1) and empty.dtype == np.float32


def test_refusals_name_what_was_refused(retriever: Retriever):
    with pytest.raises(InvalidKError, match="'abc'"):
        retriever.retrieve("清镇", k="abc")
    with pytest.raises(InvalidKError, match="-1"):
        retriever.retrieve("清镇", k=-1)
    with pytest.raises(InvalidModeError, match="'sparse'"):
        retriever.retrieve("清镇", mode="sparse")
    assert check_k(7.0) == 7 and check_k(np.int64(3)) == 3
