"""`qa watch`: the index follows the folder once files settle."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from qa import cli
from qa.index import BuildReport, read_manifest
from qa.watch import watch


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_watch_builds_then_follows_additions_and_deletions(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    reports: list[BuildReport] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(documents_dir, index_dir),
        kwargs={"settle": 0.3, "stop": stop, "on_build": reports.append, "encoder": encoder},
    )
    thread.start()
    try:
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
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


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
