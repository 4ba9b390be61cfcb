"""The int8 ONNX embedding path: choice of encoder, cache folder, equality with the float model, no torch."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import onnx_export
from qa.cache import cache_root
from qa.cli import main
from qa.documents import read_documents
from qa.embedding import ONNX_INT8, TORCH, default_kind, load_encoder
from qa.errors import ModelLoadError
from qa.index import IndexSettings, build_index, passages_of
from qa.models import pooling_mode, resolve_model_path
from qa.onnx_export import FLOAT_RECIPE, MIN_COSINE, Recipe, export_dir, export_key
from tests.conftest import DOCUMENTS, ROOT


def test_every_cache_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "qa"
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "qa"))
    assert export_dir(resolve_model_path("m3e-small")).parent == tmp_path / "qa" / "onnx"


def test_the_test_session_starts_with_an_empty_cache_of_its_own():
    session_cache = Path(os.environ["QA_CACHE"])
    assert session_cache.name.startswith("qa-test-cache-")
    assert not str(session_cache).startswith(str(Path.home() / ".cache"))
    for name in ("XDG_CACHE_HOME", "HF_HOME", "TORCH_HOME"):  # the libraries' caches too
        assert Path(os.environ[name]).is_relative_to(session_cache), name
    assert "QA_ENCODER" not in os.environ or os.environ["QA_ENCODER"] == TORCH  # conftest's per-test setting


def test_the_export_key_changes_with_versions_processor_and_recipes(monkeypatch):
    path = resolve_model_path("m3e-small")
    key = export_key(path)
    assert export_key(path) == key
    monkeypatch.setattr(onnx_export, "package_versions", lambda: {"onnxruntime": "9.9.9"})
    assert export_key(path) != key
    monkeypatch.undo()
    monkeypatch.setattr(onnx_export, "cpu_features", lambda: "another-machine:none")  # unlike any real one
    assert export_key(path) != key
    monkeypatch.undo()
    monkeypatch.setattr(onnx_export, "RECIPES", onnx_export.RECIPES[1:])
    assert export_key(path) != key


@pytest.mark.parametrize(
    ("files", "pooling"),
    [
        ({}, "mean"),  # a plain transformer folder: sentence-transformers mean-pools it
        ({"1_Pooling/config.json": {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}}, "cls"),
        ({"1_Pooling/config.json": {"pooling_mode": "max"}}, "max"),
    ],
)
def test_pooling_is_read_from_the_model_configuration(tmp_path, files, pooling):
    if files:
        modules = [{"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"}]
        modules.append({"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"})
        (tmp_path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
    assert pooling_mode(tmp_path) == pooling


def test_a_model_the_graph_cannot_pool_is_refused_with_a_way_out(tmp_path):
    (tmp_path / "modules.json").write_text(
        json.dumps([{"idx": 1, "path": "p", "type": "sentence_transformers.models.Pooling"}]), encoding="utf-8"
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.json").write_text(json.dumps({"pooling_mode": "lasttoken"}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="QA_ENCODER=torch"):
        onnx_export.export(str(tmp_path), tmp_path / "out")


def test_encoder_kind_comes_from_the_environment(monkeypatch, encoder):
    monkeypatch.setenv("QA_ENCODER", TORCH)
    assert default_kind() == TORCH
    monkeypatch.setenv("QA_ENCODER", ONNX_INT8)
    assert default_kind() == ONNX_INT8
    monkeypatch.delenv("QA_ENCODER")
    real_find_spec = importlib.util.find_spec
    installed = {"onnxruntime": True}

    def find_spec(name, *args):
        if name == "onnxruntime":
            return real_find_spec("json") if installed[name] else None  # any spec: "installed"
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert default_kind() == ONNX_INT8  # the default where onnxruntime is installed
    installed["onnxruntime"] = False
    assert default_kind() == TORCH  # and torch where it is not


def test_unknown_encoder_kind_says_which_exist():
    with pytest.raises(ModelLoadError, match="onnx-int8, torch"):
        load_encoder("m3e-small", "tensorrt")


def test_manifest_records_the_encoder_kind(documents_dir, tmp_path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoder"] == TORCH and manifest["index_type"] == "flat-ip"


@pytest.fixture(scope="session")
def onnx_encoder():
    """Exported and checked once per session, into the session's empty cache (see conftest)."""
    pytest.importorskip("onnxruntime")
    return load_encoder("m3e-small", ONNX_INT8)


@pytest.fixture(scope="session")
def dev_passages() -> list[str]:
    settings = IndexSettings()
    return [p.indexed_text(True) for d in read_documents(DOCUMENTS) for p in passages_of(d, settings, 0)[1]]


QUESTIONS = [
    "清镇市一季度工业投资完成了多少？",
    "贵州什么时候开始全面入汛？",
    "凹河村种了多少亩樱桃",
    "清鎮市的規上工業增加值增長多少",
    "When does Guizhou's flood season start?",
]


@pytest.mark.integration
def test_onnx_embeddings_equal_the_float_model(onnx_encoder, dev_passages):
    fast = onnx_encoder.encode(dev_passages + QUESTIONS)
    slow = load_encoder("m3e-small", TORCH).encode(dev_passages + QUESTIONS)
    assert fast.shape == slow.shape == (len(dev_passages) + len(QUESTIONS), 512)
    assert np.linalg.norm(fast, axis=1) == pytest.approx(1.0, abs=1e-4)
    assert (fast * slow).sum(axis=1).min() >= 0.98


@pytest.mark.integration
def test_the_export_records_its_check(onnx_encoder):
    check = onnx_encoder.check
    assert check.min_cosine >= MIN_COSINE and check.mean_cosine >= check.min_cosine
    assert check.tried[-1].recipe == check.recipe and check.tried[-1].accepted
    assert all(not tried.accepted for tried in check.tried[:-1])
    assert onnx_encoder.fingerprint.startswith(f"{ONNX_INT8}/{check.recipe}/m3e-small-")
    assert set(check.versions) >= {"torch", "transformers", "onnx", "onnxruntime", "cpu"}
    # exported in this session, into its cache (empty at the start): the export code ran here
    folder = export_dir(resolve_model_path("m3e-small"))
    assert folder.is_relative_to(Path(os.environ["QA_CACHE"])) and (folder / "export.json").is_file()


def _scrambling(quantise):
    """A quantiser whose "broken" recipe writes a damaged graph: the weights are shuffled."""

    def quantise_or_break(recipe, source, target):
        if not recipe.name.startswith("broken"):
            return quantise(recipe, source, target)
        import onnx
        from onnx import numpy_helper

        model = onnx.load(str(source))
        for tensor in model.graph.initializer:
            values = numpy_helper.to_array(tensor)
            if values.ndim == 2:
                tensor.CopyFrom(numpy_helper.from_array(np.random.default_rng(0).permutation(values), tensor.name))
        onnx.save(model, str(target))

    return quantise_or_break


@pytest.mark.integration
def test_a_recipe_that_fails_the_check_is_never_served(monkeypatch, tmp_path):
    monkeypatch.setattr(onnx_export, "quantise", _scrambling(onnx_export.quantise))
    recipes = (Recipe("broken-weights"), Recipe("int8-per-tensor", {"per_channel": False}))
    folder, check = onnx_export.export(resolve_model_path("m3e-small"), tmp_path / "export", recipes)
    assert [(t.recipe, t.accepted) for t in check.tried] == [("broken-weights", False), ("int8-per-tensor", True)]
    assert check.tried[0].min_cosine < MIN_COSINE <= check.min_cosine
    assert check.recipe == "int8-per-tensor"
    assert json.loads((folder / "export.json").read_text(encoding="utf-8"))["recipe"] == "int8-per-tensor"
    assert sorted(p.name for p in folder.glob("*.onnx")) == ["model.onnx"]


@pytest.mark.integration
def test_when_no_recipe_passes_the_float_graph_is_served_with_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(onnx_export, "quantise", _scrambling(onnx_export.quantise))
    with caplog.at_level("WARNING", logger="qa.onnx_export"):
        _, check = onnx_export.export(resolve_model_path("m3e-small"), tmp_path / "export", (Recipe("broken"),))
    assert check.recipe == FLOAT_RECIPE and check.min_cosine >= 0.999
    assert "no int8 recipe reached cosine 0.98" in caplog.text and "broken" in caplog.text


@pytest.mark.integration
def test_a_text_gets_the_same_vector_alone_and_padded_in_a_batch(onnx_encoder, dev_passages):
    batch = onnx_encoder.encode(["", "短", *dev_passages[:5]])
    alone = onnx_encoder.encode(dev_passages[:5])
    # dynamic int8 quantises activations per batch, so the company a text keeps moves it a little
    assert (batch[2:] * alone).sum(axis=1).min() >= 0.99
    assert onnx_encoder.encode([]).shape == (0, 512)


@pytest.mark.integration
def test_the_onnx_query_path_does_not_import_torch(onnx_encoder, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QA_ENCODER", ONNX_INT8)
    index_dir = tmp_path / "index"
    build_index(DOCUMENTS, index_dir, encoder=onnx_encoder)
    assert json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["encoder"] == ONNX_INT8
    main(["status", "--documents", str(DOCUMENTS), "--index", str(index_dir)])
    shown = capsys.readouterr().out
    assert f"encoder: {ONNX_INT8}, {onnx_encoder.check.recipe}; cosine to the float model" in shown
    assert "the index is up to date" in shown
    script = (
        "import sys; from qa.retriever import Retriever; "
        f"r = Retriever.load({str(index_dir)!r}); "
        "best = r.retrieve('贵州省2024年从哪天起全面入汛？', k=5); "
        "assert any('5月1日起全面入汛' in p.text for p in best); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]", result.stderr
