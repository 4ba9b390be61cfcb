"""Rewrite a question into the words the documents use, as Chinese is typed.

    >>> terms = CorpusTerms(["一季度，清镇市完成工业投资8.4亿元，同比增长29%。"], ["清镇", "清镇市", "一季度", "投资"])
    >>> normalize_question("清真市1季度工业投资增长了百分之二十九吗？", terms).text
    '清镇市一季度工业投资增长了29%吗？'

- Repeats: a character typed four times or more in a row counts once (很很很很 -> 很).
- Numbers: a quantity written in Chinese numerals or in digits (一季度/1季度,
  二〇二四年/2024年, 百分之二十九/29%, 三千/3000) is rewritten into a spelling the documents
  hold; when they hold none, it stays as typed.
- Homophone typos: a run of whole words (two to four characters) the documents never
  contain, whose pinyin (tones ignored, as pinyin input methods type it) is that of a word
  of the index sharing at least one character in the same place, becomes that word
  (清真市 -> 清镇市). The words come from the index itself, never from a list: its keyword
  vocabulary, and the place names of its text (the characters before 村/镇/市…). A run is left
  as typed when it is one of the question's asking words (哪些, 何时), a phrase of words the
  documents hold (比例是), a word glued to 是/的/了, or a common word of the language (体裁); a
  common word is never what a typo meant (队友), nor is a dictionary word that names nothing
  when the run typed is a dictionary word too (推估, 推古). See _may_be_typo and _homophone.
  A typo the segmenter glued into a long unknown word (华锦铝叶) is read inside it, and replaced
  only when the whole word then is one the documents hold (华锦铝业); see _rewrite_inside_words.

Traditional characters are mapped to simplified before this, by `qa.question`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from qa.numerals import find_numbers, spellings
from qa.question import to_simplified

HAN = re.compile(r"[\u4e00-\u9fff]+")
# A character typed four times or more ("啊啊啊啊", "？？？？") says nothing more than once, and a
# long run of it drowns the question's meaning for the embedding model.
REPEATED = re.compile(r"([\u4e00-\u9fff!?！？。，,.~～…])\1{3,}")
# Asking words as they are spoken, read as they are written: "啥时候" is 什么时候, "咋办" is 怎么办.
WRITTEN = {"啥子": "什么", "啥": "什么", "咋样": "怎么样", "咋": "怎么"}  # longest first: 啥子 before 啥
COLLOQUIAL = re.compile("|".join(WRITTEN))
WINDOWS = (4, 3, 2)  # longest first: 凹和村 -> 凹河村 before 和村 -> 河村
# Place names that the segmenter splits (凹河村 -> 凹 + 河村) are read from the text as the
# two or three characters before one of these.
PLACE_SUFFIXES = "村镇乡县市区站"
PLACE = re.compile(rf"(?=([\u4e00-\u9fff]{{2,3}}[{PLACE_SUFFIXES}]))")
ASKING_CHARACTERS = "哪几何谁"  # a word holding one asks (哪些, 几次, 何时, 因何, 谁家)
# Characters that stand as words of their own (是, 的, 在…): a run that starts or ends with one is
# a word glued to it by the segmenter ("家了", "队有", "镇在"), not a name typed wrong.
FUNCTION_CHARACTERS = "的了是在于所时上其为有与及都也就把被将对从向以做着过之"


@lru_cache(maxsize=1)
def _readings() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return {code: _toneless(readings.split(",")[0]) for code, readings in pinyin_dict.items()}


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFKD", syllable)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable a character reads as (qing, zhen, lv…)."""
    return frozenset(_readings().values())


def pinyin_key(text: str) -> tuple[str, ...] | None:
    """The toneless pinyin of each character (its most common reading); None if one has none."""
    readings = _readings()
    key = tuple(readings.get(ord(char), "") for char in text)
    return None if "" in key else key


class CorpusTerms:
    """What the index holds, for rewriting questions: its text and its keyword vocabulary."""

    def __init__(self, texts: list[str], vocabulary: list[str], frequency: dict[str, int] | None = None) -> None:
        self._text = "\n".join(texts)
        # Questions are read in simplified characters: a traditional document's 境內 holds the 境内 typed.
        simplified = to_simplified(self._text)
        self._simplified = simplified if simplified != self._text else self._text
        words = {w for w in vocabulary if 2 <= len(w) <= max(WINDOWS) and HAN.fullmatch(w)}
        # A place name starts a word: 动农村 in "带动农村" (带动 is a word) is none.
        places = {
            m.group(1) for m in PLACE.finditer(self._text) if self._text[max(m.start() - 1, 0) : m.start() + 1] not in words
        }
        self._vocabulary = sorted(words | places)
        self._frequency = frequency or {}
        self._by_sound: dict[tuple[str, ...], list[str]] | None = None

    def contains(self, text: str) -> bool:
        return text in self._text or text in self._simplified

    def frequency(self, word: str) -> int:
        """How often the keyword index holds the word (0 when unknown)."""
        return self._frequency.get(word, 0)

    def sounding_like(self, text: str) -> list[str]:
        """Words of the index with the same pinyin as `text`, most frequent first."""
        key = pinyin_key(text)
        return self.words_sounding(key) if key is not None else []

    def words_sounding(self, key: tuple[str, ...]) -> list[str]:
        """Words of the index read as these toneless syllables, most frequent first."""
        if self._by_sound is None:
            by_sound: dict[tuple[str, ...], list[str]] = defaultdict(list)
            for word in self._vocabulary:
                sound = pinyin_key(word)
                if sound is not None:
                    by_sound[sound].append(word)
            for words in by_sound.values():
                words.sort(key=lambda w: -self._frequency.get(w, 0))
            self._by_sound = dict(by_sound)
        return self._by_sound.get(key, [])


@dataclass(frozen=True)
class NormalizedQuestion:
    text: str  # what is searched
    changes: list[tuple[str, str]] = field(default_factory=list)  # (as typed, as searched)


def _rewrite_colloquial(question: str) -> tuple[str, list[tuple[str, str]]]:
    changes: list[tuple[str, str]] = []

    def written(match: re.Match[str]) -> str:
        changes.append((match.group(), WRITTEN[match.group()]))
        return WRITTEN[match.group()]

    return COLLOQUIAL.sub(written, question), changes


def _rewrite_numbers(question: str, terms: CorpusTerms) -> tuple[str, list[tuple[str, str]]]:
    parts, changes, last = [], [], 0
    for mention in find_numbers(question):
        forms = spellings(mention)
        chosen = next((form for form in forms if terms.contains(form)), mention.text)
        parts.append(question[last : mention.start])
        parts.append(chosen)
        last = mention.end
        if chosen != mention.text:
            changes.append((mention.text, chosen))
    parts.append(question[last:])
    return "".join(parts), changes


def _homophone(window: str, terms: CorpusTerms) -> str | None:
    sounding = terms.sounding_like(window)  # a dictionary lookup: the scans of the text below come after it
    if not sounding or _common(window) or terms.contains(window):
        return None
    for word in sounding:
        if word == window or not any(a == b for a, b in zip(word, window)) or _common(word):
            continue
        if _dictionary_tag(window) is not None and _dictionary_tag(word) not in (None, *NAME_TAGS):
            continue  # 推估 and 推古, 将名 and 江名: two words of the language, neither a name, are two words
        return word
    return None


# A word the language uses this often (jieba's dictionary counts) is typed as meant (体裁, 外貌,
# 小时), and is no name of the documents a typo could stand for (队友, 似的, 有点): the typos
# this rewrite corrects are of names and terms (清镇市, 暗流镇, 旭鼎, 华锦).
COMMON_WORD = 200
NAME_TAGS = ("ns", "nr", "nt", "nz")  # place, person, organisation, other proper name


def _common(word: str) -> bool:
    return _dictionary().FREQ.get(word, 0) >= COMMON_WORD


def _dictionary_tag(word: str) -> str | None:
    """The part of speech jieba's dictionary gives the word; None when the dictionary lacks it."""
    import jieba.posseg

    _dictionary()
    return jieba.posseg.dt.word_tag_tab.get(word)


def _dictionary():
    from qa.sparse import segmenter

    return segmenter().dt


def word_boundaries(question: str) -> set[int]:
    """Positions where a word of the question starts or ends."""
    return _edges(_words(question))


def _edges(words: list[tuple[str, int, int]]) -> set[int]:
    return {0, *(end for _, _, end in words)}


def _words(question: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of each word of the question, as the segmenter cuts it."""
    from qa.sparse import segmenter

    words, position = [], 0
    for word in segmenter().lcut(question):
        words.append((word, position, position + len(word)))
        position += len(word)
    return words


def _asking(word: str) -> bool:
    """A word that says what is asked (哪些, 何时, 几次, 多大): typed as meant, and it carries the question's type."""
    from qa.sparse import QUESTION_WORDS

    return (
        word in QUESTION_WORDS
        or any(c in ASKING_CHARACTERS for c in word)
        or word.startswith(("什么", "怎么"))
        or (len(word) == 2 and word[0] == "多")
    )


def _may_be_typo(words: list[tuple[str, str]], terms: CorpusTerms) -> bool:
    """Whether a run of whole words could be a homophone typo at all.

    - The question's own asking words are typed as meant: on a corpus of encyclopaedia paragraphs
      "有哪些" sounds like the index's 那些, "何时" like 何氏, "几次" like 及次, "多大" like 多达.
    - A run whose words of two or more characters the documents all hold is a phrase of the
      documents' words: "比例是" sounds like 比利时 and "高英是" like a glued 高英时. A typo has a
      word the documents lack (清真 in 清真市) or only single characters (凹和村).
    - A run that starts or ends with a function character (是, 的, 了…) holds a word the segmenter
      glued to it ("家了" in "118家了吗"), unless it ends a place name (凹和村).
    """
    if any(_asking(word) for word, _ in words):
        return False
    run = "".join(piece for _, piece in words)
    if run[-1] not in PLACE_SUFFIXES and (run[0] in FUNCTION_CHARACTERS or run[-1] in FUNCTION_CHARACTERS):
        return False
    longer = [piece for _, piece in words if len(piece) > 1]
    return len(words) == 1 or not longer or not all(terms.contains(piece) for piece in longer)


def _rewrite_inside_words(question: str, terms: CorpusTerms) -> tuple[str, list[tuple[str, str]]]:
    """A long word that neither the documents nor the dictionary hold may be a name of the documents
    the segmenter glued to a typo: "华锦铝叶" is 华锦铝业 typed 叶. A part of it that sounds like an index
    word is replaced only when the whole word then is one the documents hold (史继偕著 stays: 史继写著 is
    nowhere)."""
    changes = []
    for word, start, _ in _words(question):
        if len(word) < 4 or not HAN.fullmatch(word) or terms.contains(word) or _dictionary_tag(word) is not None:
            continue
        for size in WINDOWS[1:]:
            candidates = (
                word[:offset] + meant + word[offset + size :]
                for offset in range(len(word) - size + 1)
                if (meant := _homophone(word[offset : offset + size], terms)) is not None
            )
            rewritten = next((candidate for candidate in candidates if terms.contains(candidate)), None)
            if rewritten is not None:
                question = question[:start] + rewritten + question[start + len(word) :]  # same length
                changes.append((word, rewritten))
                break
    return question, changes


def _rewrite_homophones(question: str, terms: CorpusTerms) -> tuple[str, list[tuple[str, str]]]:
    """Replace runs of whole words that sound like an index word; a run never starts inside a word."""
    changes = []
    chars = list(question)
    words = _words(question)
    edges = _edges(words)
    for run in HAN.finditer(question):
        position = run.start()
        while position < run.end():
            for size in WINDOWS:
                end = position + size
                if end > run.end() or position not in edges:
                    continue
                if end not in edges and question[end - 1] not in PLACE_SUFFIXES:
                    continue  # 凹和村种了: the segmenter glues 村种, but 村 ends a place name
                # the words the run covers, cut at its ends (村种 glued: 村)
                inside = [
                    (word, question[max(start, position) : min(stop, end)])
                    for word, start, stop in words
                    if start < end and stop > position
                ]
                word = _homophone(question[position:end], terms)
                if word is not None and _may_be_typo(inside, terms):
                    chars[position:end] = list(word)  # same length: positions stay valid
                    changes.append((question[position:end], word))
                    position = end
                    break
            else:
                position += 1
    return "".join(chars), changes


def normalize_question(question: str, terms: CorpusTerms) -> NormalizedQuestion:
    """The question with spoken asking words (啥, 咋) as written, numbers and homophone typos in the
    documents' own spelling."""
    question = REPEATED.sub(r"\1", question)
    written, colloquial_changes = _rewrite_colloquial(question)
    text, number_changes = _rewrite_numbers(written, terms)
    text, inside_changes = _rewrite_inside_words(text, terms)
    text, sound_changes = _rewrite_homophones(text, terms)
    return NormalizedQuestion(text, colloquial_changes + number_changes + inside_changes + sound_changes)
