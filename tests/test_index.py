"""Building, saving and loading an index, with the fake encoder."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import qa.index as index_module
from qa.documents import read_document
from qa.errors import IndexMismatchError, IndexNotFoundError, NoDocumentsError
from qa.index import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    NO_BODY_TEXT,
    BuildReport,
    IndexSettings,
    IndexStatus,
    Manifest,
    Plan,
    build_index,
    encoder_check,
    index_status,
    load_index,
    passages_of,
    pipeline_fingerprint,
)
from qa.integrity import sha256_of
from qa.passage import StoredPassage
from qa.retriever import Retriever
from qa.store import StoreLocation, parse_location


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


# --- planning, status and reports, without a build (judged by `make mutate`'s index group) ---


def report(**fields) -> BuildReport:
    base = {"index_dir": Path("idx"), "model": "m", "documents": 3, "articles": 4, "passages": 9, "seconds": 1.23}
    return BuildReport(**{**base, **fields})


def test_an_up_to_date_report_says_so_and_names_the_folder_or_the_store():
    assert report().up_to_date
    assert report().summary() == "index idx is up to date: 3 documents, 9 passages, nothing embedded (1.2 s)"
    assert report(store="milvus://h/qa").summary().startswith("index milvus://h/qa is up to date:")


@pytest.mark.parametrize("field", ["added", "changed", "removed"])
def test_a_report_with_a_changed_document_is_not_up_to_date(field):
    assert not report(**{field: 1}).up_to_date


def test_an_incremental_report_counts_documents_and_passages_exactly():
    text = report(added=1, changed=2, removed=3, unchanged=4, embedded=5).summary()
    assert text == (
        "indexed 3 documents, 4 articles, 9 passages in 1.2 s with m -> idx\n"
        "documents: 1 added, 2 changed, 3 removed, 4 unchanged; 5 passages embedded"
    )


def test_a_full_rebuild_report_gives_its_reason_first_and_names_skips_and_late_changes():
    text = report(full_reason="no index", store="s.db", skipped=2, changed_during_build=("a.txt", "b.txt")).summary()
    assert not report(full_reason="no index").up_to_date
    assert text.splitlines() == [
        "full rebuild: no index",
        "indexed 3 documents, 4 articles, 9 passages in 1.2 s with m -> s.db",
        "documents: 0 added, 0 changed, 0 removed, 0 unchanged; 0 passages embedded",
        "skipped 2 files (see the warnings)",
        "changed while the build read them: a.txt, b.txt; run `qa build` again to index their new content",
    ]


def plan(**fields) -> Plan:
    base = {"added": [], "changed": [], "removed": [], "unchanged": [], "fresh": [], "skipped": []}
    return Plan(**{**base, **fields})


def status(problem=None, keywords=False, fingerprint="fp", **fields) -> IndexStatus:
    return IndexStatus(Path("idx"), None, problem, plan(**fields), keywords, fingerprint)


def test_the_stale_reason_is_the_problem_first_then_documents_then_keywords_then_the_encoder():
    assert status("the model changed", added=["a"], keywords=True, fingerprint=None).stale_reason == "the model changed"
    assert status(added=["c"], changed=["a"], removed=["b"], keywords=True).stale_reason == "documents changed: a, b, c"
    assert status(keywords=True, fingerprint=None).stale_reason == (
        "the keyword code changed (qa/sparse, question): the keyword index is rebuilt, the vectors kept"
    )
    assert status(fingerprint=None).stale_reason == "this machine has not exported and checked the encoder yet"
    assert status().stale_reason is None


def test_a_status_is_up_to_date_only_without_problem_changes_or_stale_keywords():
    assert status().up_to_date
    assert status(fingerprint=None).up_to_date  # the encoder is checked by the next build, not a change
    for stale in (
        status("p"),
        status(added=["a"]),
        status(changed=["a"]),
        status(removed=["a"]),
        status(keywords=True),
    ):
        assert not stale.up_to_date
    full = status(added=["a"], changed=["b"], removed=["c"], unchanged=["d"], skipped=["e"])
    assert (full.added, full.changed, full.removed, full.unchanged, full.skipped) == (["a"], ["b"], ["c"], ["d"], ["e"])


def test_a_plan_counts_the_documents_kept_and_read_once_each():
    fresh = [SimpleNamespace(source="b"), SimpleNamespace(source="c")]
    assert plan(unchanged=["a", "b"], fresh=fresh).documents == 3


def current_manifest(**fields) -> Manifest:
    base = {
        "model": "m",
        "dimension": 4,
        "encoder": "torch",
        "encoder_fingerprint": "fp",
        "settings": IndexSettings().to_dict(),
        "pipeline": pipeline_fingerprint(),
        "dependencies": {"jieba": "1"},
    }
    return Manifest(**{**base, **fields})


@pytest.fixture
def pinned_dependencies(monkeypatch):
    monkeypatch.setattr(index_module, "index_dependencies", lambda model: {"jieba": "1"})


def problem_of(manifest: Manifest, fingerprint: str | None = "fp") -> str | None:
    return index_module._manifest_problem(manifest, "m", "torch", IndexSettings(), fingerprint)


def test_a_manifest_problem_names_what_changed(pinned_dependencies):
    assert problem_of(current_manifest()) is None
    assert problem_of(current_manifest(model="old")) == "the model changed ('old' -> 'm')"
    assert problem_of(current_manifest(encoder="onnx-int8")) == "the embedding path changed (onnx-int8 -> torch)"
    assert problem_of(current_manifest(encoder_fingerprint="old")) == (
        "this machine's encoder differs from the one the index was built with (old -> fp), "
        "so questions and passages would be embedded differently"
    )
    assert problem_of(current_manifest(encoder_fingerprint="old"), fingerprint=None) is None  # not known: not compared
    settings = {**IndexSettings().to_dict(), "chunk_size": 1}
    assert problem_of(current_manifest(settings=settings)) == (
        f"the chunking settings changed (chunk_size 1 -> {IndexSettings().to_dict()['chunk_size']})"
    )
    with_extra = {**IndexSettings().to_dict(), "retired_key": 1}
    assert problem_of(current_manifest(settings=with_extra)) == "the chunking settings changed (unknown keys)"
    assert problem_of(current_manifest(pipeline="old")) == (
        "the code that reads and cuts documents changed (qa/documents, readers, layout, chunking, passage)"
    )
    assert (
        problem_of(current_manifest(dependencies={"jieba": "0"}))
        == "what makes tokens or vectors changed (jieba 0 -> 1)"
    )


def test_the_encoder_check_is_recorded_for_an_onnx_encoder_and_none_for_torch(encoder):
    check = SimpleNamespace(recipe="dynamic-int8", min_cosine=0.98, mean_cosine=0.995, extra="not recorded")
    assert encoder_check(SimpleNamespace(check=check)) == {
        "recipe": "dynamic-int8",
        "min_cosine": 0.98,
        "mean_cosine": 0.995,
    }
    assert encoder_check(encoder) is None


def test_a_store_target_is_none_for_a_folder_and_the_location_for_milvus():
    assert index_module._target(None) is None
    assert index_module._target("index") is None
    assert index_module._target(parse_location("index")) is None
    assert index_module._target("milvus://host:19530/docs") == StoreLocation("milvus", "http://host:19530", "docs")
    lite = StoreLocation("milvus", "/data/qa.db")
    assert index_module._target(lite) is lite


def test_the_build_lock_of_a_milvus_lite_file_is_named_after_the_file(tmp_path: Path):
    assert index_module._lock_dir(StoreLocation("milvus", "/data/qa.db"), tmp_path) == Path("/data/qa.db.build")
    assert index_module._lock_dir(StoreLocation("milvus", "http://h:19530"), tmp_path) == tmp_path
    assert index_module._lock_dir(None, tmp_path) == tmp_path


def test_the_previous_build_in_a_store_is_reused_only_when_it_matches(monkeypatch, pinned_dependencies):
    target = StoreLocation("milvus", "http://h:19530", "qa")
    published: list[Manifest | None] = [None]
    monkeypatch.setattr(index_module, "_store_manifest", lambda where, folder: published[0])

    def previous(fingerprint="fp"):
        return index_module._previous_in_store(target, "m", "torch", IndexSettings(), fingerprint)

    assert previous() == (None, "no index in milvus://h:19530/qa yet")
    published[0] = current_manifest(format_version=3)
    assert previous() == (None, "the index in milvus://h:19530/qa has format version 3")
    published[0] = current_manifest(model="old")
    assert previous() == (None, "the model changed ('old' -> 'm')")
    published[0] = current_manifest()
    found, reason = previous()
    assert reason is None
    assert found.manifest == published[0] and found.passages == {}
    assert found.vectors.shape == (0, 4) and found.vectors.dtype == np.float32


def test_the_status_of_an_empty_store_is_a_not_found_problem(documents_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(index_module, "_store_manifest", lambda where, folder: None)
    found = index_status(documents_dir, tmp_path / "index", model="m", encoder_kind="torch", store="milvus://h:1/qa")
    assert found.manifest is None
    assert found.problem.startswith("找不到索引 milvus://h:1/qa")
    assert not found.keywords_stale
    assert sorted(found.added) == ["page.txt", "sub/note.md"]
