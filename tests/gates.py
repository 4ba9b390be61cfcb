"""Events that make an interleaving certain: a test holds work at a point and lets it go when it is ready."""

from __future__ import annotations

import threading

from tests.conftest import BigramEncoder

HANG_GUARD = 60.0  # seconds: ends a test that would hang; it measures nothing


class PausingEncoder(BigramEncoder):
    """The fake encoder; once armed, its next call signals `entered` and waits for `release`."""

    def __init__(self) -> None:
        self.armed = False
        self.entered, self.release = threading.Event(), threading.Event()

    def encode(self, texts, *, show_progress=False):
        if self.armed:
            self.armed = False
            self.entered.set()
            assert self.release.wait(HANG_GUARD), "never released"
        return super().encode(texts, show_progress=show_progress)


class Gate:
    """Wraps a function: holds every call until `release` is set, counting the calls held at once."""

    def __init__(self, function) -> None:
        self.function = function
        self.release = threading.Event()
        self.inside = 0
        self.condition = threading.Condition()

    def __call__(self, *args, **kwargs):
        with self.condition:
            self.inside += 1
            self.condition.notify_all()
        try:
            assert self.release.wait(2 * HANG_GUARD), "never released"
            return self.function(*args, **kwargs)
        finally:
            with self.condition:
                self.inside -= 1

    def wait_inside(self, count: int) -> bool:
        """Wait until `count` calls are held at once (False after HANG_GUARD)."""
        with self.condition:
            return self.condition.wait_for(lambda: self.inside >= count, timeout=HANG_GUARD)
