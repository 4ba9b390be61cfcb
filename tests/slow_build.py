"""Build an index with the fake encoder, pausing at one point: for tests that kill or race a build.

    python tests/slow_build.py DOCUMENTS INDEX SECONDS [POINT [STORE]]

POINT is where the build prints its name and waits before going on, until a line "go" arrives on
its standard input or SECONDS have passed (tests send "go" when they have done what must happen
during the pause, so the interleaving is certain, never a race against a sleep):
"embedding" (default: before the vectors are computed), "writing" (the staged FAISS file
is written, the rest not yet), or "swapping" (everything is staged, the swap is next), or "publishing" (a Milvus STORE holds the
build's rows, its publish is next).
Prints "built N" at the end, N the passages embedded, then the build's summary.
"""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss

import qa.swap
from qa.index import build_index
from tests.conftest import BigramEncoder


def pause(point: str, seconds: float) -> None:
    print(point, flush=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sys.stdin], [], [], left)[0]:
            return  # SECONDS passed
        line = sys.stdin.readline()
        if line.strip() == "go":
            return
        if not line:  # no one will send "go" (standard input closed): sleep the rest
            time.sleep(max(0.0, deadline - time.monotonic()))
            return


class SlowEncoder(BigramEncoder):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def encode(self, texts: list[str], *, show_progress: bool = False):
        pause("embedding", self.seconds)
        return super().encode(texts, show_progress=show_progress)


def pause_after(function, point: str, seconds: float):
    def paused(*args, **kwargs):
        result = function(*args, **kwargs)
        pause(point, seconds)
        return result

    return paused


def pause_before(function, point: str, seconds: float):
    def paused(*args, **kwargs):
        pause(point, seconds)
        return function(*args, **kwargs)

    return paused


if __name__ == "__main__":
    documents, index, seconds = sys.argv[1:4]
    point = sys.argv[4] if len(sys.argv) > 4 else "embedding"
    encoder = SlowEncoder(float(seconds)) if point == "embedding" else BigramEncoder()
    if point == "writing":
        faiss.write_index = pause_after(faiss.write_index, point, float(seconds))
    elif point == "swapping":
        qa.swap.swap_in = pause_before(qa.swap.swap_in, point, float(seconds))
    elif point == "publishing":
        import qa.milvus_store

        writer = qa.milvus_store.MilvusWriter
        writer.publish = pause_before(writer.publish, point, float(seconds))
    store = sys.argv[5] if len(sys.argv) > 5 else None
    report = build_index(Path(documents), Path(index), encoder=encoder, store=store)
    print(f"built {report.embedded}", flush=True)
    print(report.summary(), flush=True)
