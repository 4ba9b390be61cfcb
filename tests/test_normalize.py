"""Questions rewritten into the documents' own spelling: numbers and homophone typos."""

from __future__ import annotations

from pathlib import Path

from qa.answer import answer
from qa.index import build_index
from qa.normalize import CorpusTerms, normalize_question, pinyin_key
from qa.question import prepare_question
from qa.retriever import Retriever

TEXT = "一季度，清镇市完成工业投资8.4亿元，同比增长29%。2024年凹河村共种植樱桃600亩，3000人参加。"
VOCABULARY = ["清镇", "清镇市", "一季度", "工业", "投资", "河村", "樱桃"]


def terms() -> CorpusTerms:
    return CorpusTerms([TEXT], VOCABULARY)


def test_numbers_take_the_spelling_the_documents_use():
    result = normalize_question("1季度增长了百分之二十九吗？二〇二四年有三千人吗", terms())
    assert result.text == "一季度增长了29%吗？2024年有3000人吗"
    assert ("1季度", "一季度") in result.changes


def test_a_number_the_documents_do_not_hold_stays_as_typed():
    assert normalize_question("二季度投资多少", terms()).text == "二季度投资多少"


def test_a_homophone_typo_of_an_index_word_is_searched_as_that_word():
    result = normalize_question("清真市有多少樱桃", terms())
    assert result.text == "清镇市有多少樱桃"
    assert result.changes == [("清真市", "清镇市")]
    assert normalize_question("凹和村种了什么", terms()).text == "凹河村种了什么"


def test_words_of_the_documents_and_unrelated_sounds_are_left_alone():
    assert normalize_question("清镇市工业投资", terms()).text == "清镇市工业投资"
    # same pinyin as 工艺 (gong yi) but no character in common: another word, not a typo
    assert normalize_question("公益", CorpusTerms([""], ["工艺"])).text == "公益"


def test_pinyin_key_ignores_tones():
    assert pinyin_key("清镇") == pinyin_key("清真") == ("qing", "zhen")
    assert pinyin_key("abc") is None


def test_the_answer_says_what_was_searched(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    result = answer("凹和村种植樱桃多少亩？", retriever=retriever)
    assert result.query == "凹河村种植樱桃多少亩?"
    assert "樱桃600亩" in result.text


def test_a_run_inside_a_word_is_never_replaced():
    # 值是 (zhi shi) sounds like the index word 只是 but starts inside 产值
    assert normalize_question("产值是多少", CorpusTerms(["只是产值"], ["只是", "产值"])).text == "产值是多少"


def test_a_place_name_the_segmenter_splits_is_still_a_corpus_term():
    assert normalize_question("安流镇有多少栋", CorpusTerms(["暗流镇排查了5511栋"], [])).text == "暗流镇有多少栋"


def test_a_place_name_starts_a_word_of_the_text():
    # 动农村 ends in 村 in "带动农村", but 带动 is a word: it is no place a typo could mean
    terms = CorpusTerms(["要带动农村发展。", "暗流镇排查农村自建房5511栋。"], ["带动", "农村", "排查"])
    assert normalize_question("暗流镇排查了多少栋农村自建房", terms).changes == []


def test_a_word_of_a_traditional_document_is_no_typo():
    # 境內 and 一個 are what the simplified question's 境内 and 一个 are; 静内 and 一格 only sound alike
    terms = CorpusTerms(["樂山市位於中國境內，是一個地級市。"], ["静内", "一格", "境內"])
    assert normalize_question("乐山市位于中国境内哪一个省？", terms).changes == []


def test_which_year_is_not_the_number_one():
    assert normalize_question("哪一年建厂", CorpusTerms(["1年"], [])).text == "哪一年建厂"


def test_a_character_repeated_many_times_counts_once():
    assert normalize_question("樱桃多少亩？？？？啊啊啊啊啊", terms()).text == "樱桃多少亩？啊"
    assert normalize_question("11110亩", terms()).text == "11110亩"  # digits are kept


def test_spoken_asking_words_are_read_as_written():
    result = normalize_question("凹河村种了些啥子果子？装备啥时候发？咋办？", terms())
    assert result.text == "凹河村种了些什么果子？装备什么时候发？怎么办？"
    assert ("啥", "什么") in result.changes and ("咋", "怎么") in result.changes  # the reply says what was searched


def test_the_questions_own_asking_words_are_never_rewritten():
    # an encyclopaedia corpus holds 那些, 何氏, 多达, 及次 and 那里; the question's 哪些, 何时, 多大, 几次
    # and 哪里 are typed as meant and say what is asked
    terms = CorpusTerms(["那些何氏多达及次那里"], ["那些", "何氏", "多达", "及次", "那里"])
    for question in ("游戏的模式有哪些？", "袋鼠最初是何时被发现的？", "公园的面积有多大？", "获得过几次冠军？", "首届比赛在哪里举行？"):
        assert normalize_question(question, terms).changes == [], question


def test_a_run_of_the_documents_own_words_is_no_typo():
    # 比例 + 是 sounds like 比利时, but the documents hold 比例: the question says what it means
    terms = CorpusTerms(["男女生比例为1比1。比利时队获胜。"], ["比例", "比利时"])
    assert normalize_question("男女生比例是多少？", terms).changes == []


def test_a_word_the_language_uses_often_is_typed_as_meant():
    # 外形 (a common word) is not the index's 外星; 人里 is no word but 人力 is a common one, not a name
    assert normalize_question("这种鱼的外形是怎样的？", CorpusTerms(["外星人"], ["外星"])).changes == []
    assert normalize_question("人里资源", CorpusTerms(["人力资源"], ["人力"])).changes == []


def test_a_character_glued_to_a_word_is_no_typo():
    # the segmenter glues 家了 in "118家了吗"; the index's 家乐 sounds like it
    terms = CorpusTerms(["家乐福超市"], ["家乐"])
    assert normalize_question("企业到118家了吗？", terms).changes == []


def test_two_words_of_the_language_neither_a_name_are_two_words():
    # 益气 and 逸气 are both in the dictionary and neither names anything: no typo of each other
    assert normalize_question("益气的作用", CorpusTerms(["逸气横生"], ["逸气"])).changes == []
    # 清镇 is a place name: 清真 typed for it is corrected
    assert normalize_question("清真工业投资多少", CorpusTerms(["清镇工业投资"], ["清镇"])).text == "清镇工业投资多少"


def test_taiwan_spelling_of_shenme_is_read_as_shenme():
    assert prepare_question("銀水牛獎代表甚麼榮譽?").text == "银水牛奖代表什么荣誉?"


def test_a_typo_glued_into_a_name_is_read_inside_the_word():
    terms = CorpusTerms(["贵州华锦铝业有限公司产值约12.48亿元。"], ["华锦", "铝业", "产值"])
    normalized = normalize_question("华锦铝叶的产值是多少", terms)
    assert normalized.text == "华锦铝业的产值是多少"
    assert ("华锦铝叶", "华锦铝业") in normalized.changes
    # only when the whole word then is one the documents hold: a name glued to a verb stays as typed
    assert normalize_question("史继偕著有哪些书", CorpusTerms(["史继偕写了很多书。"], ["写著"])).text == "史继偕著有哪些书"
