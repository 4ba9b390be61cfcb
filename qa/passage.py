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
    page: int | None = None  # 1-based page of a PDF, None for other formats

    def indexed_text(self, with_title: bool) -> str:
        """What is embedded and keyword-indexed: the passage, with its article's title and section.

        The context lets "其氧化铝产能达160万吨/年" be found by a question naming 华锦.
        """
        if not with_title:
            return self.text
        return "\n".join(part for part in (self.title, self.section, self.text) if part)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["page"] is None:  # keep passages.jsonl lines of other formats as they were
            del data["page"]
        return data


def make_citation(title: str, source: str, page: int | None = None) -> str:
    """A short reference a reader can follow: 《article title》 · file, or · file.pdf p.3."""
    where = f"{source} p.{page}" if page is not None else source
    return f"《{title}》 · {where}" if title else where


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
    page: int | None = None  # 1-based page of a PDF, None for other formats

    @classmethod
    def from_stored(cls, stored: StoredPassage, score: float) -> Passage:
        return cls(
            text=stored.text,
            source=stored.source,
            title=stored.title,
            section=stored.section,
            score=score,
            citation=make_citation(stored.title, stored.source, stored.page),
            passage_id=stored.passage_id,
            page=stored.page,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
