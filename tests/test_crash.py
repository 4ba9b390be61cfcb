"""A build killed or running in another process: the index people query stays whole."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa.errors import IndexLockedError
from qa.index import build_index, load_index
from qa.live import LiveRetriever
from qa.retriever import Retriever
from tests.conftest import ROOT
from tests.gates import PausingEncoder

QUESTION = "凹河村种植樱桃多少亩"


def start_slow_build(
    documents_dir: Path, index_dir: Path, seconds: float, point: str = "embedding"
) -> subprocess.Popen:
    """A build in another process, paused at `point` until `go(process)` (or `seconds`, a guard against hangs)."""
    command = [sys.executable, str(ROOT / "tests" / "slow_build.py"), str(documents_dir), str(index_dir)]
    process = subprocess.Popen(
        [*command, str(seconds), point], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout.readline().strip() == point  # paused at that point from here on
    return process


def go(process: subprocess.Popen) -> str:
    """Let a paused build go on; its output to the end."""
    process.stdin.write("go\n")
    process.stdin.close()
    return process.stdout.read()


def answers(retriever: Retriever) -> list[tuple[str, float]]:
    return [(p.text, round(p.score, 6)) for p in retriever.retrieve(QUESTION, k=5)]


@pytest.mark.parametrize("point", ["embedding", "writing", "swapping"])
def test_sigkill_mid_build_keeps_the_previous_index_and_the_next_build_finishes(
    documents_dir: Path, tmp_path: Path, encoder, point
):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    before = answers(Retriever.load(index_dir, encoder=encoder))
    (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃900亩。\n", encoding="utf-8")
    process = start_slow_build(documents_dir, index_dir, seconds=60, point=point)
    try:
        with pytest.raises(IndexLockedError):  # a second builder meanwhile stops
            build_index(documents_dir, index_dir, encoder=encoder, lock_wait=0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert load_index(index_dir).manifest.counts.documents == 2
    assert answers(Retriever.load(index_dir, encoder=encoder)) == before
    report = build_index(documents_dir, index_dir, encoder=encoder)  # the lock died with the process
    assert (report.changed, report.unchanged) == (1, 1)
    assert "900亩" in Retriever.load(index_dir, encoder=encoder).retrieve(QUESTION, k=1)[0].text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".index.")] == [".index.lock"]


def test_a_question_asked_during_a_rebuild_is_answered_from_the_old_index(
    documents_dir: Path, tmp_path: Path, encoder, fake_model
):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    live = LiveRetriever(index_dir)
    assert "600亩" in live.retrieve(QUESTION, k=1)[0].text
    (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃900亩。\n", encoding="utf-8")
    process = start_slow_build(documents_dir, index_dir, seconds=600)
    during = live.retrieve(QUESTION, k=1)[0].text  # the rebuild is paused while embedding
    assert go(process).startswith("built 1\n")
    assert process.wait(timeout=60) == 0
    assert "600亩" in during
    assert "900亩" in live.retrieve(QUESTION, k=1)[0].text  # picked up without a restart


def test_a_running_question_keeps_the_index_it_started_with(
    documents_dir: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch, fresh_shared
):
    """The swap happens while a question is being answered (paused in its embedding): it finishes on the old index."""
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    pausing = PausingEncoder()
    monkeypatch.setattr("qa.live.load_encoder", lambda *args, **kwargs: pausing)  # the live retriever's model
    live = LiveRetriever(index_dir)
    live.current()
    pausing.armed = True
    answered: list[list] = []
    question = threading.Thread(target=lambda: answered.append(live.retrieve(QUESTION, k=5)))
    question.start()
    assert pausing.entered.wait(60)  # the question is running, on the index as it was
    (documents_dir / "page.txt").unlink()
    report = build_index(documents_dir, index_dir, encoder=encoder)  # swapped in while it runs
    assert report.removed == 1
    pausing.release.set()
    question.join(timeout=60)
    assert not question.is_alive()
    assert "600亩" in answered[0][0].text and answered[0][0].source == "page.txt"
    assert all(p.source == "sub/note.md" for p in live.retrieve(QUESTION, k=5))  # the next question: the new index


def test_documents_changed_during_a_build_are_reported_and_picked_up_next(documents_dir: Path, tmp_path: Path, encoder):
    index_dir = tmp_path / "index"
    build_index(documents_dir, index_dir, encoder=encoder)
    (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃900亩。\n", encoding="utf-8")
    process = start_slow_build(documents_dir, index_dir, seconds=600)  # it has read page.txt, paused
    (documents_dir / "page.txt").write_text("## 凹河村\n\n凹河村改种樱桃1200亩。\n", encoding="utf-8")
    (documents_dir / "late.txt").write_text("暗流镇排查自建房5511栋。", encoding="utf-8")
    output = go(process)
    assert process.wait(timeout=60) == 0
    assert "changed while the build read them: late.txt, page.txt" in output
    indexed = Retriever.load(index_dir, encoder=encoder)
    assert "900亩" in indexed.retrieve(QUESTION, k=1)[0].text  # what was read, consistently with its hash
    assert not any(p.source == "late.txt" for p in indexed.passages)
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert (report.added, report.changed, report.changed_during_build) == (1, 1, ())
    assert "1200亩" in Retriever.load(index_dir, encoder=encoder).retrieve(QUESTION, k=1)[0].text
