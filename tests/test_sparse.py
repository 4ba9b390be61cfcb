"""Keyword retrieval: tokenizer, BM25 index round trip, fusion."""

from __future__ import annotations

import io
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.local_store import BIGRAM_WEIGHT
from qa.retriever import convex_fusion, top_scores
from qa.sparse import (
    BIGRAM_DIR,
    QUESTION_WORDS,
    SparseIndex,
    bigrams,
    content_words,
    question_bigrams,
    segmenter,
    tokenize,
)
from qa.store import keyword_fusion


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


def test_bigrams_of_chinese_runs_in_simplified_form():
    assert bigrams("清鎮市 GDP 增長8%") == ["清镇", "镇市", "增长"]
    assert question_bigrams("潘淑是谁的皇后？", {"皇后"}.__contains__) == ["潘淑", "淑是", "是谁"]  # around 潘淑是
    assert question_bigrams("清镇市有多少家企业？", {"清镇市", "企业"}.__contains__) == []


def test_a_name_the_segmenter_glues_to_the_next_character_is_still_found(tmp_path: Path):
    texts = ["潘夫人，名潘淑，会稽句章人，孙权的皇后。", "历代皇后多出身名门，史书各有说法。", "吴国的都城在建业。"]
    index = SparseIndex.build(texts)
    assert "潘淑" not in tokenize("潘淑是谁的皇后？")  # jieba: 潘淑是
    words, pairs = index.scores("潘淑是谁的皇后？"), index.bigram_scores("潘淑是谁的皇后？")
    assert words[0] == words[1]  # by words alone, the first two tie on 皇后
    fused = keyword_fusion(words, pairs, BIGRAM_WEIGHT)
    assert fused[0] > max(fused[1:])
    index.save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25")
    assert np.allclose(loaded.bigram_scores("潘淑是谁的皇后？"), pairs)


def test_keyword_fusion_scales_each_leg_by_its_best():
    fused = keyword_fusion(np.array([0.0, 2.0]), np.array([4.0, 0.0]), 0.5)
    assert np.allclose(fused, [0.5, 1.0])
    assert np.allclose(keyword_fusion(np.zeros(2), np.zeros(2), 0.5), [0.0, 0.0])


def test_building_an_index_logs_no_debug_lines_of_bm25s():
    """`qa build` printed "DEBUG bm25s: Building index from tokens": bm25s sets its logger to DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    logging.getLogger("bm25s").setLevel(logging.DEBUG)  # as importing bm25s leaves it, in any process
    try:
        SparseIndex.build(["清镇市规模以上工业企业数量达118家。"])
    finally:
        logging.getLogger().removeHandler(handler)
    assert "bm25s" not in stream.getvalue() and "Building index" not in stream.getvalue()


def test_the_segmenter_is_set_up_once_quietly_and_taught_the_question_words(monkeypatch: pytest.MonkeyPatch):
    import jieba

    monkeypatch.setattr("qa.sparse._segmenter", None)  # as in a fresh process
    taught: list[str] = []
    teach = jieba.add_word
    monkeypatch.setattr(jieba, "add_word", lambda word, *args: taught.append(word) or teach(word, *args))
    assert segmenter() is jieba and segmenter() is jieba
    assert sorted(taught) == sorted(word for word in QUESTION_WORDS if len(word) > 1)  # once, multi-character ones
    assert jieba.default_logger.level == logging.WARNING  # no "Building prefix dict" lines
    assert "哪天" in content_words("贵州哪天起入汛")  # 哪天 + 起, not 哪 + 天起


def test_repeated_function_words_and_case_are_not_keywords():
    assert tokenize("啊啊啊清镇") == ["清镇"]  # jieba keeps 啊啊啊 as one word
    assert tokenize("LED光源") == ["led", "光源"]  # lower case, as questions are read


def test_content_words_are_distinct_precise_mode_words():
    assert content_words("今天天气很好，今天的清镇市") == ["今天天气", "很", "好", "今天", "清镇市"]
    assert content_words("的了是？！") == []


def test_question_bigrams_reach_one_character_into_each_neighbour_of_every_unknown_word():
    known = {"皇后"}.__contains__
    assert question_bigrams("皇后潘淑是谁", known) == ["后潘", "潘淑", "淑是", "是谁"]
    assert question_bigrams("皇后潘淑和曹髦谁大", known) == ["后潘", "潘淑", "淑和", "和曹", "曹髦", "髦谁"]


def test_idf_is_the_bm25_inverse_document_frequency():
    index = SparseIndex.build(["清镇市工业投资。", "贵州全面入汛。", "清镇市樱桃。"])
    assert index.idf("入汛") == pytest.approx(math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)))
    assert index.idf("清镇市") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf("潘淑") == pytest.approx(math.log(1 + 3.5 / 0.5))
    assert index.knows("入汛") and not index.knows("潘淑")


def test_bigrams_search_only_the_words_no_passage_holds():
    index = SparseIndex.build(["清镇市工业投资8.4亿元。", "贵州全面入汛。"])
    assert not index.bigram_scores("清镇市工业投资").any()  # every word known: the word leg's business
    assert index.bigram_scores("清镇工投").dtype == np.float32 and index.scores("入汛").dtype == np.float32
    assert index.scores("。").dtype == np.float32 and index.scores("。").tolist() == [0.0, 0.0]  # no words at all


def test_an_index_saved_without_the_bigram_leg_loads_and_scores_no_bigrams(tmp_path: Path):
    index = SparseIndex.build(["清镇市工业投资。", "贵州全面入汛。"])
    index.save(tmp_path / "bm25")
    shutil.rmtree(tmp_path / "bm25" / BIGRAM_DIR)  # as an older build wrote it
    loaded = SparseIndex.load(tmp_path / "bm25")
    assert np.allclose(loaded.scores("全面入汛"), index.scores("全面入汛"))
    bigram_scores = loaded.bigram_scores("潘淑是谁")
    assert bigram_scores.dtype == np.float32 and bigram_scores.tolist() == [0.0, 0.0]


def test_build_save_and_load_print_nothing(tmp_path: Path, capfd):
    index = SparseIndex.build(["清镇市工业投资。", "贵州全面入汛。"])
    index.save(tmp_path / "bm25")
    SparseIndex.load(tmp_path / "bm25").scores("入汛")
    assert capfd.readouterr() == ("", "")  # no progress bars or notes from bm25s
