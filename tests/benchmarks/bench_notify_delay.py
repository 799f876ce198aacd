"""Delay between a task finishing on the server and its desktop notification being sent.

    .venv/bin/python tests/benchmarks/bench_notify_delay.py [--short]

The real PollingService (worker threads, HTTP on loopback) and the app's controller with its
AlertPolicy; only the notifier is replaced, at its edge, by one that records when ``show`` was
called. Tasks finish at staggered moments so they land at every point of the poll cycle. Goal:
the worst delay at most the poll interval plus 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import Figure, median, report
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gui.confluence.site import AuthKind, Credentials, Deployment, SiteAddress, SiteConfig
from gui.demo import DEMO_USER_EMAIL, DemoConfluence, DemoTask
from gui.polling.alerts import Alert
from gui.polling.service import PollingService
from gui.polling.states import PollPolicy
from gui.views.controller import AppController

INTERVAL = 2.0
SLACK = 0.5


class RecordingNotifier(QObject):
    """The notifier's edge: remembers when each alert would have gone to the desktop."""

    activated = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[object, float] = {}

    def show(self, alert: Alert) -> None:
        # A summary of several endings tells each of its tasks at once.
        for task in alert.tasks or (alert.target,):
            self.shown.setdefault(task, time.monotonic())

    def set_tray(self, tray: object) -> None:
        """No tray fallback: the figure is about the moment the alert leaves the app."""

    def close(self) -> None:
        """Nothing to release."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form: fewer tasks")
    args = parser.parse_args()
    count = 4 if args.short else 12

    app = QApplication(sys.argv[:1])
    with DemoConfluence() as server:  # the real clock: time.monotonic, as here
        site = SiteConfig(
            "bench",
            "Bench site",
            SiteAddress(server.cloud_base, Deployment.CLOUD),
            auth_kind=AuthKind.BASIC,
            user=DEMO_USER_EMAIL,
        )
        service = PollingService(PollPolicy(interval=INTERVAL), watch_network=False)
        notifier = RecordingNotifier()
        controller = AppController(service, notifier)
        controller.add_site(site, Credentials(AuthKind.BASIC, server.token, DEMO_USER_EMAIL))
        finish_at: dict[object, float] = {}
        for number in range(count):
            # 0.37 s apart: the finishes fall on every phase of the 2 s cycle.
            task_id = server.add_task(DemoTask(duration=1.5 + number * 0.37))
            task = server.task(task_id)
            finish_at[(site.site_id, task_id)] = (task.added_at or 0.0) + task.duration
            controller.watch(site.site_id, task_id)
        controller.start(minimized=False)

        deadline = max(finish_at.values()) + 10.0
        timer = QTimer()
        timer.timeout.connect(
            lambda: (
                app.quit() if len(notifier.shown) >= count or time.monotonic() > deadline else None
            )
        )
        timer.start(50)
        app.exec()
        controller.quit(0)

    delays = [notifier.shown[key] - finish_at[key] for key in finish_at if key in notifier.shown]
    missing = count - len(delays)
    if missing:
        raise RuntimeError(f"{missing} of {count} finished tasks raised no notification")
    goal = INTERVAL + SLACK
    figures = [
        Figure(
            f"finish to notification, worst of {count} (poll every {INTERVAL:.0f} s)",
            max(delays),
            "s",
            goal=f"<= {goal:.1f} s",
            goal_met=max(delays) <= goal,
        ),
        Figure("finish to notification, median", median(delays), "s"),
    ]
    report("notify-delay", figures, "short" if args.short else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
