"""The floor to compare against: a bare PySide6 app with one window, one tray icon, one bar.

Run by the benchmarks as a subprocess (see shown_hook.py for the variables it reads).

With ``--poll URL`` it is the other floor, the one ``shared/testing-recipes.md`` measures: the
same window plus a QThread that GETs ``URL`` with requests every ``--every`` seconds. It is
reported beside the bare baseline, never in its place: it tells how much of the app's figure any
requests-based poller pays before it does anything of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QProgressBar, QSystemTrayIcon

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shown_hook import ShownHook

TOKEN_VARIABLE = "CTT_BENCH_TOKEN"  # the token for --poll, kept off the command line


class _Poller(QObject):
    """GETs one URL on a timer, in whatever thread it was moved to."""

    def __init__(self, url: str, every: float) -> None:
        super().__init__()
        self._url = url
        self._every_ms = int(every * 1000)
        self._timer: QTimer | None = None
        self.answers = 0  # bytes of the last answer, read so the body is really fetched

    def start(self) -> None:
        import requests

        self._session = requests.Session()
        token = os.environ.get(TOKEN_VARIABLE, "")
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self._timer.start(self._every_ms)
        self._poll()

    def _poll(self) -> None:
        try:
            self.answers = len(self._session.get(self._url, timeout=5).content)
        except OSError as error:  # requests' errors are OSErrors; a floor never stops for one
            print(f"baseline poll failed: {error}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--poll", metavar="URL", help="also poll URL with requests in a QThread")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between polls")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    hook = ShownHook(app)
    pixmap = QPixmap(32, 32)
    pixmap.fill()
    tray = QSystemTrayIcon(QIcon(pixmap))
    tray.setToolTip("baseline")
    tray.show()
    window = QMainWindow()
    window.setWindowTitle("baseline")
    bar = QProgressBar()
    bar.setValue(42)
    window.setCentralWidget(bar)
    window.resize(800, 500)
    window.show()

    thread = QThread()
    if args.poll:
        poller = _Poller(args.poll, args.every)
        poller.moveToThread(thread)
        thread.started.connect(poller.start)
        thread.start()
    status = app.exec()
    thread.quit()
    thread.wait()
    del hook
    return status


if __name__ == "__main__":
    sys.exit(main())
