"""`qa watch`: the index follows the folder once files settle."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from watchdog.events import (
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileOpenedEvent,
)

from qa import cli
from qa.index import BuildReport, read_manifest
from qa.watch import _Changes, watch
from tests.gates import PausingEncoder


def wait_for(condition, timeout: float = 60.0) -> bool:
    """Poll until `condition` holds; the timeout only ends a hang, it measures nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@contextmanager
def watching(documents_dir: Path, index_dir: Path, settle: float, encoder) -> Iterator[list[BuildReport]]:
    """Run `watch` in a thread for the body of the block; yields its build reports as they come."""
    reports: list[BuildReport] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(documents_dir, index_dir),
        kwargs={"settle": settle, "stop": stop, "on_build": reports.append, "encoder": encoder},
    )
    thread.start()
    try:
        yield reports
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_watch_builds_then_follows_additions_and_deletions(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    with watching(documents_dir, index_dir, 0.3, encoder) as reports:
        assert wait_for(lambda: len(reports) == 1)
        assert reports[0].added == 2
        (documents_dir / "new.txt").write_text("新增文档：暗流镇排查农村自建房5511栋。", encoding="utf-8")
        assert wait_for(lambda: len(reports) == 2)
        assert (reports[1].added, reports[1].unchanged) == (1, 2)
        assert "new.txt" in read_manifest(index_dir).documents
        (documents_dir / "page.txt").unlink()
        assert wait_for(lambda: len(reports) == 3)
        assert (reports[2].removed, reports[2].unchanged) == (1, 2)
        assert "page.txt" not in read_manifest(index_dir).documents


def test_cli_build_watch_and_watch_follow_the_folder(monkeypatch, tmp_path: Path, capsys):
    calls = []

    def fake_watch(documents_dir, index_dir, **options):
        calls.append((documents_dir, index_dir, options["settle"]))
        raise KeyboardInterrupt  # Ctrl-C ends watching with exit code 0

    monkeypatch.setattr("qa.cli.watch", fake_watch)
    folder = ["--documents", str(tmp_path / "d"), "--index", str(tmp_path / "i")]
    assert cli.main(["watch", *folder, "--settle", "0.5"]) == 0
    assert cli.main(["build", "--watch", *folder]) == 0
    assert calls == [(tmp_path / "d", tmp_path / "i", 0.5), (tmp_path / "d", tmp_path / "i", 2.0)]
    assert "watching" in capsys.readouterr().out


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_a_build_waits_until_no_event_came_for_the_settle_time(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("qa.watch.time", SimpleNamespace(monotonic=clock.monotonic))
    changes = _Changes()
    assert not changes.settled(2.0)  # nothing happened
    changes.on_any_event(FileCreatedEvent("/docs/big.txt"))
    clock.now += 1.9
    assert not changes.settled(2.0)
    changes.on_any_event(FileModifiedEvent("/docs/big.txt"))  # still being copied
    clock.now += 1.9
    assert not changes.settled(2.0)  # 3.8 s since the first event, 1.9 since the last
    clock.now += 0.1
    assert changes.settled(2.0)
    assert not changes.settled(2.0)  # once per settled batch of events


@pytest.mark.parametrize(
    "event",
    [
        FileCreatedEvent("/docs/.page.txt.swp"),  # vim's swap file
        FileModifiedEvent("/docs/sub/.#note.md"),  # emacs's lock file
        FileDeletedEvent("/docs/.hidden.txt"),
        FileOpenedEvent("/docs/page.txt"),  # reads are not changes
        FileClosedNoWriteEvent("/docs/page.txt"),
    ],
)
def test_hidden_and_swap_files_and_reads_start_no_build(monkeypatch, event):
    clock = Clock()
    monkeypatch.setattr("qa.watch.time", SimpleNamespace(monotonic=clock.monotonic))
    changes = _Changes()
    changes.on_any_event(event)
    clock.now += 60
    assert not changes.settled(2.0)
    changes.on_any_event(FileModifiedEvent("/docs/page.txt"))
    clock.now += 2
    assert changes.settled(2.0)  # a visible file still counts


class WatchedChanges(_Changes):
    """The watcher's change tracker, telling the test when an event arrived and when it was looked at."""

    def __init__(self) -> None:
        super().__init__()
        self.events = 0
        self.checks = 0
        self.condition = threading.Condition()

    def on_any_event(self, event) -> None:
        before = self.last_event
        super().on_any_event(event)
        with self.condition:
            self.events += self.last_event is not before
            self.condition.notify_all()

    def settled(self, settle: float) -> bool:
        result = super().settled(settle)
        with self.condition:
            self.checks += 1
            self.condition.notify_all()
        return result

    def wait(self, predicate) -> bool:
        with self.condition:
            return self.condition.wait_for(predicate, timeout=60)  # a guard against hangs


def test_watch_builds_only_once_the_folder_settled(documents_dir: Path, tmp_path: Path, encoder, monkeypatch):
    clock = Clock()
    monkeypatch.setattr("qa.watch.time", SimpleNamespace(monotonic=clock.monotonic))
    trackers: list[WatchedChanges] = []
    monkeypatch.setattr("qa.watch._Changes", lambda: trackers.append(WatchedChanges()) or trackers[-1])
    with watching(documents_dir, tmp_path / "index", 2.0, encoder) as reports:
        assert wait_for(lambda: len(reports) == 1)  # the first build, at once
        changes = trackers[0]
        (documents_dir / "new.txt").write_text("新增文档：暗流镇排查农村自建房5511栋。", encoding="utf-8")
        assert changes.wait(lambda: changes.events >= 1)
        checks = changes.checks
        assert changes.wait(lambda: changes.checks >= checks + 3)  # looked at three times, the clock standing
        assert len(reports) == 1  # not settled yet: no build
        clock.now += 2.0
        assert wait_for(lambda: len(reports) == 2)
        assert reports[1].added == 1


def test_changes_made_during_a_build_lead_to_another_build(documents_dir: Path, tmp_path: Path):
    encoder = PausingEncoder()
    with watching(documents_dir, tmp_path / "index", 0.2, encoder) as reports:
        assert wait_for(lambda: len(reports) == 1)
        encoder.armed = True
        (documents_dir / "new.txt").write_text("新增文档：暗流镇排查农村自建房5511栋。", encoding="utf-8")
        assert encoder.entered.wait(60)  # the second build is embedding new.txt
        (documents_dir / "late.txt").write_text("红枫湖镇新建智能温室7391座。", encoding="utf-8")
        encoder.release.set()
        assert wait_for(lambda: len(reports) == 3)
        assert (reports[1].added, reports[1].changed_during_build) == (1, ("late.txt",))
        assert (reports[2].added, reports[2].unchanged) == (1, 3)
        assert "late.txt" in read_manifest(tmp_path / "index").documents
