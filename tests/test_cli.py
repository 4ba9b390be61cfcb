"""The `qa` command: output, JSON, options, and one-line errors (exit 2 for usage, 1 for runtime)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from qa import cli
from tests.conftest import ROOT


def test_build_then_ask_json(documents_dir: Path, tmp_path: Path, capsys, fake_model):
    index_dir = tmp_path / "index"
    assert cli.main(["build", "--documents", str(documents_dir), "--index", str(index_dir)]) == 0
    assert "2 documents, 3 articles" in capsys.readouterr().out
    assert cli.main(["ask", "凹河村种植樱桃多少亩", "--index", str(index_dir), "-k", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["text"] == "目前，凹河村共种植樱桃600亩，枇杷456亩，李子20亩。[1]"
    assert result["found"] is True and result["markers"] == [1]
    assert result["question"] == result["query"] == "凹河村种植樱桃多少亩"
    passages = result["passages"]
    assert len(passages) == 2
    assert {"text", "source", "title", "section", "score", "citation"} <= set(passages[0])
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
    ("argv", "code", "message"),
    [
        (["ask", "  ", "--index", "INDEX"], 2, "empty"),
        (["ask", "问题", "--index", "INDEX", "-k", "0"], 2, "k must be"),
        (["ask", "问题", "--index", "/nonexistent/index"], 1, "qa build"),
        (["build", "--documents", "EMPTY", "--index", "/tmp/x"], 1, "No readable"),
        (["eval", "--questions", "/nonexistent/q.jsonl"], 1, "Cannot read question file"),
    ],
)
def test_errors_are_one_line_with_exit_code_2_for_usage_and_1_at_run_time(
    argv, code, message, documents_dir, tmp_path, capsys, fake_model
):
    cli.main(["build", "--documents", str(documents_dir), "--index", str(tmp_path / "index")])
    (tmp_path / "empty").mkdir()
    argv = [a.replace("INDEX", str(tmp_path / "index")).replace("EMPTY", str(tmp_path / "empty")) for a in argv]
    capsys.readouterr()
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith(f"qa {argv[0]}: ") and message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["ask"],
        ["ask", "问题", "-k", "many"],
        ["ask", "问题", "--mode", "fuzzy"],
        ["build", "--nope"],
    ],
)
def test_usage_errors_exit_2_with_argparse_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "usage: qa" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"qa {version('qa')}"


@pytest.mark.parametrize("argv", [["-v", "status"], ["status", "-v"], ["status", "--verbose"], ["--verbose", "status"]])
def test_verbose_works_before_and_after_the_command(argv, documents_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: configured.update(kwargs))
    configured: dict = {}
    cli.main([*argv, "--documents", str(documents_dir), "--index", str(tmp_path / "missing")])
    assert configured["level"] == logging.INFO
    cli.main(["status", "--documents", str(documents_dir), "--index", str(tmp_path / "missing")])
    assert configured["level"] == logging.WARNING


def test_the_documents_folder_defaults_to_qa_documents(documents_dir, tmp_path, capsys, monkeypatch, fake_model):
    monkeypatch.setenv("QA_DOCUMENTS", str(documents_dir))
    monkeypatch.setenv("QA_MODEL", "fake-bigram")
    assert cli.main(["build", "--index", str(tmp_path / "index")]) == 0
    assert "2 documents" in capsys.readouterr().out
    assert cli.main(["status", "--index", str(tmp_path / "index")]) == 0
    assert f"{documents_dir}: 0 added, 0 changed, 0 removed, 2 unchanged" in capsys.readouterr().out


def test_status_json(documents_dir, tmp_path, capsys, fake_model, encoder):
    index_dir = tmp_path / "index"
    folder = ["--documents", str(documents_dir), "--index", str(index_dir), "--model", encoder.name]
    assert cli.main(["status", "--json", *folder]) == 1
    missing = json.loads(capsys.readouterr().out)
    assert missing["up_to_date"] is False and missing["indexed"] is None and "qa build" in missing["problem"]
    assert missing["added"] == ["page.txt", "sub/note.md"]
    cli.main(["build", *folder])
    (documents_dir / "sub" / "note.md").write_text("# 说明\n\n清镇市规模以上工业企业数量达120家。\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["status", "--json", *folder]) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["up_to_date"] is False and status["problem"] is None
    assert status["changed"] == ["sub/note.md"] and status["unchanged"] == ["page.txt"] and status["added"] == []
    assert status["indexed"]["counts"]["documents"] == 2 and status["indexed"]["model"] == encoder.name
    assert status["index"] == str(index_dir) and status["documents"] == str(documents_dir)


def test_the_installed_command_exits_1_with_one_line_for_a_missing_index(tmp_path):
    qa = Path(sys.executable).parent / "qa"
    result = subprocess.run(
        [str(qa), "ask", "樱桃", "--index", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("qa ask: ") and "qa build" in result.stderr and result.stderr.count("\n") == 1
