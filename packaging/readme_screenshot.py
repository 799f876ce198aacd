"""Takes the README's picture: the --demo window mid-run, under a strip showing the tray icon
and its tooltip as a desktop panel would (offscreen Qt, and Xvfb, have no panel to capture).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/readme_screenshot.py [OUT.png]

Runs the real window, poller and simulated Confluence of ``--demo`` at twice the speed,
waits until some tasks have ended and others run with an ETA, selects the failed one, and saves.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui import APP_NAME  # noqa: E402
from gui.app_demo import demo_policy, start_demo  # noqa: E402
from gui.polling.service import PollingService  # noqa: E402
from gui.polling.states import Phase  # noqa: E402
from gui.resources import app_icon  # noqa: E402
from gui.views.controller import AppController  # noqa: E402

SPEED = 2.0
OUT = ROOT / "resources" / "screenshots" / "main-window.png"
PANEL = 30


def mid_run(controller: AppController) -> bool:
    views = controller.window.model.tasks()
    phases = [view.phase for view in views]
    estimated = [view for view in views if view.eta_seconds is not None]
    return Phase.FAILED in phases and Phase.GONE in phases and len(estimated) >= 2


def compose(window: QImage, icon: QImage, tooltip: str) -> QImage:
    font = QFont()
    metrics = QFontMetrics(font)
    lines = tooltip.splitlines()
    tip_width = max(metrics.horizontalAdvance(line) for line in lines) + 16
    tip_height = metrics.height() * len(lines) + 10
    picture = QImage(window.width(), window.height() + PANEL, QImage.Format.Format_RGB32)
    painter = QPainter(picture)
    painter.fillRect(0, 0, picture.width(), PANEL, QColor(38, 41, 46))
    painter.setPen(QColor(230, 230, 230))
    painter.setFont(font)
    painter.drawText(
        QRect(8, 0, picture.width(), PANEL),
        Qt.AlignmentFlag.AlignVCenter,
        "Desktop panel with the tray icon (composed: the virtual screen has no panel)",
    )
    icon_x = picture.width() - PANEL - 6
    painter.drawImage(icon_x + 3, 3, icon)
    painter.drawImage(0, PANEL, window)
    tip = QRect(picture.width() - tip_width - 8, PANEL + 4, tip_width, tip_height)
    painter.fillRect(tip, QColor(255, 255, 225))
    painter.setPen(QColor(90, 90, 90))
    painter.drawRect(tip.adjusted(0, 0, -1, -1))
    painter.setPen(QColor(20, 20, 20))
    for number, line in enumerate(lines):
        painter.drawText(
            tip.x() + 8, tip.y() + 5 + metrics.ascent() + number * metrics.height(), line
        )
    painter.end()
    return picture


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    session = start_demo(SPEED)
    controller = AppController(PollingService(demo_policy(SPEED), watch_network=False))
    session.attach(controller)
    controller.start()
    window = controller.window
    window.resize(1060, 500)
    try:
        deadline = time.monotonic() + 60
        while not mid_run(controller) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        failed = next(v for v in window.model.tasks() if v.phase is Phase.FAILED)
        window.select_task(failed.key)
        for _ in range(20):
            app.processEvents()
        icon = controller.tray.icon.icon().pixmap(24, 24).toImage()
        picture = compose(window.grab().toImage(), icon, controller.tray.icon.toolTip())
        out.parent.mkdir(parents=True, exist_ok=True)
        picture.save(str(out))
        print(f"{APP_NAME} screenshot: {out}")
    finally:
        controller.quit(0)
        session.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
