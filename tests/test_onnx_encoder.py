"""The int8 ONNX embedding path: choice of encoder, cache folder, equality with the float model, no torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.documents import read_documents
from qa.embedding import ONNX_INT8, TORCH, default_kind, kind_of, load_encoder
from qa.errors import ModelLoadError
from qa.index import IndexSettings, build_index, passages_of
from qa.onnx_encoder import onnx_cache_dir
from tests.conftest import DOCUMENTS, ROOT


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_ONNX_CACHE", raising=False)
    monkeypatch.delenv("QA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert onnx_cache_dir() == tmp_path / "xdg" / "qa" / "onnx"
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "qa"))
    assert onnx_cache_dir() == tmp_path / "qa" / "onnx"
    monkeypatch.setenv("QA_ONNX_CACHE", str(tmp_path / "onnx"))
    assert onnx_cache_dir() == tmp_path / "onnx"


def test_encoder_kind_comes_from_the_environment(monkeypatch, encoder):
    monkeypatch.setenv("QA_ENCODER", TORCH)
    assert default_kind() == TORCH
    monkeypatch.delenv("QA_ENCODER")
    assert default_kind() in (ONNX_INT8, TORCH)
    assert kind_of(encoder) == TORCH  # an encoder without a kind counts as torch


def test_unknown_encoder_kind_says_which_exist():
    with pytest.raises(ModelLoadError, match="onnx-int8, torch"):
        load_encoder("m3e-small", "tensorrt")


def test_manifest_records_the_encoder_kind(documents_dir, tmp_path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoder"] == TORCH and manifest["index_type"] == "flat-ip"


@pytest.fixture(scope="session")
def onnx_encoder():
    """Exported once per session into the user cache (or $QA_ONNX_CACHE), then reused."""
    pytest.importorskip("onnxruntime")
    return load_encoder("m3e-small", ONNX_INT8)


@pytest.fixture(scope="session")
def dev_passages() -> list[str]:
    settings = IndexSettings()
    return [p.indexed_text(True) for d in read_documents(DOCUMENTS) for p in passages_of(d, settings, 0)[1]]


@pytest.mark.integration
def test_onnx_embeddings_equal_the_float_model(onnx_encoder, dev_passages):
    fast = onnx_encoder.encode(dev_passages)
    slow = load_encoder("m3e-small", TORCH).encode(dev_passages)
    assert fast.shape == slow.shape == (len(dev_passages), 512)
    assert np.linalg.norm(fast, axis=1) == pytest.approx(1.0, abs=1e-4)
    assert (fast * slow).sum(axis=1).min() >= 0.98


@pytest.mark.integration
def test_a_text_gets_the_same_vector_alone_and_padded_in_a_batch(onnx_encoder, dev_passages):
    batch = onnx_encoder.encode(["", "短", *dev_passages[:5]])
    alone = onnx_encoder.encode(dev_passages[:5])
    # dynamic int8 quantises activations per batch, so the company a text keeps moves it a little
    assert (batch[2:] * alone).sum(axis=1).min() >= 0.99
    assert onnx_encoder.encode([]).shape == (0, 512)


@pytest.mark.integration
def test_the_onnx_query_path_does_not_import_torch(onnx_encoder, tmp_path):
    index_dir = tmp_path / "index"
    build_index(DOCUMENTS, index_dir, encoder=onnx_encoder)
    assert json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["encoder"] == ONNX_INT8
    script = (
        "import sys; from qa.retriever import Retriever; "
        f"r = Retriever.load({str(index_dir)!r}); "
        "best = r.retrieve('贵州省2024年从哪天起全面入汛？', k=5); "
        "assert any('5月1日起全面入汛' in p.text for p in best); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]", result.stderr
