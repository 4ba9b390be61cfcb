"""Building, saving and loading an index, with the fake encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.documents import read_document
from qa.errors import IndexMismatchError, IndexNotFoundError, NoDocumentsError
from qa.index import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    NO_BODY_TEXT,
    IndexSettings,
    build_index,
    index_status,
    load_index,
    passages_of,
)
from qa.integrity import sha256_of
from qa.passage import StoredPassage
from qa.retriever import Retriever


def test_build_writes_an_inspectable_index(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert (report.documents, report.articles) == (2, 3)
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "fake-bigram"
    assert manifest["dimension"] == encoder.dimension
    assert set(manifest["documents"]) == {"page.txt", "sub/note.md"}
    assert manifest["settings"]["chunk_size"] > 0
    lines = (index_dir / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report.passages == manifest["counts"]["passages"]
    assert "凹河村" in "".join(lines)  # Chinese stays readable (ensure_ascii=False)
    loaded = load_index(index_dir)
    assert [p.passage_id for p in loaded.passages] == list(range(report.passages))
    assert {p.title for p in loaded.passages} == {
        "明起全面入汛——贵州六方面做好防汛抗旱工作",
        "凹河村——果园里的好日子",
        "说明",
    }


def test_rebuild_replaces_the_index_and_keeps_its_readme(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "README.md").write_text("how to build", encoding="utf-8")
    build_index(documents_dir, index_dir, encoder=encoder)
    (documents_dir / "page.txt").unlink()
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert report.documents == 1
    assert (index_dir / "README.md").read_text(encoding="utf-8") == "how to build"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".index.")]
    assert leftovers == [".index.lock"]  # the lock file stays; no staging or retired folders


def test_a_failed_build_leaves_the_previous_index_intact(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    before = (index_dir / "passages.jsonl").read_bytes()

    class Broken:
        name, kind, dimension = "fake-bigram", "torch", 256

        def encode(self, texts, *, show_progress=False):
            raise RuntimeError("killed mid-build")

    (documents_dir / "new.txt").write_text("新增的文档，需要嵌入。", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index(documents_dir, index_dir, encoder=Broken())
    assert (index_dir / "passages.jsonl").read_bytes() == before
    assert load_index(index_dir).manifest.counts.passages > 0


def test_empty_documents_folder_is_a_clear_error(tmp_path: Path, encoder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDocumentsError, match="No readable"):
        build_index(tmp_path / "empty", tmp_path / "index", encoder=encoder)


def test_missing_index_is_a_clear_error(tmp_path: Path):
    with pytest.raises(IndexNotFoundError, match="qa build"):
        load_index(tmp_path / "nowhere")


def test_other_format_version_or_model_is_refused(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    with pytest.raises(IndexMismatchError, match="model"):
        load_index(index_dir, expected_model="m3e-small")
    manifest_path = index_dir / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format version"):
        load_index(index_dir)


def test_passage_count_disagreement_is_detected(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    lines = (index_dir / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    (index_dir / "passages.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    # the checksum would catch the edit first: record the new one, as a build writing
    # a short passages file would, so that only the count check is left to find it
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["files"]["passages.jsonl"] = sha256_of(index_dir / "passages.jsonl")
    (index_dir / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    expected = f"the manifest lists {len(lines)} passages, passages.jsonl has {len(lines) - 1} and faiss.index has"
    with pytest.raises(IndexMismatchError, match=expected):
        load_index(index_dir)


def test_stale_reason_follows_documents_and_model(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    assert "qa build" in index_status(documents_dir, index_dir, model=encoder.name).stale_reason
    build_index(documents_dir, index_dir, encoder=encoder)
    assert index_status(documents_dir, index_dir, model=encoder.name).stale_reason is None
    assert "model" in index_status(documents_dir, index_dir, model="other").stale_reason
    (documents_dir / "new.txt").write_text("新的文档。", encoding="utf-8")
    assert "new.txt" in index_status(documents_dir, index_dir, model=encoder.name).stale_reason


def test_a_document_of_headings_alone_is_reported_skipped_and_a_hashtag_line_is_indexed(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "weibo.txt").write_text("#北京冬奥会#2022年2月4日，冬奥会在北京开幕。", encoding="utf-8")
    (folder / "label.md").write_text("## 贵州发布\n", encoding="utf-8")
    status = index_status(folder, tmp_path / "index", model="fake-bigram")
    assert status.added == ["weibo.txt"]
    assert [(s.source, s.reason) for s in status.skipped] == [("label.md", NO_BODY_TEXT)]
    document = read_document(folder / "weibo.txt", folder)
    articles, passages = passages_of(document, IndexSettings(), 0)
    assert (articles, [p.text for p in passages]) == (1, ["#北京冬奥会#2022年2月4日，冬奥会在北京开幕。"])


def test_a_change_of_the_keyword_code_reindexes_keywords_and_keeps_the_vectors(
    documents_dir: Path, tmp_path: Path, encoder
):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    (index_dir / MANIFEST_FILE).write_text(json.dumps({**manifest, "keywords": "older"}), encoding="utf-8")
    assert "keyword" in index_status(documents_dir, index_dir, model=encoder.name, encoder_kind="torch").stale_reason
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert report.embedded == 0 and report.passages == manifest["counts"]["passages"]
    assert index_status(documents_dir, index_dir, model=encoder.name, encoder_kind="torch").stale_reason is None


def test_the_indexed_text_carries_the_title_and_section():
    passage = StoredPassage(0, "a.txt", "华锦铝业", "产能", "其氧化铝产能达160万吨/年。")
    assert passage.indexed_text(True) == "华锦铝业\n产能\n其氧化铝产能达160万吨/年。"
    assert passage.indexed_text(False) == "其氧化铝产能达160万吨/年。"
    assert StoredPassage(0, "a.txt", "", "", "正文").indexed_text(True) == "正文"


@pytest.mark.parametrize("embed_titles", [True, False])
def test_a_question_naming_only_the_title_finds_the_passage_when_titles_are_embedded(
    tmp_path: Path, encoder, embed_titles: bool
):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# 华锦铝业扩产\n\n其氧化铝产能达160万吨/年。\n", encoding="utf-8")
    (folder / "b.md").write_text("# 清镇工业\n\n清镇市规模以上工业企业数量达118家。\n", encoding="utf-8")
    build_index(folder, tmp_path / "index", encoder=encoder, settings=IndexSettings(embed_titles=embed_titles))
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    assert [p.text for p in retriever.passages if p.source == "a.md"] == ["其氧化铝产能达160万吨/年。"]
    for mode in ("bm25", "dense"):
        found = [p.source for p in retriever.retrieve("华锦铝业", k=1, mode=mode)]
        if embed_titles:
            assert found == ["a.md"], mode
        elif mode == "bm25":
            assert found == [], mode  # the title's words are in no indexed text
