"""Incremental builds: only added and changed documents are embedded; the rest is kept."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qa import cli
from qa.chunking import ChunkSettings
from qa.errors import IndexLockedError
from qa.index import (
    MANIFEST_FILE,
    PIPELINE_MODULES,
    VECTORS_FILE,
    IndexSettings,
    build_index,
    index_status,
    load_index,
    pipeline_fingerprint,
)
from qa.lock import index_lock
from qa.retriever import Retriever
from tests.conftest import DOCUMENTS, BigramEncoder
from tests.gates import PausingEncoder


class CountingEncoder(BigramEncoder):
    """The fake encoder, counting the texts it embeds."""

    def __init__(self) -> None:
        self.embedded = 0

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        self.embedded += len(texts)
        return super().encode(texts, show_progress=show_progress)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(DOCUMENTS, folder)
    return folder


def passages_per_document(index_dir: Path) -> dict[str, int]:
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    return {source: entry["passages"] for source, entry in manifest["documents"].items()}


def test_editing_one_seed_document_embeds_only_its_passages(seeds: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    encoder = CountingEncoder()
    first = build_index(seeds, index_dir, encoder=encoder)
    assert (first.added, first.embedded, first.documents) == (2, first.passages, 2)
    (edited,) = [p for p in seeds.iterdir() if "2022-06" in p.name]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n## 新增消息\n\n清镇市新建口袋公园12个。\n", "utf-8")
    encoder.embedded = 0
    second = build_index(seeds, index_dir, encoder=encoder)
    counts = passages_per_document(index_dir)
    assert (second.added, second.changed, second.removed, second.unchanged) == (0, 1, 0, 1)
    assert second.embedded == encoder.embedded == counts[edited.name]
    assert second.passages == sum(counts.values())
    assert second.full_reason is None
    best = Retriever.load(index_dir, encoder=encoder).retrieve("清镇市新建口袋公园多少个", k=1)[0]
    assert "口袋公园12个" in best.text and best.source == edited.name


def test_kept_vectors_equal_fresh_ones(seeds: Path, tmp_path: Path, encoder):
    build_index(seeds, tmp_path / "a", encoder=encoder)
    (seeds / "new.md").write_text("# 新文档\n\n暗流镇排查农村自建房5511栋。\n", encoding="utf-8")
    build_index(seeds, tmp_path / "a", encoder=encoder)
    build_index(seeds, tmp_path / "b", encoder=encoder, full=True)
    assert np.array_equal(np.load(tmp_path / "a" / VECTORS_FILE), np.load(tmp_path / "b" / VECTORS_FILE))
    assert (tmp_path / "a" / "passages.jsonl").read_bytes() == (tmp_path / "b" / "passages.jsonl").read_bytes()


def test_nothing_changed_embeds_nothing_and_says_up_to_date(documents_dir: Path, tmp_path: Path):
    encoder = CountingEncoder()
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    manifest_before = (tmp_path / "index" / MANIFEST_FILE).read_bytes()
    encoder.embedded = 0
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert report.up_to_date and report.embedded == encoder.embedded == 0
    assert (report.unchanged, report.documents) == (2, 2)
    assert "up to date" in report.summary()
    assert (tmp_path / "index" / MANIFEST_FILE).read_bytes() == manifest_before  # not rewritten


def test_deleting_a_document_removes_every_passage_of_it(documents_dir: Path, tmp_path: Path):
    encoder = CountingEncoder()
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    (documents_dir / "page.txt").unlink()
    encoder.embedded = 0
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert (report.removed, report.unchanged, report.embedded, encoder.embedded) == (1, 1, 0, 0)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    results = retriever.retrieve("凹河村种植樱桃 贵州全面入汛", k=100)
    assert results and all(p.source == "sub/note.md" for p in results)
    assert {p.source for p in load_index(tmp_path / "index").passages} == {"sub/note.md"}


@pytest.mark.parametrize(
    ("settings", "model", "reason"),
    [
        (IndexSettings(ChunkSettings(chunk_size=120)), None, "chunking settings changed (chunk_size 300 -> 120)"),
        (IndexSettings(), "other-model", "model changed"),
    ],
)
def test_changing_the_model_or_settings_forces_a_full_rebuild(
    documents_dir: Path, tmp_path: Path, settings, model, reason
):
    build_index(documents_dir, tmp_path / "index", encoder=BigramEncoder())
    encoder = CountingEncoder()
    if model:
        encoder.name = model
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder, settings=settings)
    assert reason in report.full_reason and f"full rebuild: {report.full_reason}" in report.summary()
    assert report.embedded == encoder.embedded == report.passages


def test_an_index_without_stored_vectors_is_rebuilt_in_full(documents_dir: Path, tmp_path: Path, encoder):
    """As an older version left it: no vectors.npy, and none listed among the manifest's checksums."""
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    (tmp_path / "index" / VECTORS_FILE).unlink()
    manifest = json.loads((tmp_path / "index" / MANIFEST_FILE).read_text(encoding="utf-8"))
    del manifest["files"][VECTORS_FILE]
    (tmp_path / "index" / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert load_index(tmp_path / "index").passages  # it still answers questions
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert report.full_reason == f"the previous index has no readable {VECTORS_FILE} (built by an older version)"
    assert report.embedded == report.passages
    assert (tmp_path / "index" / VECTORS_FILE).is_file()


def test_a_change_of_the_document_pipeline_code_rebuilds_in_full(documents_dir: Path, tmp_path: Path):
    """Passages made by other reading or cutting code are not reused (the manifest's `pipeline`)."""
    build_index(documents_dir, tmp_path / "index", encoder=BigramEncoder())
    manifest_file = tmp_path / "index" / MANIFEST_FILE
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    assert manifest["pipeline"] == pipeline_fingerprint()
    manifest_file.write_text(json.dumps({**manifest, "pipeline": "0123456789abcdef"}), encoding="utf-8")
    assert (
        "code that reads and cuts documents changed"
        in index_status(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="torch").problem
    )
    encoder = CountingEncoder()
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert "the code that reads and cuts documents changed" in report.full_reason
    assert report.embedded == encoder.embedded == report.passages > 0
    assert json.loads(manifest_file.read_text(encoding="utf-8"))["pipeline"] == pipeline_fingerprint()


def test_the_pipeline_fingerprint_follows_the_bytes_of_each_module(monkeypatch: pytest.MonkeyPatch):
    """Each module that reads or cuts documents counts: editing any one of them changes the fingerprint."""
    assert set(PIPELINE_MODULES) == {"documents", "readers", "layout", "chunking", "passage"}
    real_read_bytes = Path.read_bytes
    before = pipeline_fingerprint()
    for module in PIPELINE_MODULES:
        edited = f"{module}.py"
        monkeypatch.setattr(
            Path, "read_bytes", lambda path, name=edited: real_read_bytes(path) + (b"#" if path.name == name else b"")
        )
        assert pipeline_fingerprint() != before, module
        monkeypatch.setattr(Path, "read_bytes", real_read_bytes)
    assert pipeline_fingerprint() == before


def test_a_second_builder_stops_with_a_clear_message(documents_dir: Path, tmp_path: Path, encoder):
    with index_lock(tmp_path / "index"), pytest.raises(IndexLockedError, match="Another build"):
        build_index(documents_dir, tmp_path / "index", encoder=encoder, lock_wait=0.2)
    assert build_index(documents_dir, tmp_path / "index", encoder=encoder).documents == 2


def test_staging_folders_of_killed_builds_are_removed(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    (tmp_path / ".index.building-abc123").mkdir()
    (tmp_path / ".index.building-abc123" / "faiss.index").write_bytes(b"half")
    (documents_dir / "new.txt").write_text("新增文档。", encoding="utf-8")
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index")) == [".index.lock"]


def test_an_index_retired_by_a_build_killed_mid_swap_is_put_back(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    (tmp_path / "index").rename(tmp_path / ".index.retired-1-2")
    report = build_index(documents_dir, tmp_path / "index", encoder=encoder)
    assert report.up_to_date and load_index(tmp_path / "index").manifest.counts.documents == 2


def test_status_lists_differences_without_changing_anything(documents_dir: Path, tmp_path: Path, encoder, capsys):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    (documents_dir / "new.txt").write_text("新增文档。", encoding="utf-8")
    (documents_dir / "page.txt").write_text("改过的页面。", encoding="utf-8")
    (documents_dir / "sub" / "note.md").unlink()
    (documents_dir / "empty.txt").write_bytes(b"")
    before = {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()}
    status = index_status(documents_dir, index_dir, model=encoder.name)
    assert (status.added, status.changed, status.removed) == (["new.txt"], ["page.txt"], ["sub/note.md"])
    assert [(s.source, s.reason) for s in status.skipped] == [("empty.txt", "empty file (0 bytes)")]
    argv = ["status", "--documents", str(documents_dir), "--index", str(index_dir), "--model", encoder.name]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "1 added, 1 changed, 1 removed, 0 unchanged, 1 skipped" in out
    assert "  removed  sub/note.md" in out and "run `qa build`" in out
    assert {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()} == before
    build_index(documents_dir, index_dir, encoder=encoder)
    assert cli.main(argv) == 0
    assert "the index is up to date" in capsys.readouterr().out


def test_cli_build_prints_the_summary_and_full_rebuilds(documents_dir: Path, tmp_path: Path, capsys, monkeypatch):
    encoder = CountingEncoder()
    monkeypatch.setattr("qa.index.load_encoder", lambda *args, **kwargs: encoder)
    argv = ["build", "--documents", str(documents_dir), "--index", str(tmp_path / "i"), "--model", encoder.name]
    assert cli.main(argv) == 0
    assert "2 added, 0 changed, 0 removed, 0 unchanged" in capsys.readouterr().out
    assert cli.main(argv) == 0
    assert "is up to date" in capsys.readouterr().out
    assert cli.main([*argv, "--full"]) == 0
    out = capsys.readouterr().out
    assert "full rebuild: asked for (--full)" in out and f"{encoder.embedded // 2} passages embedded" in out


def test_cli_second_builder_exits_1_with_one_line(documents_dir: Path, tmp_path: Path, capsys, monkeypatch, fake_model):
    monkeypatch.setattr("qa.lock.LOCK_WAIT", 0.2)
    with index_lock(tmp_path / "i"):
        assert cli.main(["build", "--documents", str(documents_dir), "--index", str(tmp_path / "i")]) == 1
    err = capsys.readouterr().err
    assert "Another build" in err and err.count("\n") == 1


@pytest.mark.integration
def test_real_model_incremental_build_finds_a_new_gb18030_document(seeds: Path, tmp_path: Path):
    from qa.embedding import load_encoder

    encoder = load_encoder()  # m3e-small, loaded once for both builds
    index_dir = tmp_path / "index"
    first = build_index(seeds, index_dir, encoder=encoder)
    (seeds / "暗流镇.txt").write_bytes("## 暗流镇自建房安全排查\n\n暗流镇共排查农村自建房5511栋。\n".encode("gb18030"))
    second = build_index(seeds, index_dir, encoder=encoder)
    assert (second.added, second.unchanged, second.passages) == (1, 2, first.passages + second.embedded)
    best = Retriever.load(index_dir, encoder=encoder).retrieve("暗流镇排查了多少栋农村自建房？", k=1)[0]
    assert best.source == "暗流镇.txt" and "5511栋" in best.text


def test_a_second_build_waits_for_the_first_then_goes_ahead(
    documents_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The second builder finds the lock held, waits (no error), and builds on the first one's index."""
    first_encoder = PausingEncoder()
    first_encoder.armed = True
    waiting = threading.Event()

    def sleep_noting_the_wait(seconds: float) -> None:
        waiting.set()
        time.sleep(seconds)

    monkeypatch.setattr("qa.lock.time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep_noting_the_wait))
    reports: dict[str, object] = {}

    def build(name: str, encoder, **options) -> None:
        try:
            reports[name] = build_index(documents_dir, tmp_path / "index", encoder=encoder, **options)
        except Exception as error:  # noqa: BLE001 (the test reads it)
            reports[name] = error

    first = threading.Thread(target=build, args=("first", first_encoder))
    first.start()
    assert first_encoder.entered.wait(60)  # the first build holds the lock, embedding
    (documents_dir / "new.txt").write_text("新增文档：暗流镇排查农村自建房5511栋。", encoding="utf-8")
    second = threading.Thread(target=build, args=("second", CountingEncoder()), kwargs={"lock_wait": 600})
    second.start()
    assert waiting.wait(60)  # the second build found the lock held and is waiting for it
    assert "second" not in reports
    first_encoder.release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert reports["first"].added == 2 and "new.txt" in reports["first"].changed_during_build
    assert (reports["second"].added, reports["second"].unchanged, reports["second"].full_reason) == (1, 2, None)
    assert set(load_index(tmp_path / "index").manifest.documents) == {"page.txt", "sub/note.md", "new.txt"}


def test_cli_build_encoder_records_the_path_and_a_change_of_path_rebuilds_in_full(
    documents_dir: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    loaded: list[str] = []

    def load_encoder(model=None, kind=None):
        loaded.append(kind)
        encoder = CountingEncoder()
        encoder.kind = kind
        encoder.fingerprint = f"{kind}/fake-bigram"
        return encoder

    monkeypatch.setattr("qa.index.load_encoder", load_encoder)
    monkeypatch.setattr("qa.index.known_fingerprint", lambda model, kind: f"{kind}/fake-bigram")
    argv = ["build", "--documents", str(documents_dir), "--index", str(tmp_path / "i"), "--model", "fake-bigram"]
    assert cli.main([*argv, "--encoder", "torch"]) == 0
    assert loaded == ["torch"] and load_index(tmp_path / "i").manifest.encoder == "torch"
    capsys.readouterr()
    assert cli.main([*argv, "--encoder", "onnx-int8"]) == 0
    out = capsys.readouterr().out
    assert "full rebuild: the embedding path changed (torch -> onnx-int8)" in out
    manifest = load_index(tmp_path / "i").manifest
    assert loaded == ["torch", "onnx-int8"] and manifest.encoder == "onnx-int8"
    assert f"{manifest.counts.passages} passages embedded" in out
    assert cli.main([*argv, "--encoder", "onnx-int8"]) == 0
    assert "is up to date" in capsys.readouterr().out and loaded == ["torch", "onnx-int8"]
    with pytest.raises(SystemExit):
        cli.main([*argv, "--encoder", "tensorrt"])
    assert "invalid choice: 'tensorrt'" in capsys.readouterr().err
