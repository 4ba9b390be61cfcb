"""Question answering over a folder of Chinese documents, with cited passages.

from qa import Retriever
retriever = Retriever.load("index")
for p in retriever.retrieve("清镇市一季度完成工业投资多少？", k=5):
    print(p.score, p.citation, p.text)
"""

from qa.answer import Answer, answer
from qa.errors import QAError
from qa.index import BuildReport, IndexSettings, build_index
from qa.live import retrieve
from qa.passage import Passage
from qa.retriever import IndexInfo, Retriever

__all__ = [
    "Answer",
    "BuildReport",
    "IndexInfo",
    "IndexSettings",
    "Passage",
    "QAError",
    "Retriever",
    "answer",
    "build_index",
    "retrieve",
]
