"""The manifest on disk (qa/index_format.py): exact round trip, old manifests, and the reading checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.index_format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_FILE,
    Counts,
    Manifest,
    manifest_stamp,
    read_manifest,
    readable_manifest,
)
from qa.models import TORCH

KEY_ORDER = [
    "format",
    "format_version",
    "model",
    "encoder",
    "encoder_fingerprint",
    "encoder_check",
    "dimension",
    "index_type",
    "settings",
    "pipeline",
    "keywords",
    "dependencies",
    "built_at",
    "counts",
    "documents",
    "skipped",
]


def full_manifest() -> Manifest:
    """Every field set to a value that differs from its default."""
    return Manifest(
        model="BAAI/bge-small-zh-v1.5",
        dimension=512,
        encoder="onnx-int8",
        encoder_fingerprint="fp-123",
        encoder_check={"cosine": 0.99},
        index_type="flat",
        settings={"chunk_size": 300, "overlap": 50},
        pipeline="pipe-abc",
        keywords="kw-def",
        dependencies={"faiss": "1.8"},
        built_at="2026-11-25T21:00:00",
        counts=Counts(documents=2, articles=3, passages=7),
        documents={"a.txt": {"sha256": "aa", "articles": 1, "passages": 4}},
        skipped={"b.pdf": {"sha256": "bb", "reason": "no text"}},
        store={"collection": "qa", "generation": 4},
        files={"faiss.index": "ff"},
        format_version=FORMAT_VERSION,
    )


def write_manifest(index_dir: Path, data: object) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / MANIFEST_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_to_json_writes_every_field_in_the_fixed_key_order():
    data = full_manifest().to_json()
    assert list(data) == [*KEY_ORDER, "store", "files"]
    assert data == {
        "format": "qa-index",
        "format_version": FORMAT_VERSION,
        "model": "BAAI/bge-small-zh-v1.5",
        "encoder": "onnx-int8",
        "encoder_fingerprint": "fp-123",
        "encoder_check": {"cosine": 0.99},
        "dimension": 512,
        "index_type": "flat",
        "settings": {"chunk_size": 300, "overlap": 50},
        "pipeline": "pipe-abc",
        "keywords": "kw-def",
        "dependencies": {"faiss": "1.8"},
        "built_at": "2026-11-25T21:00:00",
        "counts": {"documents": 2, "articles": 3, "passages": 7},
        "documents": {"a.txt": {"sha256": "aa", "articles": 1, "passages": 4}},
        "skipped": {"b.pdf": {"sha256": "bb", "reason": "no text"}},
        "store": {"collection": "qa", "generation": 4},
        "files": {"faiss.index": "ff"},
    }
    assert list(data["counts"]) == ["documents", "articles", "passages"]


def test_to_json_leaves_out_store_and_files_when_they_are_unset():
    data = Manifest(model="m", dimension=8).to_json()
    assert list(data) == KEY_ORDER
    assert data["counts"] == {"documents": 0, "articles": 0, "passages": 0}
    assert (data["encoder"], data["built_at"], data["settings"], data["format_version"]) == (
        TORCH,
        "",
        {},
        FORMAT_VERSION,
    )


def test_from_json_reads_back_exactly_what_to_json_wrote():
    manifest = full_manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest
    through_text = json.loads(json.dumps(manifest.to_json(), ensure_ascii=False))
    assert Manifest.from_json(through_text) == manifest


def test_from_json_of_an_old_manifest_fills_the_newer_keys_with_their_defaults():
    old = {"format": FORMAT, "format_version": 2, "model": "m", "dimension": 16, "counts": {"passages": 5}}
    manifest = Manifest.from_json(old)
    assert manifest == Manifest(
        model="m",
        dimension=16,
        encoder=TORCH,
        encoder_fingerprint=None,
        encoder_check=None,
        index_type=None,
        settings={},
        pipeline=None,
        keywords=None,
        dependencies=None,
        built_at="",
        counts=Counts(documents=0, articles=0, passages=5),
        documents={},
        skipped={},
        store=None,
        files=None,
        format_version=2,
    )


def test_from_json_of_an_empty_object_gives_the_defaults_and_no_version():
    manifest = Manifest.from_json({})
    assert (manifest.model, manifest.dimension, manifest.encoder, manifest.built_at) == ("", None, TORCH, "")
    assert manifest.counts == Counts(0, 0, 0)
    assert (manifest.settings, manifest.documents, manifest.skipped) == ({}, {}, {})
    assert manifest.format_version is None
    assert Manifest.from_json({"counts": None}).counts == Counts(0, 0, 0)


def test_from_json_ignores_unknown_count_keys():
    counts = Manifest.from_json({"counts": {"documents": 1, "articles": 2, "passages": 3, "pages": 9}}).counts
    assert counts == Counts(documents=1, articles=2, passages=3)


def test_read_manifest_returns_the_manifest_written(tmp_path: Path):
    write_manifest(tmp_path / "index", full_manifest().to_json())
    assert read_manifest(tmp_path / "index") == full_manifest()
    assert readable_manifest(tmp_path / "index") == full_manifest()


def test_read_manifest_without_a_file_is_not_found(tmp_path: Path):
    with pytest.raises(IndexNotFoundError):
        read_manifest(tmp_path / "index")
    assert readable_manifest(tmp_path / "index") is None


def test_read_manifest_names_an_unreadable_file(tmp_path: Path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexMismatchError) as raised:
        read_manifest(tmp_path / "index")
    assert raised.value.problem.startswith("manifest.json is unreadable (")
    assert readable_manifest(tmp_path / "index") is None


@pytest.mark.parametrize("data", [["a list"], {"format": "other"}, {"format_version": FORMAT_VERSION}])
def test_read_manifest_refuses_what_is_not_a_qa_index_manifest(tmp_path: Path, data):
    write_manifest(tmp_path / "index", data)
    with pytest.raises(IndexMismatchError) as raised:
        read_manifest(tmp_path / "index")
    assert raised.value.problem == "manifest.json is not a qa-index manifest"


def test_read_manifest_refuses_another_format_version_and_names_both(tmp_path: Path):
    write_manifest(tmp_path / "index", {**full_manifest().to_json(), "format_version": FORMAT_VERSION - 1})
    with pytest.raises(IndexMismatchError) as raised:
        read_manifest(tmp_path / "index")
    assert raised.value.problem == (
        f"it has format version {FORMAT_VERSION - 1}, this program reads version {FORMAT_VERSION}"
    )
    assert readable_manifest(tmp_path / "index") is None


def test_manifest_stamp_is_the_inode_and_time_and_changes_on_a_replace(tmp_path: Path):
    index_dir = tmp_path / "index"
    assert manifest_stamp(index_dir) is None
    write_manifest(index_dir, {"a": 1})
    stat = (index_dir / MANIFEST_FILE).stat()
    assert manifest_stamp(index_dir) == (stat.st_ino, stat.st_mtime_ns)
    replacement = tmp_path / "new.json"
    replacement.write_text("{}", encoding="utf-8")
    kept = tmp_path / "kept.json"
    (index_dir / MANIFEST_FILE).rename(kept)  # keep the old inode alive so it is not reused
    replacement.rename(index_dir / MANIFEST_FILE)
    assert manifest_stamp(index_dir)[0] != stat.st_ino
