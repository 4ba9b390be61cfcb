"""The evaluation harness on a tiny index with the fake encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import cli
from qa.errors import QAError
from qa.evaluation import EvalQuestion, evaluate, is_hit, load_questions
from qa.index import build_index
from qa.retriever import Retriever


def write_questions(path: Path, items: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n", encoding="utf-8")
    return path


def test_load_questions_skips_out_of_corpus_items_and_dialogues(tmp_path: Path):
    path = write_questions(
        tmp_path / "q.jsonl",
        [
            {"id": "a", "question": "问题？", "answers": ["答案"]},
            {"id": "b", "question": "库外问题？", "answers": []},
            {"id": "c", "turns": ["一", "二"], "answers": ["x"]},
        ],
    )
    assert load_questions(path) == [EvalQuestion("a", "问题？", ("答案",))]


def test_unreadable_question_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(QAError, match="Cannot read"):
        load_questions(tmp_path / "missing.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(QAError, match="bad.jsonl:1"):
        load_questions(tmp_path / "bad.jsonl")


def test_is_hit_ignores_white_space():
    assert is_hit("樱桃 600\n亩", ("樱桃600亩",))
    assert not is_hit("樱桃60亩", ("樱桃600亩",))


def test_evaluate_counts_hits_ranks_and_misses(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder, mode="bm25")
    questions = [
        EvalQuestion("in", "凹河村种植樱桃多少亩", ("樱桃600亩",)),
        EvalQuestion("absent", "凹河村种植樱桃多少亩", ("不存在的答案",)),
    ]
    report = evaluate(retriever, questions)
    assert report.questions == 2
    assert report.hit_at == {1: 0.5, 3: 0.5, 5: 0.5}
    assert report.mrr == pytest.approx(0.5)
    assert [(m.id, m.rank) for m in report.misses] == [("absent", None)]
    assert report.median_passage_chars > 0


def test_cli_eval_prints_every_mode(documents_dir: Path, tmp_path: Path, capsys, fake_model, monkeypatch):
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    questions = write_questions(
        tmp_path / "q.jsonl", [{"id": "x", "question": "凹河村种植樱桃多少亩", "answers": ["樱桃600亩"]}]
    )
    argv = ["eval", "--questions", str(questions), "--documents", str(documents_dir), "--mode", "all"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    for mode in ("dense", "bm25", "hybrid"):
        assert f"{mode}: 1 questions  hit@1 1.00" in out
