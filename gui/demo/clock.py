"""Clocks for the simulated Confluence: real monotonic time, or a manual one tests drive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


def real_clock() -> float:
    """Seconds of the monotonic clock: the default pace of the demo."""
    return time.monotonic()


class ManualClock:
    """A clock that only moves when told to, so tests see progress without sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (never backward) and return the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now
