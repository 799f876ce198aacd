"""Tells a benchmark outside the process when the first window was shown, then quits on cue.

Imported by the baseline and by the app probe alike, so both pay the same for it. Reads
CTT_BENCH_REPORT (a file to write the wall-clock time to, once the first window exposed has
painted) and CTT_BENCH_QUIT_AFTER (seconds after that to quit; unset or negative: never).
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QWindow


class ShownHook(QObject):
    """An application-wide event filter waiting for the first exposed top-level window."""

    shown = Signal()  # once, when the first window has painted

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._app = app
        self._done = False
        self._report = os.environ.get("CTT_BENCH_REPORT", "")
        self._quit_after = float(os.environ.get("CTT_BENCH_QUIT_AFTER", "-1") or "-1")
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self._done
            and event.type() == QEvent.Type.Expose
            and isinstance(watched, QWindow)
            and watched.isExposed()
        ):
            self._done = True
            # Queued: the window paints while handling this very event, and that paint counts.
            QTimer.singleShot(0, self._shown)
        return False

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
