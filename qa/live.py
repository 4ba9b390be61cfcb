"""What a process shares: one encoder per model, one live retriever per store.

    >>> live = live_retriever("index")           # the same object for every caller of this store
    >>> live.current().retrieve("清镇市有多少家规模以上工业企业？", k=1)    # reloads after a rebuild
    [Passage(...)]
    >>> reset_shared()                           # forget both (tests, or after changing models)

A web server, the LangChain retriever and `qa.retrieve` all ask through here, so a model is
loaded once and a rebuilt index is picked up between questions. `qa.answer` and `qa.chat`
take any `RetrieverSource`: a `Retriever` (one build) or a `LiveRetriever` (the latest).
"""

from __future__ import annotations

import threading
from pathlib import Path

from qa.embedding import Encoder, load_encoder
from qa.index_format import manifest_stamp
from qa.passage import Passage
from qa.retriever import Retriever, RetrieverSource, check_encoder, open_store, store_location
from qa.store import LOCAL, StoreLocation

__all__ = ["LiveRetriever", "RetrieverSource", "live_retriever", "reset_shared", "retrieve", "shared_encoder"]

_encoders: dict[tuple[str, str | None], Encoder] = {}
_live: dict[str, LiveRetriever] = {}
_lock = threading.Lock()


def shared_encoder(model: str, kind: str | None = None) -> Encoder:
    """One encoder per model name and kind in this process: a model is loaded once."""
    with _lock:
        if (model, kind) not in _encoders:
            _encoders[model, kind] = load_encoder(model, kind)
        return _encoders[model, kind]


class LiveRetriever:
    """A retriever for one store (index folder or Milvus) that follows rebuilds.

    `current()` checks what is published between questions (the manifest file of a folder,
    the published build of a Milvus store) and opens the new build when it changed; a
    question already running keeps the Retriever it started with, so it is answered from
    the old build. Models are shared through `shared_encoder`.
    """

    def __init__(self, index_dir: str | Path | StoreLocation) -> None:
        self.location = index_dir if isinstance(index_dir, StoreLocation) else StoreLocation(LOCAL, str(index_dir))
        self.index_dir = Path(self.location.uri) if self.location.is_local else None
        self._retriever: Retriever | None = None
        self._key: object = None
        self._lock = threading.Lock()

    def _published_key(self) -> object:
        if self.index_dir is None:
            from qa.milvus_store import published_key

            return published_key(self.location)
        return manifest_stamp(self.index_dir) or (0, 0)

    def current(self) -> Retriever:
        """The retriever of the build published now. Raises QAError subclasses."""
        key = self._published_key()
        with self._lock:
            if self._retriever is None or self._key != key:
                store = open_store(self.location)
                encoder = shared_encoder(store.manifest.model, store.manifest.encoder)
                self._retriever = Retriever(check_encoder(store, encoder), encoder)
                self._key = key
            return self._retriever

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        return self.current().retrieve(question, k)


def live_retriever(index_dir: str | Path | None = None, *, store: str | None = None) -> LiveRetriever:
    """The process-wide LiveRetriever of a store (default: $QA_STORE, else $QA_INDEX, else index/)."""
    location = store_location(index_dir, store)
    key = str(Path(location.uri).resolve()) if location.is_local else str(location)
    with _lock:
        if key not in _live:
            _live[key] = LiveRetriever(location)
        return _live[key]


def reset_shared() -> None:
    """Forget the shared encoders and live retrievers: the next caller loads them again."""
    with _lock:
        _encoders.clear()
        _live.clear()


def retrieve(question: str, k: int = 5) -> list[Passage]:
    """Retrieve from the default store ($QA_STORE, else $QA_INDEX, else `index/`), opened once and reused."""
    return live_retriever().retrieve(question, k)
