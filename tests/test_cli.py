"""The `qa` command: output, JSON and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import cli


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, encoder):
    monkeypatch.setattr("qa.index.load_encoder", lambda model=None, kind=None: encoder)
    monkeypatch.setattr("qa.retriever.load_encoder", lambda model=None, kind=None: encoder)


def test_build_then_ask_json(documents_dir: Path, tmp_path: Path, capsys, fake_model):
    index_dir = tmp_path / "index"
    assert cli.main(["build", "--documents", str(documents_dir), "--index", str(index_dir)]) == 0
    assert "2 documents, 3 articles" in capsys.readouterr().out
    assert cli.main(["ask", "凹河村种植樱桃多少亩", "--index", str(index_dir), "-k", "2", "--json"]) == 0
    passages = json.loads(capsys.readouterr().out)
    assert len(passages) == 2
    assert {"text", "source", "title", "score", "citation"} <= set(passages[0])
    assert "樱桃600亩" in passages[0]["text"]


def test_build_if_stale_skips_a_current_index(documents_dir: Path, tmp_path: Path, capsys, fake_model, encoder):
    args = ["build", "--documents", str(documents_dir), "--index", str(tmp_path / "i"), "--model", encoder.name]
    cli.main(args)
    capsys.readouterr()
    assert cli.main([*args, "--if-stale"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_ask_prints_the_answer_above_the_cited_passages(documents_dir: Path, tmp_path: Path, capsys, fake_model):
    cli.main(["build", "--documents", str(documents_dir), "--index", str(tmp_path / "i")])
    capsys.readouterr()
    cli.main(["ask", "规模以上工业企业有多少家", "--index", str(tmp_path / "i"), "-k", "1"])
    answer_line, _, passage_lines = capsys.readouterr().out.partition("\n\n")
    assert answer_line == "清镇市规模以上工业企业数量达118家。[1]"
    assert passage_lines.startswith("[1] 《说明》 · sub/note.md")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "问题", "--index", "/nonexistent/index"], "qa build"),
        (["ask", "  ", "--index", "INDEX"], "empty"),
        (["ask", "问题", "--index", "INDEX", "-k", "0"], "k must be"),
        (["build", "--documents", "EMPTY", "--index", "/tmp/x"], "No readable"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(argv, message, documents_dir, tmp_path, capsys, fake_model):
    cli.main(["build", "--documents", str(documents_dir), "--index", str(tmp_path / "index")])
    (tmp_path / "empty").mkdir()
    argv = [a.replace("INDEX", str(tmp_path / "index")).replace("EMPTY", str(tmp_path / "empty")) for a in argv]
    capsys.readouterr()
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
