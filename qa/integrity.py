"""Checksums of the index files, kept in the manifest and checked before anything is loaded.

FAISS reads a file with one byte flipped without complaint and returns other results;
a truncated passages file shifts every citation. So every file the index consists of is
hashed when it is written and verified before `faiss.read_index` sees it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def file_digests(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """{relative path: sha256} of every file below `folder`, except the names in `skip`."""
    return {
        path.relative_to(folder).as_posix(): sha256_of(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() not in skip
    }


def integrity_problem(folder: Path, expected: dict[str, str]) -> str | None:
    """What is wrong with the files listed in `expected`, or None when all match."""
    if not expected:
        return "the manifest lists no file checksums"
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if sha256_of(path) != digest:
            return f"{name} is damaged (its checksum does not match the manifest)"
    return None
