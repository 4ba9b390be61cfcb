"""The answerability decision: conflicts, names, the logistic model."""

from __future__ import annotations

import json

import pytest

from qa.answerability import (
    FEATURES,
    MODEL_FILE,
    AnswerabilityModel,
    Signals,
    default_model,
    focus_words,
    listed_item_conflict,
    missing_nouns,
    name_conflict,
    number_conflict,
    number_missing,
    unit_match,
)

EVIDENCE = "抓项目 强企业 兴产业\n\n一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。"
SOURCE = "贵阳日报_2024-04-30_清镇工业经济.txt"


@pytest.mark.parametrize(
    ("question", "conflict"),
    [
        ("清镇市二季度完成工业投资多少？", True),  # another quarter
        ("清镇市第二季度完成工业投资多少？", True),
        ("清镇市一季度完成工业投资多少？", False),  # the same quarter
        ("清镇市1季度完成工业投资多少？", False),  # the same quarter in digits
        ("清镇市2023年一季度完成工业投资多少？", True),  # the source's date says 2024
        ("清镇市二〇二四年一季度完成工业投资多少？", False),
        ("清镇市工业投资三年增长多少？", False),  # 三年 is a duration, not a year
        ("清镇市哪一年完成工业投资8.4亿元？", False),
    ],
)
def test_number_conflict(question, conflict):
    assert number_conflict(question, EVIDENCE, EVIDENCE, SOURCE) is conflict


def test_a_value_the_evidence_also_holds_is_no_conflict():
    evidence = "一季度，清镇市完成工业投资8.4亿元，二季度计划完成投资10亿元。"
    assert not number_conflict("清镇市二季度计划投资多少？", evidence, evidence)


def test_an_explicit_year_of_the_evidence_overrides_the_source_date():
    evidence = "南凡半导体2021年在清镇建厂后，产值稳步攀升，2023年达9000多万元。"
    assert number_conflict("南凡半导体2024年的产值是多少？", evidence, evidence, SOURCE)
    assert not number_conflict("南凡半导体2023年的产值是多少？", evidence, evidence, SOURCE)


def test_a_date_in_english_dates_a_snippet_that_names_no_year():
    snippet = "Oct 23, 2016 ... 意大利足球名帅里皮正式出任中国男足国家队主教练。"
    assert number_conflict("2023年中国男足主教练是谁？", snippet, snippet)
    assert not number_conflict("2016年中国男足主教练是谁？", snippet, snippet)
    # a year the text names itself dates it; the snippet's date is only when it was published
    dated = "Jul 22, 2022 ... 2021“中国旅游文化周”启动仪式举行。"
    assert number_conflict("2022年的“中国旅游文化周”在哪里举办？", dated, dated)


def test_this_year_and_last_year_are_read_from_the_source_date():
    evidence = "截至目前，清镇市规模以上工业企业数量达118家。"
    assert number_conflict("清镇市规模以上工业企业去年底有多少家？", evidence, evidence, SOURCE)  # 2023, in a page of 2024
    assert not number_conflict("清镇市规模以上工业企业今年有多少家？", evidence, evidence, SOURCE)
    # a year of the asker's own life, in a clause that asks nothing, dates nothing asked
    assert not number_conflict("我明年毕业，清镇市规模以上工业企业有多少家？", evidence, evidence, SOURCE)
    registered = "旭鼎光电是去年8月注册成立的新企业。"
    assert not number_conflict("旭鼎光电是去年几月注册的？", registered, registered, SOURCE)
    assert not number_conflict("旭鼎光电今年一季度产值多少？", registered, registered, SOURCE)  # 今年 is still the page's year
    # a year compared with names no period of the fact: 今年's figure against 去年同期
    grew = "一季度，清镇市规上工业增加值同比增长29%。"
    assert not number_conflict("清镇今年一季度的规上工业增加值是不是比去年同期下降了？", grew, grew, SOURCE)


def test_a_change_against_another_base_conflicts():
    from qa.answerability import base_conflict

    rain = "今年以来，贵州全省平均降水量258.1毫米，与常年同期相比偏多超3成。"
    assert base_conflict("贵州今年的平均降水量比去年同期多了多少？", rain)
    assert not base_conflict("贵州今年的平均降水量比常年多了多少？", rain)
    assert not base_conflict("增加值是不是比去年同期下降了？", "规上工业增加值同比增长29%。")  # 同比 is against last year
    assert not base_conflict("贵州今年的平均降水量是多少？", rain)  # no change asked


def test_an_ordinal_conflicts_with_another_of_the_same_counted_thing():
    evidence = "姚明作为第19棒火炬手，点燃了第20棒火炬手手中的火炬。"
    assert number_conflict("谁是北京冬奥会第一棒火炬手？", evidence, evidence)
    assert not number_conflict("谁是北京冬奥会第19棒火炬手？", evidence, evidence)
    assert not number_conflict("谁是北京冬奥会第十九棒火炬手？", evidence, evidence)  # the same, in Chinese numerals
    # another counted thing is no conflict: the question's 第一棒 against 第三次
    assert not number_conflict("谁是第一棒火炬手？", "他第三次参加火炬传递。", "他第三次参加火炬传递。")
    # the passage names the asked one elsewhere: the evidence may quote another
    assert not number_conflict("谁是第一棒火炬手？", evidence, evidence + "第一棒火炬手是罗致焕。")


def test_a_span_of_years_holds_a_state_in_each_year_but_no_figure_of_one():
    figure = "2013—2021年，我国工业增加值年均增长6.1%。"
    assert number_conflict("2021年我国工业增加值增长了多少？", figure, figure, figure=True)
    assert not number_conflict("2013—2021年我国工业增加值年均增长多少？", figure, figure, figure=True)
    state = "1960年至1964年，总理周恩来和国家主席刘少奇领导了国民经济的调整工作。"
    assert not number_conflict("1960年时哪一个人担任了国家主席一职？", state, state)


def test_a_year_written_without_nian_before_what_it_dates_is_a_year():
    evidence = "Jul 22, 2022 ... 共同主办的2021“中国旅游文化周”启动仪式暨宁夏（银川）专场活动启幕。"
    assert number_conflict("哪个国家主办了2022年的“中国旅游文化周”？", evidence, evidence)
    assert not number_conflict("哪个国家主办了2021年的“中国旅游文化周”？", evidence, evidence)
    assert not number_conflict("2022年考研报名人数", "报名人数达2000余人。", "报名人数达2000余人。")  # 2000余 is a count


@pytest.mark.parametrize(
    ("question", "sentence", "match"),
    [
        ("华锦铝业有多少名员工？", "其氧化铝产能达160万吨/年。", 0.0),
        ("华锦铝业有多少名员工？", "企业现有员工1200余人。", 1.0),
        ("拆除违建一共花了多少钱？", "拆除违建建筑4740平方米。", 0.0),
        ("一共查出多少处隐患？", "共排查出隐患17546处。", 1.0),
        ("一共查出多少处隐患？", "共排查出隐患17546个。", 0.0),
        ("工地上一共有多少工人？", "该项目总投资3.36亿元。", 0.0),  # people counted by what they are
        ("工地上一共有多少工人？", "工地上有工人200余名。", 1.0),
        ("清镇为了扩大人口规模采取了哪些措施？", "扩大就业岗位、推进产教融合。", 0.5),  # 人口 asks no head count here
        ("事故死亡人数", "事故造成3人死亡。", 1.0),  # a search-box query asks by its measure
        ("建成区面积增长了多少？", "中心城区建成区面积增长1.5倍。", 1.0),  # a change told as a ratio
        ("建成区面积增加了多少平方公里？", "中心城区建成区面积增长1.5倍。", 0.0),  # unless the unit is named
        ("三能考核的优秀率是多少？", "考核内容为男子1000米、女子800米。", 0.0),  # a rate is a share
        ("三能考核的优秀率是多少？", "优秀率达95%。", 1.0),
        ("人民币汇率是多少？", "1美元兑6.9元人民币。", 0.5),  # a rate of exchange is no share
        ("已整改的隐患占百分之多少？", "共排查出隐患17546处，整改完成16072处。", 0.0),
        ("目前学校男女生比例是多少？", "目前学校男女生比例约为1：7（男：女）。", 1.0),  # a ratio of two counts
        ("送早餐活动有几家企业参与？", "为外卖小哥和保洁员送上爱心早餐80余份。", 0.0),  # 几家 asks a count in 家
        ("送早餐活动有几家企业参与？", "3家爱心企业参与了活动。", 1.0),
        ("村里现在开了几家民宿？", "目前凹河村开办农家乐2户，民宿3户。", 1.0),  # 家 and 户 count the same
        ("那2户危房改造的人家每户能拿到多少补助？", "2户危房改造全面启动，预计8月底竣工。", 0.0),  # a subsidy is money
        # things counted: a share, a sum of money or a span of time counts none
        ("高盛预计有多少个岗位将被AI取代？", "未来10年内使全球GDP增加7%，或实现近7万亿美元的增长。", 0.0),
        ("高盛预计有多少个岗位将被AI取代？", "全球将有3亿个工作岗位被取代。", 1.0),
        ("城镇化率提高了多少个百分点？", "城镇化率提高7个百分点。", 0.5),  # a change of a rate, not a count
        ("俯卧撑的及格标准是几个？", "考核内容为男子1000米、女子800米、男子俯卧撑。", 0.0),  # a length counts none
        ("清镇森林覆盖率", "清镇市以林长制为抓手，强化森林资源保护。", 0.0),  # a search-box query for a rate
        ("清镇森林覆盖率", "清镇森林覆盖率达55%。", 1.0),
        ("专列一共有几节车厢？", "专列车厢内部。", 0.0),  # 几节 counts in 节
        ("今年贵州出现了几轮强降雨过程？", "尤其是强降雨过程极端性强、阶段性特征明显。", 0.0),  # rounds counted in 轮
        ("及格标准是几个？", "考核内容为4×10米往返跑、男子俯卧撑。", 0.0),  # 4×10米 is a length
        ("要打造几个生活圈？", "开展“三能”达标考核。", 0.0),  # 三能 is a name, not a count
        ("要打造几个生活圈？", "打造十一个生活圈。", 1.0),
        ("背街小巷改造包括哪几条路巷？", "实施岭岗路、红旗东路、塔峰巷改造。", 0.5),  # 哪几条 asks which ones
        ("种了多少樱桃？", "共种植樱桃600亩。", 0.5),
        # a measure asked at the end of the question is counted in its own unit
        ("2022年国庆节假期全国旅游收益是多少？", "全国国内旅游出游4.22亿人次，同比减少18.2%。", 0.0),
        ("2022年国庆节假期全国旅游收益是多少？", "实现国内旅游收入2872.1亿元。", 1.0),
        ("春节档的总票房是多少？", "春节档总票房67.57亿。", 1.0),  # 元 is often left out after 亿
        # a sum asked in a currency is answered in money, whatever its scale (万亿)
        ("2021年中国外贸进出口规模是多少美元？", "我国货物贸易进出口规模首次突破6万亿 ...", 0.0),
        ("2021年中国外贸进出口规模是多少美元？", "2021年中国进出口规模达6.05万亿美元。", 1.0),
        ("河南的粮食总产量是多少？", "河南夏粮总产量占全国的26.1%。", 0.0),
        ("河南的粮食总产量是多少？", "全省粮食总产量1308.84亿斤。", 1.0),
        ("香港GDP增长了多少？", "增长6.4%。", 0.5),  # a change is asked, not a level
        ("巴黎第四区的土地面积是多少？", "该区土地面积1.601 km²。", 1.0),
        # the measure named last is asked: a share of the population, not a head count
        ("香港的人口中，信仰基督教的人口中大约占多少比例？", "基督教约占在香港人口的13%。", 1.0),
        ("香港的人口中，信仰基督教的人口中大约占多少比例？", "信徒约有90万人。", 0.0),
    ],
)
def test_unit_match(question, sentence, match):
    assert unit_match(question, sentence) == match


def test_a_subject_named_only_in_another_article_of_the_page_conflicts():
    from qa.answerability import subject_elsewhere

    flood = "贵州防汛\n共排查出隐患17546处，整改完成16072处。"
    works = "贵阳节前排查市政设施\n贵阳市综合行政执法局所属市政工程服务中心开展隐患大排查。"
    question = "贵阳市政工程服务中心这次节前排查，一共查出了多少处隐患？"
    assert subject_elsewhere(question, flood, [works])
    assert not subject_elsewhere(question, works, [flood])  # answered from the article that names it
    assert not subject_elsewhere("贵州一共查出了多少处隐患？", flood, [works])  # 贵州 is the flood article's


def test_another_company_named_by_the_sentence_conflicts():
    from qa.answerability import company_conflict

    nanfan = "贵州南凡半导体科技有限公司2021年在清镇建厂后，产值稳步攀升，2023年达9000多万元。"
    assert company_conflict("贵州华锦铝业2023年全年的产值是多少？", nanfan)
    assert not company_conflict("南凡半导体2023年的产值是多少？", nanfan)
    assert not company_conflict("清镇2023年的产值是多少？", nanfan)  # a place, no company asked
    assert not company_conflict("陈诚的军事集团是哪个部队的中坚？", "陈诚所拥有的军事集团为嫡系部队的中坚。")


def test_name_conflict_needs_another_name_of_the_same_kind():
    evidence = "目前，凹河村共种植樱桃600亩。"
    assert name_conflict("红枫村种了多少亩樱桃？", evidence, evidence)
    assert not name_conflict("凹河村种了多少亩樱桃？", evidence, evidence)
    assert not name_conflict("全市种了多少亩樱桃？", evidence, evidence)  # 全市 is no name
    school = "2012年，康涅狄格州桑迪·胡克小学枪击案造成20名儿童及6名成人死亡。"
    assert name_conflict("罗伯小学枪击案造成多少人死亡？", school, school)  # another 小学
    assert not name_conflict("桑迪·胡克小学枪击案造成多少人死亡？", school, school)


def test_a_town_the_segmenter_splits_is_read_from_the_opening_of_the_question():
    evidence = "本报讯 6月17日,清镇市流长乡27个村(社区)党支部同步公示《为民办实事承诺清单》。"
    # jieba cuts 卫 + 城镇; a town and a township are one level of place
    assert name_conflict("卫城镇有多少个村党支部公示了承诺清单？", evidence, evidence)
    assert not name_conflict("流长乡有多少个村党支部公示了承诺清单？", evidence, evidence)
    assert not name_conflict("每个村有多少个党支部？", evidence, evidence)  # 每个村 names no village
    assert not name_conflict("城镇化率是多少？", evidence, evidence)


def test_a_name_the_passages_write_out_in_full_is_no_conflict():
    passage = "西贡商业信用银行（Sacombank），是越南第二大私营的商业银行。该银行的总部位于胡志明市。"
    assert not name_conflict("西贡商信银行的总部在哪里？", passage, passage)  # 商信 abbreviates 商业信用
    assert name_conflict("中国工商银行的总部在哪里？", passage, passage)


def test_missing_nouns_are_the_question_nouns_the_text_lacks():
    assert missing_nouns("凹河村种了多少亩苹果？", "凹河村共种植樱桃600亩") == ["苹果"]
    assert missing_nouns("凹河村种了多少亩樱桃？", "凹河村共种植樱桃600亩") == []


def signals(**values: float) -> Signals:
    base = dict.fromkeys(FEATURES, 0.0)
    return Signals(**{**base, **values})


def test_the_model_is_a_logistic_function_of_the_signals():
    model = AnswerabilityModel({"lexical": 4.0, "conflict": -6.0}, -2.0, 0.5)
    assert model.probability(signals(lexical=0.5)) == pytest.approx(0.5)
    assert model.answerable(signals(lexical=1.0))
    assert not model.answerable(signals(lexical=1.0, conflict=1.0))
    assert AnswerabilityModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def test_the_shipped_coefficients_cover_every_signal():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert set(data["weights"]) == set(FEATURES)
    model = default_model()
    strong = signals(
        lexical=1.0, semantic=0.9, passage_cosine=0.85, type_match=1.0, unit_match=0.5, agreement=1.0,
        answer_cosine=0.85, sentence_lexical=1.0,
    )  # fmt: skip
    weak = signals(
        lexical=0.05, semantic=0.6, passage_cosine=0.6, type_match=0.5, unit_match=0.5, agreement=0.5,
        missing_rare=1.0, answer_cosine=0.6, focus_missing=1.0,
    )  # fmt: skip
    assert model.probability(strong) > model.threshold > model.probability(weak)
    for against in ("conflict", "slot_missing", "unit_missing"):
        assert model.probability(strong) > model.probability(signals(**{**strong.__dict__, against: 1.0}))


def test_more_evidence_never_lowers_the_shipped_probability():
    weights = default_model().weights
    for evidence in ("lexical", "semantic", "passage_cosine", "type_match", "agreement", "answer_cosine"):
        assert weights[evidence] >= 0, evidence
    for missing in (
        "missing_rare", "missing_noun", "conflict", "focus_missing", "number_missing", "slot_missing", "unit_missing",
    ):  # fmt: skip
        assert weights[missing] <= 0, missing


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("凹河村种了多少亩葡萄？", {"葡萄"}),  # the thing asked about, next to 多少
        ("清镇市规模以上服务业企业有多少家？", {"服务业", "企业"}),
        ("流长乡那些承诺事项已经办完了多少件？", {"办完", "事项"}),  # 已经 is how it is put, not what is asked
        ("华锦铝业有多少名员工？", {"员工"}),
        ("经开区的人才项目征集是只面向贵州省内吗？", {"贵州省"}),  # a yes/no question: the words before 吗
        ("2023年温网女单亚军", {"女单", "亚军"}),  # a search-box query: its last words
        ("旭鼎光电今年一季度的产值达到了多少？", {"产值"}),
    ],
)
def test_focus_words_are_the_words_next_to_what_is_asked(question, focus):
    assert focus <= set(focus_words(question))


def test_focus_words_leave_out_how_the_question_is_put():
    assert "达到" not in focus_words("旭鼎光电今年一季度的产值达到了多少？")  # 产值达2300万元 answers it
    assert not {"具体", "指"} & set(focus_words("“两主一特”产业具体指哪几个方向？"))


def test_a_yes_no_question_is_settled_by_the_words_after_its_asking_word():
    focus = focus_words("清镇铝新材料产业园配套设施建设项目是不是贵阳市的重点项目？")
    assert {"贵阳市", "重点项目"} <= set(focus) and "设施" not in focus


@pytest.mark.parametrize(
    ("question", "evidence", "conflict"),
    [
        ("清镇市发改局局长是谁？", "清镇市发改局副局长黄海说。", True),  # the deputy is not the head
        ("清镇市发改局副局长叫什么名字？", "清镇市发改局副局长黄海说。", False),
        ("流长乡的乡长叫什么名字？", "流长乡党委书记左乾伦说，下一步将深化农旅融合发展。", True),  # another office
        ("流长乡的党委书记是谁？", "流长乡党委书记左乾伦说，下一步将深化农旅融合发展。", False),
        ("旭鼎光电的经理是谁？", "旭鼎光电总经理江涛说。", False),  # one office, as people say it
        ("南凡半导体的总经理是谁？", "贵州南凡半导体科技有限公司2021年在清镇建厂。", True),  # the office named nowhere
        # a role in a work or a crew is named by what its holder did
        ("《胡同儿》的导演是谁？", "《胡同儿》是王羽铮正式出演的第一部短剧。", True),
        ("《英雄》的导演是谁？", "《英雄》是一部由张艺谋执导的武侠电影。", False),
        ("谁是神舟十四号的指令长？", "神舟十四号飞行乘组3名航天员将迎来空间站两个舱段的对接。", True),
        ("谁是神舟十四号的指令长？", "由航天员陈冬担任指令长。", False),
        ("《心居》的主演有哪些？", "滕华涛希望《心居》能展现上海的特点。", True),  # which ones asks the holders too
    ],
)
def test_another_office_named_conflicts(question, evidence, conflict):
    from qa.answerability import office_conflict

    assert office_conflict(question, evidence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # another kind of the same thing: 工业企业 counted, 服务业企业 asked
        ("清镇市规模以上服务业企业有多少家？", "截至目前，清镇市规模以上工业企业数量达118家。", True),
        ("清镇市规模以上工业企业有多少家？", "截至目前，清镇市规模以上工业企业数量达118家。", False),
        ("规上服务企业有多少家？", "规模以上服务业企业数量达50家。", False),  # one kind, spelt two ways
        ("清镇的规上服务业企业数量是多少？", "截至目前，清镇市规模以上工业企业数量达118家。", True),  # 数量 counts 企业
        # the asking word does not follow the head noun: nothing is read as its modifier
        ("阿里巴巴集团宣布将以多少港元收购《南华早报》？", "新华集团宣布以20亿港元收购。", False),
        # the thing counted named after the asking word: 森林消防队伍 asked, 应急救援专业队伍 counted
        ("全省组建了多少支森林消防队伍？", "全省共组建应急救援专业队伍831支。", True),
        ("全省组建了多少支应急救援队伍？", "全省共组建应急救援专业队伍831支。", False),
    ],
)
def test_modifier_conflict(question, sentence, conflict):
    from qa.answerability import modifier_conflict

    assert modifier_conflict(question, sentence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # the same thing named by another place, or another number of a series
        ("2023年全英羽毛球公开赛男单冠军？", "Wardoyo成功夺得2023年台北羽毛球公开赛男单冠军！", True),
        ("速度与激情10什么时候在内地上映？", "《速度与激情9》于2021年5月21日在中国内地上映。", True),
        ("速度与激情9什么时候在内地上映？", "《速度与激情9》于2021年5月21日在中国内地上映。", False),
        ("清镇市工业投资多少？", "全市工业投资8.4亿元。", False),  # 全市 is no other place's name
        ("2023年3月CPI上涨多少？", "2月CPI上涨1%。", False),  # dates and figures are left to the period readings
    ],
)
def test_other_name_conflict(question, sentence, conflict):
    from qa.answerability import other_name_conflict

    assert other_name_conflict(question, sentence) is conflict


def test_a_place_the_passages_name_elsewhere_is_no_other_name():
    from qa.answerability import other_name_conflict

    question, sentence = "清镇华锦铝业一季度的产值是多少？", "今年一季度，贵州华锦产能约42.39万吨，产值约12.48亿元。"
    assert other_name_conflict(question, sentence)  # read alone, 贵州 names 华锦 by another place
    assert not other_name_conflict(question, sentence, "抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后")


def test_the_measure_word_of_which_is_no_focus():
    # 哪一个人 is cut 哪 + 一个 + 人: 一个 belongs to the asking word, 人 and 古生物学 to what is asked
    focus = focus_words("哪一个人被称为古生物学之父？")
    assert "一个" not in focus and "人" in focus


def test_a_question_without_an_asking_word_has_no_focus():
    assert focus_words("How many mu of cherry trees?") == []


def test_number_missing_is_the_share_of_the_question_numbers_the_evidence_lacks():
    assert number_missing("2021年香港GDP增长了多少？", "香港人均GDP已经达到比较高的水平。") == 1.0
    assert number_missing("3号线的青春专列哪天发车？", "轨道交通3号线青春专列4月29日发车。") == 0.0
    assert number_missing("清镇二季度产值多少？", "一季度，清镇市完成工业投资8.4亿元。") == 1.0  # 二 is not 一
    assert number_missing("清镇的产值是多少？", "任何句子。") == 0.0  # no number asked


def test_the_unit_is_read_in_the_clause_that_asks():
    from qa.answerability import unit_match

    # "几个人" says who asks, the question asks for a date
    assert unit_match("我们几个人有个团队，征集到什么时候截止？", "项目征集阶段将持续到8月底。") == 0.5
    assert unit_match("公司有几个人？", "项目征集阶段将持续到8月底。") == 0.0


def test_a_unit_is_asked_by_whole_words():
    from qa.answerability import unit_match

    # 员工 straddles 演员|工作室: no head count is asked
    assert unit_match("她被邀请与谁一起到演员工作室做研究？", "她和几位演员一起去了。") == 0.5
    assert unit_match("公司有多少员工？", "公司有员工5.7万余人。") == 1.0  # 万余: about
    assert unit_match("微软花了多少钱收购动视暴雪", "这笔687亿美元的支出") == 1.0  # 美元 is money too


FRUIT = "目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩，柑橘20亩，几乎家家户户都有果树。"


@pytest.mark.parametrize(
    ("question", "conflict"),
    [
        ("凹河村种了多少亩葡萄？", True),  # the list gives the figures of other fruit only
        ("凹河村葡萄有多少亩？", True),  # the item before the asking words
        ("凹河村种了多少亩樱桃？", False),  # on the list
        ("凹河村的果树一共有多少亩？", False),  # the sentence names 果树: a total may be read there
        ("凹河村种了多少吨葡萄？", False),  # no list in the unit asked
    ],
)
def test_an_item_missing_from_a_list_of_figures_conflicts(question, conflict):
    assert listed_item_conflict(question, FRUIT) is conflict


def test_a_role_only_a_person_holds_is_not_answered_by_an_organisation():
    from qa.answerability import person_missing

    company = "该企业由清镇企业贵州南凡半导体科技有限公司与贵阳市商贸学校合作打造。"
    assert person_missing("旭鼎光电的总经理是谁？", company) == 1.0
    assert person_missing("旭鼎光电是谁打造的？", company) == 0.0  # who made it: a company answers
    assert person_missing("旭鼎光电的总经理是谁？", "“我们能火速上规。”旭鼎光电总经理江涛说。") == 0.0


def test_which_organisation_asked_is_not_answered_by_a_dateline():
    from qa.answerability import person_missing

    sentence = "本报讯 4月28日上午，博恒社区组织社区志愿者和爱心企业，为外卖小哥送上爱心早餐80余份。"
    assert person_missing("博恒社区的爱心早餐是哪家企业捐赠的？", sentence) == 1.0
    assert person_missing("爱心早餐是哪家企业捐赠的？", "贵州华锦铝业有限公司捐赠了爱心早餐。") == 0.0
    # a word the segmenter glued to a name it does not know (了旭鼎, read as a person) names no one
    assert person_missing("南凡半导体的总经理是谁？", "南凡半导体接连追加投资，并打造了旭鼎光电。") == 1.0


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        # another act counted on the thing asked: 改造 where 新建 is asked, 公示 where 完成 is
        ("凹河村新建了多少户厨房？", "配套投入100万元,改造厨房60户,新建和改造厕所72户。", True),
        ("凹河村改造了多少户的厨房？", "配套投入100万元,改造厨房60户,新建和改造厕所72户。", False),
        ("流长乡的承诺事项已经完成了多少件？", "此次集体公示承诺事项122件,涉及机耕道建设等民生事项。", True),
        ("流长乡一共公示了多少件承诺事项？", "此次集体公示承诺事项122件,涉及机耕道建设等民生事项。", False),
        ("宣传活动发了多少份资料？", "此次活动共发放了宣传资料300余份。", False),  # 发 is in 发放
    ],
)
def test_another_act_counted_conflicts(question, sentence, conflict):
    from qa.answerability import act_conflict

    assert act_conflict(question, sentence) is conflict


def test_a_listed_item_may_follow_its_figure():
    ore = "在这里，每天有上万吨铝土矿进入，约4700吨氧化铝产出，供给下游企业。"
    assert listed_item_conflict("华锦铝业每天要用掉多少吨煤？", ore)
    assert not listed_item_conflict("华锦铝业每天产出多少吨氧化铝？", ore)


@pytest.mark.parametrize(
    ("question", "evidence", "conflict"),
    [
        ("跳水冠军赛女子双人10米跳台冠军是谁？", "曾获得2023年全国跳水冠军赛男子双人10米台季军。", True),
        ("跳水冠军赛女子双人10米跳台冠军是谁？", "女子双人10米台冠军由陈芋汐、全红婵获得。", False),
        ("女子考核跑多少米？", "考核内容为男子1000米、女子800米。", False),  # both named: no other sex only
        ("马来西亚公开赛女单冠军是谁？", "安洗莹夺得马来西亚公开赛冠军。", False),  # no sex named
    ],
)
def test_an_event_of_the_other_sex_conflicts(question, evidence, conflict):
    from qa.answerability import sex_conflict

    assert sex_conflict(question, evidence) is conflict


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        ("清镇打算新建多少个停车场？", "清镇市还将打造11个“15分钟生活圈”,扎实推进停车场和农贸市场建设。", True),
        ("清镇新建了多少个停车场？", "新建停车场11个,农贸市场3个。", False),  # counted in its clause
        # a total named beside a list of its parts is the list's business (listed_item_conflict)
        ("李玉林家种了多少亩果树？", "凹河村共种植樱桃600亩,枇杷456亩,几乎家家户户都有果树。", False),
        ("贵州今年开展了多少场次应急演练？", "指导全省修订完善应急预案，开展应急演练5608场次。", False),
        ("要修多少公里道路？", "推进道路建设，修建5公里步道。", True),  # a unit of two characters
    ],
)
def test_an_item_named_but_counted_nowhere_conflicts(question, sentence, conflict):
    from qa.answerability import uncounted_item_conflict

    assert uncounted_item_conflict(question, sentence) is conflict
