"""The project's own question set in eval/: well-formed, answer strings verbatim, split reproducible."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from qa.evaluation import compact

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
HALVES = [EVAL / "questions.tune.jsonl", EVAL / "questions.heldout.jsonl"]
KINDS = {"paraphrase", "colloquial", "why", "list", "yesno", "numeral", "traditional", "typo", "english"}
UNANSWERABLE = {"near_miss", "off_topic"}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_answer_string_occurs_verbatim_in_its_source_document():
    documents = {path.name: compact(path.read_text(encoding="utf-8")) for path in (ROOT / "documents").glob("*.txt")}
    for half in [*HALVES, EVAL / "questions.variants.jsonl"]:
        for item in load(half):
            if item["kind"] in UNANSWERABLE:
                assert item["answers"] == [] and item["source"] is None, item["id"]
                continue
            assert item["kind"] in KINDS, item["id"]
            assert item["answers"], item["id"]
            for answer in item["answers"]:
                assert compact(answer) in documents[item["source"]], (item["id"], answer)


def test_the_halves_are_disjoint_balanced_and_cover_every_kind():
    tune, heldout = (load(half) for half in HALVES)
    ids = [item["id"] for item in tune + heldout]
    assert len(ids) == len(set(ids))
    tune_kinds, heldout_kinds = Counter(i["kind"] for i in tune), Counter(i["kind"] for i in heldout)
    assert set(tune_kinds) == set(heldout_kinds) == KINDS | UNANSWERABLE
    # the split deals each kind of each batch alternately, so within a batch a kind's halves differ by one at most
    sys.path.insert(0, str(EVAL))
    from split_questions import batches

    in_tune = {item["id"] for item in tune}
    for batch in batches(tune + heldout):
        taken = sum(item["id"] in in_tune for item in batch)
        assert abs(taken - (len(batch) - taken)) <= 1  # each batch's halves differ by one question at most
        counts = Counter((item["kind"], item["id"] in in_tune) for item in batch)
        for kind in {item["kind"] for item in batch}:
            assert abs(counts[kind, True] - counts[kind, False]) <= 1, kind
    answerable = sum(1 for item in tune + heldout if item["answers"])
    assert answerable >= 150 and len(ids) - answerable >= 60


def test_running_the_split_again_gives_the_same_files(tmp_path):
    copy = tmp_path / "eval"
    copy.mkdir()
    for name in ["split_questions.py", *(half.name for half in HALVES)]:
        shutil.copy(EVAL / name, copy / name)
    subprocess.run([sys.executable, str(copy / "split_questions.py")], check=True, capture_output=True)
    for half in HALVES:
        assert (copy / half.name).read_bytes() == half.read_bytes()
