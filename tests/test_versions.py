"""The manifest records what changes tokens or vectors; a change forces a full rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import versions
from qa.index import build_index, index_status, load_index
from qa.versions import TOKEN_PACKAGES, dependency_changes, index_dependencies, model_weights_sha256


def test_the_manifest_records_library_versions_and_weights(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    recorded = load_index(tmp_path / "index").manifest.dependencies
    assert set(recorded) == {*TOKEN_PACKAGES, "model_weights"}
    assert recorded["jieba"] == versions.package_version("jieba") != "not installed"
    assert recorded == index_dependencies(encoder.name)


@pytest.mark.parametrize("package", TOKEN_PACKAGES)
def test_an_upgrade_forces_a_full_rebuild(package, documents_dir, tmp_path, encoder, monkeypatch):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    assert index_status(documents_dir, index_dir, model=encoder.name, encoder_kind="torch").stale_reason is None
    installed = versions.package_version
    monkeypatch.setattr(versions, "package_version", lambda name: "99.0" if name == package else installed(name))
    reason = index_status(documents_dir, index_dir, model=encoder.name, encoder_kind="torch").stale_reason
    assert reason == f"what makes tokens or vectors changed ({package} {installed(package)} -> 99.0)"
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert report.full_reason == reason and report.embedded == report.passages
    assert index_status(documents_dir, index_dir, model=encoder.name, encoder_kind="torch").stale_reason is None


def test_the_weight_hash_follows_the_weight_files(tmp_path: Path):
    model = tmp_path / "model"
    model.mkdir()
    assert model_weights_sha256(str(model)) is None  # no weights: nothing to record
    (model / "config.json").write_text("{}", encoding="utf-8")
    (model / "model.safetensors").write_bytes(b"weights v1")
    first = model_weights_sha256(str(model))
    (model / "config.json").write_text('{"x": 1}', encoding="utf-8")
    assert model_weights_sha256(str(model)) == first  # only the weights count
    (model / "model.safetensors").write_bytes(b"weights v2, another size")
    assert model_weights_sha256(str(model)) not in (None, first)
    assert model_weights_sha256("some-hub-name") is None


def test_dependency_changes():
    now = {"jieba": "0.42.1", "model_weights": "ab"}
    assert dependency_changes(now, now) is None
    assert dependency_changes({"jieba": "0.42.1", "model_weights": "cd"}, now) == "model_weights cd -> ab"
    assert dependency_changes(None, now) == "the index does not record the versions it was built with"
