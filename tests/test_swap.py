"""The atomic folder swap (qa/swap.py) in one process: what is left on disk, what is fsynced, when.

test_crash.py kills real builds in subprocesses; these tests judge the same code without one.
"""

from __future__ import annotations

import errno
import logging
import os
import unittest.mock
from pathlib import Path

import pytest

from qa import swap
from qa.swap import clean_leftovers, exchange, swap_in, write_atomically


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def fill(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def fsyncs(monkeypatch):
    """The path of every descriptor fsynced by qa.swap, in order."""
    synced: list[Path] = []
    real = os.fsync

    def record(fd: int) -> None:
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(swap.os, "fsync", record)
    return synced


def test_write_atomically_puts_the_written_folder_in_place_and_leaves_nothing_beside_it(tmp_path: Path):
    target = fill(tmp_path / "index", "old")
    seen: list[Path] = []

    def write(staging: Path) -> None:
        seen.append(staging)
        assert staging.parent == tmp_path
        assert staging.name.startswith(".index.building-")
        assert list(staging.iterdir()) == []  # an empty folder
        (staging / "manifest.json").write_text("new", encoding="utf-8")
        (staging / "bm25").mkdir()
        (staging / "bm25" / "data.npy").write_bytes(b"x")

    write_atomically(target, write)
    assert (target / "manifest.json").read_text(encoding="utf-8") == "new"
    assert (target / "bm25" / "data.npy").read_bytes() == b"x"
    assert names(tmp_path) == ["index"]  # no staging, retired or old folder left
    assert not seen[0].exists()


def test_write_atomically_creates_the_parent_and_a_first_folder(tmp_path: Path):
    target = tmp_path / "deep" / "index"
    write_atomically(target, lambda staging: fill(staging, "first"))
    assert (target / "manifest.json").read_text(encoding="utf-8") == "first"
    assert names(tmp_path / "deep") == ["index"]


def test_write_atomically_resolves_a_relative_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomically(Path("index"), lambda staging: fill(staging, "here"))
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "here"
    assert names(tmp_path) == ["index"]


def test_a_failing_write_removes_its_staging_folder_and_keeps_the_old_one(tmp_path: Path):
    target = fill(tmp_path / "index", "old")

    def write(staging: Path) -> None:
        fill(staging, "half")
        raise KeyboardInterrupt  # BaseException too: a Ctrl-C mid-build cleans up

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, write)
    assert names(tmp_path) == ["index"]
    assert (target / "manifest.json").read_text(encoding="utf-8") == "old"


def test_every_written_file_is_fsynced_before_the_swap_and_the_parent_after(tmp_path: Path, fsyncs):
    target = fill(tmp_path / "index", "old")
    order: list[str] = []

    def write(staging: Path) -> None:
        (staging / "a.txt").write_text("a", encoding="utf-8")
        (staging / "sub").mkdir()
        (staging / "sub" / "b.txt").write_text("b", encoding="utf-8")

    real_swap_in = swap.swap_in

    def recording_swap_in(staging: Path, folder: Path) -> None:
        order.append(f"swap after {len(fsyncs)} fsyncs")
        real_swap_in(staging, folder)

    with unittest.mock.patch.object(swap, "swap_in", recording_swap_in):
        write_atomically(target, write)
    assert order == ["swap after 2 fsyncs"]
    assert sorted(path.name for path in fsyncs[:2]) == ["a.txt", "b.txt"]
    assert all(path.parent.name.startswith(".index.building-") or path.parent.name == "sub" for path in fsyncs[:2])
    assert fsyncs[2:] == [tmp_path]  # the directory holding the swapped names, last


def test_swap_in_exchanges_with_an_existing_folder_and_removes_the_old_one(tmp_path: Path, fsyncs, monkeypatch):
    target = fill(tmp_path / "index", "old")
    staging = fill(tmp_path / ".index.building-1", "new")
    calls: list[tuple[Path, Path]] = []
    real = swap.exchange

    def spy(first: Path, second: Path) -> bool:
        calls.append((first, second))
        return real(first, second)

    monkeypatch.setattr(swap, "exchange", spy)
    swap_in(staging, target)
    assert calls == [(staging, target)]
    assert (target / "manifest.json").read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["index"]
    assert fsyncs == [tmp_path]


def test_swap_in_of_a_first_folder_renames_without_exchanging(tmp_path: Path, fsyncs, monkeypatch):
    staging = fill(tmp_path / ".index.building-1", "new")
    monkeypatch.setattr(swap, "exchange", lambda first, second: pytest.fail("nothing to exchange with"))
    swap_in(staging, tmp_path / "index")
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["index"]
    assert fsyncs == [tmp_path]


def test_swap_in_falls_back_to_two_renames_and_removes_the_retired_folder(tmp_path: Path, fsyncs, monkeypatch):
    target = fill(tmp_path / "index", "old")
    staging = fill(tmp_path / ".index.building-1", "new")
    renames: list[tuple[str, str]] = []
    real_rename = os.rename

    def spy(source, destination) -> None:
        renames.append((Path(source).name, Path(destination).name))
        real_rename(source, destination)

    monkeypatch.setattr(swap, "exchange", lambda first, second: False)
    monkeypatch.setattr(swap.os, "rename", spy)
    monkeypatch.setattr(swap.time, "time_ns", lambda: 42)
    swap_in(staging, target)
    retired = f".index.retired-{os.getpid()}-42"
    assert renames == [("index", retired), (".index.building-1", "index")]
    assert (target / "manifest.json").read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["index"]
    assert fsyncs == [tmp_path]


def test_exchange_swaps_two_folders_in_place(tmp_path: Path):
    first = fill(tmp_path / "first", "one")
    second = fill(tmp_path / "second", "two")
    if not exchange(first, second):
        pytest.skip("this filesystem has no RENAME_EXCHANGE")
    assert (first / "manifest.json").read_text(encoding="utf-8") == "two"
    assert (second / "manifest.json").read_text(encoding="utf-8") == "one"


class FakeLibc:
    def __init__(self, result: int) -> None:
        self.result = result
        self.calls: list[tuple] = []

        def renameat2(*args) -> int:
            self.calls.append(args)
            return self.result

        self.renameat2 = renameat2


def fake_libc(monkeypatch, result: int, code: int = 0) -> FakeLibc:
    libc = FakeLibc(result)
    opened: list[tuple] = []

    def cdll(name, use_errno=False):
        opened.append((name, use_errno))
        return libc

    monkeypatch.setattr(swap.ctypes, "CDLL", cdll)
    monkeypatch.setattr(swap.ctypes, "get_errno", lambda: code)
    libc.opened = opened
    return libc


def test_exchange_calls_renameat2_with_rename_exchange_on_both_paths(monkeypatch):
    libc = fake_libc(monkeypatch, 0)
    assert exchange(Path("/x/staging"), Path("/x/索引")) is True
    assert libc.opened == [(None, True)]
    assert libc.calls == [(-100, b"/x/staging", -100, "/x/索引".encode(), 2)]
    assert libc.renameat2.argtypes == [
        swap.ctypes.c_int,
        swap.ctypes.c_char_p,
        swap.ctypes.c_int,
        swap.ctypes.c_char_p,
        swap.ctypes.c_uint,
    ]


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP])
def test_exchange_reports_unsupported_when_the_kernel_or_filesystem_lacks_it(monkeypatch, code):
    fake_libc(monkeypatch, -1, code)
    assert exchange(Path("/x/a"), Path("/x/b")) is False


def test_exchange_reports_unsupported_without_renameat2(monkeypatch):
    monkeypatch.setattr(swap.ctypes, "CDLL", lambda name, use_errno=False: object())
    assert exchange(Path("/x/a"), Path("/x/b")) is False


def test_exchange_raises_other_errors_naming_the_target(monkeypatch):
    fake_libc(monkeypatch, -1, errno.EACCES)
    with pytest.raises(OSError) as raised:
        exchange(Path("/x/a"), Path("/x/b"))
    assert (raised.value.errno, raised.value.strerror, raised.value.filename) == (
        errno.EACCES,
        os.strerror(errno.EACCES),
        "/x/b",
    )


def test_exchange_of_a_missing_path_raises_enoent(tmp_path: Path):
    fill(tmp_path / "first", "one")
    with pytest.raises(OSError) as raised:
        exchange(tmp_path / "first", tmp_path / "missing")
    assert (raised.value.errno, raised.value.filename) == (errno.ENOENT, str(tmp_path / "missing"))


def test_clean_leftovers_removes_staging_and_retired_folders_beside_a_present_folder(tmp_path: Path, caplog):
    fill(tmp_path / "index", "current")
    fill(tmp_path / ".index.building-abc", "half")
    fill(tmp_path / ".index.retired-1-2", "old")
    fill(tmp_path / ".other.building-abc", "not ours")
    with caplog.at_level(logging.INFO, logger="qa.swap"):
        clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == [".other.building-abc", "index"]
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "current"
    removed = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert removed == [
        f"removing {tmp_path / '.index.building-abc'}, left by a build that was killed",
        f"removing {tmp_path / '.index.retired-1-2'}, left by a build that was killed",
    ]


def test_clean_leftovers_puts_back_the_newest_complete_retired_folder(tmp_path: Path, caplog):
    older = fill(tmp_path / ".index.retired-1-1", "older")
    newer = fill(tmp_path / ".index.retired-1-2", "newer")
    os.utime(older, ns=(10**18, 10**18))
    os.utime(newer, ns=(2 * 10**18, 2 * 10**18))
    with caplog.at_level(logging.INFO, logger="qa.swap"):
        clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == ["index"]
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "newer"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"restoring {tmp_path / 'index'} from .index.retired-1-2, left by a build that was killed"]


def test_clean_leftovers_orders_retired_folders_by_time_not_by_name(tmp_path: Path):
    newer = fill(tmp_path / ".index.retired-1-1", "newer")
    older = fill(tmp_path / ".index.retired-1-2", "older")
    os.utime(older, ns=(10**18, 10**18))
    os.utime(newer, ns=(2 * 10**18, 2 * 10**18))
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "newer"
    assert names(tmp_path) == ["index"]


def test_clean_leftovers_does_not_restore_a_retired_folder_without_the_marker(tmp_path: Path):
    (tmp_path / ".index.retired-1-2").mkdir()
    (tmp_path / ".index.retired-1-2" / "faiss.index").write_bytes(b"half")
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == []


def test_clean_leftovers_does_not_take_a_marker_folder_for_a_file(tmp_path: Path):
    (tmp_path / ".index.retired-1-2" / "manifest.json").mkdir(parents=True)
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == []


def test_clean_leftovers_never_replaces_a_present_folder(tmp_path: Path):
    fill(tmp_path / "index", "current")
    fill(tmp_path / ".index.retired-1-2", "old")
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "current"
    assert names(tmp_path) == ["index"]


def test_clean_leftovers_resolves_a_relative_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fill(tmp_path / ".index.building-abc", "half")
    fill(tmp_path / ".index.retired-1-2", "old")
    clean_leftovers(Path("index"), "manifest.json")
    assert names(tmp_path) == ["index"]
    assert (tmp_path / "index" / "manifest.json").read_text(encoding="utf-8") == "old"


def test_clean_leftovers_with_nothing_left_changes_nothing(tmp_path: Path):
    fill(tmp_path / "index", "current")
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == ["index"]


def test_clean_leftovers_judges_only_the_newest_retired_folder(tmp_path: Path):
    older = fill(tmp_path / ".index.retired-1-1", "older")
    newer = tmp_path / ".index.retired-1-2"
    (newer / "faiss.index").parent.mkdir()
    (newer / "faiss.index").write_bytes(b"half")  # killed before its manifest was written
    os.utime(older, ns=(10**18, 10**18))
    os.utime(newer, ns=(2 * 10**18, 2 * 10**18))
    clean_leftovers(tmp_path / "index", "manifest.json")
    assert names(tmp_path) == []  # an older build is never brought back in place of a newer one
