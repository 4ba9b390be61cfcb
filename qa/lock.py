"""One builder at a time: an exclusive lock file beside the index folder.

    with index_lock(Path("index")):     # holds ".index.lock" next to index/
        ...                             # build and swap the index in

The lock is `fcntl.flock` on `.<index name>.lock`; the kernel releases it when the
holder exits, even when killed, so a crash never leaves a stale lock behind. The file
holds the holder's process id, for the message a second builder gets.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexLockedError

LOCK_WAIT = 10.0  # seconds a second builder waits before it gives up
POLL = 0.1


def lock_path(index_dir: Path) -> Path:
    index_dir = Path(index_dir).resolve()
    return index_dir.parent / f".{index_dir.name}.lock"


@contextmanager
def index_lock(index_dir: Path, *, wait: float | None = None) -> Iterator[Path]:
    """Hold the index's build lock; raise IndexLockedError after `wait` seconds (default LOCK_WAIT)."""
    wait = LOCK_WAIT if wait is None else wait
    path = lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    raise IndexLockedError(index_dir, path, handle.read().strip()) from None
                time.sleep(POLL)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
