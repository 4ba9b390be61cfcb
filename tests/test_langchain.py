"""qa.integrations.langchain: the index as a LangChain retriever, the encoder as Embeddings (fake encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from qa.errors import EmptyQuestionError, IndexNotFoundError
from qa.index import build_index
from qa.integrations.langchain import QAEmbeddings, QARetriever
from qa.retriever import Retriever


@pytest.fixture
def index_dir(documents_dir: Path, tmp_path: Path, encoder, fake_model) -> Path:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return tmp_path / "index"


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(f"[{n}] {doc.page_content}（{doc.metadata['citation']}）" for n, doc in enumerate(docs, 1))


def test_the_retriever_returns_documents_with_citation_metadata(index_dir: Path):
    retriever = QARetriever.from_index(index_dir, k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("凹河村种植樱桃多少亩")
    assert len(docs) == 2 and all(isinstance(doc, Document) for doc in docs)
    first = docs[0]
    assert first.page_content == "目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。"
    assert set(first.metadata) == {"source", "title", "section", "page", "score", "citation", "passage_id"}
    assert first.metadata["source"] == "page.txt" and first.metadata["title"] == "凹河村——果园里的好日子"
    assert first.metadata["citation"] == "《凹河村——果园里的好日子》 · page.txt" and first.metadata["page"] is None
    assert first.id == str(first.metadata["passage_id"])
    assert first.metadata["score"] >= docs[1].metadata["score"]


def test_the_retriever_matches_the_library_and_takes_k_and_mode(index_dir: Path, encoder):
    library = Retriever.load(index_dir, encoder=encoder)
    question = "贵州省从哪天起全面入汛"
    for mode in ("dense", "bm25", "hybrid"):
        docs = QARetriever(index=library, k=3, mode=mode).invoke(question)
        passages = library.retrieve(question, k=3, mode=mode)
        assert [d.metadata["passage_id"] for d in docs] == [p.passage_id for p in passages]
    batch = QARetriever(index=library, k=1).batch(["凹河村种植樱桃多少亩", "规模以上工业企业有多少家"])
    assert [docs[0].metadata["source"] for docs in batch] == ["page.txt", "sub/note.md"]


async def _ainvoke(retriever: QARetriever, question: str) -> list[Document]:
    return await retriever.ainvoke(question)


def test_the_retriever_works_async(index_dir: Path):
    import asyncio

    docs = asyncio.run(_ainvoke(QARetriever.from_index(index_dir, k=1), "凹河村种植樱桃多少亩"))
    assert "樱桃600亩" in docs[0].page_content


def test_a_chain_of_retriever_prompt_and_parser_cites_the_passages(index_dir: Path):
    """A small RAG chain without a language model: retrieve, format with citations, fill a prompt."""
    prompt = ChatPromptTemplate.from_template("根据以下段落回答问题，并注明出处。\n\n{context}\n\n问题：{question}")
    chain = (
        {
            "context": QARetriever.from_index(index_dir, k=2) | RunnableLambda(format_docs),
            "question": RunnablePassthrough(),
        }
        | prompt
        | RunnableLambda(lambda value: value.to_string())
        | StrOutputParser()
    )
    text = chain.invoke("凹河村种植樱桃多少亩")
    assert text.startswith("Human: 根据以下段落回答问题")
    assert "[1] 目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。（《凹河村——果园里的好日子》 · page.txt）" in text
    assert text.endswith("问题：凹河村种植樱桃多少亩")


def test_errors_are_the_libraries_own(index_dir: Path, tmp_path: Path):
    with pytest.raises(EmptyQuestionError):
        QARetriever.from_index(index_dir).invoke("   ")
    with pytest.raises(IndexNotFoundError, match="qa build"):
        QARetriever.from_index(tmp_path / "missing").invoke("樱桃")


def test_embeddings_wrap_the_encoder_and_serve_a_langchain_vector_store(encoder):
    embeddings = QAEmbeddings(encoder=encoder)
    vectors = embeddings.embed_documents(["凹河村种植樱桃600亩", "贵州省5月1日起全面入汛"])
    assert len(vectors) == 2 and len(vectors[0]) == encoder.dimension
    assert vectors[0] == pytest.approx(encoder.encode(["凹河村种植樱桃600亩"])[0].tolist())
    assert embeddings.embed_query("凹河村种植樱桃600亩") == pytest.approx(vectors[0])
    assert embeddings.embed_documents([]) == []
    store = InMemoryVectorStore(embedding=embeddings)
    store.add_texts(["凹河村种植樱桃600亩", "贵州省5月1日起全面入汛"], metadatas=[{"n": 1}, {"n": 2}])
    assert store.similarity_search("什么时候全面入汛", k=1)[0].metadata == {"n": 2}


def test_embeddings_from_an_index_use_its_model_and_kind(index_dir: Path, encoder, monkeypatch: pytest.MonkeyPatch):
    asked = []
    monkeypatch.setattr("qa.live.load_encoder", lambda model, kind: asked.append((model, kind)) or encoder)
    QAEmbeddings.from_index(index_dir)
    assert asked == [("fake-bigram", "torch")]
