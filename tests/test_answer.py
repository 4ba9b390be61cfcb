"""Extractive answers on a tiny index with the fake encoder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qa.answer import (
    NOT_FOUND,
    Answer,
    _choose,
    _compose,
    _Scored,
    _slot_sentence,
    answer,
    answer_type_match,
    extract_answer,
    value_clause_conflict,
    with_section_headings,
)
from qa.answerability import ALWAYS_ANSWER
from qa.errors import EmptyQuestionError
from qa.index import build_index
from qa.passage import Passage, StoredPassage
from qa.retriever import Retriever
from qa.sentences import split_sentences


@pytest.fixture
def retriever(documents_dir: Path, tmp_path: Path, encoder) -> Retriever:
    (documents_dir / "project.txt").write_text(
        "## 产业园项目\n\n在清镇铝新材料产业园配套设施建设项目工地上，机器各司其职。"
        "该项目总投资3.36亿元，今年一季度已完成投资6234万元。\n",
        encoding="utf-8",
    )
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return Retriever.load(tmp_path / "index", encoder=encoder)


def test_answer_is_a_verbatim_sentence_with_its_marker(retriever: Retriever):
    result = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    assert result.found
    assert result.text == "目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。[1]"
    assert result.sentences == ["目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。"]
    assert result.sentences[0] in result.passages[0].text  # [1] is passages[0]
    assert result.query == result.question == "凹河村种了多少亩樱桃？"


def test_a_sentence_that_names_its_subject_in_the_sentence_before_still_answers(retriever: Retriever):
    # lexical scoring alone (no sentence vectors): the fake encoder's bigram cosines would favour the first sentence
    question = "清镇铝新材料产业园配套设施建设项目总投资多少？"
    result = extract_answer(question, question, retriever.search(question), retriever.sparse, model=ALWAYS_ANSWER)
    # "该项目……" points back: the sentence that says which project comes first, then the figure
    assert result.text.startswith("在清镇铝新材料产业园配套设施建设项目工地上")
    assert "该项目总投资3.36亿元" in result.text


def test_the_sentence_counting_in_the_measure_asked_comes_first():
    from qa.answer import _question_words, _score_sentences
    from qa.sparse import SparseIndex

    question = "流长乡公示了多少件为民办实事承诺？"
    lead = passage(0, "", "流长乡27个村党支部同步公示为民办实事承诺清单。此次集体公示122件。", title="流长乡")
    sparse = SparseIndex.build([lead.text])
    best = _score_sentences(question, _question_words(question), [lead], sparse)[0]
    assert "122件" in best.sentence  # 多少件 is counted in 件; 27个村 is no count of it


def test_a_name_the_segmenter_glues_to_shi_is_searched_without_it():
    from qa.answer import _question_words

    # jieba cuts 黄华麒是 | 哪个 | 大学毕业: the name is what the sentences hold
    assert "黄华麒" in _question_words("黄华麒是哪个大学毕业的？")
    assert "自由自在" in _question_words("怎样才能自由自在")  # a word of the dictionary keeps its 在


def test_a_sentence_without_its_own_subject_is_shown_after_the_one_it_continues():
    from qa.answer import _choose, _score_sentences

    # "是欧洲大陆唯一……" has no subject of its own: the place asked for is named in the sentence before
    region = _plant_passage("卡尔梅克共和国位于欧洲东南部。是欧洲大陆唯一以佛教为主的地区。首府为埃利斯塔。")
    question = "欧洲大陆唯一以佛教为主的地区在何处？"
    scored = _score_sentences(question, ["欧洲", "大陆", "佛教", "地区"], [region], _Idf())
    assert scored[0].sentence == "是欧洲大陆唯一以佛教为主的地区。"
    assert [c.sentence for c in _choose(scored, question)][:2] == ["卡尔梅克共和国位于欧洲东南部。", scored[0].sentence]


def test_a_follow_up_is_searched_with_the_question_it_follows(retriever: Retriever):
    first = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    second = answer("枇杷呢？", history=[("凹河村种了多少亩樱桃？", first.text)], retriever=retriever)
    assert second.query == "凹河村种了多少亩樱桃? 枇杷"
    assert "枇杷456亩" in second.text


def test_a_question_the_documents_do_not_answer_is_not_found(retriever: Retriever):
    result = answer("华为最新手机的价格是多少？", retriever=retriever)
    assert not result.found
    assert result.text == NOT_FOUND
    assert result.passages  # the nearest passages are still shown


def test_empty_question_is_refused(retriever: Retriever):
    with pytest.raises(EmptyQuestionError):
        answer("  ", retriever=retriever)


def test_a_question_in_a_passage_is_not_chosen_as_the_answer():
    from qa.answer import _choose, _not_questions, _score_sentences

    forum = _plant_passage("沉香如屑的主演有谁？《沉香如屑》由杨紫、成毅领衔主演。")
    question = "沉香如屑的主演有谁？"
    scored = _score_sentences(question, ["沉香如屑", "主演"], [forum], _Idf())
    assert scored[0].sentence == "沉香如屑的主演有谁？"  # it repeats every word of the question
    assert [item.sentence for item in _choose(_not_questions(scored), question)] == ["《沉香如屑》由杨紫、成毅领衔主演。"]


@pytest.mark.parametrize(
    ("question", "sentence", "match"),
    [
        ("种了多少亩？", "共种植樱桃600亩。", 1.0),
        ("种了多少亩？", "6月21日举行了活动。", 0.0),  # a date is not a quantity
        ("从哪天起入汛？", "将从5月1日起全面入汛。", 1.0),
        ("设在哪个站？", "花果园站青年志愿者服务中心投入使用。", 1.0),
        ("是不是这样？", "任何句子。", 0.5),
        ("旭鼎光电为什么能火速上规？", "还因为得到了清镇市的全方位服务。", 1.0),
        ("为何如此？", "任何句子。", 0.0),  # a reason question wants a sentence that gives one
        ("清镇搞“东扩”是图个什么？", "为了承载更多的人口，开展“东扩”。", 1.0),  # what it is for, asked colloquially
        ("有哪几个方面？", "超前安排部署、全面排查、健全机制。", 1.0),
    ],
)
def test_answer_type_match(question, sentence, match):
    assert answer_type_match(question, sentence) == match


def test_split_sentences_keeps_closing_quotes():
    assert split_sentences("他说：“好。”然后走了。\n第二段") == ["他说：“好。”", "然后走了。", "第二段"]


def test_a_title_is_never_cut_into_sentences():
    text = "《卡拉OK.LIVE！‧台北‧我》是张雨生的第六张专辑。他说：“好。”然后走了。"
    assert split_sentences(text) == ["《卡拉OK.LIVE！‧台北‧我》是张雨生的第六张专辑。", "他说：“好。”", "然后走了。"]


def test_a_traditional_sentence_holds_the_quantity_a_question_asks_for():
    from qa.answer import answer_type_match

    assert answer_type_match("为什么能提前完成？", "由於訂單充足，工廠提前完成任務。") == 1.0  # 由於 is 由于
    assert answer_type_match("在哪个地方？", "位於清鎮縣") == 1.0  # 鎮, 縣 are 镇, 县


@pytest.mark.parametrize(
    ("question", "sentence", "missing"),
    [
        ("种了多少亩？", "6月21日举行了活动。", 1.0),  # a quantity is asked, the sentence holds none
        ("种了多少亩？", "共种植樱桃600亩。", 0.0),
        ("什么时候建成开放？", "将建设山野露营地，发展农家乐。", 1.0),  # a date is asked
        ("出现在哪个县？", "最大累计降水量为721.2毫米。", 1.0),  # a place is asked
        ("为何如此？", "任何句子。", 0.0),  # a reason is no concrete slot: a paraphrase may give it in any words
        ("是不是这样？", "任何句子。", 0.0),
        ("马英九祭祖时间", "马英九年年回乡祭祖。", 1.0),  # a search-box query ending in 时间 asks for a date
        ("马英九祭祖时间", "马英九将于3月27日至4月7日赴大陆祭祖。", 0.0),
        ("2022年考研开始日期？", "考研初试于12月25日开始。", 0.0),
        ("节约时间的办法有哪些", "任何句子。", 0.0),  # 时间 not at the end: a list is asked, not a date
        ("贵州今年最大累计降水量出现在哪个县？", "今年以来，贵州全省平均降水量258.1毫米。", 1.0),  # 贵州 is asked about
        ("贵州今年最大累计降水量出现在哪个县？", "贵州省2024年将从5月1日起全面入汛。", 1.0),  # 贵州省 too
        ("流长乡27个村一共公示了多少件？", "流长乡27个村(社区)党支部同步公示清单。", 1.0),  # 27 is the question's
        ("2023年产值是多少？", "2023年产值达9000万元。", 0.0),
        ("有多少个国家参加？", "Apr 26, 2023 ... 具体来说，亚运会的报名时间是哪些时候。", 1.0),  # an English date is no quantity
        ("峰会什么时候开幕？", "Nov 10, 2022 ... 峰会在浙江乌镇开幕。", 0.0),  # but it is a date
        # a change is no level: "提高7个百分点" tells how much the rate rose, not what it is
        ("清镇市的城镇化率是多少？", "近年来，城镇化率提高7个百分点。", 1.0),
        ("清镇市的城镇化率提高了多少？", "近年来，城镇化率提高7个百分点。", 0.0),
        ("工业增加值同比增长多少？", "规上工业增加值同比增长29%。", 0.0),
        ("清镇市常住人口有多少？", "常住人口增至64万人。", 0.0),  # 增至 gives the level
        ("荷兰援军只能前往哪里躲避风雨？", "荷兰援军被迫离开海岸，前往澎湖躲避风雨。", 0.0),  # a place without a suffix
        ("伊斯兰教在哪一个世纪传入阿富汗？", "佛教艺术保留至7世纪伊斯兰教传入当地为止。", 0.0),  # a century dates
        ("第五次围剿战争是于西元几年的事情？", "1934年，在第五次围剿战争中，国军攻占中央苏区。", 0.0),  # 西元几年 asks a year
        ("第五次围剿战争是于西元几年的事情？", "在第五次围剿战争中，国军投入五十万兵力。", 1.0),
        # a level named (哪个县) is answered by a place of that level, not by the province or its rivers
        ("今年贵州哪个县累计降水最多？", "贵州全省平均降水量258.1毫米，结合江河来水情况，贵州省将全面入汛。", 1.0),
        ("今年贵州哪个县累计降水最多？", "最大累计降水量出现在修文县，为721.2毫米。", 0.0),
        ("凹河村在哪个乡？", "清镇市流长乡凹河村果农李玉林滔滔不绝。", 0.0),  # a township answers 哪个乡
        ("博恒社区在哪个区？", "观山湖区世纪城街道博恒社区开展送餐活动。", 0.0),
        ("清镇目前的城镇化率达到多少了？", "近年来，城镇化率提高7个百分点。", 1.0),  # 多少了 asks no change (少了)
        # a number glued to Latin letters names a model, one before 平台 a service line: neither counts
        ("每年收到几件投诉？", "对12345平台的投诉件进行回复。", 1.0),
        ("这款飞机有多少个座位？", "国产大飞机C919完成首飞。", 1.0),
        ("这款飞机有多少个座位？", "C919设158个座位。", 0.0),
        # a kind of place named (哪个广场, 哪个站) is answered by a name of that kind, not by the city
        ("宣传活动是在哪个广场举办的？", "6月21日,清镇市自然资源局开展野生动植物保护宣传活动。", 1.0),
        ("宣传活动是在哪个广场举办的？", "活动在清镇市人民广场举办。", 0.0),
        ("3号线哪个站设了服务中心？", "3号线花果园站青年志愿者服务中心投入使用。", 0.0),
        ("博恒社区在哪个街道？", "观山湖区世纪城街道博恒社区开展送餐活动。", 0.0),
        ("服务中心设在哪个车站？", "3号线花果园站青年志愿者服务中心投入使用。", 0.0),  # 车站 is answered by a 站
        ("物资放到了哪几个市州？", "向重点地区前置价值1466万元省级抢险救灾物资。", 1.0),  # places of a level listed
        # a place that opens the name of the company asked about is no place answer
        ("华锦铝业的铝土矿是从哪里运来的？", "贵州华锦铝业有限公司的铝土矿从生产线的一端进入。", 1.0),
        ("荷兰援军只能前往哪里躲避风雨？", "荷兰援军被迫离开海岸，只能前往澎湖躲避风雨。", 0.0),
        # a search-box query ending in a place noun asks a place; 外国 names none
        ("KF-21战斗机研发国家", "KF-21是一款战斗机，特别是对于一个只能生产外国研制的战斗机的国家而言。", 1.0),
        ("KF-21战斗机研发国家", "KF-21是韩国研发的战斗机。", 0.0),
        # a date in a title is part of a name
        ("那份政策措施是几月份印发的？", "今年,清镇市出台《清镇市2022—2025年留镇留清行动方案》等系列政策文件。", 1.0),
        ("那份政策措施是几月份印发的？", "6月,清镇市印发《清镇市2022—2025年留镇留清行动方案》。", 0.0),
        # several items asked by name are answered by an enumeration, not by their count
        ("暗流镇建的那5类台账，分别是哪五类？", "截至目前,累计建立台账5类49份,档案5000余份。", 1.0),
        ("进驻落地的优势企业还有哪几家？", "随着中铝、广铝等一批优势企业进驻落地达产。", 0.0),
        ("两个项目的总投资分别是多少？", "A项目总投资3亿元，B项目总投资2亿元。", 0.0),  # values, not items
        # nor a place that opens the name of the event asked about
        ("2022年金鸡百花电影节在哪里举行？", "2022年中国金鸡百花电影节将于11月10日至12日举办。", 1.0),
        ("2022年金鸡百花电影节在哪里举行？", "2022年中国金鸡百花电影节将在厦门举办。", 0.0),
        ("物资放到了哪几个市州？", "向遵义市、毕节市前置省级抢险救灾物资。", 0.0),
        # when something ends is answered by a date marked as an end, not by the day it began
        ("专列要在3号线上运行到什么时候？", "4月29日，专列在贵阳轨道交通3号线投入运营。", 1.0),
        ("专列要在3号线上运行到什么时候？", "专列将在3号线运行至6月30日。", 0.0),
        ("项目征集到哪天截止？", "项目征集阶段将持续到8月底。", 0.0),
        ("三能考核什么时候结束？", "6月14日至17日,清镇市公安局分批组织民警开展考核。", 0.0),
        ("专列是什么时候开始运营的？", "4月29日，专列在贵阳轨道交通3号线投入运营。", 0.0),
        # a name, theme or slogan asked is answered by one given: named, or quoted next to what it names
        ("论坛的主题是什么？", "刚才梁司长介绍了论坛的总体情况和目标特色。", 1.0),
        ("论坛的主题是什么？", "本届论坛以“开放合作”为主题。", 0.0),
        ("冬奥会口号是什么", "9月17日，冬奥会主题口号正式对外发布——“一起向未来”。", 0.0),
        ("冬奥会口号", "冬奥会的奖牌设计“同心”寓意深远。", 1.0),  # a search-box query; the quote names a medal
        ("那个网红景点叫啥名字？", "凹河村万亩樱桃、悬崖景点等名气愈来愈高，卖完枇杷卖李子。", 1.0),  # 李子 is no name
        ("那个网红景点叫啥名字？", "凹河村有个悬崖景点名为“天空之境”。", 0.0),
        ("那本制度汇编全称叫什么？", "建立健全《清镇市政务中心制度汇编》，制定考核细则。", 0.0),  # a title is a name
        ("物流新城被评为了什么称号？", "物流新城连续4年被评为“全国优秀物流园区”。", 0.0),
        ("宣传了哪些公益主题？", "重点宣传“贵州青年志愿者”“希望工程”等。", 0.0),  # which ones, not a theme's name
        ("那个景点叫什么名字？", "胡家祥说，凹河村的景点多。", 1.0),  # a person's name names no place of interest
        ("他的儿子叫什么？", "他的儿子胡家祥在村里开起了农家乐。", 0.0),
        ("达曼新建的机场叫什么？", "达曼拥有新建的法赫德国王国际机场。", 0.0),  # a place's name may hold a person's
        ("内台航路也叫什么？", "内台航路，或称内台航线，是连结日本与台湾的海运航线。", 0.0),
        # an ordinal in a name counts nothing
        ("人口自然增长率是多少？", "清镇市第一人民医院陆续建成投入使用，不断提高人口自然增长率。", 1.0),
        ("有多少人参加？", "共有三十人参加。", 0.0),
    ],
)
def test_answer_slot_missing(question, sentence, missing):
    from qa.answer import answer_slot_missing

    assert answer_slot_missing(question, sentence) == missing


HUAJIN = "今年一季度，贵州华锦产能约42.39万吨，产值约12.48亿元。"
AOHE = "目前，凹河村共种植樱桃600亩，枇杷456亩。"


@pytest.mark.parametrize(
    ("question", "sentence", "missing"),
    [
        ("营业收入是多少？", HUAJIN, 1.0),  # each figure's clause names another measure than the one asked for
        ("产值是多少？", HUAJIN, 0.0),  # the clause that holds the figure names the asked measure
        ("一季度产值是多少？", HUAJIN, 0.0),  # the period opening the sentence holds for every clause
        ("为什么能提前完成？", "由于订单充足，工厂提前完成任务。", 0.0),  # no date, quantity or place is asked
        ("种了多少亩葡萄？", "6月21日举行了活动。", 0.0),  # no quantity at all: slot_missing says it
        ("《我们的冬奥》的上映时间？", "Jan 30, 2022 ... 上映时间：2月19日.", 0.0),  # a colon ends no clause
        # a clause that is only a date dates the clause after it
        ("史都华在哪一年获颁奥斯卡终身成就奖？", "1985年，史都华获颁奥斯卡终身成就奖。", 0.0),
    ],
)
def test_clause_focus_missing(question, sentence, missing):
    from qa.answer import clause_focus_missing

    assert clause_focus_missing(question, sentence, _Idf()) == missing


def test_clause_focus_missing_reads_the_clause_nearest_to_the_question():
    from qa.answer import clause_focus_missing

    cherries = clause_focus_missing("凹河村种了多少亩樱桃？", AOHE, _Idf())
    grapes = clause_focus_missing("凹河村种了多少亩葡萄？", AOHE, _Idf())
    assert cherries == 0.0 < grapes

@pytest.mark.parametrize(
    ("question", "sentence", "missing"),
    [
        ("电影《四海》的导演是谁", "所以这部《四海》可以看成是《后会无期》的一个前传，在导演心中，这是一个前传。", 1.0),
        ("电影《四海》的导演是谁", "电影《四海》的导演是韩寒，他还导演过《后会无期》。", 0.0),
        ("国青队主教练", "作为主教练，确实只能选择这些球员，我们心里是有数的。", 1.0),  # a search-box query ending in a role
        ("国青队主教练", "U19国青队主教练安东尼奥表示，中国足球不需要高调。", 0.0),
        ("乍都节公园是由谁捐献土地建造的？", "1975年由泰国国家铁路局捐献土地建筑成公园。", 0.0),  # an organisation
        ("占士·邦的创造者是谁？", "占士·邦是一个由伊恩·法兰明所创作的虚构人物。", 0.0),  # a transliterated name
        ("清镇市的产值是多少？", "任何句子。", 0.0),  # not a question about a person
        ("阵内智则目前担任什么节目的主持人？", "任何句子。", 0.0),  # it asks for a programme
        ("发改局的副局长是谁？", "清镇市发改局副局长黄海说。", 0.0),  # a speaker
        ("J Storm公司目前的社长是谁？", "目前社长是藤岛茱莉景子。", 0.0),  # the role, then its holder
        # a title (白鹿原 reads as a person's name) or an award names no one
        ("《人世间》的编剧是谁", "《人世间》是第三部茅盾文学奖获奖作品改编剧，和《白鹿原》不同。", 1.0),
    ],
)
def test_person_missing(question, sentence, missing):
    from qa.answerability import person_missing

    assert person_missing(question, sentence) == missing


def _plant_passage(text: str) -> Passage:
    return Passage(text=text, source="plant.txt", title="植物", section="", score=1.0, citation="plant.txt", passage_id=0)


class _Idf:
    """A sparse index whose words weigh 1, or what `weights` says."""

    def __init__(self, weights: dict[str, float] | None = None):
        self.weights = weights or {}

    def idf(self, word: str) -> float:
        return self.weights.get(word, 1.0)


def test_a_sentence_is_read_with_its_passage_topic_so_the_words_beyond_the_subject_choose_it():
    from qa.answer import _score_sentences

    plant = _plant_passage("大果西番莲是西番莲属的植物中果实最大的一种。其叶柄有四到六个腺体。")
    words = ["大果西番莲", "叶柄", "特点"]
    scored = _score_sentences("大果西番莲的叶柄有什么特点？", words, [plant], _Idf({"大果西番莲": 3.0}))
    assert scored[0].sentence == "其叶柄有四到六个腺体。"  # it lacks the rare subject, its passage names it


def test_a_chunk_that_continues_a_retrieved_chunk_of_its_article_is_read_with_that_chunk_s_topic():
    from qa.answer import _topics

    def chunk(passage_id: int, text: str, title: str = "清镇工业") -> Passage:
        return Passage(text=text, source="a.txt", title=title, section="", score=1.0, citation="a", passage_id=passage_id)

    first = chunk(4, "在铝产业园配套设施建设项目工地上，机器各司其职。")
    after = chunk(5, "“这个项目是贵阳市重点项目。”项目于今年1月开工。")
    topics = _topics([first, after, chunk(9, "其他。"), chunk(6, "另一篇。", title="防汛")])
    assert "铝产业园配套设施建设项目" in topics[1]  # the chunk it continues names the project
    assert "铝产业园" not in topics[2] and "铝产业园" not in topics[3]  # not consecutive, another article


def test_the_subject_sentence_does_not_win_by_repeating_the_subject_the_topic_gives_every_sentence():
    from qa.answer import _score_sentences

    plant = _plant_passage("大果西番莲是西番莲属的植物。其叶柄有四到六个腺体。")
    # the subject sentence is closer by meaning, as the first sentence of an encyclopaedia entry tends to be
    cosines = {"大果西番莲是西番莲属的植物。": 0.87, "其叶柄有四到六个腺体。": 0.78}
    words = ["大果西番莲", "叶柄", "特点"]
    scored = _score_sentences("大果西番莲的叶柄有什么特点？", words, [plant], _Idf({"大果西番莲": 3.0}), cosines)
    assert scored[0].sentence == "其叶柄有四到六个腺体。"


def test_the_words_next_to_what_a_question_asks_choose_between_sentences_of_one_topic():
    from qa.answer import _focus, _score_sentences

    question = "岩礁里的蓝线裸顶鲷平时以什么为食？"
    assert _focus(question) == ["以", "平时", "为食"]
    fish = _plant_passage("蓝线裸顶鲷是一种鱼。成鱼以小鱼为食。蓝线裸顶鲷平时生活在岩礁。")
    scored = _score_sentences(question, ["岩礁", "蓝线裸顶鲷", "平时", "以", "为食"], [fish], _Idf())
    assert scored[0].sentence == "成鱼以小鱼为食。"  # the last sentence holds as many words, not those by 什么


def test_the_sentence_that_holds_the_date_a_question_names_is_chosen():
    from qa.answer import QUESTION_DATE, _date_match, _score_sentences

    career = _plant_passage("2013年9月2日任省决策咨询委员会名誉主任。1998年6月至2000年4月任温州市委书记。")
    question = "1998年6月至2000年4月，他担任什么职务？"
    words = ["1998", "年", "6", "月", "2000", "4", "担任", "职务"]
    assert _score_sentences(question, words, [career], _Idf())[0].sentence == "1998年6月至2000年4月任温州市委书记。"
    # a year alone often names the setting of a whole article: it counts half
    assert _date_match(["2024年"], "2024年一季度，清镇市聚焦工业。") == 0.5
    assert _date_match(["2017年4月"], "2017年4月，任副主任委员。") == 1.0
    assert _date_match(["2017年4月"], "2017年，任副主任委员。") == 0.0
    # the day is part of the date: news on the same topic a day later does not hold it
    assert QUESTION_DATE.findall("2023年1月3日恒指收盘点数") == ["2023年1月3日"]
    assert _date_match(["2023年1月3日"], "2023年1月4日，恒指收盘20000点。") == 0.0


def test_a_what_is_question_gets_the_sentence_that_defines_its_term():
    from qa.answer import _defined_term, _defines, _score_sentences

    assert _defined_term("什么是约化群？") == _defined_term("约化群是什么?") == "约化群"
    assert _defined_term("亚太基金会的研究内容是什么？") == ""  # an attribute, not a definition
    assert _defines("放线菌酮", "放线菌酮（Cycloheximide）是一种化合物。") == 1.0
    assert _defines("放线菌酮", "由于放线菌酮阻碍蛋白质的合成，细胞内的蛋白质不断减少。") == 0.0
    group = _plant_passage("约化群可以由根资料分类。在数学中，约化群是幂单根为平凡群的代数群。")
    scored = _score_sentences("什么是约化群？", ["约化群"], [group], _Idf())
    assert scored[0].sentence == "在数学中，约化群是幂单根为平凡群的代数群。"


@pytest.mark.parametrize(
    ("best", "previous", "chosen"),
    [
        ("此时韩遂逝世，成公英投降曹操。", "成公英攻打阎行。", ["成公英攻打阎行。", "此时韩遂逝世，成公英投降曹操。"]),
        ("降居顺成宫。", "使宦官就车顿辱。", ["使宦官就车顿辱。", "降居顺成宫。"]),  # a bare clause
        ("成公英唯有投降曹操。", "成公英攻打阎行。", ["成公英唯有投降曹操。"]),  # it stands alone
        ("此时韩遂逝世。", "", ["此时韩遂逝世。"]),  # the first sentence of its passage
    ],
)
def test_a_best_sentence_that_points_back_comes_after_the_sentence_before_it(best, previous, chosen):
    scored = [_Scored(1.0, best, 0, previous), _Scored(0.95, "其他。", 1)]
    assert [item.sentence for item in _choose(scored, "为什么？")][: len(chosen)] == chosen
    assert _choose(scored, "为什么？")[-1].sentence == "其他。"  # the sentence before takes no runner-up's place


def test_a_quote_and_who_said_it_go_together():
    quote = "“我们能火速‘上规’，还因为得到了清镇市的全方位服务。”"
    speaker = "旭鼎光电总经理江涛说。"
    # the attribution chosen: the quote before it is what was said
    chosen = _choose([_Scored(1.0, speaker, 0, quote), _Scored(0.5, "其他。", 1)], "总经理认为是什么原因？")
    assert [item.sentence for item in chosen][:2] == [quote, speaker]
    # the quote chosen: who said it follows
    chosen = _choose([_Scored(1.0, quote, 0, "经过去年的试产。"), _Scored(0.5, speaker, 0, quote)], "为什么？")
    assert [item.sentence for item in chosen][:2] == [quote, speaker]
    # a speaker after a sentence that is no quote is read on its own
    alone = "对此，清镇市发改局副局长黄海这样说。"
    chosen = _choose([_Scored(1.0, alone, 0, "清镇扩大人口规模，吸引更多人才。")], "副局长是谁？")
    assert [item.sentence for item in chosen] == [alone]


def test_the_sentence_before_joins_when_it_holds_the_date_the_best_sentence_lacks():
    best = _Scored(1.0, "忽必烈率军抵达河南汝南，继续向南宋进发。", 0, "1256年夏天，蒙哥正式宣布攻宋。")
    chosen = _choose([best, _Scored(0.5, "其他。", 1)], "忽必烈在哪一年抵达河南汝南？")
    assert [item.sentence for item in chosen] == ["1256年夏天，蒙哥正式宣布攻宋。", best.sentence]
    # nothing is added when the best sentence holds a date itself, or the one before holds none either
    dated = _Scored(1.0, "1256年忽必烈率军抵达河南汝南。", 0, "1255年夏天，蒙哥正式宣布攻宋。")
    assert len(_choose([dated], "忽必烈在哪一年抵达河南汝南？")) == 1
    undated = _Scored(1.0, "忽必烈率军抵达河南汝南，继续向南宋进发。", 0, "蒙哥正式宣布攻宋。")
    assert len(_choose([undated], "忽必烈在哪一年抵达河南汝南？")) == 1


def test_a_reason_or_a_description_takes_the_sentence_after_the_best_one():
    best = _Scored(1.0, "猴面包树的果实钙含量比菠菜高50%以上。", 0, "果实可以食用。")
    following = _Scored(0.2, "因此它有时也被称为笨蛋水果。", 0, best.sentence)
    runner_up = _Scored(0.95, "其他。", 1)
    scored = [best, runner_up, following]
    chosen = [item.sentence for item in _choose(scored, "为什么称猴面包树为笨蛋水果？")]
    assert chosen == [best.sentence, following.sentence, "其他。"]  # and it takes no runner-up's place
    assert [item.sentence for item in _choose(scored, "為什麼稱猴麵包樹為笨蛋水果？")] == chosen  # traditional
    # a question for a value keeps the best sentence and its runner-up
    assert [item.sentence for item in _choose(scored, "钙含量比菠菜高多少？")] == [best.sentence, "其他。"]


def test_a_value_asked_for_that_the_best_sentence_lacks_is_read_in_the_one_after():
    best = _Scored(1.0, "流长乡27个村党支部同步公示为民办实事承诺清单。", 0, "本报讯")
    following = _Scored(0.3, "此次集体公示承诺事项122件。", 0, best.sentence)
    runner_up = _Scored(0.95, "其他。", 1)
    scored = [best, runner_up, following]
    question = "流长乡27个村党支部一共公示了多少件承诺事项？"
    assert [item.sentence for item in _choose(scored, question)] == [best.sentence, following.sentence, "其他。"]
    assert _slot_sentence(scored, question) == best.sentence + following.sentence
    assert _slot_sentence(scored, "流长乡有多少个村党支部公示了清单？") == best.sentence  # the best holds 27个


def test_the_value_is_looked_for_two_sentences_after_the_best_one_at_most():
    best = _Scored(1.0, "流长乡各村党支部同步公示为民办实事承诺清单。", 0)
    context = _Scored(0.2, "此举是该乡推进党史学习教育的具体行动。", 0, best.sentence)
    figure = _Scored(0.1, "此次集体公示承诺事项122件。", 0, context.sentence)
    question = "流长乡一共公示了多少件承诺事项？"
    assert _slot_sentence([best, context, figure], question) == best.sentence + context.sentence + figure.sentence
    assert [item.sentence for item in _choose([best, context, figure], question)] == [
        best.sentence,
        context.sentence,
        figure.sentence,
    ]
    later = _Scored(0.1, "其中已完成98件。", 0, "又一句。")
    between = _Scored(0.1, "又一句。", 0, context.sentence)
    assert _slot_sentence([best, context, between, later], question) == best.sentence  # three sentences on: too far


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # the figure's clause names another year; the asked one is named only beside it
        ("2022年我国CPI上涨了多少？", "预计2023年全年CPI同比上涨2.1%，略高于2022年的水平。", True),
        ("2023年我国CPI上涨了多少？", "预计2023年全年CPI同比上涨2.1%，略高于2022年的水平。", False),
        # a period opening the sentence holds for the clauses after it: conflict reads the sentence
        ("清镇市二季度完成工业投资多少？", "一季度，清镇市完成工业投资8.4亿元。", False),
        # the figure's clause names no period (number_conflict reads the span before it)
        ("2021年我国工业增加值增长了多少？", "2013—2021年，我国工业增加值年均增长6.1%。", False),
        ("2022年春运火车票什么时候开售？", "2021年12月31日起开售。", False),  # a date is asked, not a quantity
        # a quarter is asked, the figure's clause gives a whole year's
        ("南凡半导体今年一季度产值多少？", "南凡半导体建厂后产值稳步攀升，2023年达9000多万元。", True),
        ("南凡半导体今年一季度产值多少？", "2024年一季度，南凡半导体产值达3000万元。", False),
        ("南凡半导体2023年产值多少？", "南凡半导体建厂后产值稳步攀升，2023年达9000多万元。", False),
        # a clause that is only a date dates the clause after it: 375亿元 is 2021's figure, not 2016's
        ("清镇市2016年的工业总产值是多少？", "2021年,清镇市工业总产值已达375亿元,较2016年底翻了一番;", True),
        ("清镇市2021年的工业总产值是多少？", "2021年,清镇市工业总产值已达375亿元,较2016年底翻了一番;", False),
    ],
)
def test_a_quantity_conflicts_when_its_own_clause_names_another_period(question, sentence, conflict):
    assert value_clause_conflict(question, sentence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # a part of a whole is asked: the whole's figure does not answer it
        ("防汛隐患里有多少处是地质灾害隐患？", "紧盯山洪和地质灾害风险区，共排查出隐患17546处，整改完成16072处。", True),
        ("承诺事项里有多少件是路灯亮化工程？", "此次公示承诺事项122件，涉及机耕道建设、路灯亮化工程等民生事项。", True),
        ("自建房中有多少栋是经营性自建房？", "完成自建房排查5511栋，其中经营性自建房101栋。", False),
        ("一共排查出多少处隐患？", "共排查出隐患17546处。", False),  # no part asked
        # a part asked after a comma: 水上救援队 among the 831 teams, 查出隐患的 among the houses
        ("831支应急救援专业队伍里，有多少支是水上救援队？", "全省共组建应急救援专业队伍831支、1.86万余人。", True),
        ("5410栋非经营性自建房里，有多少栋查出了安全隐患？", "其中经营性自建房101栋,非经营性自建房5410栋。", True),
        ("5511栋自建房中，有多少栋是经营性的？", "完成自建房排查5511栋，其中经营性自建房101栋。", False),
        # the part named before the asking word, of the whole's kind (隐患)
        ("17546处隐患里，地质灾害点的隐患有多少处？", "共排查出隐患17546处，整改完成16072处。", True),
        ("9家企业中，一季度产值有多少？", "辖区9家企业产值56.94亿元。", False),  # 产值 is no part of 企业
    ],
)
def test_a_part_asked_of_a_whole_conflicts_with_the_whole_s_figure(question, sentence, conflict):
    from qa.answer import part_conflict

    assert part_conflict(question, sentence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        ("9家重点监测企业中，哪一家一季度产值最高？", "辖区9家重点监测工业企业产值56.94亿元，同比增长44.33%。", True),
        ("今年贵州哪个县累计降水最多？", "最大累计降水量出现在修文县，为721.2毫米。", False),
        ("哪家企业最早入驻产业园？", "华锦铝业是首家入驻产业园的企业。", False),  # 首家 ranks it
        ("最大累计降水量是多少？", "全省平均降水量258.1毫米。", False),  # a figure asked: no rank needed
    ],
)
def test_which_ranks_first_is_not_answered_by_a_sentence_that_ranks_nothing(question, sentence, conflict):
    from qa.answer import superlative_conflict

    assert superlative_conflict(question, sentence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # a sale asked, an output given
        ("华锦铝业的氧化铝一季度卖了多少钱？", "今年一季度，贵州华锦产能约42.39万吨，产值约12.48亿元。", True),
        ("华锦铝业一季度的产值是多少？", "今年一季度，贵州华锦产能约42.39万吨，产值约12.48亿元。", False),
        # a sum in a clause that names no measure is told of the one named last before it
        ("南凡半导体后续项目的总投资额是多少？", "南凡半导体建厂后，产值稳步攀升，2023年达9000多万元。", True),
        ("南凡半导体2023年的产值是多少？", "南凡半导体建厂后，产值稳步攀升，2023年达9000多万元。", False),
        ("清镇一季度在工业上投了多少钱？", "一季度，清镇市完成工业投资8.4亿元。", False),
        ("李玉林家卖水果一年能收入多少？", "每年光靠卖水果收入可达1万元以上。", False),
        ("清镇一季度工业投资多少？", "工业投资达目标的129.23%。", False),  # no sum of money: left to the unit
        ("项目建成后每年能交多少税？", "项目建成投产后，预计年产值32亿元。", True),  # a tax, not an output
        ("省级财政补助了多少钱？", "成功申报了总投资416万元的试点项目，配套投入100万元。", True),  # a subsidy
    ],
)
def test_a_sum_of_another_measure_conflicts(question, sentence, conflict):
    from qa.answer import measure_conflict

    assert measure_conflict(question, sentence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        ("清镇一季度规上工业总产值同比增长了多少？", "规模以上工业总产值78.81亿元，增加值17.94亿元，同比增长29%；", True),
        ("清镇一季度规上工业增加值同比增长了多少？", "规模以上工业总产值78.81亿元，增加值17.94亿元，同比增长29%；", False),
        ("总产值同比增长了多少？", "同比增长29%。", False),  # the sentence names no measure: nothing to compare
        ("总产值是多少？", "总产值78.81亿元，增加值17.94亿元，同比增长29%；", False),  # no change asked
        # a rate is a measure of its own: the level "增至64万人" is no change of 人口
        ("五年来常住人口净增加了多少万人？", "常住人口增至64万人，城镇化率提高7个百分点。", True),
        ("五年来城镇化率提高了多少？", "常住人口增至64万人，城镇化率提高7个百分点。", False),
    ],
)
def test_a_change_told_of_another_measure_conflicts(question, sentence, conflict):
    from qa.answer import change_measure_conflict

    assert change_measure_conflict(question, sentence) is conflict


def test_sentences_that_follow_each_other_in_a_passage_share_one_marker():
    passages = [passage(i, "", f"第{i}段。") for i in range(2)]
    chosen = [_Scored(1.0, "甲。", 0), _Scored(1.0, "乙。", 0, "甲。"), _Scored(0.9, "丙。", 1), _Scored(0.9, "丁。", 0)]
    text, _ = _compose(chosen, passages)
    assert text == "甲。乙。[1]丙。[2]丁。[1]"  # a gold span across 甲。乙。 is quoted whole


@pytest.mark.parametrize(
    ("question", "sentence", "match"),
    [
        ("有几条跑道？", "机场有三条跑道。", 1.0),  # a Chinese numeral with its measure word
        ("有效期是多长时间？", "条约有效期二十年。", 1.0),  # a length of time
        ("出生地在哪？", "1944年生于加利福尼亚州的旧金山。", 1.0),
        ("发源于哪里？", "它来自美国。", 1.0),  # a country
        ("总部在哪里？", "国家队举行了比赛。", 0.0),  # 国家 is not a place
        ("现任校长是谁？", "现任校长为阮爱馨女士。", 1.0),  # a person named by title
        ("作者是谁？", "此书由潘佩珠所著。", 1.0),
        ("作者是谁？", "这本书很有名。", 0.0),
        ("什么时候开始成为冠军？", "自十八岁开始至今，他是香港冠军。", 1.0),  # an age dates a life's event
        ("栖息在哪儿？", "印度野驴是栖息在南亚的亚洲野驴亚种。", 1.0),  # a region
        ("现效力于哪儿？", "美国职业篮球运动员，现效力于NBA休士顿火箭。", 1.0),
        ("在哪里？", "这是并非经营性的自建房。", 0.0),  # 非 alone is no continent
        ("世锦赛会在哪举行？", "锦标赛将于9月30日至10月9日在成都举行。", 1.0),
    ],
)
def test_answer_types_of_encyclopaedia_sentences(question, sentence, match):
    assert answer_type_match(question, sentence) == match


def passage(passage_id: int, section: str, text: str, title: str = "防汛", source: str = "a.txt") -> Passage:
    return Passage.from_stored(StoredPassage(passage_id, source, title, section, text), 1.0)


def test_an_aspect_answer_lists_the_section_headings_of_its_article_each_cited():
    stored = [
        StoredPassage(0, "a.txt", "防汛", "健全机制", "建立联防联控机制。"),
        StoredPassage(1, "a.txt", "防汛", "健全机制", "共享雨情信息。"),
        StoredPassage(2, "a.txt", "防汛", "全面排查", "排查隐患。"),
        StoredPassage(3, "b.txt", "防汛", "别的文件", "不算。"),
        StoredPassage(4, "a.txt", "别的文章", "别的小节", "不算。"),
        StoredPassage(5, "a.txt", "防汛", "超前部署", "提前部署。"),
    ]
    cited = [Passage.from_stored(stored[2], 0.9), Passage.from_stored(stored[0], 0.8)]
    extracted = Answer("排查隐患。[1]", cited, True, "q", "q", ["排查隐患。"])
    listed = with_section_headings(extracted, stored)
    assert listed.text == "排查隐患。[1]健全机制[2]；全面排查[1]；超前部署[3]"
    assert [p.passage_id for p in listed.passages] == [2, 0, 5] and listed.passages[2].score == 0.0
    assert listed.sentences == ["排查隐患。", "健全机制", "全面排查", "超前部署"]
    assert with_section_headings(extracted, stored[:5]) == extracted  # two headings: unchanged


def test_nothing_retrieved_is_not_found_with_no_passages(retriever: Retriever):
    assert extract_answer("问题", "查询", [], retriever.sparse, model=ALWAYS_ANSWER) == Answer(
        NOT_FOUND, [], False, "查询", "问题"
    )


def test_the_json_of_an_answer_names_every_field(retriever: Retriever):
    result = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    assert result.to_json() == {
        "question": "凹河村种了多少亩樱桃？",
        "query": "凹河村种了多少亩樱桃？",
        "text": result.text,
        "found": True,
        "markers": [1],
        "generated": False,
        "truncated": False,
        "passages": [p.to_json() for p in result.passages],
    }


def test_markers_number_the_cited_passages_first_in_order_of_use():
    passages = [passage(i, "", f"第{i}段。") for i in range(4)]
    chosen = [_Scored(1.0, "乙。", 2), _Scored(0.95, "甲。", 0), _Scored(0.92, "丙。", 2)]
    text, ordered = _compose(chosen, passages)
    assert text == "乙。[1]甲。[2]丙。[1]"
    assert [p.passage_id for p in ordered] == [2, 0, 1, 3]


@pytest.mark.parametrize(
    ("question", "count"),
    [("种了多少亩？", 2), ("有哪些措施？", 3)],  # a list question takes up to three sentences
)
def test_close_runners_up_join_the_best_sentence(question: str, count: int):
    scored = [_Scored(1.0, "一。", 0), _Scored(0.9, "二。", 0), _Scored(0.9, "二。", 1), _Scored(0.95, "三。", 1)]
    scored += [_Scored(0.95, "四。", 1), _Scored(0.89, "五。", 2)]
    assert [item.sentence for item in _choose(scored, question)] == ["一。", "二。", "三。", "四。"][:count]
    assert _choose([], question) == []
    assert [item.sentence for item in _choose([_Scored(1.0, "一。", 0), _Scored(0.89, "五。", 2)], question)] == [
        "一。"
    ]


def test_an_aspect_question_gets_the_section_headings_of_the_answer_article(tmp_path: Path, encoder, monkeypatch):
    # the headings are under test, not the decision
    monkeypatch.setattr(sys.modules["qa.answer"], "default_model", lambda: ALWAYS_ANSWER)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "flood.md").write_text(
        "# 贵州六方面做好防汛抗旱工作\n\n### 健全联动机制\n\n与周边省份建立自然灾害联防联控机制。\n\n"
        "### 全面排查隐患\n\n对水库、河道开展隐患排查。\n\n### 超前安排部署\n\n提前安排部署防汛抗旱工作。\n",
        encoding="utf-8",
    )
    build_index(folder, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    result = answer("贵州做好防汛抗旱工作有哪几个方面？", retriever=retriever)
    assert result.found
    assert result.text == "提前安排部署防汛抗旱工作。[1]健全联动机制[3]；全面排查隐患[2]；超前安排部署[1]"
    assert result.sentences[-3:] == ["健全联动机制", "全面排查隐患", "超前安排部署"]
    plain = answer("贵州做好防汛抗旱工作的内容", retriever=retriever)
    assert "健全联动机制[" not in plain.text  # not an aspect question: no heading list


def test_a_unit_asked_and_not_held_is_a_signal_of_its_own(retriever: Retriever):
    def signals(question: str):
        return extract_answer(question, question, retriever.search(question), retriever.sparse, model=ALWAYS_ANSWER).signals

    price = signals("凹河村的樱桃每斤卖多少钱？")  # 多少钱 asks for 元; the passage counts 亩
    assert (price.unit_match, price.unit_missing) == (0.0, 1.0)
    area = signals("凹河村种了多少亩樱桃？")  # 多少亩 held: 600亩
    assert (area.unit_match, area.unit_missing) == (1.0, 0.0)
    plain = signals("凹河村种了什么水果？")  # no unit asked
    assert (plain.unit_match, plain.unit_missing) == (0.5, 0.0)
