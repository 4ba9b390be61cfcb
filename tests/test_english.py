"""English questions searched as Chinese: names by pinyin, words by a dictionary read backwards."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from qa import english
from qa.english import Dictionary, base_forms, is_english, name_by_sound, translate_if_english, translate_question
from qa.normalize import CorpusTerms

TEXT = (
    "一季度，清镇市完成工业投资8.4亿元。凹河村共种植樱桃600亩。暗流镇排查农村自建房5511栋。"
    "贵州与周边省份建立联防机制。董鑫是黑龙江人。产业发展迅速，产业兴旺。开展应急演练5608场次，建立紧急调拨机制。"
)
VOCABULARY = [
    "清镇", "清镇市", "完成", "工业", "投资", "种植", "樱桃", "排查", "农村", "贵州", "省份", "机制", "董鑫", "产业",
]  # fmt: skip
# CC-CEDICT's format: traditional simplified [numbered pinyin] /gloss/gloss/
CEDICT = """\
# a comment line
櫻桃 樱桃 [ying1 tao2] /cherry/
葡萄 葡萄 [pu2 tao5] /grape/
種植 种植 [zhong4 zhi2] /to plant/to grow/
完成 完成 [wan2 cheng2] /to complete/to accomplish/
工業 工业 [gong1 ye4] /industry/
產業 产业 [chan3 ye4] /industry/industrial/
緊急 紧急 [jin3 ji2] /urgent/emergency/
應急 应急 [ying4 ji2] /to respond to an emergency/(attributive) emergency/
演練 演练 [yan3 lian4] /drill/exercise/
投資 投资 [tou2 zi1] /investment/to invest/
排查 排查 [pai2 cha2] /to inspect/to investigate/
農村 农村 [nong2 cun1] /rural area (village)/CL:個|个[ge4]/
省份 省份 [sheng3 fen4] /province/
鄰近 邻近 [lin2 jin4] /neighboring/adjacent/
機制 机制 [ji1 zhi4] /mechanism/
建立 建立 [jian4 li4] /to establish/to set up/
公安局 公安局 [gong1 an1 ju2] /public security bureau/
公安 公安 [gong1 an1] /public security/
畝 亩 [mu3] /classifier for fields/unit of area equal to one fifteenth of a hectare/
繆 缪 [mu4] /mu (Greek letter Μμ)/
紅杉 红杉 [hong2 shan1] /sequoia (tree)/
A片 A片 [A pian4] /adult movie/
雲南 云南 [Yun2 nan2] /Yunnan province in southwest China, abbr. 滇[Dian1] or 雲|云[Yun2], capital Kunming 昆明[Kun1 ming2]/
京劇 京剧 [Jing1 ju4] /Beijing opera/CL:場|场[chang3],齣|出[chu1]/
"""


def terms() -> CorpusTerms:
    return CorpusTerms([TEXT], VOCABULARY)


@pytest.fixture
def dictionary(tmp_path: Path) -> Dictionary:
    path = tmp_path / "cedict.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write(CEDICT)
    return Dictionary.from_cedict(path)


def test_english_is_latin_letters_without_chinese():
    assert is_english("How many mu of cherry trees?")
    assert not is_english("凹河村种了多少亩樱桃？")
    assert not is_english("Aohe村有多少樱桃")
    assert not is_english("2024？")


def test_place_names_are_read_by_their_toneless_pinyin():
    assert name_by_sound("Qingzhen", terms()) == "清镇"
    assert name_by_sound("Aohe", terms(), "村") == "凹河村"  # a place name the segmenter splits
    assert name_by_sound("Anliu", terms(), "镇") == "暗流镇"
    assert name_by_sound("Guizhou", terms()) == "贵州"
    assert name_by_sound("Shanghai", terms()) is None  # a name the documents do not hold
    assert name_by_sound("xyz", terms()) is None  # not pinyin


def test_the_reverse_dictionary_finds_headwords_by_their_english_gloss(dictionary: Dictionary):
    assert dictionary.lookup("cherry") == [("樱桃", 0)]
    assert [word for word, _ in dictionary.lookup("grow")] == ["种植"]
    assert dictionary.lookup("public security bureau")[0][0] == "公安局"
    assert dictionary.lookup("rural area")[0][0] == "农村"  # parentheses dropped: a looser match
    assert dictionary.lookup("rural area")[0][1] >= english.LOOSE
    assert dictionary.lookup("adult movie") == []  # headwords with Latin letters are left out
    assert dictionary.lookup("ge4") == [] and dictionary.lookup("cl:个") == []  # measure words are no glosses
    assert dictionary.units("mu") == ["亩"]


def test_plurals_inflections_and_british_spellings_reach_the_dictionary_form(dictionary: Dictionary):
    assert "tree" in base_forms("trees") and "house" in base_forms("houses") and "box" in base_forms("boxes")
    assert base_forms("uses").index("use") < base_forms("uses").index("us")
    assert "inspect" in base_forms("inspected") and "plan" in base_forms("planned")
    assert "collect" in base_forms("collecting") and "neighboring" in base_forms("neighbouring")
    assert "center" in base_forms("centre") and "public security bureau" in base_forms("public security bureaus")
    assert dictionary.lookup("cherries")[0][0] == "樱桃"
    assert dictionary.lookup("neighbouring")[0][0] == "邻近"


def test_a_question_becomes_chinese_in_chinese_order(dictionary: Dictionary):
    result = translate_question("How many mu of cherry trees does Aohe village grow?", terms(), dictionary)
    assert result.text == "凹河村种植多少亩樱桃"
    assert ("Aohe village", "凹河村") in result.pieces and ("mu", "亩") in result.pieces  # 亩, not the Greek letter 缪


def test_quarters_and_years_take_the_documents_spelling(dictionary: Dictionary):
    assert translate_question("What did Qingzhen complete in Q1 2024?", terms(), dictionary).text == "清镇完成一季度2024年什么"
    assert "二季度" in translate_question("investment in the second quarter", terms(), dictionary).text
    assert "1号线" in translate_question("When does Metro Line 1 open?", terms(), dictionary).text  # not 队伍 (a queue)


def test_a_word_the_documents_lack_is_kept_when_its_gloss_is_exact(dictionary: Dictionary):
    # a near miss must still name what it asks about, so that it can be refused
    assert translate_question("How many mu of grapes?", terms(), dictionary).text == "多少亩葡萄"
    # a loose gloss of a word the documents lack says nothing
    assert translate_question("sequoia", terms(), dictionary).text == ""


def test_a_place_is_found_by_the_name_its_gloss_opens_with(dictionary: Dictionary):
    assert dictionary.lookup("yunnan")[0][0] == "云南"  # a long gloss that opens with the name
    assert dictionary.lookup("yunnan province")[0][0] == "云南"
    assert dictionary.lookup("beijing") == []  # Beijing opera is no name alone
    # a place the documents do not name stays in the question, so that the near miss can be refused
    assert "云南" in translate_question("Has Guizhou set up a mechanism with Yunnan province?", terms(), dictionary).text


def test_a_name_written_in_syllables_apart_is_read_whole(dictionary: Dictionary):
    result = translate_question("Which province is Dong Xin from?", terms(), dictionary)
    assert ("Dong Xin", "董鑫") in result.pieces


def test_the_word_the_documents_write_with_the_next_one_is_chosen(dictionary: Dictionary):
    # "industrial" is glossed by 产业 alone, the more frequent word here; the documents write 工业投资
    assert "工业投资" in translate_question("How much industrial investment?", terms(), dictionary).text
    assert "产业" in translate_question("industrial development", terms(), dictionary).text  # nothing joined: as before
    # a loose sense counts when the documents write it with the next word: 应急演练, not 紧急
    assert "应急演练" in translate_question("How many emergency drills?", terms(), dictionary).text


def test_this_year_is_read_from_the_page_s_date(dictionary: Dictionary):
    assert ("this year", "今年") in translate_question("How many drills this year?", terms(), dictionary).pieces
    assert "去年" in translate_question("investment last year", terms(), dictionary).text


def test_phrases_come_before_their_words(dictionary: Dictionary):
    text = translate_question("Which provinces has Guizhou set up a mechanism with?", terms(), dictionary).text
    assert text == "贵州建立机制哪些省份"


def test_only_english_questions_are_translated(dictionary: Dictionary, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(english, "default_dictionary", lambda: dictionary)
    assert translate_if_english("凹河村种了多少亩樱桃？", terms()) is None
    assert translate_if_english("hello there", terms()) is None  # nothing to search for: searched as typed
    searched = translate_if_english("How many mu of cherry trees does Aohe village grow?", terms())
    assert searched is not None and searched.text == "凹河村种植多少亩樱桃"
    assert searched.changes == [("How many mu of cherry trees does Aohe village grow?", "凹河村种植多少亩樱桃")]


def test_the_reverse_index_is_built_once_and_pickled_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "cedict.txt"
    source.write_text(CEDICT, encoding="utf-8")
    monkeypatch.setattr(english, "cedict_path", lambda: source)
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    english.default_dictionary.cache_clear()
    try:
        first = english.default_dictionary()
        assert first is not None and first.lookup("cherry")[0][0] == "樱桃"
        assert len(list((tmp_path / "cache" / "english").glob("cedict-*.pickle"))) == 1
        english.default_dictionary.cache_clear()
        monkeypatch.setattr(Dictionary, "from_cedict", lambda path: pytest.fail("read again"))
        assert english.default_dictionary().lookup("cherry")[0][0] == "樱桃"  # from the pickle
    finally:
        english.default_dictionary.cache_clear()


def test_without_the_dictionary_names_are_still_translated(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(english, "cedict_path", lambda: None)
    english.default_dictionary.cache_clear()
    try:
        assert english.default_dictionary() is None
        assert translate_question("How many mu of cherry trees does Aohe village grow?", terms()).text == "凹河村多少"
    finally:
        english.default_dictionary.cache_clear()


def test_the_installed_cc_cedict_is_found_without_importing_its_package():
    path = english.cedict_path()
    if path is None:
        pytest.skip("the pinyin package (CC-CEDICT) is not installed")
    assert path.name == "cedict.txt.gz" and path.is_file()
