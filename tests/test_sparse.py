"""Keyword retrieval: tokenizer, BM25 index round trip, fusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.retriever import convex_fusion, top_scores
from qa.sparse import SparseIndex, tokenize


def test_tokenize_uses_search_mode_words_without_punctuation_or_function_words():
    tokens = tokenize("华锦铝业一天能产出多少吨氧化铝？")
    assert {"华锦", "铝业", "氧化铝", "氧化"} <= set(tokens)  # search mode: the word and its parts
    assert "？" not in tokens and "能" not in tokens


@pytest.mark.parametrize("text", ["", "   ", "？！。", "的了是"])
def test_tokenize_of_text_without_words_is_empty(text):
    assert tokenize(text) == []


def test_tokenize_normalises_width_and_case():
    assert tokenize("ＬＥＤ光源") == tokenize("led光源")


def test_sparse_index_scores_survive_a_save_and_load(tmp_path: Path):
    texts = ["清镇市完成工业投资8.4亿元。", "贵州省5月1日起全面入汛。", ""]
    index = SparseIndex.build(texts)
    before = index.scores("全面入汛")
    assert before.argmax() == 1 and before[0] == 0
    index.save(tmp_path / "bm25")
    assert np.allclose(SparseIndex.load(tmp_path / "bm25").scores("全面入汛"), before)
    assert not SparseIndex.load(tmp_path / "bm25").scores("。").any()


def test_top_scores_keeps_positive_scores_best_first():
    assert top_scores(np.array([0.0, 3.0, 1.0, 2.0]), 3) == [(1, 3.0), (3, 2.0), (2, 1.0)]
    assert top_scores(np.array([0.0, 0.0]), 5) == []


def test_convex_fusion_combines_scaled_bm25_with_cosine():
    fused = dict(convex_fusion([(0, 0.8), (1, 0.6)], np.array([0.0, 2.0, 4.0]), 0.5))
    assert fused[2] == pytest.approx(0.5 * 1.0 + 0.5 * 0.6)  # keyword-only: lowest dense score
    assert fused[1] == pytest.approx(0.5 * 0.5 + 0.5 * 0.6)
    assert fused[0] == pytest.approx(0.5 * 0.0 + 0.5 * 0.8)
    assert list(dict(convex_fusion([(0, 0.8), (1, 0.6)], np.array([0.0, 2.0, 4.0]), 0.5))) == [2, 1, 0]


def test_convex_fusion_without_keyword_matches_ranks_by_cosine():
    assert convex_fusion([(3, 0.9), (1, 0.7)], np.zeros(5), 0.5) == [(3, 0.45), (1, 0.35)]


def test_traditional_text_is_keyword_indexed_in_simplified_form():
    assert tokenize("清鎮市規模以上工業企業") == tokenize("清镇市规模以上工业企业")
    index = SparseIndex.build(["陸特和漢斯雷頓開創了梵語研究。", "凹河村种植樱桃600亩。"])
    assert list(np.argsort(-index.scores("陆特开创了什么研究"))[:1]) == [0]  # simplified question
    assert list(np.argsort(-index.scores("凹河村種植櫻桃多少畝"))[:1]) == [1]  # traditional question
    assert index.idf("汉斯") < index.idf("不存在的词")  # the simplified word is in the vocabulary
