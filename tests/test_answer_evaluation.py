"""Answer figures of `qa eval` on a tiny index with the fake encoder."""

from __future__ import annotations

import json
from pathlib import Path

from qa import cli
from qa.answer import NOT_FOUND, Answer
from qa.answer_evaluation import AnswerItem, evaluate_answers, load_answer_items
from qa.index import build_index
from qa.retriever import Retriever


def write_questions(path: Path, items: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n", encoding="utf-8")
    return path


def test_load_answer_items_keeps_unanswerable_questions_and_skips_dialogues(tmp_path: Path):
    path = write_questions(
        tmp_path / "q.jsonl",
        [
            {"id": "a", "question": "问题？", "answers": ["答案"], "kind": "paraphrase"},
            {"id": "b", "question": "库外问题？", "answers": [], "kind": "near_miss"},
            {"id": "c", "question": "别的？", "answers": []},
            {"id": "d", "turns": ["一", "二"], "answers": ["x"]},
        ],
    )
    assert load_answer_items(path) == [
        AnswerItem("a", "问题？", ("答案",), "paraphrase"),
        AnswerItem("b", "库外问题？", (), "near_miss"),
        AnswerItem("c", "别的？", (), "unanswerable"),
    ]


def fixed_answers(replies: dict[str, tuple[bool, str]]):
    def ask(question: str, _retriever) -> Answer:
        found, text = replies[question]
        return Answer(text if found else NOT_FOUND, [], found, question, question)

    return ask


def test_evaluate_answers_counts_found_correct_and_refusals_by_kind():
    items = [
        AnswerItem("right", "q1", ("600亩",), "paraphrase"),
        AnswerItem("wrong", "q2", ("456亩",), "paraphrase"),
        AnswerItem("refused", "q3", ("20亩",), "paraphrase"),
        AnswerItem("near-ok", "q4", (), "near_miss"),
        AnswerItem("near-bad", "q5", (), "near_miss"),
        AnswerItem("off-ok", "q6", (), "off_topic"),
    ]
    replies = {
        "q1": (True, "樱桃 600 亩[1]"),  # white space does not matter
        "q2": (True, "樱桃600亩[1]"),
        "q3": (False, ""),
        "q4": (False, ""),
        "q5": (True, "樱桃600亩[1]"),
        "q6": (False, ""),
    }
    report = evaluate_answers(None, items, ask=fixed_answers(replies))  # type: ignore[arg-type]
    assert (report.in_corpus, report.found, report.correct) == (3, 2, 1)
    assert (report.unanswerable, report.refused) == (3, 2)
    assert report.by_kind == {"near_miss": (2, 1), "off_topic": (1, 1)}
    assert report.kind_rate("near_miss") == 0.5
    assert [(m.id, m.reason) for m in report.misses] == [
        ("wrong", "answer lacks the answer string"),
        ("refused", "refused"),
        ("near-bad", "answered, should refuse"),
    ]
    assert json.loads(json.dumps(report.to_json()))["by_kind"]["near_miss"] == {"count": 2, "refused": 1}


def test_evaluate_answers_with_the_real_pipeline(documents_dir: Path, tmp_path: Path, encoder):
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    retriever = Retriever.load(tmp_path / "index", encoder=encoder)
    items = [AnswerItem("in", "凹河村种植樱桃多少亩", ("樱桃600亩",)), AnswerItem("out", "华为手机的价格是多少？", ())]
    report = evaluate_answers(retriever, items)
    assert (report.correct, report.refused) == (1, 1), report.misses


def test_cli_eval_prints_answer_figures_and_json(documents_dir: Path, tmp_path: Path, capsys, fake_model, monkeypatch):
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    questions = write_questions(
        tmp_path / "q.jsonl",
        [
            {"id": "x", "question": "凹河村种植樱桃多少亩", "answers": ["樱桃600亩"]},
            {"id": "n", "question": "华为手机的价格是多少？", "answers": [], "kind": "off_topic"},
        ],
    )
    argv = ["eval", "--questions", str(questions), "--documents", str(documents_dir)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "found and holds the answer 1/1 (100.0%)" in out
    assert "refused 1/1 (100.0%)  off_topic 1/1" in out
    assert cli.main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answers"]["correct"] == 1 and data["retrieval"][0]["questions"] == 1
