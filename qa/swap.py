"""Replace a folder atomically: write a staged copy beside it, fsync it, swap it in.

    with index_lock(index_dir):                 # qa.lock: one writer at a time
        clean_leftovers(index_dir, "manifest.json")
        write_atomically(index_dir, lambda staging: (staging / "manifest.json").write_text("{}"))

A reader sees the old folder or the new one, never a half-written one and (on Linux,
with renameat2 RENAME_EXCHANGE) never none. A writer killed midway leaves a staging or
retired folder behind; `clean_leftovers`, called with the lock held, removes it or puts a
retired folder back. This module does not know what the folder holds.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def write_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Call `write(staging)` on an empty folder beside `folder`, fsync what it wrote, swap it in."""
    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        write(staging)
        for path in staging.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(staging: Path, folder: Path) -> None:
    """Put the staged folder at `folder`; readers see the old one or the new one, never none."""
    if folder.exists() and exchange(staging, folder):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old folder now
    else:  # two renames: a reader may find no folder for a moment
        retired = folder.parent / f".{folder.name}.retired-{os.getpid()}-{time.time_ns()}"
        if folder.exists():
            os.rename(folder, retired)
        os.rename(staging, folder)
        shutil.rmtree(retired, ignore_errors=True)
    directory = os.open(folder.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def clean_leftovers(folder: Path, complete_marker: str) -> None:
    """Remove staging folders of killed writers; put back a folder retired by one killed mid-swap.

    A retired folder is put back only when it holds `complete_marker` (the file written last).
    Call with the lock held, so that no other writer is using any of them.
    """
    folder = folder.resolve()
    retired = sorted(folder.parent.glob(f".{folder.name}.retired-*"), key=lambda p: p.stat().st_mtime)
    if not folder.exists() and retired and (retired[-1] / complete_marker).is_file():
        log.warning("restoring %s from %s, left by a build that was killed", folder, retired[-1].name)
        os.rename(retired.pop(), folder)
    for leftover in [*folder.parent.glob(f".{folder.name}.building-*"), *retired]:
        log.info("removing %s, left by a build that was killed", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
