"""The records that cross module boundaries: a stored passage and a retrieved one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class StoredPassage:
    """One passage as kept in the index (`passages.jsonl`, one JSON object a line)."""

    passage_id: int  # row in the FAISS index
    source: str  # document path relative to the documents folder
    title: str  # the article's title
    section: str  # section heading inside the article, "" when none
    text: str  # as a reader should see it

    def indexed_text(self, with_title: bool) -> str:
        """What is embedded and keyword-indexed: the passage, with its article's title and section.

        The context lets "其氧化铝产能达160万吨/年" be found by a question naming 华锦.
        """
        if not with_title:
            return self.text
        return "\n".join(part for part in (self.title, self.section, self.text) if part)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def make_citation(title: str, source: str) -> str:
    """A short reference a reader can follow: 《article title》 · file."""
    return f"《{title}》 · {source}" if title else source


@dataclass(frozen=True)
class Passage:
    """A retrieved passage with its score and citation."""

    text: str
    source: str
    title: str
    section: str
    score: float  # higher is better
    citation: str
    passage_id: int

    @classmethod
    def from_stored(cls, stored: StoredPassage, score: float) -> Passage:
        return cls(
            text=stored.text,
            source=stored.source,
            title=stored.title,
            section=stored.section,
            score=score,
            citation=make_citation(stored.title, stored.source),
            passage_id=stored.passage_id,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
