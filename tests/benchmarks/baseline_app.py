"""The floor to compare against: a bare PySide6 app with one window, one tray icon, one bar.

Run by the benchmarks as a subprocess (see shown_hook.py for the variables it reads).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QProgressBar, QSystemTrayIcon

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shown_hook import ShownHook


def main() -> int:
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
    status = app.exec()
    del hook
    return status


if __name__ == "__main__":
    sys.exit(main())
