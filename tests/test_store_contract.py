"""One contract for every store: the local index folder and Milvus (Lite, in a file, started by the test).

The Milvus case skips when pymilvus or milvus-lite is not installed (`pip install -e '.[milvus]'`).
Tests assert ids, order and text, never raw scores: Milvus's BM25 scores differ from bm25s's.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import pytest

from qa.errors import IndexLockedError, IndexNotFoundError
from qa.index import build_index, index_status
from qa.live import LiveRetriever
from qa.lock import index_lock
from qa.retriever import Retriever
from qa.store import MILVUS, PassageStore, StoreLocation
from tests.test_incremental import CountingEncoder

_names = itertools.count()


@pytest.fixture(scope="module")
def milvus_lite_file(tmp_path_factory: pytest.TempPathFactory):
    """One Milvus Lite file for the module (its server starts once); each test uses its own collections."""
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from qa import milvus_store

    path = tmp_path_factory.mktemp("milvus") / "contract.db"
    yield str(path)
    milvus_store.close_clients()  # stops the milvus-lite process


@pytest.fixture(params=["local", "milvus-lite", "milvus-server"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    """build_index / Retriever.load keyword arguments that name one store.

    milvus-server: the server at $QA_MILVUS_URI (e.g. http://milvus:19530), skipped when unset.
    """
    name = f"contract{os.getpid()}_{next(_names)}"
    if request.param == "local":
        return {"index_dir": tmp_path / "index", "store": None}
    if request.param == "milvus-server":
        if not os.environ.get("QA_MILVUS_URI"):
            pytest.skip("QA_MILVUS_URI is not set")
        pytest.importorskip("pymilvus")
        return {"index_dir": tmp_path / "index", "store": StoreLocation(MILVUS, os.environ["QA_MILVUS_URI"], name)}
    location = StoreLocation(MILVUS, request.getfixturevalue("milvus_lite_file"), name=name)
    return {"index_dir": tmp_path / "index", "store": location}


def build(documents: Path, where: dict, encoder, **options):
    return build_index(documents, where["index_dir"], encoder=encoder, store=where["store"], **options)


def load(where: dict, encoder) -> Retriever:
    return Retriever.load(where["index_dir"], encoder=encoder, store=where["store"])


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_a_built_store_answers_with_cited_passages(documents_dir: Path, where: dict, encoder, mode: str):
    report = build(documents_dir, where, encoder)
    assert (report.documents, report.articles) == (2, 3)
    retriever = load(where, encoder)
    assert isinstance(retriever.store, PassageStore)
    best = retriever.retrieve("凹河村种植樱桃多少亩", k=3, mode=mode)[0]
    assert "樱桃600亩" in best.text
    assert best.citation == "《凹河村——果园里的好日子》 · page.txt"
    assert retriever.info.passages == report.passages == len(retriever.passages)
    assert retriever.store.manifest.documents.keys() == {"page.txt", "sub/note.md"}


def test_passages_come_back_in_the_order_asked(documents_dir: Path, where: dict, encoder):
    build(documents_dir, where, encoder)
    store = load(where, encoder).store
    ids = [p.passage_id for p in store.all_passages()]
    assert ids == sorted(ids) and len(ids) == store.size
    assert [p.passage_id for p in store.passages(ids[::-1])] == ids[::-1]


def test_both_stores_rank_the_same_passages_in_the_same_order(documents_dir: Path, tmp_path: Path, encoder, where):
    if where["store"] is None:
        pytest.skip("compares Milvus with the local store")
    build(documents_dir, where, encoder)
    build_index(documents_dir, tmp_path / "local", encoder=encoder)
    milvus, local = load(where, encoder), Retriever.load(tmp_path / "local", encoder=encoder)
    for question in ("凹河村种植樱桃多少亩", "贵州什么时候入汛", "清镇市规模以上工业企业有多少家"):
        for mode in ("dense", "hybrid"):
            expected = [(p.passage_id, p.source) for p in local.retrieve(question, k=4, mode=mode)]
            assert [(p.passage_id, p.source) for p in milvus.retrieve(question, k=4, mode=mode)] == expected
        assert (
            milvus.retrieve(question, k=1, mode="bm25")[0].passage_id
            == local.retrieve(question, 1, mode="bm25")[0].passage_id
        )


def test_an_incremental_build_embeds_changes_and_deletes_removed_documents(documents_dir: Path, where: dict):
    encoder = CountingEncoder()
    first = build(documents_dir, where, encoder)
    page = documents_dir / "page.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n## 新增\n\n清镇市新建口袋公园12个。\n", encoding="utf-8")
    (documents_dir / "sub" / "note.md").unlink()
    encoder.embedded = 0
    second = build(documents_dir, where, encoder)
    assert (second.changed, second.removed, second.unchanged) == (1, 1, 0)
    assert second.embedded == encoder.embedded == first.passages - 1 + 1  # page.txt's passages, plus the new one
    retriever = load(where, encoder)
    assert {p.source for p in retriever.passages} == {"page.txt"}
    assert "口袋公园12个" in retriever.retrieve("清镇市新建了多少个口袋公园", k=1)[0].text
    encoder.embedded = 0
    assert build(documents_dir, where, encoder).up_to_date and encoder.embedded == 0


def test_readers_see_nothing_of_a_build_killed_before_it_published(documents_dir: Path, where: dict, encoder):
    build(documents_dir, where, encoder)
    before = [(p.passage_id, p.text) for p in load(where, encoder).passages]
    (documents_dir / "page.txt").write_text("## 新文章\n\n全新的内容：清镇市建成图书馆3座。\n", encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what a kill between staging and publishing leaves behind

    writer_class = _writer_class(where)
    original = writer_class.publish
    writer_class.publish = killed
    try:
        with pytest.raises(KeyboardInterrupt):
            build(documents_dir, where, encoder)
    finally:
        writer_class.publish = original
    assert [(p.passage_id, p.text) for p in load(where, encoder).passages] == before
    report = build(documents_dir, where, encoder)  # cleans up after the killed build
    texts = [p.text for p in load(where, encoder).passages]
    assert len(texts) == report.passages and "全新的内容：清镇市建成图书馆3座。" in texts


def _writer_class(where: dict):
    if where["store"] is None:
        from qa.index import LocalWriter

        return LocalWriter
    from qa.milvus_store import MilvusWriter

    return MilvusWriter


def test_a_live_retriever_follows_a_rebuild(documents_dir: Path, where: dict, encoder, fake_model):
    build(documents_dir, where, encoder)
    live = LiveRetriever(where["store"] or where["index_dir"])
    assert live.current().info.documents == 2
    (documents_dir / "sub" / "note.md").unlink()
    build(documents_dir, where, encoder)
    assert live.current().info.documents == 1
    assert {p.source for p in live.current().passages} == {"page.txt"}


def test_a_second_builder_is_refused(documents_dir: Path, where: dict, encoder):
    from qa.index import _lock_dir, _target

    with index_lock(_lock_dir(_target(where["store"]), where["index_dir"])), pytest.raises(IndexLockedError):
        build(documents_dir, where, encoder, lock_wait=0.2)


def test_status_tells_what_the_store_holds(documents_dir: Path, where: dict, encoder):
    with pytest.raises(IndexNotFoundError):
        load(where, encoder)
    build(documents_dir, where, encoder)
    shutil.copy(documents_dir / "page.txt", documents_dir / "copy.txt")
    status = index_status(documents_dir, where["index_dir"], model=encoder.name, store=where["store"])
    assert status.manifest.counts.documents == 2
    assert (status.added, status.problem) == (["copy.txt"], None)


def test_the_cli_builds_shows_and_asks_a_milvus_lite_store(
    documents_dir: Path, tmp_path: Path, capsys, encoder, fake_model, monkeypatch, milvus_lite_file
):
    from qa import cli

    store = str(Path(milvus_lite_file).with_name("cli.db"))
    assert cli.main(["build", "--documents", str(documents_dir), "--store", store]) == 0
    assert "2 documents, 3 articles, 4 passages" in capsys.readouterr().out
    monkeypatch.setenv("QA_STORE", store)  # the default store from here on
    assert cli.main(["status", "--documents", str(documents_dir), "--model", encoder.name]) == 0
    status = capsys.readouterr().out
    assert f"store: Milvus {store}, collection qa_p1, build 1, dense index FLAT" in status
    assert "2 documents, 3 articles, 4 passages" in status and "the index is up to date" in status
    assert cli.main(["ask", "凹河村种植樱桃多少亩", "-k", "1", "--json"]) == 0
    (best,) = json.loads(capsys.readouterr().out)["passages"]
    assert "樱桃600亩" in best["text"] and best["source"] == "page.txt"


def test_answers_weigh_words_the_same_on_every_store(documents_dir: Path, where: dict, encoder):
    from qa.answer import answer

    build(documents_dir, where, encoder)
    retriever = load(where, encoder)
    result = answer("凹河村种了多少亩樱桃？", retriever=retriever)
    assert result.found and "樱桃600亩" in result.text
    assert [p.passage_id for p in result.passages] == [p.passage_id for p in retriever.retrieve(result.query)]
    assert retriever.sparse.idf("没有这个词") > retriever.sparse.idf("樱桃") > 0  # a word no passage holds weighs most
