"""Where the project keeps what it can rebuild: model exports, evaluation corpora and indexes.

    >>> cache_root()                      # with QA_CACHE=/tmp/qa-cache
    PosixPath('/tmp/qa-cache')

One folder for every cache, so that one variable (QA_CACHE) empties them all: CI and the
tests point it at a temporary folder and so see what a fresh machine sees.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$QA_CACHE, else $XDG_CACHE_HOME/qa, else ~/.cache/qa."""
    if os.environ.get("QA_CACHE"):
        return Path(os.environ["QA_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"
