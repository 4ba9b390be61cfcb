"""Answer a question in one to three verbatim sentences, each with a citation marker.

    >>> a = answer("凹河村种了多少亩樱桃？")
    >>> a.text
    '目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩，柑橘20亩，……[1]'
    >>> b = answer("枇杷呢？", history=[("凹河村种了多少亩樱桃？", a.text)])

The answer is extractive: every sentence is a sentence of a cited passage, chosen by
how much of the question's vocabulary it covers (weighted by rarity), whether it holds
what the question asks for (a reason, a list, a way, a date, a quantity, a name, a
place) and its cosine to the question. A "哪几个方面" question also gets its article's
section headings. Whether the passages answer at all is the calibrated decision of
`qa.answerability`; when they do not, `found` is False and the nearest passages are
still returned, marked as weak. Generation by a language model, when one
is configured, lives in `qa.generation`; its answer replaces the extractive one only
when it passes the citation and number checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from qa.answerability import (
    ASKS_ANYWHERE,
    ASKS_CHANGE,
    ASKS_HOLDER,
    CHANGE_VERBS,
    COMPANY,
    COUNTED_ASKED,
    ENGLISH_DATE,
    FOCUS_FILLERS,
    MONEY_FIGURE,
    MONTHS,
    SPEAKER,
    AnswerabilityModel,
    Signals,
    act_conflict,
    asking_clause,
    base_conflict,
    company_conflict,
    default_model,
    figure_in,
    focus_words,
    listed_item_conflict,
    missing_nouns,
    modifier_conflict,
    name_conflict,
    named_periods,
    names_a_period,
    number_conflict,
    number_missing,
    office_conflict,
    other_name_conflict,
    person_missing,
    sex_conflict,
    subject_elsewhere,
    tagged,
    uncounted_item_conflict,
    unit_match,
    which_measures,
)
from qa.followup import resolve_followup
from qa.generation import GenerationConfig, generate_answer
from qa.live import live_retriever
from qa.normalize import PLACE_SUFFIXES
from qa.passage import Passage, StoredPassage
from qa.question import prepare_question, to_simplified
from qa.retriever import Retrieval, RetrieverSource
from qa.sentences import split_sentences
from qa.sparse import QUESTION_WORDS, SparseIndex, content_words, segmenter, tokenize

ANSWER_PASSAGES = 3  # sentences are taken from this many top passages
MAX_SENTENCES = 2
MIN_SECTIONS = 3  # a "哪几个方面" answer lists its article's section headings when it has this many
SEMANTIC_CANDIDATES = 8  # sentences (best by words) compared with the question by their vectors
SEMANTIC_WEIGHT = 1.5  # weight of a sentence's cosine to the question (0.6-0.9 in practice) in its score
TYPE_WEIGHT = 0.3
COUNTED_WEIGHT = 0.3  # bonus of a sentence that holds a number in the measure asked for (多少件 -> 122件)
RANK_WEIGHT = 0.1
CONTEXT_WEIGHT = 0.3  # share of a sentence's coverage that may come from the sentence before it
FOCUS_WEIGHT = 0.6  # weight of the coverage of the question's words next to what it asks (以什么为食, 校长是谁)
DATE_WEIGHT = 0.6  # bonus of a sentence that holds a date the question names ("1998年6月至2000年4月")
DEFINITION_WEIGHT = 0.3  # bonus of the sentence that defines what "什么是X" asks about ("X是……")
NOT_FOUND = "文档中没有找到这个问题的答案。以下是最接近的段落，仅供参考。"
QUESTION_SENTENCE = re.compile(r"[?？][”’」』）)\s]*$")  # a sentence that ends as a question
CITATION_MARKER = re.compile(r"\[(\d+)\]")  # [n] cites passages[n-1]

HAN = re.compile(r"[\u4e00-\u9fff]")
# A quantity, not a date: "300余份", "29%", "8.4亿元", "两万人", but not "6月21日" or "2024年".
NUMBER = (
    # a number glued after Latin letters names a model (C919), one before 平台/热线 a service line (12345平台)
    r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![\d.]|[年月日号]|平台|热线|专线)"
    # an ordinal (第一人民医院, 第三届) counts nothing
    r"|(?<![第一二两三四五六七八九十百千万亿])[一二两三四五六七八九十百千万亿]+[个家亩栋支件次倍成名人户场项所座万亿元条种位部本首届岁米里层级类对张只头匹枚平公]"
    r"|(?<![第一二两三四五六七八九十百])[一二两三四五六七八九十百]+(?:年|天|周|小时|分钟)"  # a length of time: 二十年, 三天
)
LIST_QUESTION = re.compile(
    r"哪些|哪几|几个方面|几方面|什么方面|包括什么|有什么举措|有什么措施|which .*s\b", re.IGNORECASE
)
REASON_ASKED = r"为什么|为何|什么原因|图个?什么|为了什么|目的是什么"  # what a thing is done for, asked colloquially too
DESCRIPTION_QUESTION = re.compile(
    rf"{REASON_ASKED}|怎么(?!样)|如何|怎样|什么样|特点|特征|外形|外貌|形状|样子|过程|经过|用途|作用|影响|意义"
)
ASPECT_QUESTION = re.compile(
    r"哪些方面|哪几个?方面|几个方面|几方面|什么方面|哪几个?部分|几部分|哪几项|哪些工作|哪些举措"
)
# A place suffix that names no place: 全省, 本市 before it; 省政府, 市委, 县长, 市民 after it.
NOT_PLACE_BEFORE = r"(?<![全本该各我])"
NOT_PLACE_AFTER = r"(?!政府|委|长|民|场|级)"
# "哪个县" is answered by a place of that level (修文县, 观山湖区), not by the province the question names,
# 全省 or a river; "在哪个广场" by a name of a square (人民广场), not by the city it is in.
PLACE_KINDS = ("广场", "公园", "街道", "社区", "医院", "学校", "大学", "中学", "小学", "机场", "车站", "站", "酒店",
               "体育馆", "博物馆", "景区", "寺")  # fmt: skip
LEVEL_ASKED = re.compile(rf"哪(?:[一几]?(?:个|座|家|所)|些)({'|'.join(PLACE_KINDS)}|省|市|县|区|镇|乡|村)")
LEVELS = {**{kind: kind for kind in PLACE_KINDS}, "车站": "车站|站", "学校": "学校|大学|学院|中学|小学",
          "省": "省|自治区", "市": "市|州", "县": "县|市|区|旗", "区": "区|县|市", "镇": "镇|乡|街道", "乡": "乡|镇|街道",
          "村": "村|社区|寨"}  # fmt: skip
ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    # (what the question asks, what a sentence that answers it holds)
    (
        re.compile(rf"{REASON_ASKED}|原因是|怎么会|凭什么|靠什么|怎么做到|why", re.IGNORECASE),
        re.compile(r"因为|由于|为了|得益于|离不开|所以|因此|原因|依托|凭借|除了.*还|得到了|制约|导致|使得"),
    ),
    (LIST_QUESTION, re.compile(r"、.*、|；|;|一是|二是|首先|其次|包括|等")),
    (
        re.compile(r"怎么(?!样)|如何|怎样|靠什么|\bhow (?!many|much|long|far|big|old)", re.IGNORECASE),
        re.compile(r"通过|采取|实施|坚持|建立|制度|机制|措施|举措|推行|开展|落实|帮办|代办"),
    ),
    (
        re.compile(
            r"什么时候|何时|何年|哪一?天|哪一?年|几月|几号|哪个月|哪一?个?世[纪紀]|日期|截止|持续到|(?:西元|公元)几年"
            r"|\bwhen\b|what (?:year|day|date)|until",
            re.IGNORECASE,
        ),
        # a date, a century or decade ("7世纪", "九十年代"), or an age that dates a life's event (自十八岁开始)
        re.compile(r"\d+[年月日号]|月底|月初|年底|年初|[一二三四五六七八九十]+月|[\d一二三四五六七八九十]+(?:岁|世纪|年代)"),
    ),
    (
        re.compile(
            r"多少|几|多大|多远|多长|多高|多重|多久|比例|增长|产能|总投资|how (?:many|much|long|far|big)", re.IGNORECASE
        ),
        re.compile(NUMBER),
    ),
    (
        re.compile(r"谁|哪家|哪个(?:单位|部门|公司|企业)|\bwho\b", re.IGNORECASE),
        # an organisation, a speaker, or a person named by title or role (女士, 作者, 由…主演)
        re.compile(r"公司|局|中心|委员会|部|院|学校|企业|政府|[说讲表示]|女士|先生|作者|[由为][^，。、]{2,4}[所主执创担出]"),
    ),
    (
        re.compile(rf"哪里|哪儿|什么地方|哪个(?:地方|地区)|{LEVEL_ASKED.pattern}|在哪|\bwhere\b", re.IGNORECASE),
        # a named place, not 全省/本市 or 省政府
        re.compile(
            rf"{NOT_PLACE_BEFORE}(?:站|省|市|县|镇|村|区|园|州|岛|港|湾){NOT_PLACE_AFTER}"
            r"|[^\W\d_]{2}(?<![外该本我各他全])国(?![家际内外])|[东西南北][亚欧非美]|洲"
            r"|位于|坐落|生于|出生于|[来源]自|发源|效力于|就读于|毕业于|任职于|就职于"
            r"|在[^\W\d_]{2,6}(?:举行|举办|召开|开幕|进行)"
        ),
    ),
)

DATE_TYPE = 3  # the ANSWER_TYPES position of a date
QUANTITY_TYPE = 4  # the ANSWER_TYPES position of a quantity
PLACE_TYPE = 6  # the ANSWER_TYPES position of a place
# A figure that tells a change, not a level: "城镇化率提高7个百分点", "同比增长29%" (but "增至64万人" is a level).
CHANGE_BEFORE = re.compile(rf"(?:{CHANGE_VERBS})了?(?:约|近|超|逾)?$")
CONCRETE_TYPES = frozenset({3, 4, 6})  # ANSWER_TYPES positions of a date, a quantity, a place: any answer holds one


@dataclass(frozen=True)
class Answer:
    text: str  # the answer with [n] markers, or NOT_FOUND
    passages: list[Passage]  # cited passages first, in marker order, then the other retrieved ones
    found: bool  # False when the documents do not hold an answer
    query: str  # the question as typed, or the standalone query searched for a follow-up
    question: str
    sentences: list[str] = field(default_factory=list)  # the verbatim sentences of an extractive answer
    generated: bool = False  # True when a configured language model wrote `text` (and it passed the checks)
    truncated: bool = False  # the question was cut to MAX_QUESTION_CHARS before searching
    confidence: float = 0.0  # probability that the passages answer the question (qa.answerability)
    signals: Signals | None = None  # what the decision read

    @property
    def markers(self) -> list[int]:
        """The passage numbers the text cites, in order of first use: "…[2]…[1]…[2]" -> [2, 1]."""
        return list(dict.fromkeys(int(number) for number in CITATION_MARKER.findall(self.text)))

    def to_json(self) -> dict[str, Any]:
        """The answer for other programs: question, query, text, found, markers and the passages' fields."""
        return {
            "question": self.question,
            "query": self.query,
            "text": self.text,
            "found": self.found,
            "markers": self.markers,
            "generated": self.generated,
            "truncated": self.truncated,
            "passages": [passage.to_json() for passage in self.passages],
        }


@dataclass(frozen=True)
class _Scored:
    score: float
    sentence: str
    passage_rank: int  # 0-based rank among the retrieved passages
    previous: str = ""  # the sentence before it in its passage


def _question_words(query: str) -> list[str]:
    """The question's words in search mode (清镇市 -> 清镇, 镇市, 清镇市), for coverage of a sentence."""
    return _about(tokenize(query), query)


def _content_words(query: str) -> list[str]:
    """The question's words in precise mode (one token a concept), for the signals."""
    return _about(content_words(query), query)


# An asking word the segmenter reads whole ("哪几个", "是不是", "有没有"): no word of what is asked about.
ASKING_WORD = re.compile(r"^(?:哪(?!吒)|多少|是不是|有没有|是否|为什么|什么)")
FRAMING = frozenset({"具体", "指", "是指", "指的是"})  # "具体指哪几个方向": how it is asked, not what about
GLUED = "是的在"  # characters the segmenter glues to a name it does not know: 黄华麒是, 潘淑是


def _about(words: list[str], query: str) -> list[str]:
    """The words that say what the question is about, once each: no asking word, no measure word of
    哪一个; a glued 是/的/在 cut off ("黄华麒是哪个大学毕业的" is cut 黄华麒是 | 哪个 | …), so that a name
    the documents hold is found in the sentences that name it. Words of the dictionary stay."""
    asking = QUESTION_WORDS | which_measures(query)
    frequency = segmenter().dt.FREQ
    about = (
        word[:-1] if len(word) >= 3 and word[-1] in GLUED and not frequency.get(word) else word
        for word in words
        if word not in asking and word not in FRAMING and not ASKING_WORD.match(word)
    )
    return list(dict.fromkeys(about))


def _sentences_in_context(passages: list[Passage]) -> list[tuple[int, str, str]]:
    """(passage rank, sentence, the sentence before it or "") for the top passages."""
    found = []
    for rank, passage in enumerate(passages[:ANSWER_PASSAGES]):
        previous = ""
        for sentence in split_sentences(passage.text):
            found.append((rank, sentence, previous))
            previous = sentence
    return found


def evidence(query: str, passages: list[Passage], sparse: SparseIndex) -> float:
    """How much of the question one sentence covers, read with its title and the sentence before, 0..1.

    Counted over precise-mode words, each weighted by its rarity in the index, so that a
    missing subject ("GDP", "市长") weighs more than a missing common word; per sentence,
    so that words scattered over a long passage do not add up to an answer.
    """
    words = _content_words(query)
    return max(
        (
            coverage(words, f"{passages[rank].title}{previous}{sentence}", sparse)
            for rank, sentence, previous in _sentences_in_context(passages)
        ),
        default=0.0,
    )


def coverage(words: list[str], text: str, sparse: SparseIndex) -> float:
    """Share of the words' rarity (IDF) found in the text: 1.0 when every word occurs."""
    total = sum(sparse.idf(word) for word in words)
    if total == 0:
        return 0.0
    present, compact = _words_of(text)
    return sum(sparse.idf(word) for word in words if word in present or word in compact) / total


@lru_cache(maxsize=20_000)
def _words_of(text: str) -> tuple[frozenset[str], str]:
    """The search-mode words of a text and its compact lower-case form (passage sentences recur: cached)."""
    return frozenset(tokenize(text)), "".join(unicodedata.normalize("NFKC", text).split()).lower()


@lru_cache(maxsize=65536)
def _simplified(sentence: str) -> str:
    """The sentence in simplified characters, English dates written as Chinese ones (2023年4月26日)."""
    return ENGLISH_DATE.sub(
        lambda m: f"{m.group(3)}年{MONTHS.index(m.group(1)) + 1}月{int(m.group(2))}日", to_simplified(sentence)
    )


# A search-box query names the date or the place it wants by a noun at its end: "C919商业首飞时间",
# "考研开始日期"; "KF-21战斗机研发国家", "2023年世界大学生运动会举办地".
DATE_QUERY = re.compile(r"(?:时间|日期)[?？。\s]*$")
PLACE_QUERY = re.compile(r"(?:地点|地址|举办地|所在地|发源地|国家|城市)[?？。\s]*$")
# Clauses end at commas and sentence marks, not at a colon ("上映时间：2月19日" is one) or a space.
CLAUSE_END = re.compile(r"[，,；;。！？!?…]|\.\.\.")


def _concrete_slot(question: str) -> re.Pattern[str] | None:
    """What a sentence holds when it answers a question asking for a date, a quantity or a place.

    A query without a question word that ends in 时间/日期 asks for a date too, one that ends in
    地点/国家/举办地 for a place, and a list of places of a level (哪几个市州) is a place asked.
    """
    if LEVEL_ASKED.search(question):
        return ANSWER_TYPES[PLACE_TYPE][1]
    for position, (asks, holds) in enumerate(ANSWER_TYPES):
        if asks.search(question):
            return holds if position in CONCRETE_TYPES else None
    if DATE_QUERY.search(question):
        return ANSWER_TYPES[DATE_TYPE][1]
    return ANSWER_TYPES[PLACE_TYPE][1] if PLACE_QUERY.search(question) else None


@lru_cache(maxsize=4096)  # asked of the same sentences by the sentence choice and by the signals
def answer_slot_missing(question: str, sentence: str) -> float:
    """1.0 when the question asks for a date, a quantity, a place or a name and the sentence holds none.

    News on the topic that gives no date ("马英九祭祖时间" against a sentence about his family's
    graves) does not answer it; several items asked by name are not answered by a sentence that
    lists none; a theme asked ("论坛的主题是什么") not by a sentence that only mentions the forum.
    """
    if ITEMS_ASKED.search(question):
        return float(not ENUMERATION.search(sentence))
    named = _name_asked(question)
    if named:
        return float(not _holds_name(named, sentence, question))
    holds = _concrete_slot(question)
    if holds is ANSWER_TYPES[DATE_TYPE][1] and ASKS_END.search(question):
        return float(not END_DATE.search(_words_of(_simplified(sentence))[1]))
    # a date or a figure in a title is part of a name: "《……2022—2025年……行动方案》" dates nothing
    return float(holds is not None and not _holds_new_value(holds, BOOK_TITLE.sub("《》", _simplified(sentence)), question))


# A name, a theme or a slogan asked ("景点叫啥名字", "论坛的主题是什么", "冬奥会口号") is answered by a sentence that
# gives one, introduced by a naming word ("主题为", "名叫") or quoted next to what is named ("口号“一起向未来”"),
# not by one that only mentions the thing ("介绍了论坛的总体情况") or quotes something else.
_NAMED = "名字|名称|主题|口号|标语|称号|全称|别称|别名|昵称|绰号|吉祥物|宣传语|广告语|主题曲"
NAME_ASKED = re.compile(
    rf"(?P<thing>[\u4e00-\u9fff]{{2}})?的?(?:(?P<name>{_NAMED})(?:是|叫|为|叫做)?(?:什么|啥|哪个)|叫(?:什么|啥)"
    rf"|(?:是|叫)?什么(?P<what>{_NAMED})|(?P<query>{_NAMED})[?？。\s]*$)"
)
NAMING = re.compile(
    r"名为|名叫|叫做|叫作|称为|称作|取名|命名|定名|简称|全称|又称|别称|亦称|也称|俗称|通称|号称|之称|又名|别名|原名|本名"
    r"|学名|或称|又作|亦作|亦名|也叫|又叫|誉为|评为|获评|荣获|授予"
    r"|(?:主题|口号|标语)(?:为|是|：|:)"
    r"|以[^，。；]{2,20}为(?:主题|口号)"
)
QUOTED = r"[“「『《\"‘][^”」』》\"’]{1,40}[”」』》\"’]"
# jieba: names that answer 叫什么名字; a person's (nr) only when of three characters (jieba tags 李子 as one)
# and a person or a place is asked, a place's (ns) only when a place is asked (这个村叫什么)
NAME_FLAGS = frozenset({"nr", "nrfg", "nrt", "nt", "nz"})
PERSON_ENDINGS = "子女妻夫父母王帝后人者员长师生手家哥姐弟妹儿爷奶友"  # 儿子叫什么 is answered by a person's name, 景点叫什么 not


@lru_cache(maxsize=1024)
def _name_asked(question: str) -> re.Match[str] | None:
    """What NAME_ASKED reads of a question asking a name; None for a holder's name (office_conflict and
    person_missing read that) and for "宣传了哪些公益主题" (which ones, not a search-box query for a theme)."""
    named = NAME_ASKED.search(question)
    if named is None or ASKS_HOLDER.search(question):
        return None
    return None if named.group("query") is not None and ASKS_ANYWHERE.search(question) else named


def _holds_name(asked: re.Match[str], sentence: str, question: str) -> bool:
    """The sentence gives a name (a theme, a slogan): introduced by a naming word or quoted next to the word
    asked or the thing named; for 名字 or a plain 叫什么 also a proper noun the question does not hold (a
    place's, a person's) or a speaker."""
    text = _simplified(sentence)
    attribute = asked.group("name") or asked.group("what") or asked.group("query") or ""
    thing = asked.group("thing") or ""
    if NAMING.search(text) or (attribute and re.search(rf"{attribute}[^，。；]{{0,8}}{QUOTED}|{QUOTED}{attribute}", text)):
        return True
    if thing and re.search(rf"{re.escape(thing)}的?{QUOTED}|{QUOTED}{re.escape(thing)}", text):
        return True
    if attribute not in ("", "名字", "名称", "全称"):
        return False
    if BOOK_TITLE.search(text):  # a title is the name of a work or a document
        return True
    place_asked = bool(thing) and (thing[-1] in PLACE_SUFFIXES or thing.endswith(PLACE_KINDS))
    person_asked = not thing or thing[-1] in PERSON_ENDINGS
    if person_asked and SPEAKER.search(text):
        return True

    def names_one(word: str, flag: str) -> bool:
        if len(word) < 2 or word in question:
            return False
        if flag == "ns":
            return place_asked
        if flag.startswith("nr"):  # a place's name may hold a person's: 法赫德国王国际机场
            return len(word) >= 3 and (person_asked or place_asked)
        return flag in NAME_FLAGS

    return any(names_one(word, flag) for word, flag in tagged(text))


# Several items asked by name ("分别是哪五类", "除了华锦还有哪几家") are answered by an enumeration, not by
# their count ("建立台账5类49份"); values asked of each ("投资分别是多少") are not items.
ITEMS_ASKED = re.compile(r"分别(?:是|有|叫)(?:哪|什么)|还有哪|哪[两二三四五六七八九十]+[个类家项种条所座位样]")
ENUMERATION = re.compile(r"[、；;和与及]|一是")
BOOK_TITLE = re.compile(r"《[^》]*》")


# A question asking when something ends ("在3号线上运行到什么时候", "征集到哪天截止") is answered by a date
# marked as an end ("持续到8月底", "6月14日至17日", "6月底前完成"), not by the day it began ("4月29日投入运营").
ASKS_END = re.compile(
    r"(?:到|至)(?:什么时候|何时|哪一?天|哪一?年|几月|几号|哪个月)|截止|什么时候(?:结束|截止|为止|到期)|\buntil\b",
    re.IGNORECASE,
)
_END_DAY = r"(?:\d+|[一二三四五六七八九十]+)[年月日号]|月底|年底|月末|年末|明年|下半年"
END_DATE = re.compile(rf"(?:到|至|截至|截止|直到|直至)(?:{_END_DAY})|(?:{_END_DAY})(?:前|止|结束|为止|截止|到期)")


def _holds_new_value(holds: re.Pattern[str], text: str, question: str) -> bool:
    """The text holds a value of the kind asked for that the question does not name itself: 贵州 (or
    贵州省) in "贵州今年最大降水量出现在哪个县？" is no answer, nor 27 in "27个村一共公示了多少件？". A change
    ("提高7个百分点") is no level: it answers "提高了多少", not "城镇化率是多少"."""
    levels_only = holds is ANSWER_TYPES[QUANTITY_TYPE][1] and not ASKS_CHANGE.search(question)
    asks_place = holds is ANSWER_TYPES[PLACE_TYPE][1]
    level = LEVEL_ASKED.search(question) if asks_place else None
    if level:  # the question holds the suffix itself (哪个县): read the name before it (修文县, not 县)
        return any(
            text[max(match.start() - 2, 0) : match.start()] not in question
            for match in LEVEL_HOLDS[level.group(1)].finditer(text)
        )
    if asks_place:
        text = _without_places_in_names_asked(_without_companies_asked(text, question), question)
    if asks_place and any(not _own_place(place, question) for place in _place_names(text)):
        return True
    return any(
        text[max(match.start() - 1, 0) : match.end()] not in question
        and match.group() not in question
        # a place suffix after a name the question holds is the question's own place: 贵州省 for 贵州
        and not (asks_place and len(match.group()) == 1 and text[max(match.start() - 2, 0) : match.start()] in question)
        and not (levels_only and CHANGE_BEFORE.search(text[max(match.start() - 6, 0) : match.start()]))
        for match in holds.finditer(text)
    )


LEVEL_HOLDS = {level: re.compile(rf"{NOT_PLACE_BEFORE}(?:{names}){NOT_PLACE_AFTER}") for level, names in LEVELS.items()}


def _without_companies_asked(text: str, question: str) -> str:
    """The text without the registered names of companies the question is about: the place that opens
    "贵州华锦铝业有限公司" is no answer to where 华锦铝业 gets its ore."""

    def about(name: str) -> bool:
        return any(name[i : i + 2] in question for i in range(len(name) - 1))

    return COMPANY.sub(lambda m: "，" if about(m.group().removesuffix("有限公司")) else m.group(), text)


def _without_places_in_names_asked(text: str, question: str) -> str:
    """The text without the places that open a name the question asks about: 中国 in "2022年中国金鸡百花电影节
    将于11月10日举办" is part of the festival's name, no answer to where 金鸡百花电影节 is held."""
    pairs = tagged(text)
    return "".join(
        "，" if flag == "ns" and following[1][:1] == "n" and len(following[0]) >= 2 and following[0] in question else word
        for (word, flag), following in zip(pairs, [*pairs[1:], ("", "")])
    )


def _own_place(place: str, question: str) -> bool:
    """The question names the place itself, or the name before its suffix: 贵州省 for "贵州……哪个县"."""
    return place in question or (len(place) >= 3 and place[:-1] in question)


UNNAMED_PLACES = frozenset({"外国", "国外", "国内", "海外", "境外", "境内", "本地", "当地", "外地", "各地", "全国", "异地"})


@lru_cache(maxsize=4096)
def _place_names(text: str) -> tuple[str, ...]:
    """Places named without a suffix that says so (澎湖, 敦煌, 比佛利山庄): jieba's place names, not the
    words that name none in particular (外国, 当地)."""
    return tuple(word for word, flag in tagged(text) if flag == "ns" and len(word) >= 2 and word not in UNNAMED_PLACES)


def value_clause_conflict(question: str, sentence: str) -> bool:
    """The question asks for a quantity of a period it names, and every clause of the sentence that
    holds a quantity names another period of that kind: "2022年我国CPI上涨了多少？" against
    "预计2023年全年CPI同比上涨2.1%，略高于2022年的水平" (2022 is named, but not by the figure's clause)."""
    holds = _concrete_slot(question)
    if holds is not ANSWER_TYPES[QUANTITY_TYPE][1]:
        return False
    asked = named_periods(question)
    if not asked:
        return False
    clauses = _clauses_holding(holds, sentence, question)
    if not clauses:
        return False
    return all(_another_period(named_periods(clause), asked) for clause in clauses)


# "隐患里有多少处是地质灾害隐患？": the question counts the part of a whole that is of a kind.
PART_ASKED = re.compile(
    r"(?:里|中|其中)[，,]?(?:有|的)?(?:多少|几)[\u4e00-\u9fff]?(?:是|为|属于)?(?P<part>[^，,。？?！!；;\s]{2,})"
)


# "17546处隐患里，地质灾害点的隐患有多少处？": the part named before the asking word, of the whole's kind (隐患).
PART_NAMED = re.compile(r"(?:里|中|其中)[，,](?P<part>[^，,。？?！!；;\s]{2,}?)(?:有|是|占)?(?:多少|几)")


def part_conflict(question: str, sentence: str) -> bool:
    """The question asks how many of a whole are of a kind, and no clause of the sentence that holds a
    figure names the kind: "隐患里有多少处是地质灾害隐患" against "共排查出隐患17546处" (the whole's figure)."""
    match = PART_ASKED.search(question)
    if not match:
        match = PART_NAMED.search(question)
        part_words = _content_words(match.group("part")) if match else []
        if not part_words or part_words[-1] not in question[: match.start()]:  # a part of the whole named before
            return False
    whole = question[: match.start()]
    kind = [w for w in _content_words(match.group("part")) if w not in whole and w not in FOCUS_FILLERS]
    holds = ANSWER_TYPES[QUANTITY_TYPE][1]
    clauses = _clauses_holding(holds, sentence, question)
    return bool(kind and clauses) and not any(all(word in clause for word in kind) for clause in clauses)


# "哪一家产值最高？" asks which one ranks first: a sentence that ranks nothing (a total) does not answer it.
SUPERLATIVE_ASKED = re.compile(r"最(?:高|多|大|少|低|小|早|晚|长|短|快|重|强|好|先|后)")
RANKS = re.compile(r"最|第一|首[个位次座家批]|居首|之首|榜首|领先|冠军|率先|排名|位列|top", re.IGNORECASE)


def superlative_conflict(question: str, sentence: str) -> bool:
    """The question asks which (or who, what) ranks first ("9家企业中，哪一家一季度产值最高？"), and
    the sentence ranks nothing: "9家……企业产值56.94亿元" is their total."""
    clause = asking_clause(question)
    asks_which = re.search(r"哪|谁|什么", clause) is not None
    return asks_which and SUPERLATIVE_ASKED.search(clause) is not None and not RANKS.search(_simplified(sentence))


# Measures a figure of money may be: "卖了多少钱" asks a sale, and "产值约12.48亿元" is an output.
MONEY_MEASURES = tuple(
    re.compile(words)
    for words in (
        r"产值",
        r"增加值",
        r"销售|营收|营业收入|营业额|成交额|交易额|收入|收益|卖|售",
        r"利润|利税|盈利|净利|赚",
        r"投资|投入|投了|花了|花费",
        r"补助|补贴|资助|奖补|拨付",
        r"税",
    )
)


def measure_conflict(question: str, sentence: str) -> bool:
    """The question asks a sum of one measure (a sale, a profit, an investment), and every clause of the
    sentence that holds a sum of money names another: "氧化铝一季度卖了多少钱" against "产值约12.48亿元"."""
    holds = _concrete_slot(question)
    if holds is not ANSWER_TYPES[QUANTITY_TYPE][1]:
        return False
    asked = {position for position, measure in enumerate(MONEY_MEASURES) if measure.search(asking_clause(question))}
    if not asked:
        return False
    named, last = [], set()
    for clause in _value_clauses(_simplified(sentence)):
        # a sum whose clause names no measure is told of the one named last before it: "产值稳步攀升，2023年达9000多万元"
        measures = {position for position, measure in enumerate(MONEY_MEASURES) if measure.search(clause)}
        if MONEY_FIGURE.search(clause):
            named.append(measures or last)
        last = measures or last
    return bool(named) and all(measures and not measures & asked for measures in named)


# A measure a change is told of ("增加值17.94亿元，同比增长29%": the 29% is 增加值's, not 总产值's).
CHANGED_MEASURE = re.compile(
    r"总产值|产值|增加值|工业投资|投资|营收|收入|利润|产量|产能|人口|面积|降水量|客流量|销售额|出口额|进口额|GDP"
    r"|[\u4e00-\u9fff]{2,3}率"  # a rate: "城镇化率提高7个百分点" tells no change of 人口
)
CHANGE_FIGURE = re.compile(rf"(?:{CHANGE_VERBS})(?!值)了?(?:约|近|超|逾)?\d+(?:\.\d+)?(?:%|％|倍|个百分点)")


def change_measure_conflict(question: str, sentence: str) -> bool:
    """The question asks how one measure changed ("总产值同比增长了多少"), and each change the sentence
    gives is told of another measure, the one named nearest before it ("总产值78.81亿元，增加值17.94亿元，
    同比增长29%")."""
    clause = asking_clause(question)
    asked = [m.group() for m in CHANGED_MEASURE.finditer(clause)]
    if not ASKS_CHANGE.search(clause) or not asked:
        return False
    text = _simplified(sentence)
    told = []
    for change in CHANGE_FIGURE.finditer(text):
        before = [m.group() for m in CHANGED_MEASURE.finditer(text[: change.start()])]
        if not before:
            return False  # a change of what the sentence's subject is: nothing to compare
        told.append(before[-1])
    return bool(told) and not any(t in asked[-1] or asked[-1] in t for t in told)


def _another_period(periods: set[tuple[float, str]], asked: set[tuple[float, str]]) -> bool:
    """The clause's periods hold none asked but one of the same kind, or only a year where a quarter or a
    month is asked ("2023年达9000多万元" is a year's figure, not one of 一季度)."""
    if periods & asked:
        return False
    units = {unit for _, unit in asked}
    kinds = {unit for _, unit in periods}
    return bool(kinds & units) or bool(units & SUB_YEAR and "年" in kinds and not kinds & SUB_YEAR)


SUB_YEAR = frozenset({"季度", "月"})
# A clause that is a date and nothing else: "1985年，当史都华得到奥斯卡终身成就奖时……" dates the clause after it.
LONE_DATE = re.compile(r"\s*(?:公元|西元|民国)?[\d〇一二三四五六七八九十]+年(?:\d+月(?:\d+[日号])?(?:[初底中]|上旬|中旬|下旬)?)?\s*")


def _clauses_holding(holds: re.Pattern[str], sentence: str, question: str) -> list[str]:
    """The clauses of the sentence that hold a value of the kind asked for the question does not name."""
    return [clause for clause in _value_clauses(_simplified(sentence)) if _holds_new_value(holds, clause, question)]


def _value_clauses(sentence: str) -> list[str]:
    """The sentence's clauses (cut at commas and sentence marks); a clause that is only a date is read
    with the clause after it: "2021年,清镇市工业总产值已达375亿元" is a figure of 2021."""
    clauses = CLAUSE_END.split(sentence)
    joined: list[str] = []
    for clause in clauses:
        if joined and LONE_DATE.fullmatch(joined[-1]):
            joined[-1] += "，" + clause
        else:
            joined.append(clause)
    return joined


def clause_focus_missing(question: str, sentence: str, sparse: SparseIndex) -> float:
    """IDF share of the question's focus words that the clause holding the asked value lacks.

    Clauses are cut at commas and sentence marks; of the clauses that hold a value of the kind asked
    for (a date, a quantity, a place) the one holding most of the focus words counts. "华锦铝业的营业收入是多少？"
    against "今年一季度，贵州华锦产能约42.39万吨，产值约12.48亿元": each figure's clause names
    another measure. 0.0 when the question asks for no such value or the sentence holds none
    (slot_missing says that).
    """
    holds = _concrete_slot(question)
    if holds is None:
        return 0.0
    clauses = _clauses_holding(holds, sentence, question)
    # A period (一季度, 2023年) often opens the sentence and holds for every clause after it
    # ("今年一季度，……公司产值达2300万元"); conflict and number_missing judge periods.
    focus = [word for word in focus_words(question) if not names_a_period(word)]
    return min((_focus_missing(question, clause, sparse, focus) for clause in clauses), default=0.0)


def answer_type_match(question: str, sentence: str) -> float:
    """1.0 when the sentence holds what the question asks for, 0.0 when it does not, 0.5 if unknown.

    The patterns are written in simplified characters (个, 万, 亿, 县); a sentence of a
    traditional document is read in simplified form.
    """
    named = _name_asked(question)
    if named:
        return float(_holds_name(named, sentence, question))
    for asks, holds in ANSWER_TYPES:
        if asks.search(question):
            return 1.0 if holds.search(_simplified(sentence)) else 0.0
    return 0.5


def _score_sentences(
    question: str,
    words: list[str],
    passages: list[Passage],
    sparse: SparseIndex,
    cosines: dict[str, float] | None = None,
) -> list[_Scored]:
    """Score every sentence of the top passages; `cosines` (sentence -> cosine to the question) adds meaning."""
    scored = []
    focus = _focus(question)
    topics = _topics(passages[:ANSWER_PASSAGES])
    dates = QUESTION_DATE.findall(question)
    defined = _defined_term(question)
    counted = COUNTED_ASKED.search(question)
    counts_in = figure_in(counted.group(1)).search if counted else None
    # the count's bonus stays within the first passage's article: another article's count of the same
    # measure is another fact ("市政设施……多少处隐患" is not the flood check's 17546处)
    same_article = [(p.source, p.title) == (passages[0].source, passages[0].title) for p in passages]
    for rank, sentence, previous in _sentences_in_context(passages):
        # An encyclopaedia-like passage names its subject once ("大果西番莲是……") and then writes
        # "其叶柄有四到六个腺体": every sentence is read with its passage's topic, so that the words
        # beyond the subject (叶柄) pick the sentence: a sentence that repeats the subject gains nothing
        # from it over one that leaves it to the topic. "该项目总投资3.36亿元" names its subject in the
        # sentence before it.
        own = coverage(words, f"{topics[rank]}\n{sentence}", sparse)
        in_context = coverage(words, f"{previous or passages[rank].title}\n{sentence}", sparse)
        score = (
            (1 - CONTEXT_WEIGHT) * own
            + CONTEXT_WEIGHT * in_context
            + TYPE_WEIGHT * answer_type_match(question, sentence)
            + RANK_WEIGHT / (1 + rank)
            + SEMANTIC_WEIGHT * (cosines or {}).get(sentence, 0.0)
            + (FOCUS_WEIGHT * coverage(focus, sentence, sparse) if focus else 0.0)
            + DATE_WEIGHT * _date_match(dates, sentence)
            + (COUNTED_WEIGHT if counted and same_article[rank] and counts_in(sentence) else 0.0)
            + (DEFINITION_WEIGHT * _defines(defined, sentence) if defined else 0.0)
        )
        scored.append(_Scored(score, sentence, rank, previous))
    return sorted(scored, key=lambda item: item.score, reverse=True)


# A date the question names, as a sentence would write it: "1998年6月", "2023年1月3日", "1991年". The day
# is part of it: a news passage on the same topic holds "2023年1月4日", which is not the date asked.
QUESTION_DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?")


def _date_match(dates: list[str], sentence: str) -> float:
    """1.0 when the sentence holds a month (or day) the question names, 0.5 for a year alone, else 0.0.

    A year alone often names the setting of a whole article ("2024年一季度") rather than the fact asked.
    """
    compact = _words_of(sentence)[1]
    return max((0.5 if date.endswith("年") else 1.0 for date in dates if date in compact), default=0.0)


# "什么是约化群？", "放线菌酮是什么？", "X是什么意思": the term asked to be defined (no "的": "X的Y是什么" asks an attribute).
DEFINITION_QUESTION = re.compile(
    r"^(?:请问)?(?:什么是|何为|何谓)(?P<after>[^，,。？?的]{2,20})[？?。\s]*$"
    r"|^(?:请问)?(?P<before>[^，,。？?的]{2,20}?)(?:是什么意思|是指什么|指的是什么|是什么东西|是什么)[？?。\s]*$"
)


def _defined_term(question: str) -> str:
    match = DEFINITION_QUESTION.search(question.strip())
    return (match.group("after") or match.group("before")) if match else ""


def _defines(term: str, sentence: str) -> float:
    """1.0 when the sentence says what the term is: "约化群是……", "放线菌酮（……）为……", "X指……"."""
    compact = _words_of(_simplified(sentence))[1]
    pattern = re.escape(_words_of(term)[1]) + r"(?:[（(][^）)]*[）)])?[，,]?(?:是|为|指|即)"
    return 1.0 if re.search(pattern, compact) else 0.0


def _topic(passage: Passage) -> str:
    """What a passage is about: its title and its first sentence."""
    return f"{passage.title}\n{next(iter(split_sentences(passage.text)), '')}"


def _topics(passages: list[Passage]) -> list[str]:
    """Each passage's topic, with the topic of the passage it continues when that one was retrieved too:
    a chunk that goes on with an article ("“这个项目是贵阳市重点项目……”") is about what the chunk
    before it names (清镇铝新材料产业园配套设施建设项目)."""
    topics = [_topic(passage) for passage in passages]
    by_place = {(p.source, p.title, p.section, p.passage_id): rank for rank, p in enumerate(passages)}
    return [
        topic
        if (before := by_place.get((p.source, p.title, p.section, p.passage_id - 1))) is None
        else f"{topics[before]}\n{topic}"
        for p, topic in zip(passages, topics)
    ]


@lru_cache(maxsize=1024)
def _focus(question: str) -> list[str]:
    """The question's words next to what it asks (以什么为食 -> 以, 为食; 现任校长是谁 -> 现任, 校长)."""
    return focus_words(question)  # remembered: the sentences are scored twice, by words and then with vectors


# A sentence that opens by pointing back ("此时韩遂逝世，……", "赛后，……", "这次事件……", "该项目……",
# "其叶柄……", "他……"), that has no subject of its own ("是欧洲大陆唯一以佛教为主的地区。", "于瓜伦多卡德
# 与恒河相汇……": the place asked for is the subject of the sentence before) or is a bare clause
# ("降居顺成宫。") reads only after the sentence before it.
POINTS_BACK = re.compile(r"^(?:此|这|其|该|他|她|它|是|为|于|随后|之后|赛后|事后|战后|会后|同年|次年|翌年|当时|因此|所以|最终)")
SHORT_SENTENCE = 8  # characters
# Who said the quote before it ("“……全方位服务……”" then "旭鼎光电总经理江涛说。"): what was said is in the quote.
ATTRIBUTION = re.compile(r"^[^，,。！？“”\"]{2,20}(?:说|表示|介绍|指出|告诉记者)[。！!]?$")
QUOTE_END = re.compile(r"[”」\"][。！!]?$")


def _is_attribution(sentence: str, previous: str) -> bool:
    return bool(previous) and bool(ATTRIBUTION.match(_words_of(_simplified(sentence))[1])) and bool(
        QUOTE_END.search(previous.strip())
    )


def _needs_previous(item: _Scored) -> bool:
    text = _words_of(_simplified(item.sentence))[1]
    if _is_attribution(item.sentence, item.previous):
        return True
    return bool(item.previous) and (bool(POINTS_BACK.match(text)) or len(text) <= SHORT_SENTENCE)


def _slot_before(item: _Scored, question: str) -> bool:
    """The question asks for a date, a quantity or a place that the sentence lacks and the one before holds.

    "忽必烈率军抵达河南汝南" answers "哪一年抵达河南汝南" only after "1256年，……".
    """
    return bool(item.previous) and answer_slot_missing(question, item.sentence) == 1.0 and (
        answer_slot_missing(question, item.previous) == 0.0
    )


def _following(scored: list[_Scored], item: _Scored) -> _Scored | None:
    """The sentence after `item` in its passage, when it was scored."""
    return next((c for c in scored if c.passage_rank == item.passage_rank and c.previous == item.sentence), None)


VALUE_REACH = 2  # sentences after the best one searched for the value it lacks


def _value_after(scored: list[_Scored], best: _Scored, question: str) -> list[_Scored]:
    """The sentences after the best one, up to the first that holds the date, quantity or place asked
    for, when the best one holds none (VALUE_REACH at most): a sentence names what is counted
    ("各村党支部同步公示《为民办实事承诺清单》。") and a later one gives the figure ("此次集体公示
    承诺事项122件")."""
    if answer_slot_missing(question, best.sentence) != 1.0:
        return []
    after: list[_Scored] = []
    item = best
    while len(after) < VALUE_REACH and (item := _following(scored, item)) is not None:
        after.append(item)
        if answer_slot_missing(question, item.sentence) == 0.0:
            return after
    return []


def _slot_sentence(scored: list[_Scored], question: str) -> str:
    """The best sentence, with those after it up to the one that holds the value asked for (_value_after)."""
    return "".join(item.sentence for item in [scored[0], *_value_after(scored, scored[0], question)])


def _not_questions(scored: list[_Scored]) -> list[_Scored]:
    """A question does not answer a question ("沉香如屑的主演有谁？" copied from a forum title)."""
    return [item for item in scored if not QUESTION_SENTENCE.search(item.sentence)] or scored


def _choose(scored: list[_Scored], question: str) -> list[_Scored]:
    """The best sentence (after the one before it when it points back), plus close runners-up (lists take three)."""
    if not scored:
        return []
    limit = 3 if LIST_QUESTION.search(question) else MAX_SENTENCES
    best = scored[0]
    chosen = [best]
    if _needs_previous(best) or _slot_before(best, question):
        # the sentence it points back to, or that holds what it lacks, goes with it and takes no runner-up's place
        chosen.insert(0, _Scored(best.score, best.previous, best.passage_rank))
        limit += 1
    following = _following(scored, best)
    if following is not None and _is_attribution(following.sentence, best.sentence):
        chosen.append(following)  # who said the quote
        limit += 1
        following = _following(scored, following)
    after = _value_after(scored, best, question)
    if after:
        # a figure is often given in a sentence after the one that names what it counts
        chosen += after
        limit += len(after)
    elif following is not None and DESCRIPTION_QUESTION.search(_simplified(question)):
        # a reason, a way or a look is told over more than one sentence: the one after goes with it
        chosen.append(following)
        limit += 1
    for candidate in scored[1:]:
        if len(chosen) >= limit:
            break
        if candidate.score >= 0.9 * best.score and candidate.sentence not in {c.sentence for c in chosen}:
            chosen.append(candidate)
    return chosen


def _compose(chosen: list[_Scored], passages: list[Passage]) -> tuple[str, list[Passage]]:
    """Answer text with [n] markers, and passages renumbered so that [n] is passages[n-1]."""
    order: list[int] = []
    for item in chosen:
        if item.passage_rank not in order:
            order.append(item.passage_rank)
    order += [rank for rank in range(len(passages)) if rank not in order]
    number = {rank: position + 1 for position, rank in enumerate(order)}
    # Sentences that follow each other in one passage are quoted as one stretch under one marker.
    parts = []
    for position, item in enumerate(chosen):
        after = chosen[position + 1] if position + 1 < len(chosen) else None
        continued = after is not None and after.passage_rank == item.passage_rank and after.previous == item.sentence
        parts.append(item.sentence if continued else f"{item.sentence}[{number[item.passage_rank]}]")
    text = "".join(parts)
    return text, [passages[rank] for rank in order]


def _missing_rare(words: list[str], text: str, sparse: SparseIndex) -> float:
    """The IDF of the rarest word absent from `text`, as a share of the IDF of an unseen word."""
    present, compact = _words_of(text)
    missing = [sparse.idf(word) for word in words if word not in present and word not in compact]
    unseen = sparse.idf("\x00")
    return max(missing, default=0.0) / unseen if unseen else 0.0


def sentence_cosines(
    retrieval: Retrieval, embed: Callable[[list[str]], np.ndarray] | None, sentences: list[str]
) -> dict[str, float]:
    """Cosine of the question to each of `sentences`, embedded in one batch; {} without `embed`."""
    if embed is None or retrieval.question_vector is None or not sentences:
        return {}
    sentences = list(dict.fromkeys(sentences))
    return dict(zip(sentences, (float(c) for c in embed(sentences) @ retrieval.question_vector)))


def answer_signals(
    query: str,
    retrieval: Retrieval,
    best: _Scored,
    sparse: SparseIndex,
    cosines: dict[str, float] | None = None,
    question: str = "",
    slot_sentence: str = "",
) -> Signals:
    """What the answerability decision reads about the best sentence and the passages; see qa.answerability.

    `question` is the question as typed when `query` translates it (qa.english): it stays foreign.
    """
    passages = retrieval.passages
    words = _content_words(query)
    # Read in simplified characters, as the query is: 員工 in a traditional passage is the 员工 asked for.
    texts = [to_simplified(f"{p.title}\n{p.section}\n{p.text}") for p in passages[:ANSWER_PASSAGES]]
    top = "\n".join(texts)
    titles = to_simplified("\n".join(p.title for p in passages[:ANSWER_PASSAGES]))
    source = passages[best.passage_rank]
    context = to_simplified(f"{source.title}\n{best.previous}\n{best.sentence}")
    dense_rank, keyword_rank = retrieval.dense_ranks[0], retrieval.keyword_ranks[0]
    passage_text = texts[best.passage_rank]  # sentences are taken from the first ANSWER_PASSAGES passages
    # the passages of the page's other articles (a document of one paragraph, as the public sets are
    # indexed, has none: another document may be another paragraph of one text)
    other_articles = [
        text for p, text in zip(passages, texts) if p.source == source.source and p.title != source.title
    ]
    slot_sentence = slot_sentence or best.sentence  # the best one, with those after it up to the value it lacks
    sentence = _simplified(best.sentence)
    with_slot = _simplified(f"{best.previous}{slot_sentence}")
    asks_figure = _concrete_slot(query) is ANSWER_TYPES[QUANTITY_TYPE][1]
    conflict = number_conflict(query, context, passage_text, source.source, figure=asks_figure)
    unit = unit_match(query, with_slot)
    typed_in_chinese = HAN.search(question or query) is not None  # an English question's verbs are guesses
    return Signals(
        lexical=evidence(query, passages, sparse),
        semantic=max([retrieval.cosines[0], *(cosines or {}).values()]),
        passage_cosine=retrieval.cosines[0],
        type_match=answer_type_match(query, best.sentence),
        unit_match=unit,
        agreement=((1 / dense_rank if dense_rank else 0.0) + (1 / keyword_rank if keyword_rank else 0.0)) / 2,
        missing_rare=_missing_rare(words, top, sparse),
        missing_noun=_missing_rare(missing_nouns(query, passage_text), passage_text, sparse),
        conflict=float(
            conflict
            or name_conflict(query, context, top)
            or value_clause_conflict(query, best.sentence)
            or part_conflict(query, best.sentence)
            or superlative_conflict(query, best.sentence)
            or sex_conflict(query, context)
            or measure_conflict(query, slot_sentence)
            or base_conflict(query, with_slot)
            or change_measure_conflict(query, best.sentence)
            or company_conflict(query, sentence)
            or listed_item_conflict(query, sentence)
            or uncounted_item_conflict(query, sentence)
            or (typed_in_chinese and act_conflict(query, sentence))
            or modifier_conflict(query, sentence)
            or other_name_conflict(query, sentence, titles)
            or office_conflict(query, _simplified(f"{best.previous}{best.sentence}"))
            or subject_elsewhere(query, passage_text, other_articles)
        ),
        foreign=0.0 if typed_in_chinese else 1.0,
        focus_missing=_focus_missing(query, _simplified(f"{source.title}{best.previous}{best.sentence}"), sparse),
        answer_cosine=(cosines or {}).get(best.sentence, retrieval.cosines[0]),
        sentence_lexical=coverage(words, best.sentence, sparse),
        number_missing=number_missing(query, context),
        slot_missing=answer_slot_missing(query, slot_sentence),
        unit_missing=float(unit == 0.0),
        clause_focus_missing=clause_focus_missing(query, slot_sentence, sparse),
        person_missing=person_missing(query, sentence),
    )


def _focus_missing(query: str, evidence_text: str, sparse: SparseIndex, focus: list[str] | None = None) -> float:
    """IDF share of the question's focus words (qa.answerability.focus_words) that the evidence lacks."""
    focus = focus_words(query) if focus is None else focus
    total = sum(sparse.idf(word) for word in focus)
    if not total:
        return 0.0
    present, compact = _words_of(evidence_text)
    return sum(sparse.idf(word) for word in focus if word not in present and word not in compact) / total


def extract_answer(
    question: str,
    query: str,
    passages: list[Passage] | Retrieval,
    sparse: SparseIndex,
    *,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    model: AnswerabilityModel | None = None,
) -> Answer:
    """Compose an extractive answer to `question` from passages retrieved for `query`.

    `embed` (texts -> unit vectors, e.g. `Retriever.embed`) lets the decision compare the
    question with single sentences; without it the passage cosine stands in.
    """
    retrieval = passages if isinstance(passages, Retrieval) else _plain(passages)
    if not retrieval.passages:
        return Answer(NOT_FOUND, [], False, query, question)
    words = _question_words(query)
    lexical = _score_sentences(query, words, retrieval.passages, sparse)
    # Embedding costs time: only the best candidates by words, or every sentence for a question
    # in another language, whose words say nothing.
    candidates = lexical if not HAN.search(query) else lexical[:SEMANTIC_CANDIDATES]
    cosines = sentence_cosines(retrieval, embed, [item.sentence for item in candidates])
    scored = _not_questions(_score_sentences(query, words, retrieval.passages, sparse, cosines) if cosines else lexical)
    chosen = _choose(scored, query)
    signals = answer_signals(query, retrieval, scored[0], sparse, cosines, question, _slot_sentence(scored, query))
    confidence = (model or default_model()).probability(signals)
    if confidence < (model or default_model()).threshold:
        return Answer(NOT_FOUND, retrieval.passages, False, query, question, confidence=confidence, signals=signals)
    text, ordered = _compose(chosen, retrieval.passages)
    sentences = [item.sentence for item in chosen]
    return Answer(text, ordered, True, query, question, sentences, confidence=confidence, signals=signals)


def _plain(passages: list[Passage]) -> Retrieval:
    """Passages without search signals: their scores stand in for cosines, ranks are their order."""
    ranks = list(range(1, len(passages) + 1))
    return Retrieval(passages, [p.score for p in passages], list(ranks), list(ranks), None)


def with_section_headings(extracted: Answer, stored: list[StoredPassage]) -> Answer:
    """For "哪几个方面" questions: the answer, then the section headings of its article, each cited.

    The headings are those of the article of the first cited passage, in document order;
    each cites the first passage of its section. Fewer than MIN_SECTIONS: unchanged.
    """
    first = extracted.passages[0]
    sections: dict[str, StoredPassage] = {}
    for passage in stored:
        if passage.source == first.source and passage.title == first.title and passage.section:
            sections.setdefault(passage.section, passage)
    if len(sections) < MIN_SECTIONS:
        return extracted
    passages = list(extracted.passages)
    ids = [p.passage_id for p in passages]
    markers = []
    for heading, passage in sections.items():
        if passage.passage_id not in ids:
            passages.append(Passage.from_stored(passage, 0.0))
            ids.append(passage.passage_id)
        markers.append(f"{heading}[{ids.index(passage.passage_id) + 1}]")
    text = f"{extracted.text}{'；'.join(markers)}"
    return replace(extracted, text=text, passages=passages, sentences=[*extracted.sentences, *sections])


def answer(
    question: str,
    history: list[tuple[str, str]] | None = None,
    *,
    k: int = 5,
    retriever: RetrieverSource | None = None,
    generate: bool = True,
) -> Answer:
    """Answer a question from the default index (or the retriever given).

    generate: let a configured language model write the answer (`qa.generation`); False
    keeps the extractive one (the web page streams the generated answer itself, `qa.streaming`).

    history: earlier (question, answer) turns of the conversation, oldest first; a
    follow-up such as "枇杷呢？" is searched together with the question it follows.
    """
    prepared = prepare_question(question)
    current = (retriever or live_retriever()).current()
    earlier = [prepare_question(user).text for user, _ in history or [] if isinstance(user, str) and user.strip()]
    searched = current.normalize(resolve_followup(prepared.text, earlier)).text
    query = searched if searched != prepared.text else question
    retrieval = current.search(searched, k=k)
    extracted = replace(
        extract_answer(question, searched, retrieval, current.sparse, embed=current.embed),
        query=query,
        truncated=prepared.truncated,
    )
    if extracted.found and ASPECT_QUESTION.search(searched):
        extracted = with_section_headings(extracted, current.passages)
    passages = retrieval.passages
    config = GenerationConfig.from_env()
    if config is None or not extracted.found or not generate:
        return extracted
    generated = generate_answer(config, searched, passages)
    if generated is None:
        return extracted
    return Answer(generated, passages, True, query, question, generated=True, truncated=prepared.truncated)
