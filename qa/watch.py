"""Follow a documents folder and update the index when its files settle.

    watch(Path("documents"), Path("index"), on_build=print)   # until Ctrl-C or `stop` is set

File system events come from watchdog (inotify on Linux). A build starts once no event
has arrived for `settle` seconds, so a file being copied is read when it is complete;
events during a build lead to another build after it. This module does not build; it
calls `qa.index.build_index`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from qa.errors import NoDocumentsError, QAError
from qa.index import BuildReport, build_index

log = logging.getLogger(__name__)

SETTLE = 2.0  # seconds without a file event before a build starts


class _Changes(FileSystemEventHandler):
    """Remembers when the last relevant event arrived."""

    def __init__(self) -> None:
        self.last_event: float | None = None
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reads, not changes
        if any(part.startswith(".") for part in Path(str(event.src_path)).parts[-1:]):
            return  # hidden files: editors' swap files and the like
        with self.lock:
            self.last_event = time.monotonic()

    def settled(self, settle: float) -> bool:
        """True (once) when events arrived and none for `settle` seconds."""
        with self.lock:
            if self.last_event is None or time.monotonic() - self.last_event < settle:
                return False
            self.last_event = None
            return True


def watch(
    documents_dir: Path,
    index_dir: Path,
    *,
    settle: float = SETTLE,
    stop: threading.Event | None = None,
    on_build: Callable[[BuildReport], None] = lambda report: None,
    on_error: Callable[[QAError], None] = lambda error: None,
    **build_options,
) -> None:
    """Build now, then again whenever the folder changed and settled, until `stop` is set.

    build_options are passed to `build_index` (encoder, model, settings, show_progress).
    A build that fails with a QAError (an emptied folder, a lock held too long) is
    reported to `on_error` and watching goes on. Raises NoDocumentsError when the
    folder does not exist.
    """
    if not Path(documents_dir).is_dir():
        raise NoDocumentsError(documents_dir)
    stop = stop or threading.Event()
    changes = _Changes()
    observer = Observer()
    observer.schedule(changes, str(documents_dir), recursive=True)
    observer.start()
    try:
        pending = True  # the first build brings the index in step with what is there now
        while not stop.is_set():
            if pending or changes.settled(settle):
                pending = False
                try:
                    on_build(build_index(documents_dir, index_dir, **build_options))
                except QAError as error:
                    on_error(error)
            stop.wait(min(settle, 0.5) / 2)
    finally:
        observer.stop()
        observer.join()
