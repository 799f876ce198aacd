"""Time-left estimates from the progress we observed, blank until they can be honest."""

from __future__ import annotations

from collections import deque

# An estimate needs progress seen move over a span of time; percentages can sit at 0 while a
# task is queued and can jump, so one sample, or movement over a few seconds, says nothing.
_MIN_SPAN_SECONDS = 10.0
_MIN_PROGRESS_POINTS = 3
_WINDOW = 30


class EtaEstimator:
    """Keeps recent (time, percent) samples of one task and projects the finish time."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque(maxlen=_WINDOW)

    def add(self, when: float, percent: int) -> None:
        if self._samples and percent < self._samples[-1][1]:
            self._samples.clear()  # progress went backwards: earlier samples mislead
        if self._samples and self._samples[-1][1] == percent and len(self._samples) > 1:
            # Keep the first and latest sample of a plateau only, so the window spans time.
            if self._samples[-2][1] == percent:
                self._samples.pop()
        self._samples.append((when, percent))

    def seconds_left(self) -> float | None:
        """Seconds until 100 % at the observed rate, or None while that rate is not known."""
        if len(self._samples) < 2:
            return None
        moving = [s for s in self._samples if s[1] > self._samples[0][1]]
        if not moving:
            return None
        start_time, start_percent = self._samples[0]
        # Start from the last sample still at the starting percentage: time spent queued
        # before the first move is not part of the rate.
        for when, percent in self._samples:
            if percent == start_percent:
                start_time = when
        end_time, end_percent = self._samples[-1]
        span = end_time - start_time
        progress = end_percent - start_percent
        if span < _MIN_SPAN_SECONDS or progress < _MIN_PROGRESS_POINTS:
            return None
        if end_percent >= 100:
            return 0.0
        return (100 - end_percent) * span / progress
