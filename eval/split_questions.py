"""Split the project's own question set into a tune half and a held-out half, once, at random.

    python3 eval/split_questions.py                  # re-derive both halves: gives the same files
    python3 eval/split_questions.py --add NEW.jsonl  # append new questions (new ids), split by the same rule

The two halves are the only copy of the questions: the script reads them back, joins them, and
splits them again with the fixed seed, so running it changes nothing. Questions are split in
batches in id order: the first BATCH_SIZES[0] questions together, then each later batch on its own,
every batch with a fresh `random.Random(SEED)`. Appending a batch therefore never moves a question
already split; the script refuses to write if it would. After appending, add the batch's size to
BATCH_SIZES so that a later batch stays separate from it.

The rule for one batch: shuffle all its questions with the seeded generator, then go through the
kinds in alphabetical order and deal each kind's questions (in shuffled order) alternately to the
two halves, starting with whichever half is smaller so far (tune on a tie). Each kind is thus split
as evenly as its count allows and the halves differ by at most one question.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SEED = 20261125
BATCH_SIZES = [264, 116, 87, 86, 80, 79, 80, 80, 80]
EVAL_DIR = Path(__file__).resolve().parent
TUNE = EVAL_DIR / "questions.tune.jsonl"
HELDOUT = EVAL_DIR / "questions.heldout.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, items: list[dict]) -> None:
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    path.write_text(text, encoding="utf-8")


def id_number(item: dict) -> int:
    return int(item["id"].lstrip("q"))


def batches(items: list[dict]) -> list[list[dict]]:
    ordered = sorted(items, key=id_number)
    result, start = [], 0
    for size in BATCH_SIZES:
        if start < len(ordered):
            result.append(ordered[start : start + size])
        start += size
    if start < len(ordered):
        result.append(ordered[start:])
    return result


def split_batch(batch: list[dict]) -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED)
    shuffled = list(batch)
    rng.shuffle(shuffled)
    tune: list[dict] = []
    heldout: list[dict] = []
    for kind in sorted({item["kind"] for item in shuffled}):
        of_kind = [item for item in shuffled if item["kind"] == kind]
        halves = (tune, heldout) if len(tune) <= len(heldout) else (heldout, tune)
        for position, item in enumerate(of_kind):
            halves[position % 2].append(item)
    return tune, heldout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--add", type=Path, help="a JSON-lines file of new questions to append")
    args = parser.parse_args()
    old_tune, old_heldout = read_jsonl(TUNE), read_jsonl(HELDOUT)
    items = old_tune + old_heldout + (read_jsonl(args.add) if args.add else [])
    ids = [item["id"] for item in items]
    if len(ids) != len(set(ids)):
        print("duplicate question ids", file=sys.stderr)
        return 1
    tune, heldout = [], []
    for batch in batches(items):
        batch_tune, batch_heldout = split_batch(batch)
        tune += batch_tune
        heldout += batch_heldout
    moved = {item["id"] for item in tune} & {item["id"] for item in old_heldout}
    moved |= {item["id"] for item in heldout} & {item["id"] for item in old_tune}
    if moved:
        print(f"refusing: the split would move {len(moved)} questions already split", file=sys.stderr)
        return 1
    write_jsonl(TUNE, sorted(tune, key=id_number))
    write_jsonl(HELDOUT, sorted(heldout, key=id_number))
    print(f"{len(tune)} tune, {len(heldout)} held-out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
