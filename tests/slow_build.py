"""Build an index with the fake encoder, slowly: for tests that kill or race a build.

    python tests/slow_build.py DOCUMENTS INDEX SECONDS

Prints "embedding" when it starts embedding, then sleeps SECONDS before finishing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.index import build_index
from tests.conftest import BigramEncoder


class SlowEncoder(BigramEncoder):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def encode(self, texts: list[str], *, show_progress: bool = False):
        print("embedding", flush=True)
        time.sleep(self.seconds)
        return super().encode(texts, show_progress=show_progress)


if __name__ == "__main__":
    documents, index, seconds = sys.argv[1:4]
    report = build_index(Path(documents), Path(index), encoder=SlowEncoder(float(seconds)))
    print(f"built {report.embedded}", flush=True)
