"""Public question sets in `qa eval`: tiny SQuAD and RGB fixtures of the real shape, the fake encoder.

The real files (../shared/external) are licensed and stay outside the project; the tests that
read them take a small sample and skip when the folder is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa import benchmarks, cli
from qa.benchmarks import RgbInstance, rgb_correct, rgb_documents
from qa.embedding import DEFAULT_MODEL
from qa.evaluation import evaluation_index
from tests.conftest import ROOT

EXTERNAL = ROOT.parent / "shared" / "external"

SQUAD = {
    "version": "1.3",
    "data": [
        {
            "id": "1",
            "title": "梵文",
            "paragraphs": [
                {
                    "id": "1-1",
                    "context": "在歐洲，梵語的學術研究，由德國學者陸特和漢斯雷頓開創。後來威廉·瓊斯發現印歐語系。",
                    "qas": [
                        {
                            "id": "1-1-1",
                            "question": "陸特和漢斯雷頓開創了哪一地區對梵語的學術研究？",
                            "answers": [{"id": "1", "text": "歐洲", "answer_start": 1}],
                        },
                        {"id": "1-1-2", "question": "没有答案的问题", "answers": []},
                    ],
                },
                {
                    "id": "1-2",
                    "context": "凹河村共种植樱桃600亩，枇杷456亩，李子20亩。果园里的好日子越过越红火。",
                    "qas": [
                        {
                            "id": "1-2-1",
                            "question": "凹河村种植了多少亩樱桃？",
                            "answers": [{"text": "600亩", "answer_start": 9}],
                        }
                    ],
                },
            ],
        }
    ],
}

RGB_LINES = [
    {
        "id": 0,
        "query": "凹河村种植了多少亩樱桃？",
        "answer": ["600亩"],
        "positive": ["凹河村共种植樱桃600亩，枇杷456亩。", "凹河村的樱桃有600亩之多。"],
        "negative": ["清镇市规模以上工业企业数量达118家。", "贵州省2024年将从5月1日起全面入汛。"],
    },
    {
        "id": 1,
        "query": "贵州省哪天起全面入汛？",
        "answer": [["5月1日", "五月一日"]],
        "positive": ["贵州省2024年将从5月1日起全面入汛。"],
        "negative": ["凹河村共种植樱桃600亩，枇杷456亩。", "红枫湖水质保持在Ⅱ类。"],
    },
]


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny_squad.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def rgb_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny_rgb.json"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in RGB_LINES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fake_model(fake_model, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """conftest's fake model, with a cache of this test's own."""
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    return fake_model


def test_formats_are_told_apart(squad_file: Path, rgb_file: Path, tmp_path: Path):
    seeds = tmp_path / "q.jsonl"
    seeds.write_text('{"id": "x", "question": "问题", "answers": ["答"]}\n', encoding="utf-8")
    assert benchmarks.detect_format(squad_file) == benchmarks.SQUAD
    assert benchmarks.detect_format(rgb_file) == benchmarks.RGB
    assert benchmarks.detect_format(seeds) == benchmarks.SEEDS


def test_squad_paragraphs_become_documents_and_unanswerable_questions_are_left_out(squad_file: Path):
    dataset = benchmarks.load_squad(squad_file)
    assert list(dataset.paragraphs) == ["1-1.txt", "1-2.txt"]
    assert [(q.id, q.answers, q.paragraph) for q in dataset.questions] == [
        ("1-1-1", ("歐洲",), "1-1.txt"),
        ("1-2-1", ("600亩",), "1-2.txt"),
    ]


def test_rgb_check_needs_every_element_and_one_of_each_alternatives():
    assert rgb_correct("贵州省从5月1日起入汛，共600亩", ("600亩", ("5月1日", "五月一日")))
    assert rgb_correct("五月一日", (("5月1日", "五月一日"),))
    assert not rgb_correct("共600亩", ("600亩", ("5月1日", "五月一日")))
    assert rgb_correct("Messi won", ("messi",))  # lower-cased, as RGB does


def test_rgb_documents_follow_the_noise_ratio():
    instance = RgbInstance("0", "q", ("a",), ("p1", "p2", "p3", "p4", "p5"), ("n1", "n2", "n3", "n4"))
    assert rgb_documents(instance, 0.0) == ["p1", "p2", "p3", "p4", "p5"]
    assert rgb_documents(instance, 0.4) == ["p1", "p2", "p3", "n1", "n2"]
    assert rgb_documents(instance, 0.8) == ["p1", "n1", "n2", "n3", "n4"]
    short = RgbInstance("1", "q", ("a",), ("p1",), ("n1", "n2", "n3", "n4", "n5", "n6"))
    assert rgb_documents(short, 0.2) == ["p1", "n1", "n2", "n3", "n4"]  # too few positives: more negatives


def test_rejection_pool_leaves_out_passages_that_are_another_instances_positive(rgb_file: Path):
    pool = benchmarks.rejection_passages(benchmarks.load_rgb(rgb_file))
    assert pool == ["清镇市规模以上工业企业数量达118家。", "红枫湖水质保持在Ⅱ类。"]


def test_sample_spreads_over_the_list():
    assert benchmarks.sample(list(range(10)), 3) == [0, 3, 6]
    assert benchmarks.sample([1, 2], None) == [1, 2]


def test_cli_eval_of_a_squad_file_with_traditional_documents(squad_file: Path, capsys, fake_model, tmp_path: Path):
    assert cli.main(["eval", "--questions", str(squad_file), "--mode", "bm25", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["questions"], report["paragraphs"]) == (2, 2)
    assert report["hit_at_1"] == 1.0 and report["src_at_1"] == 1.0
    corpora = list((tmp_path / "cache" / "benchmarks").iterdir())
    assert len(corpora) == 1 and (corpora[0] / "1-1.txt").read_text(encoding="utf-8").startswith("在歐洲")
    assert cli.main(["eval", "--questions", str(squad_file), "--mode", "bm25"]) == 0  # the cached corpus again
    out = capsys.readouterr().out
    assert "| hit@1 | 1.000 |" in out and "| src@1 | 1.000 |" in out
    assert list((tmp_path / "cache" / "benchmarks").iterdir()) == corpora


def test_cli_eval_of_an_rgb_file_prints_rejection_and_accuracy_per_noise_ratio(rgb_file: Path, capsys, fake_model):
    assert cli.main(["eval", "--questions", str(rgb_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["instances"] == 2 and report["rejection_passages"] == 2
    assert list(report["accuracy"]) == ["0", "0.2", "0.4", "0.6", "0.8"]
    assert report["accuracy"]["0"] == 1.0  # the positives alone: both answers hold their elements
    assert 0.0 <= report["rejection"] <= 1.0


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="../shared/external (public sets, licensed) is absent")
def test_the_real_files_are_read():
    drcd = benchmarks.load_squad(EXTERNAL / "drcd" / "DRCD_dev.json")
    assert len(drcd.paragraphs) == 1000 and len(drcd.questions) > 3000
    rgb = benchmarks.load_rgb(EXTERNAL / "rgb" / "zh_refine.dev.json")
    assert len(rgb) == 150 and all(instance.answer and instance.positive for instance in rgb)
    assert benchmarks.detect_format(EXTERNAL / "cmrc2018" / "cmrc2018_trial.json") == benchmarks.SQUAD


# A small sample of the development portions, real model, default encoder (docs/BENCHMARKS.md has the
# full figures). Floors a little below what the sample gives, so that a regression of the answer line
# on questions nobody here wrote fails: CMRC 2018, 40 questions asked of their own paragraphs; RGB
# zh_refine, 15 queries asked of their pooled negatives (refused) and of the passages handed at noise 0.
# Measured (default int8 encoder), after the English translation, the topic-read sentence choice and the
# refit on the merged code (docs/ANSWERS.md): CMRC 32/40 answers hold a gold span, RGB 6/15 refused, 12/15
# right at noise 0 (at the start of this round: 30/40, 3/15, 12/15); each floor is two or three questions below.
# After the clause-focus and person signals, the 26 Nov sentence choice and the refit with DRCD: 34/40, 5/15,
# 13/15 (the refit weighs DRCD as well, and RGB's negatives a little less); floors three, two, two below.
PUBLIC_SAMPLE_FLOORS = {"cmrc_answer": 31 / 40, "rgb_rejection": 3 / 15, "rgb_noise0": 11 / 15}


@pytest.fixture
def default_encoder_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_CACHE", os.environ.get("QA_TEST_CACHE") or str(tmp_path / "cache"))
    monkeypatch.delenv("QA_ENCODER", raising=False)  # the default path, as `qa eval` measures


def _index_for(corpus: Path) -> Path:
    return evaluation_index(corpus, model=DEFAULT_MODEL)


@pytest.mark.integration
@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="../shared/external (public sets, licensed) is absent")
def test_a_public_sample_keeps_its_answers_and_refusals(default_encoder_cache):
    cmrc = benchmarks.load_squad(EXTERNAL / "cmrc2018" / "cmrc2018_trial.json")
    questions = benchmarks.sample(cmrc.questions, 40)
    own = {q.paragraph for q in questions}
    subset = benchmarks.SquadSet(cmrc.name, {s: t for s, t in cmrc.paragraphs.items() if s in own}, questions)
    corpus = benchmarks.write_corpus(f"squad-{cmrc.name}-sample", subset.paragraphs)
    report = benchmarks.evaluate_squad(subset, benchmarks.load_retriever(_index_for(corpus)))
    rgb = benchmarks.run_rgb(EXTERNAL / "rgb" / "zh_refine.dev.json", _index_for, limit=15, ratios=(0.0,))
    measured = {"cmrc_answer": report.answer_contains, "rgb_rejection": rgb.rejection, "rgb_noise0": rgb.accuracy["0"]}
    assert all(measured[name] >= floor for name, floor in PUBLIC_SAMPLE_FLOORS.items()), measured
