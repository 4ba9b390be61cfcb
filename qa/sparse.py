"""Keyword retrieval: BM25 over words from the jieba segmenter (search mode).

Text is read in simplified characters (OpenCC t2s) before it is cut, so a traditional
document matches a simplified question and the other way round; passages are still
stored and shown as written.

Dense vectors find paraphrases; BM25 finds the exact names, numbers and places a
question mentions. The index is saved as plain bm25s files in a folder of its own.
A second leg indexes overlapping character pairs (bigrams) of the Chinese text: it finds
names the segmenter glues to the next character ("潘淑是谁的皇后？" is cut 潘淑是, which no
passage holds; its pair 潘淑 still meets the passage). A question is searched there only
by the pairs around its words that no passage holds, so a question the word leg reads
well is ranked as before. This module does not fuse
scores, its legs' or the dense ones; `qa.retriever` does.

    >>> tokenize("华锦铝业一天能产出多少吨氧化铝？")
    ['华锦', '铝业', '一天', '产出', '多少', '吨', '氧化', '化铝', '氧化铝']
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qa.question import to_simplified

log = logging.getLogger(__name__)

# Function words carry no topic; a question's wording would otherwise outweigh its subject.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "将",
        "把",
        "被",
        "对",
        "为",
        "从",
        "向",
        "等",
        "着",
        "过",
        "之",
        "其",
        "该",
        "这",
        "那",
        "个",
        "有",
        "能",
        "会",
        "要",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
    ]
)
# Words that say what is asked, not what it is about. They are also taught to the
# segmenter, so that "哪天起" splits as 哪天 + 起, not 哪 + 天起.
QUESTION_WORDS = frozenset(
    [
        "多少",
        "几",
        "什么",
        "时候",
        "什么时候",
        "哪",
        "哪些",
        "哪里",
        "哪儿",
        "哪个",
        "哪家",
        "哪天",
        "哪年",
        "哪一年",
        "哪一天",
        "谁",
        "怎么",
        "怎么样",
        "如何",
        "为什么",
        "是否",
        "吗",
        "呢",
        "何时",
        "多大",
        "多远",
        "多长",
        "多高",
        "多久",
        "一年",
    ]
)
_WORD = re.compile(r"\w", re.UNICODE)
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
BIGRAM_DIR = "bigrams"  # the bigram leg's bm25s files, inside the keyword index folder
_segmenter = None


def _jieba():
    global _segmenter
    if _segmenter is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        for word in QUESTION_WORDS:
            if len(word) > 1:
                jieba.add_word(word)
        _segmenter = jieba
    return _segmenter


def segmenter():
    """The shared jieba module, initialised and taught the question words."""
    return _jieba()


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG, so a root handler prints "DEBUG bm25s: Building index…"
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _is_function_word(token: str) -> bool:
    """A stopword, or one repeated ("啊啊啊", which jieba keeps as one word)."""
    return token in STOPWORDS or (len(set(token)) == 1 and token[0] in STOPWORDS)


def normalise(text: str) -> str:
    """What the segmenter reads: NFKC (full width to half), lower case, simplified characters."""
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def tokenize(text: str) -> list[str]:
    """Search-mode words (overlapping: 清镇, 清镇市), lower-cased, without punctuation or function words."""
    text = normalise(text)
    return [
        token
        for token in (t.strip() for t in _jieba().cut_for_search(text))
        if token and _WORD.search(token) and not _is_function_word(token)
    ]


def content_words(text: str) -> list[str]:
    """Distinct words in precise mode (one token a concept: 今天天气, not 今天/天天/天气/今天天气)."""
    text = normalise(text)
    return [
        token
        for token in dict.fromkeys(t.strip() for t in _jieba().lcut(text))
        if token and _WORD.search(token) and not _is_function_word(token)
    ]


def bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters, in simplified form: "清镇市" -> 清镇, 镇市."""
    return [run[i : i + 2] for run in _HAN_RUN.findall(normalise(text)) for i in range(len(run) - 1)]


def question_bigrams(question: str, known: Callable[[str], bool] = lambda word: False) -> list[str]:
    """Bigrams around the question's words that `known` does not know, one character either side.

    "潘淑是谁的皇后？" is cut 潘淑是 / 谁 / 的 / 皇后; 潘淑是 is in no passage, so its pairs
    and those reaching into its neighbours are searched: 的潘, 潘淑, 淑是, 是谁. Known words
    and the words that ask (什么, 哪里…) add none: they are the word leg's business.
    """
    text = normalise(question)
    pairs: list[str] = []
    end = 0
    for token in _jieba().lcut(text):
        start, end = end, end + len(token)
        if token in QUESTION_WORDS or known(token) or not _HAN_RUN.fullmatch(token):
            continue
        pairs += bigrams(text[max(start - 1, 0) : end + 1])
    return list(dict.fromkeys(pairs))


class SparseIndex:
    """BM25 scores of every passage for a question: words, plus character bigrams when built with them."""

    def __init__(self, bm25, bigram_bm25=None) -> None:
        self._bm25 = bm25
        self._bigram_bm25 = bigram_bm25
        self._document_frequency = np.diff(bm25.scores["indptr"])  # token id -> passages containing it

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    @property
    def vocabulary(self) -> dict[str, int]:
        """Every word of the index -> the number of passages that contain it."""
        counts = self._document_frequency
        return {token: int(counts[i]) for token, i in self._bm25.vocab_dict.items() if token and i < len(counts)}

    def idf(self, token: str) -> float:
        """Inverse document frequency of a word; highest for a word no passage contains."""
        token_id = self._bm25.vocab_dict.get(token)
        frequency = int(self._document_frequency[token_id]) if token_id is not None else 0
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    @classmethod
    def build(cls, texts: list[str]) -> SparseIndex:
        bm25s = _bm25s()

        legs = []
        for cut in (tokenize, bigrams):
            bm25 = bm25s.BM25()
            # An empty placeholder token keeps bm25s happy with passages that have no words.
            bm25.index([cut(text) or [""] for text in texts], show_progress=False)
            legs.append(bm25)
        return cls(*legs)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)
        if self._bigram_bm25 is not None:
            self._bigram_bm25.save(str(Path(folder) / BIGRAM_DIR), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        bm25s = _bm25s()

        bigram_folder = Path(folder) / BIGRAM_DIR
        bigram_bm25 = (
            bm25s.BM25.load(str(bigram_folder), show_progress=False, verbosity=0) if bigram_folder.is_dir() else None
        )
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0), bigram_bm25)

    def scores(self, question: str) -> np.ndarray:
        """One BM25 score of words per passage, in passage_id order (zeros when no word matches)."""
        return self._leg(self._bm25, tokenize(question))

    def bigram_scores(self, question: str) -> np.ndarray:
        """One BM25 score of character bigrams per passage (zeros for an index built without them)."""
        if self._bigram_bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        return self._leg(self._bigram_bm25, question_bigrams(question, self.knows))

    def knows(self, word: str) -> bool:
        """Whether some passage holds the word (as the segmenter cut it there)."""
        return word in self._bm25.vocab_dict

    @staticmethod
    def _leg(bm25, tokens: list[str]) -> np.ndarray:
        if not tokens:
            return np.zeros(int(bm25.scores["num_docs"]), dtype=np.float32)
        return np.asarray(bm25.get_scores(tokens), dtype=np.float32)
