"""Decide whether the retrieved passages answer a question: a calibrated logistic decision.

A single lexical threshold refuses paraphrases ("违章建筑" for "违建建筑") and accepts near
misses ("二季度" when the passage says "一季度"). This module reads several signals of the
best evidence and weighs them with a logistic regression fitted offline
(`eval/fit_answerability.py`; coefficients in `answerability.json`, docs/ANSWERS.md):

- lexical: IDF-weighted share of the question's words that the best sentence covers, read
  with its title and the sentence before it (`qa.answer.evidence`);
- semantic: the highest cosine of the question to a sentence of the top passages;
- passage_cosine: the dense cosine of the question to the first passage;
- type_match: whether the chosen sentence holds what the question asks for (1 / 0.5 / 0);
- unit_match: whether the chosen sentence holds a number in the unit asked for (多少名 -> 人/名,
  多少钱 -> 元, 比例 -> %, 多少处 -> 处), 0.5 when no unit is asked;
- agreement: whether keyword search and dense search both rank the first passage first;
- missing_rare: the rarity (IDF share) of the rarest question word found in none of the top passages;
- missing_noun: the same for the question's nouns of two or more characters (苹果, 员工) absent
  from the best sentence's passage;
- conflict: the question names a quarter, year, month, line, batch or ordinal that the
  evidence holds with another value (and never with the asked one), or a place or
  organisation the passages do not name while the evidence names another of its kind, or a
  quantity whose own clause names another period (`qa.answer.value_clause_conflict`), or an item
  missing from a list of figures ("多少亩葡萄" against "樱桃600亩，枇杷456亩": `listed_item_conflict`);
- foreign: the question has no Chinese characters (English): its lexical signals say nothing,
  only the dense ones do;
- focus_missing: the IDF share of the question's focus (the words next to what it asks: 葡萄 in
  "种了多少亩葡萄", 服务业 in "服务业企业有多少家"; a query without an asking word: its last
  words) that the answer sentence, its title and the sentence before do not hold: a near miss asks
  for a neighbour of the fact the sentence gives;
- answer_cosine: the cosine of the question to the chosen sentence (the first passage's without
  sentence vectors);
- sentence_lexical: the IDF share of the question's words the chosen sentence itself holds;
- number_missing: the share of the numbers the question names (2021, 3号线, 二季度 as 2) that the
  answer sentence with its title and the sentence before does not hold;
- slot_missing: the question asks for a date, a quantity or a place and the chosen sentence holds
  none (a type_match of 0 for these concrete types, where a paraphrase always holds one); a
  search-box query ending in 时间/日期 ("C919商业首飞时间") asks for a date; a change ("提高7个
  百分点") is no level asked for ("城镇化率是多少");
- unit_missing: the question asks for a unit (多少钱, 比例, 多少名, 多少户) and the sentence holds no
  number in it (unit_match 0). unit_match weighs "held" against "not asked" and "not asked"
  against "missing" alike; this signal lets a missing unit weigh on its own;
- clause_focus_missing: the question asks for a date, a quantity or a place, and the clause of the
  answer sentence that holds one (between commas) lacks the question's focus words (IDF share; the
  best such clause counts): "产能约42.39万吨，产值约12.48亿元" holds 营业收入 nowhere near a value. A
  paraphrase writes the value next to the words that ask for it; a near miss gives the value of a
  neighbouring measure of the same sentence;
- person_missing: the question asks who (谁, 哪位, who, or a search-box query ending in a role:
  …的导演, …冠军) and the answer sentence names no person or organisation the question does not
  already name (by part of speech, a speaker "黄海说", or the role followed by its holder "社长是…"):
  news on the film that never names its director does not answer "导演是谁".
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import pairwise, takewhile
from pathlib import Path

from qa.normalize import ASKING_CHARACTERS, FUNCTION_CHARACTERS, word_boundaries
from qa.numerals import NumberMention, find_numbers, numeral_value
from qa.sentences import TITLE
from qa.sparse import QUESTION_WORDS, STOPWORDS, normalise, segmenter

MODEL_FILE = Path(__file__).with_name("answerability.json")
DISCRIMINATING_UNITS = frozenset({"季度", "年", "月", "号线", "期", "批", "届"})
ORDINAL = re.compile(r"第([一二三四五六七八九十百\d]+)([\u4e00-\u9fff]?)")
NAME_SUFFIXES = ("村", "镇", "乡", "县", "市", "省", "区", "站", "公司", "集团", "局", "厅", "委员会", "中心", "学校", "小学", "中学", "大学", "医院", "银行")
SAME_LEVEL = {"镇": ("镇", "乡"), "乡": ("乡", "镇")}  # a township and a town are one level of place
NOUN_FLAGS = frozenset("n")
PROPER_FLAGS = frozenset({"ns", "nt", "nz", "nr"})  # jieba: place, organisation, other proper noun, person  # jieba part-of-speech flags starting with n: n, nr, ns, nt, nz
HAN = re.compile(r"[\u4e00-\u9fff]+")
SOURCE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_年]")


FIGURE = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)(?:多|余)?[万亿]{0,2}(?:多|余)?"
_MONEY = r"(?:[美港欧日韩澳加台]?元|英镑|美金)"
MONEY_FIGURE = re.compile(FIGURE + _MONEY)
COUNT_OF_THINGS = r"个(?!百分点|月|小时)"  # 多少个岗位 counts things; 多少个百分点, 几个月 do not
# A question asks a change ("增长了多少") rather than a level ("城镇化率是多少").
CHANGE_VERBS = "提高|提升|增长|增加|下降|减少|上涨|下跌|降低|扩大|缩小|翻了"
ASKS_CHANGE = re.compile(rf"{CHANGE_VERBS}|增速|增幅|涨幅|降幅|变化|多了|(?<!多)少了|同比|环比")  # 达到多少了 asks no change
# What a measure is counted in, when the question asks its level at the end: "旅游收益是多少？" asks
# for money (4.22亿人次 does not answer it), "粮食总产量是多少？" for a weight (26.1% does not).
_LEVEL_ASKED = r"[^，,。？?！!；;]{0,4}多少[？?。！!\s]*$"
_MONEY_MEASURES = "收入|收益|营收|利润|票房|产值|销售额|营业额|成交额|交易额|罚款|投资额|总投资|生产总值|GDP|税收|价格|售价|票价|房价|工资|预算|经费"
_WEIGHT_MEASURES = "产量|总产量"
ASKED_UNITS: tuple[tuple[re.Pattern[str], re.Pattern[str], bool], ...] = tuple(
    (re.compile(asks), re.compile(FIGURE + holds), levels_only)
    for asks, holds, levels_only in (
        # people counted by what they are: 多少工人, 多少志愿者, 多少游客
        (r"多少(?:名|个人|人)|几(?:名|个人)|人数|员工|职工|人口|多少[\u4e00-\u9fff]{0,3}?[人员者工警师客生](?=[？?。！!，,\s]|$)", r"(?:名|人|位)", False),
        (rf"多少(?:钱|资金|奖励|奖金|补助|补贴|经费|费用|工资|租金|[万亿]*{_MONEY})|花了多少|卖多少", _MONEY, False),
        # a share, or a ratio of two counts ("男女生比例约为1：7")
        (r"比例|百分之几|百分之多少|百分比|占比|占多少", r"(?:%|％|成|个百分点|\s*[:：∶比]\s*\d)", False),
        # things counted ("多少个岗位"): a share, a sum of money or a span of time counts none
        (
            rf"(?:多少|(?<!哪)几){COUNT_OF_THINGS}",
            (  # a figure in digits, or in Chinese numerals before 个 ("三能" is no count)
                r"(?:(?<![一二两三四五六七八九十百千])(?![\d.×]|[万亿]*\s*(?:%|％|[美港欧日韩澳加台]?元|英镑|美金|年|月|日|号|天"
                r"|小时|分钟|秒|岁|倍|成|个百分点|个月|[千厘毫]?米|公里|平方|亩|公顷|吨|公斤|千克|斤|克))|(?<=[一二两三四五六七八九十百千])个)"
            ),
            False,
        ),
        # a rate that is a share (优秀率, 亮灯率, 城镇化率), not a rate of exchange, frequency or power
        (r"[\u4e00-\u9fff]*(?<![汇频功速码帧利])率(?:(?:是|为|有|达到?|要达到)?多少|[？?\s]*$)", r"(?:%|％|成)", True),
        (r"多少(?:平方公里|平方米)|多大面积|面积.*多少(?!平方|亩|公顷)", r"\s*(?:平方公里|平方千米|平方米|亩|公顷|km²|km2|m²|平方英里|英亩)", False),
        # a sum of money is often written without 元 after its scale: "总票房67.57亿。"
        (rf"(?:{_MONEY_MEASURES}){_LEVEL_ASKED}", rf"(?:{_MONEY}|(?<=[万亿])(?![\u4e00-\u9fff%％]))", True),
        (rf"(?:{_WEIGHT_MEASURES}){_LEVEL_ASKED}", r"(?:吨|斤|公斤|千克|克)", True),
    )
)
_ASKS_AMOUNT = re.compile(r"多少|几|多大|多重|多高|多长|多远|比例|百分|占比")
_RATIO = re.compile(FIGURE + r"(?:%|％|倍|成|个百分点)")
_ROUND_FIGURE = r"(?:上|数|近|逾)[十百千万]"  # 上万吨, 数百家: a figure without digits
# Measure words a count is asked in ("多少件", "多少户"): the sentence answers with a figure in the same word.
MEASURE_WORDS = "户|家|处|件|栋|支|场|项|条|所|座|批|次|亩|吨|公里|份|辆|节|台|棵|株|轮"
COUNTED_ASKED = re.compile(rf"(?:多少|(?<!哪)几)({MEASURE_WORDS})")  # 哪几条 asks which ones, not how many
# Measure words that count the same things: "开了几家民宿" is answered by "民宿3户".
SAME_MEASURE = {"家": "家|户", "户": "户|家"}


@lru_cache(maxsize=64)
def figure_in(unit: str) -> re.Pattern[str]:
    """A figure counted in the unit: 122件 for 件."""
    return re.compile(FIGURE + f"(?:{SAME_MEASURE.get(unit, re.escape(unit))})")


def _counted_item(question: str) -> tuple[str, str, str] | None:
    """(unit, thing counted, question before the count) of a "多少+unit" question: ("亩", "葡萄", "凹河村种了")."""
    counted = COUNTED_ASKED.search(question)
    if not counted:
        return None
    before = question[: counted.start()]
    asked = _asked_item(before, question[counted.end() :])
    return None if asked is None else (counted.group(1), asked, before)


@dataclass(frozen=True)
class Signals:
    lexical: float
    semantic: float
    passage_cosine: float
    type_match: float
    unit_match: float
    agreement: float
    missing_rare: float
    missing_noun: float
    conflict: float
    foreign: float
    focus_missing: float = 0.0
    answer_cosine: float = 0.0
    sentence_lexical: float = 0.0
    number_missing: float = 0.0
    slot_missing: float = 0.0
    unit_missing: float = 0.0
    clause_focus_missing: float = 0.0
    person_missing: float = 0.0

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]


FEATURES = tuple(Signals.__dataclass_fields__)


@dataclass(frozen=True)
class AnswerabilityModel:
    weights: dict[str, float]
    bias: float
    threshold: float  # answer when the probability is at least this

    def probability(self, signals: Signals) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in zip(FEATURES, signals.vector()))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def answerable(self, signals: Signals) -> bool:
        return self.probability(signals) >= self.threshold

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": self.weights, "bias": self.bias, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict) -> AnswerabilityModel:
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]), float(data["threshold"]))


ALWAYS_ANSWER = AnswerabilityModel({}, 0.0, 0.0)  # probability 0.5 >= 0: every question is answered (measuring)


@lru_cache(maxsize=1)
def default_model() -> AnswerabilityModel:
    return AnswerabilityModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def _segment(text: str) -> list[str]:
    return segmenter().lcut(text)


@lru_cache(maxsize=8192)  # the same sentences are read by several signals, and asked about again
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(word, part of speech) by jieba, with the words the shared segmenter was taught."""
    import jieba.posseg

    segmenter()
    return tuple((pair.word, pair.flag) for pair in jieba.posseg.cut(text))


def _nouns(text: str) -> list[str]:
    """Nouns of two or more characters (jieba part of speech)."""
    return [word for word, flag in tagged(text) if flag[:1] in NOUN_FLAGS and len(word) >= 2]


def _discriminating(mention: NumberMention) -> bool:
    """A period or numbered thing: a quarter, a month, a line; 年 only as a calendar year (not 三年)."""
    return mention.unit in DISCRIMINATING_UNITS and (mention.unit != "年" or mention.value >= 1000)


# A span of years ("2013—2021年", "2021年至2025年") is a period of its own, not each of its years.
YEAR_SPAN = re.compile(r"(?<!\d)(?:19|20)\d\d年?\s*[-—–~～至到]\s*(?:19|20)\d\d年")
SPAN = (-1.0, "年")  # stands for any span of years: another period than a single year
# A year written without 年 before what it dates: "2022中关村论坛", "2021赛季", 2021“中国旅游文化周”.
BARE_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?=[“\"《]|[\u4e00-\u9fff])(?![多余万亿])")
# A date copied from an English web page, as search results head their snippets ("Apr 26, 2023 ... 具体来说"):
# its digits are no quantity, and like a page's date it dates a text that names no year of its own.
ENGLISH_DATE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (\d{1,2}), ((?:19|20)\d\d)\b"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def named_periods(text: str) -> set[tuple[float, str]]:
    """The periods and numbered things a text names, as (value, unit): 2023年 -> (2023, 年), 2022中关村论坛
    -> (2022, 年); a span of years (2013—2021年) is SPAN, another period than any one year."""
    spans = YEAR_SPAN.findall(text)
    if spans:
        text = YEAR_SPAN.sub("，", text)
    periods = {mention.key for mention in find_numbers(text) if _discriminating(mention)}
    periods |= {(float(year), "年") for year in BARE_YEAR.findall(text)}
    return (periods | {SPAN}) if spans else periods


def names_a_period(word: str) -> bool:
    """The word names a period or a numbered thing (一季度, 2023年, 3号线)."""
    return bool(named_periods(word))


def _ordinals(text: str) -> set[tuple[int | float | None, str]]:
    """(value, what it counts): 第19棒 -> (19, 棒), 第二批 -> (2, 批)."""
    return {(numeral_value(m.group(1)), m.group(2)) for m in ORDINAL.finditer(text)}


def _years_of_source(source: str) -> set[tuple[float, str]]:
    return {(float(m.group(1)), "年") for m in SOURCE_YEAR.finditer(source)}


RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_COMPARING = "比较与同跟和"  # what puts a base of comparison after it: 比去年, 与常年, 和上月
# A year a figure is compared with names no period of the fact: "比去年同期下降了", "较去年增长".
_RELATIVE_YEAR = re.compile(rf"(?<![{_COMPARING}])(?:{'|'.join(RELATIVE_YEARS)})")


# What a change is measured against: the same period a year before (同比), the climate's normal, the month before.
_COMPARED_WITH = (
    ("去年", re.compile(rf"同比|[{_COMPARING}](?:去年|上年)")),
    ("常年", re.compile(rf"[{_COMPARING}](?:常年|历年|往年)")),
    ("上月", re.compile(rf"环比|[{_COMPARING}]上月")),
)


def base_conflict(question: str, evidence: str) -> bool:
    """The question asks a change against one base ("比去年同期多了多少") and the evidence measures it
    against another only ("与常年同期相比偏多超3成")."""
    asked = {base for base, pattern in _COMPARED_WITH if pattern.search(question)}
    held = {base for base, pattern in _COMPARED_WITH if pattern.search(evidence)}
    return bool(asked and held) and not asked & held


def _relative_years(text: str, source_years: set[tuple[float, str]]) -> set[tuple[float, str]]:
    """The years a text names relative to its document's date: 去年 in a page of 2024 is 2023."""
    return {
        (year + RELATIVE_YEARS[match.group()], unit)
        for match in _RELATIVE_YEAR.finditer(text)
        for year, unit in source_years
    }


def number_conflict(question: str, evidence: str, passage_text: str, source: str = "", figure: bool = False) -> bool:
    """The question names a quarter/year/month/line/ordinal that the evidence holds only with other values.

    `evidence` is the answer sentence with its title and the sentence before it: "二季度投资多少"
    against "一季度，完成投资8.4亿元" conflicts. The source's date stands for the year of
    evidence that names none, and dates 今年 / 去年 / 前年 in the question and the evidence
    ("去年底有多少家" against "截至目前……达118家" in a page of 2024 conflicts). An ordinal (第一棒)
    conflicts when the evidence holds another of the same counted thing (第19棒) and the passage
    never names the asked one. With `figure` (the question asks
    a quantity) a span of years does not name the years in it.
    """
    source_years = _years_of_source(source)
    # 今年 / 去年 date the fact asked only in the clause that asks: "明年就毕业了，……有没有政策" asks no 明年
    asked = named_periods(question) | _relative_years(asking_clause(question), source_years)
    held = named_periods(evidence)
    if not any(unit == "年" for _, unit in held):
        held |= source_years | {(float(m.group(3)), "年") for m in ENGLISH_DATE.finditer(evidence)}
    held |= _relative_years(evidence, source_years)
    # A state over a span of years holds in each of them (国家主席 1960年至1964年 answers 1960年), a figure
    # over a span does not: "2013—2021年年均增长6.1%" is no 2021 figure.
    everywhere = {m.key for m in find_numbers(YEAR_SPAN.sub("，", evidence) if figure else evidence)} | held
    for value, unit in asked:
        if (value, unit) in everywhere:
            continue
        if any(other_unit == unit and other != value for other, other_unit in held):
            return True
    anywhere = _ordinals(passage_text)
    held_ordinals = _ordinals(evidence)
    return any(
        ordinal not in anywhere and any(kind == ordinal[1] and value != ordinal[0] for value, kind in held_ordinals)
        for ordinal in _ordinals(question)
    )


def number_missing(question: str, evidence: str) -> float:
    """Share of the question's numbers (by value) that the evidence never names; 0 when it names none."""
    asked = {m.value for m in find_numbers(question)}
    if not asked:
        return 0.0
    held = {m.value for m in find_numbers(evidence)}
    return len(asked - held) / len(asked)


def unit_match(question: str, sentence: str) -> float:
    """1.0 when the sentence holds a number in the unit the question asks for (多少名 -> 人/名), 0.0 when
    it does not, 0.5 when the question asks for no unit.

    The unit is read in the last clause that asks: "我们几个人有个团队，……征集到什么时候截止？" asks
    for a date, not a head count.
    """
    question = asking_clause(question)
    # "扩大人口规模采取了哪些措施" asks no head count; a search-box query ("事故死亡人数") asks by its measure
    if not _ASKS_AMOUNT.search(question) and ASKS_ANYWHERE.search(question):
        return 0.5
    edges = word_boundaries(question)  # a unit is asked by whole words: 演员|工作室 holds no 员工
    # The measure named last is the one asked: "人口中大约占多少比例" asks a share, not a head count.
    asked = max(
        (
            (m.end(), -position, holds, m.group().startswith(("多少", "几")))
            for position, (asks, holds, levels_only) in enumerate(ASKED_UNITS)
            if not (levels_only and ASKS_CHANGE.search(question))
            for m in asks.finditer(question)
            if m.start() in edges and m.end() in edges
        ),
        default=None,
        key=lambda found: found[:2],
    )
    if asked is not None:
        # a change may be told as a ratio whatever the measure ("面积增长了多少" by "增长1.5倍"), unless
        # the question names the unit itself ("增加了多少平方公里")
        _, _, holds, named = asked
        ratio = ASKS_CHANGE.search(question) and not named and _RATIO.search(sentence)
        return 1.0 if holds.search(sentence) or ratio else 0.0
    counted = COUNTED_ASKED.search(question)
    if counted:
        return 1.0 if figure_in(counted.group(1)).search(sentence) else 0.0
    return 0.5


def asking_clause(question: str) -> str:
    """The last clause of the question that holds an asking word (多少, 几, 什么…); the question without one."""
    clauses = [clause for clause in _CLAUSE_BREAK.split(question) if clause]
    return next((clause for clause in reversed(clauses) if ASKS_ANYWHERE.search(clause)), question)


def listed_item_conflict(question: str, sentence: str) -> bool:
    """The question asks how many of an item ("多少亩葡萄"), and the sentence lists figures of that unit
    for other items only ("樱桃600亩，枇杷456亩，李子20亩"): the asked item is not on the list.

    The items are the words just before each figure; the asked item is the noun after the unit
    ("多少亩葡萄", "多少户的猪圈") or else the last before it ("葡萄有多少亩"), and it is nowhere in the
    sentence (a total asked of 果树 is answered where 果树 is named)."""
    counted = _counted_item(question)
    if counted is None or counted[1] in sentence:
        return False
    unit = counted[0]
    items = []
    for figure in re.finditer(rf"(?:{FIGURE}|{_ROUND_FIGURE}){re.escape(unit)}", sentence):
        # the item named after its figure ("约4700吨氧化铝产出"), or else before it ("樱桃600亩")
        following = _segment(sentence[figure.end() : figure.end() + 8])
        after = _nouns(following[0]) if following else []
        before = [w for w in _segment(sentence[max(figure.start() - 8, 0) : figure.start()]) if HAN.fullmatch(w)]
        if after or before:
            items.append(after[0] if after else before[-1])
    return len(set(items)) >= 2 and not any(item in question for item in items)


_COUNT_ASKED = re.compile(rf"(?:多少|(?<!哪)几)({COUNT_OF_THINGS}|{MEASURE_WORDS})")


def uncounted_item_conflict(question: str, sentence: str) -> bool:
    """The question asks how many of the item it names after the count ("多少个停车场"), the sentence names
    the item but counts it in no clause, and its figures of that unit count other things named right
    after them ("打造11个“15分钟生活圈”,扎实推进停车场和农贸市场建设")."""
    counted = _COUNT_ASKED.search(question)
    if not counted:
        return False
    unit, after = counted.group(1), _nouns(question[counted.end() :])
    item = after[0] if after else None
    if item is None or item not in sentence:
        return False
    if any(item in clause and figure_in(unit).search(clause) for clause in _CLAUSE_BREAK.split(sentence)):
        return False
    others = []
    for figure in figure_in(unit).finditer(sentence):
        following = _CLAUSE_BREAK.split(sentence[figure.end() : figure.end() + 10].lstrip("“\"《「"))[0]
        others += _nouns(following)[:1]
    return any(other != item for other in others)


def act_conflict(question: str, sentence: str) -> bool:
    """The question counts what was done to a thing ("新建了多少户厨房", "完成了多少件"), and the clause that
    counts the thing in that unit names another act on it ("改造厨房60户", "公示承诺事项122件"): the
    verb before the thing is another, and no character of the verb asked is in the clause."""
    counted = _counted_item(question)
    if counted is None:
        return False
    unit, asked, before = counted
    # the act is the word just before the count ("新建了多少户"), whatever its tag: jieba reads 新建 as a place
    words = [word for word in _segment(before) if word not in ("了", "过", "一共", "共", "总共") and word.strip()]
    verb = words[-1].removesuffix("了") if words else ""  # 发了 is 发
    if len(verb) < 2 or not HAN.fullmatch(verb) or verb in asked:
        return False
    for clause in _CLAUSE_BREAK.split(sentence):
        if set(verb) & set(clause) or not figure_in(unit).search(clause):
            continue  # the clause names the act asked, or part of it (发 in 发放): no other act
        pairs = tagged(clause)
        for (previous, flag), (word, _) in pairwise(pairs):
            if word == asked and flag.startswith("v") and len(previous) >= 2:
                return True
    return False


def modifier_conflict(question: str, sentence: str) -> bool:
    """The question asks a figure of a kind of thing ("规模以上服务业企业有多少家"), and the sentence
    gives it for another kind of the same thing ("规模以上工业企业数量达118家"): the question's
    modifier (服务业) is nowhere in the sentence, which puts another noun (工业) before the same head
    (企业). Modifiers that start alike are taken for spellings of one kind (服务 and 服务业)."""
    asking = _ASKS_QUANTITY.search(question)
    if not asking:
        return False
    if _counted_kind_conflict(question, sentence):
        return True
    words = [(w, f) for w, f in tagged(question[: asking.start()]) if w.strip()]
    while words and words[-1][0] in COUNT_WORDS:  # "服务业企业数量是多少" counts 企业
        words.pop()
    # the head is the word just before the asking word ("服务业企业有多少家"), its modifier the one before it
    if len(words) < 2 or words[-1][1][:1] not in NOUN_FLAGS or len(words[-1][0]) < 2:
        return False
    head, (modifier, modifier_flag) = words[-1][0], words[-2]
    if modifier_flag[:1] not in NOUN_FLAGS or len(modifier) < 2 or modifier in sentence or head not in sentence:
        return False
    return any(
        flag[:1] in NOUN_FLAGS and len(before) >= 2 and not _one_kind(before, modifier)
        for before, flag in _words_before(head, sentence)
    )


_COUNTED_AFTER = re.compile(r"(?:多少|几)[个支家名位件处项条所座户栋批次场]?([\u4e00-\u9fff]{4,})")


def _counted_kind_conflict(question: str, sentence: str) -> bool:
    """modifier_conflict for a thing named after the asking word: "组建了多少支森林消防队伍" against
    "组建应急救援专业队伍831支" (another kind of 队伍)."""
    counted = _COUNTED_AFTER.search(question)
    if not counted:
        return False
    nouns = list(takewhile(lambda pair: pair[1][:1] in NOUN_FLAGS, tagged(counted.group(1))))
    if len(nouns) < 2 or min(len(nouns[-1][0]), len(nouns[-2][0])) < 2:
        return False
    (modifier, _), (head, _) = nouns[-2:]
    if modifier in sentence or head not in sentence:
        return False
    befores = [sentence[max(m.start() - 2, 0) : m.start()] for m in re.finditer(re.escape(head), sentence)]
    return any(HAN.fullmatch(before) and before not in question and not _one_kind(before, modifier) for before in befores)


# Events, teams and groups of one sex: 女子双人10米跳台, 男单, 女篮.
SEXED = re.compile(r"([男女])(子|单|双|篮|足|排|性|生|团|队|组)")
OTHER_SEX = {"男": "女", "女": "男"}


def sex_conflict(question: str, evidence: str) -> bool:
    """The question asks about one sex's event or group ("女子双人10米跳台冠军") and the evidence names only
    the other's ("男子双人10米台季军")."""
    held = set(SEXED.findall(evidence))
    return any(
        (sex, kind) not in held and (OTHER_SEX[sex], kind) in held for sex, kind in SEXED.findall(question)
    )


def other_name_conflict(question: str, sentence: str, titles: str = "") -> bool:
    """The question names a thing by a name before it ("全英羽毛球公开赛", "速度与激情10"), and the sentence
    names the same thing by another place or number only ("台北羽毛球公开赛", "《速度与激情9》").

    A place the articles' titles name is the articles' own: "清镇华锦铝业" against "贵州华锦" in an
    article titled "……清镇市实现工业经济开门红" names the company by its province."""
    words = [(w, f) for w, f in tagged(question) if w.strip()]
    for (modifier, flag), (head, head_flag) in pairwise(words):
        if flag[:1] not in NOUN_FLAGS or len(modifier) < 2 or head_flag[:1] not in NOUN_FLAGS or len(head) < 2:
            continue
        if modifier in sentence or modifier in titles or head not in sentence:
            continue
        if any(f in _PLACE_FLAGS and before not in question for before, f in _words_before(head, sentence)):
            return True
    for match in _NUMBERED.finditer(question):
        name, number = match.group(1)[-2:], match.group(2)
        held = re.findall(re.escape(name) + r"\s*(\d+)", sentence)
        if held and number not in held:
            return True
    return False


_PLACE_FLAGS = frozenset({"ns", "nt"})  # jieba: place, organisation
COUNT_WORDS = frozenset({"数量", "总数", "个数", "数目", "数", "总量"})
# A name with its number: 速度与激情10, iPhone14 (not 2023年, 3月, 12亿元, 第33届).
_NUMBERED = re.compile(r"([\u4e00-\u9fffA-Za-z]{2,})\s*(\d+)(?![\d.]|\s*[年月日号%％万亿元米个人名家次届期号线天岁])")
_ASKS_QUANTITY = re.compile(r"(?:有|是|达|为)?(?:多少|几)")


def _words_before(head: str, sentence: str) -> list[tuple[str, str]]:
    """(word, part of speech) of the word just before each occurrence of `head` in the tagged sentence."""
    pairs = tagged(sentence)
    return [pairs[position - 1] for position, (word, _) in enumerate(pairs) if word == head and position > 0]


def _one_kind(word: str, other: str) -> bool:
    return word[0] == other[0] or word in other or other in word


def _asked_item(before: str, after: str) -> str | None:
    """The noun a "多少+unit" question counts: the first after the unit, else the last before it."""
    nouns_after = _nouns(after)
    if nouns_after:
        return nouns_after[0]
    nouns_before = _nouns(before)
    return nouns_before[-1] if nouns_before else None


def _names(text: str) -> set[str]:
    """Proper names of places and organisations: 清镇市, 红枫村, 贵阳市商贸学校 (not 全市, 我们公司)."""
    pairs = tagged(text)
    names = set()
    for position, (word, flag) in enumerate(pairs):
        if flag in PROPER_FLAGS and len(word) >= 2:
            names.add(word)
        if word.endswith(NAME_SUFFIXES) and position > 0:
            before, before_flag = pairs[position - 1]
            if before_flag in PROPER_FLAGS and HAN.fullmatch(before):
                names.add(before + word)
    return names


# A town or village the question opens with (or names after its city or county), which the segmenter
# often splits: 卫 + 城镇, 站 + 街 + 镇, 百花 + 湖乡.
_OPENING_PLACE = re.compile(r"(?:^|(?<=[市县区]))([\u4e00-\u9fff]{2,3}?[镇乡村])(?![镇乡村])")
_NOT_IN_NAMES = FUNCTION_CHARACTERS + ASKING_CHARACTERS + "个每各全本该这那多少我你他她咱"


def _opening_places(question: str) -> set[str]:
    return {
        name for name in _OPENING_PLACE.findall(question) if not any(char in _NOT_IN_NAMES for char in name[:-1])
    }


def _written_out(short: str, text: str) -> bool:
    """The text writes out a name the question abbreviates: a Chinese abbreviation keeps characters of the
    full name in their order, 商信银行 for 西贡商业信用银行."""
    return re.search(r"[\u4e00-\u9fff]{0,2}".join(map(re.escape, short)), text) is not None


def subject_elsewhere(question: str, answer_passage: str, other_passages: list[str]) -> bool:
    """The question names a place or organisation that the answer's passage never mentions and a passage
    of another article does: the answer is about something else ("贵阳市政工程服务中心……查出了多少处隐患"
    answered from the province's flood check, which never names 贵阳)."""
    return any(
        name not in answer_passage and any(name in other for other in other_passages) for name in _names(question)
    )


_ORGANISATION_FLAGS = frozenset({"nr", "nt", "nz"})  # jieba reads a company's short name (华锦) as one of these
COMPANY = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:有限责任公司|有限公司|股份公司)")  # a company's registered name


def company_conflict(question: str, sentence: str) -> bool:
    """The question names an organisation the sentence never names, and the sentence is about another
    company: "贵州华锦铝业2023年全年的产值" against "贵州南凡半导体科技有限公司……2023年达9000多万元"."""
    names = {word for word, flag in tagged(question) if flag in _ORGANISATION_FLAGS and len(word) >= 2}
    companies = COMPANY.findall(sentence)
    return bool(names and companies) and not any(name in sentence for name in names)


def name_conflict(question: str, evidence: str, passages_text: str) -> bool:
    """The question names a place or organisation the passages never mention, and the evidence names another."""
    held = _names(evidence) | _opening_places(evidence)
    for name in _names(question) | _opening_places(question):
        if name in passages_text or _written_out(name, passages_text) or any(name in other or other in name for other in held):
            continue
        suffix = next((s for s in NAME_SUFFIXES if name.endswith(s)), None)
        if suffix is not None and any(other.endswith(SAME_LEVEL.get(suffix, (suffix,))) for other in held):
            return True
    return False


# A question asking for a person: by its question word, or a search-box query ending in a role.
ASKS_PERSON = re.compile(r"谁|哪位|哪家|\bwho\b", re.IGNORECASE)  # 哪家 asks an organisation, looked for as a person is
ROLE_QUERY = re.compile(
    r"(?:导演|主演|编剧|作者|作曲|歌手|冠军|亚军|得主|获得者|创始人|创办人|发明人|总理|总统|首相|市长|省长|"
    r"县长|主席|首席执行官|CEO|董事长|总经理|校长|局长|书记|主教练|主持人|代言人)[?？。\s]*$",
    re.IGNORECASE,
)
# A role only a person holds: "南凡半导体的总经理是谁？" is not answered by a company's name.
PERSONAL_ROLE = re.compile(
    r"(?:导演|主演|编剧|作者|作曲|创始人|创办人|发明人|总理|总统|首相|市长|省长|县长|主席|董事长|总经理|经理|"
    r"校长|院长|局长|部长|厂长|社长|会长|主任|书记|主教练|队长|主持人|代言人|负责人|指挥长|总指挥|秘书长|行长|馆长|组长|团长)"
    r"(?:是|叫)?(?:谁|哪位)"
)
_PERSON_ONLY_FLAGS = frozenset({"nr", "nrfg", "nrt"})  # jieba: person names
# Somebody named by what they said ("副局长黄海说"), whatever the segmenter reads the name as.
SPEAKER = re.compile(r"[\u4e00-\u9fff]{2}(?:说|表示|指出|介绍)")
_ORGANISATION = re.compile(r"(?:公司|集团|局|委员会|政府|大学|学院|学校|协会|中心|银行|医院|部|厂|社|团|队|院|所)$")
_PERSON_FLAGS = frozenset({"nr", "nrfg", "nrt", "nt", "nz"})  # jieba: person names, organisations, other proper nouns
_GLUED_BEFORE = "了的是在和与及被把对从"  # starts no name: the segmenter glued it to one it does not know (了旭鼎)
# What names no one: a title (《白鹿原》, read as a person's name), an award, cup, contest or festival (茅盾文学奖),
# a news item's 本报讯.
_NOT_SOMEBODY = re.compile(r"(?:奖|杯|赛|节)$|^本报讯$")


def person_missing(question: str, sentence: str) -> float:
    """1.0 when the question asks who and the sentence names nobody the question does not already name.

    A name is a person or other proper noun by jieba's part of speech (two characters or more), a
    noun ending like an organisation (公司, 局, 大学), a transliterated name written with "·", a
    speaker ("副局长黄海说": jieba reads 黄海 as a sea) or the asked role followed by its holder
    ("目前社长是藤岛茱莉景子"). A search-box query ending in a role asks who; a question asking
    something else about a role ("担任什么节目的主持人") does not. A role only a person holds
    ("总经理是谁") is answered by a person's name, not by an organisation's.
    """
    asks_role = ROLE_QUERY.search(question) and not ASKS_ANYWHERE.search(question)  # a search-box query
    if not (ASKS_PERSON.search(question) or asks_role):
        return 0.0
    if "·" in sentence or SPEAKER.search(sentence):
        return 0.0
    for word in focus_words(question):  # the role asked, then its holder: "目前社长是藤岛茱莉景子"
        named = re.search(re.escape(word) + r"(?:是|为|：|:)\s*([^\s，。,；;！？]{2,})", sentence)
        if named and named.group(1) not in question:
            return 0.0
    person_only = PERSONAL_ROLE.search(question) is not None
    for word, flag in tagged(TITLE.sub("，", sentence)):
        if len(word) < 2 or word in question or _NOT_SOMEBODY.search(word) or word[0] in _GLUED_BEFORE:
            continue
        if person_only:
            if flag in _PERSON_ONLY_FLAGS:
                return 0.0
        elif flag in _PERSON_FLAGS or (flag.startswith("n") and _ORGANISATION.search(word)):
            return 0.0
    return 1.0


# Offices a question may ask the holder of; 负责人 and 领导 name no office in particular.
OFFICES = (
    "总经理|经理|董事长|总裁|总工程师|总监|总指挥|指挥长|秘书长|行长|馆长|组长|团长|局长|厅长|部长|处长|科长|省长|市长|县长|区长|镇长|乡长|村长|主任|书记|"
    "校长|院长|社长|会长|队长|厂长|站长|所长|主席|主教练"
)
# Roles in a work, a company or a crew, with the ways a text says who holds them ("由张艺谋执导").
ROLES = {
    "导演": "导演|执导", "编剧": "编剧", "主演": "主演|出演|饰演|领衔", "作者": "作者|著|写", "作曲": "作曲|谱曲",
    "作词": "作词|填词", "创始人": "创始|创办|创立|创建", "创办人": "创始|创办|创立|创建", "发明人": "发明",
    "首席执行官": "首席执行官|CEO|行政总裁", "CEO": "首席执行官|CEO|行政总裁", "主持人": "主持", "代言人": "代言",
    "指令长": "指令长", "总统": "总统", "总理": "总理", "首相": "首相",
}  # fmt: skip
_HOLDERS = f"{OFFICES}|{'|'.join(ROLES)}"
ASKS_HOLDER = re.compile(
    rf"(副?)({_HOLDERS})(?:是|叫|有|都有|都是)?(?:谁|哪位|哪些|哪几位|叫什么|是什么名字|姓什么|的名字)"
    rf"|^(?:谁是|哪位是)[^，,。]*?(副?)({_HOLDERS})[？?。\s]*$"
)
_OFFICE = re.compile(rf"(副?)({OFFICES})")


def office_conflict(question: str, evidence: str) -> bool:
    """The question asks who holds an office ("发改局局长是谁", "谁是神舟十四号的指令长"), and the evidence
    never names that office: it names its deputy ("副局长黄海说"), another office ("党委书记左乾伦说")
    or none; a role in a work is named by what its holder did ("由张艺谋执导" names the 导演)."""
    asked = ASKS_HOLDER.search(question)
    if not asked:
        return False
    deputy, office = asked.group(1, 2) if asked.group(2) else asked.group(3, 4)
    if office in ROLES:
        return not re.search(ROLES[office], evidence, re.IGNORECASE)
    held = [(m.group(1), m.group(2)) for m in _OFFICE.finditer(evidence)]
    # 总经理 and 经理, 党委书记 and 书记 are one office, as people say it
    same = [d for d, o in held if o.endswith(office) or office.endswith(o)]
    return deputy not in same


ASKING = re.compile(r"^(?:多少|几(?!乎)|什么|哪|谁|怎么|怎样|如何|为什么|为何|何|是否|是不是|有没有|多大|多长|多久|多高|多远)")
ASKS_ANYWHERE = re.compile(ASKING.pattern.removeprefix("^"))
FOCUS_REACH = 2  # content words either side of the asking word
# The measure word of "哪一个人", "哪一种米", "哪条河" belongs to the asking word: 一个 says nothing of what is asked.
WHICH_MEASURE = re.compile(r"哪(一?[个种位条座部次场项支所间家名本首句段期届代类样])")


def which_measures(question: str) -> frozenset[str]:
    """The measure words that follow 哪 in the question (一个 in 哪一个人), as the segmenter may cut them."""
    found: set[str] = set()
    for match in WHICH_MEASURE.finditer(question):
        found.update({match.group(1), match.group(1)[-1]})
    return frozenset(found)


YES_NO = frozenset({"是不是", "是否", "有没有"})  # a yes/no question is settled by the words after these
_CLAUSE_BREAK = re.compile(r"[，,。？?！!；;：:、\s]")
# Adverbs of how a question is put, not of what it asks about (已经完成了多少件 asks about 完成).
FOCUS_FILLERS = frozenset({"达到", "达", "具体", "指", "已经", "目前", "现在", "一共", "总共", "共", "大概", "大约", "到底", "究竟", "还", "又", "可以", "能够", "一下"})


def focus_words(question: str) -> list[str]:
    """The content words next to what the question asks (two either side, within its clause).

    "凹河村种了多少亩葡萄？" -> …, 种, 亩, 葡萄; "清镇市规模以上服务业企业有多少家？" -> 企业, 服务业, 家.
    Yes/no questions ending in 吗 read the words before it, and so does a query without an asking
    word ("2023年温网女单亚军": 女单, 亚军); a question without Chinese characters has none.
    """
    tokens = [t for t in segmenter().lcut(normalise(question)) if t.strip()]
    while tokens and _CLAUSE_BREAK.fullmatch(tokens[-1]):
        tokens.pop()
    asking = [i for i, t in enumerate(tokens) if ASKING.match(t)]
    if not asking and tokens and tokens[-1] in {"吗", "呢"}:
        asking = [len(tokens) - 1]
    elif not asking and HAN.search(question):
        asking = [len(tokens)]  # a search-box query ("C919商业首飞时间"): its last words are what it asks
    focus: list[str] = []
    skipped = STOPWORDS | QUESTION_WORDS | FOCUS_FILLERS | which_measures(normalise(question))
    for position in asking:
        # "X是不是Y": Y settles it, X is only what it is said of
        yes_no = position + 1 < len(tokens) and tokens[position] in YES_NO and not _CLAUSE_BREAK.fullmatch(tokens[position + 1])
        for step in (1,) if yes_no else (-1, 1):
            taken = 0
            i = position + step
            while 0 <= i < len(tokens) and taken < FOCUS_REACH:
                token = tokens[i]
                if _CLAUSE_BREAK.fullmatch(token):
                    break
                if token not in skipped and not ASKING.match(token) and re.search(r"\w", token):
                    focus.append(token)
                    taken += 1
                i += step
    return list(dict.fromkeys(focus))


def missing_nouns(question: str, text: str) -> list[str]:
    """Nouns of two or more characters of the question that the text does not hold (苹果, 员工, 服务业)."""
    return [word for word in _nouns(question) if word not in text]
