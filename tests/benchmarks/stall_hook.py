"""Records how long the app's GUI event loop stalls, from inside the app process.

Installed by app_probe.py when CTT_BENCH_STALL_REPORT names a file: once the first window is
shown, a 5 ms precise timer notes the gap between its ticks; when the app is about to quit, the
figures go to that file as JSON, with the wall-clock moment of the quit, so the benchmark can
also time how long the process took to end after it.
"""

from __future__ import annotations

import json
import os
import statistics
import time

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, Qt, QTimer

TICK_MS = 5
REPORT_VARIABLE = "CTT_BENCH_STALL_REPORT"


class StallHook(QObject):
    """Ticks every 5 ms in the GUI thread; ``start()`` once the window is up."""

    def __init__(self, app: QCoreApplication, report: str) -> None:
        super().__init__(app)
        self._report = report
        self._gaps: list[float] = []
        self._at: list[float] = []  # when each gap began, in seconds after the window showed
        self._clock = QElapsedTimer()
        self._last = 0
        self._ticker = QTimer(self)
        self._ticker.setTimerType(Qt.TimerType.PreciseTimer)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        app.aboutToQuit.connect(self._write)

    def start(self) -> None:
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._ticker.start()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self._gaps.append((now - self._last) / 1e6)
        self._at.append(self._last / 1e9)
        self._last = now

    def _write(self) -> None:
        self._ticker.stop()
        gaps = self._gaps or [0.0]
        figures = {
            "ticks": len(self._gaps),
            "gaps_ms": self._gaps,
            "gap_starts_s": self._at,
            "longest_gap_ms": max(gaps),
            "median_gap_ms": statistics.median(gaps),
            "quit_at": time.time(),
        }
        partial = self._report + ".part"
        with open(partial, "w") as file:
            json.dump(figures, file)
        os.replace(partial, self._report)
