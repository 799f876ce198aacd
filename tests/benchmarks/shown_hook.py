"""Tells a benchmark outside the process when the first window was shown, then quits on cue.

Imported by the baseline and by the app probe alike, so both pay the same for it. Reads
CTT_BENCH_REPORT (a file to write the wall-clock time to, once the first window exposed has
painted) and CTT_BENCH_QUIT_AFTER (seconds after that to quit; unset or negative: never).

The hook watches the top-level windows only, from the event loop's first turn: no window can be
exposed before the loop runs (checked offscreen and on X11). An application-wide event filter
would hand every event of every widget to Python while the window is being built, and PySide6
then makes a Python type, with all its enums, for each kind of object and event it meets: about
45 ms in the app against next to nothing in the three-widget baseline, a cost of the probe and
not of either program. Only when no window is up by then (the app started hidden) does the hook
fall back to the application-wide filter.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow


class ShownHook(QObject):
    """Waits for the first exposed top-level window and reports once it has painted."""

    shown = Signal()  # once, when the first window has painted

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._app = app
        self._done = False
        self._report = os.environ.get("CTT_BENCH_REPORT", "")
        self._quit_after = float(os.environ.get("CTT_BENCH_QUIT_AFTER", "-1") or "-1")
        self._watched: list[QObject] = []
        QTimer.singleShot(0, self._watch)  # runs on the event loop's first turn

    def _watch(self) -> None:
        windows = [window for window in QGuiApplication.topLevelWindows() if window.isVisible()]
        if any(window.isExposed() for window in windows):
            self._exposed()
            return
        self._watched = list(windows) or [self._app]
        for watched in self._watched:
            watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self._done
            and event.type() == QEvent.Type.Expose
            and isinstance(watched, QWindow)
            and watched.isExposed()
        ):
            self._exposed()
        return False

    def _exposed(self) -> None:
        self._done = True
        for watched in self._watched:
            watched.removeEventFilter(self)
        # Queued: the window paints while handling this very event, and that paint counts.
        QTimer.singleShot(0, self._shown)

    def _shown(self) -> None:
        when = time.time()
        self.shown.emit()
        if self._report:
            partial = self._report + ".part"
            with open(partial, "w") as file:
                file.write(f"{when:.6f}\n")
            os.replace(partial, self._report)  # the reader never sees half a line
        if self._quit_after >= 0:
            QTimer.singleShot(int(self._quit_after * 1000), self._app.quit)
