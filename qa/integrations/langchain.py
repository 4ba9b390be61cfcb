"""LangChain adapters: an index as a `BaseRetriever`, the project's encoder as `Embeddings`.

    pip install '.[langchain]'            # langchain-core

    >>> from qa.integrations.langchain import QARetriever, QAEmbeddings
    >>> retriever = QARetriever.from_index("index", k=3)
    >>> docs = retriever.invoke("贵州省2024年从哪天起全面入汛？")
    >>> docs[0].metadata["citation"]
    '《明起全面入汛——贵州六方面做好防汛抗旱工作》 · 贵阳日报_2024-04-30_清镇工业经济与贵州防汛.txt'

A retrieved `Document` holds the passage text as `page_content` and, in `metadata`, its
`source`, `title`, `section`, `page` (None outside PDFs), `score`, `citation` and
`passage_id` (also the Document's `id`). The retriever is a Runnable: it composes with
prompts, parsers and models (`retriever | format_docs`), and searches with the project's
hybrid retrieval, not with a LangChain vector store. `QAEmbeddings` embeds with the same
model (m3e-small unless told otherwise) for LangChain components that take `Embeddings`.
"""

from __future__ import annotations

from pathlib import Path

from qa.embedding import Encoder, configured_model
from qa.index_format import read_manifest
from qa.live import LiveRetriever, live_retriever, shared_encoder
from qa.passage import Passage
from qa.retriever import Retriever

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever
except ImportError as error:  # pragma: no cover (langchain-text-splitters brings langchain-core)
    raise ImportError("qa.integrations.langchain needs langchain-core: pip install 'qa[langchain]'") from error

__all__ = ["QAEmbeddings", "QARetriever", "to_document"]


def to_document(passage: Passage) -> Document:
    """A LangChain Document of a passage: its text, and where it comes from in `metadata`."""
    return Document(
        id=str(passage.passage_id),
        page_content=passage.text,
        metadata={
            "source": passage.source,
            "title": passage.title,
            "section": passage.section,
            "page": passage.page,
            "score": passage.score,
            "citation": passage.citation,
            "passage_id": passage.passage_id,
        },
    )


class QARetriever(BaseRetriever):
    """The k best passages of an index for a query, as Documents, best first.

    `index` is a `qa.Retriever` (one loaded index) or a `LiveRetriever` (follows rebuilds;
    what `from_index` gives). Errors a user can act on raise `qa.QAError` subclasses.
    """

    index: Retriever | LiveRetriever
    k: int = 5
    mode: str | None = None  # "dense", "bm25" or "hybrid"; None: the index's default (hybrid)

    @classmethod
    def from_index(cls, index_dir: str | Path | None = None, *, k: int = 5, mode: str | None = None) -> QARetriever:
        """The retriever of an index folder (default: $QA_INDEX, else index/), loaded on first use."""
        return cls(index=live_retriever(index_dir), k=k, mode=mode)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(passage) for passage in self.index.current().retrieve(query, k=self.k, mode=self.mode)]


class QAEmbeddings(Embeddings):
    """The project's encoder as LangChain `Embeddings`: unit-length vectors, queries and texts alike.

    QAEmbeddings()                      # $QA_MODEL, else m3e-small, with the default encoder kind
    QAEmbeddings.from_index("index")    # the model and kind an index was built with
    QAEmbeddings(encoder=my_encoder)    # any `qa.embedding.Encoder`
    """

    def __init__(self, model: str | None = None, kind: str | None = None, *, encoder: Encoder | None = None) -> None:
        self.encoder = encoder or shared_encoder(model or configured_model(), kind)

    @classmethod
    def from_index(cls, index_dir: str | Path) -> QAEmbeddings:
        manifest = read_manifest(Path(index_dir))
        return cls(manifest.model, manifest.encoder)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.encoder.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
