"""An index answers only through the encoder it was built with: fingerprints in the manifest."""

from __future__ import annotations

import json

import pytest

from qa.cli import main
from qa.errors import IndexMismatchError
from qa.index import build_index, index_status
from qa.retriever import Retriever
from tests.conftest import BigramEncoder


class ExportedBigramEncoder(BigramEncoder):
    """The fake encoder as if made by an export: same vectors, a fingerprint naming its graph."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint


def test_the_manifest_records_the_encoder_fingerprint(documents_dir, tmp_path):
    build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-a/key-1"))
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoder_fingerprint"] == "fake/recipe-a/key-1"


def test_an_encoder_with_another_fingerprint_is_refused_with_the_rebuild_message(documents_dir, tmp_path):
    build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-a/key-1"))
    assert Retriever.load(tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-a/key-1")).retrieve("入汛")
    with pytest.raises(IndexMismatchError, match="qa build") as raised:
        Retriever.load(tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-b/key-2"))
    assert "fake/recipe-a/key-1 -> fake/recipe-b/key-2" in str(raised.value)


def test_a_build_with_another_fingerprint_embeds_everything_again(documents_dir, tmp_path):
    build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-a/key-1"))
    same = build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-a/key-1"))
    assert same.up_to_date and same.embedded == 0
    other = build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("fake/recipe-b/key-2"))
    assert "this machine's encoder differs" in other.full_reason and other.embedded == other.passages


def test_status_reports_an_encoder_that_changed(documents_dir, tmp_path, monkeypatch):
    build_index(documents_dir, tmp_path / "index", encoder=ExportedBigramEncoder("torch/float32/fake-bigram"))
    status = index_status(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="torch")
    assert status.problem is None  # torch/float32/<model> is what the torch path of this model makes
    monkeypatch.setattr("qa.index.known_fingerprint", lambda model, kind: "onnx-int8/int8-per-tensor/other")
    status = index_status(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="torch")
    assert "this machine's encoder differs" in status.problem


def test_status_names_the_encoder_its_check_and_the_model_licence(documents_dir, tmp_path, capsys):
    encoder = ExportedBigramEncoder("torch/float32/m3e-small")
    encoder.name = "m3e-small"
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    manifest_file = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    assert manifest["encoder_check"] is None  # the torch path is the model itself
    main(["status", "--documents", str(documents_dir), "--index", str(tmp_path / "index")])
    out = capsys.readouterr().out
    assert "encoder: torch (the model itself, float32)" in out
    assert "model m3e-small: non-commercial, research use only" in out
    assert "the index is up to date" in out


def test_an_encoder_not_yet_exported_here_makes_the_index_stale_until_a_build_checks_it(
    documents_dir, tmp_path, monkeypatch
):
    encoder = ExportedBigramEncoder("onnx-int8/int8-per-channel/key-1")
    encoder.kind = "onnx-int8"
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    exported: list[str] = []
    monkeypatch.setattr("qa.index.known_fingerprint", lambda model, kind: exported[-1] if exported else None)
    reason = index_status(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="onnx-int8").stale_reason
    assert reason == "this machine has not exported and checked the encoder yet"

    def export_then_load(model=None, kind=None):
        exported.append(encoder.fingerprint)
        return encoder

    monkeypatch.setattr("qa.index.load_encoder", export_then_load)
    report = build_index(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="onnx-int8")
    assert exported and report.up_to_date and report.embedded == 0  # same fingerprint: nothing embedded again
    assert (
        index_status(documents_dir, tmp_path / "index", model="fake-bigram", encoder_kind="onnx-int8").stale_reason
        is None
    )
