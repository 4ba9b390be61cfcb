"""Run app.py with the fake encoder, for tests that start chat servers as separate processes.

python tests/serve_fake.py [app.py's arguments]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qa.index
import qa.live
import qa.retriever
from tests.conftest import BigramEncoder

if __name__ == "__main__":
    encoder = BigramEncoder()
    qa.index.load_encoder = qa.retriever.load_encoder = qa.live.load_encoder = lambda *args, **kwargs: encoder

    import app

    app.main(sys.argv[1:])
