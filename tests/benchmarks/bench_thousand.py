"""A thousand watched tasks on one simulated site with discovery on.

    .venv/bin/python tests/benchmarks/bench_thousand.py [--short]

Runs the real SiteTracker against the simulated Confluence on a manual clock, so every cycle sees
tasks progress and some finish, and prints:
- HTTP requests per poll cycle (goal: at most ceil(1000 / page size) plus the tasks that just
  left the list, each fetched once by id to learn how it ended);
- the GUI-thread time to apply one cycle's events, from the queued signal the site's worker
  thread sends (the controller's alerts, batching, the model and its sorting, the details pane,
  the tray summary; goal: median under 10 ms);
- the time to paint the visible rows of the table (goal: under 16 ms, one frame at 60 Hz).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import Figure, median, report
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from gui.confluence import ConfluenceClient
from gui.confluence.site import AuthKind, Credentials, Deployment, SiteAddress, SiteConfig
from gui.demo import DEMO_USER_EMAIL, DemoConfluence, DemoTask, ManualClock
from gui.polling.service import PollingService
from gui.polling.states import PollPolicy, TaskEvent
from gui.polling.tracker import SiteTracker
from gui.views.controller import AppController

TASKS = 1000
PAGE = 100
INTERVAL = 5.0
APPLY_GOAL_MS = 10.0
PAINT_GOAL_MS = 16.0


class _Worker(QObject):
    tasksChanged = Signal(object)  # noqa: N815 - as gui.polling.site_worker.SiteWorker


def _seed(server: DemoConfluence) -> None:
    # Durations spread so that a handful of tasks end in every cycle.
    for number in range(TASKS):
        server.add_task(DemoTask(duration=10.0 + number * 1.7, total_items=500))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form: fewer cycles")
    args = parser.parse_args()
    cycles = 6 if args.short else 30

    app = QApplication(sys.argv[:1])
    clock = ManualClock()
    with DemoConfluence(clock, max_page_size=PAGE) as server:
        _seed(server)
        site = SiteConfig(
            "bench",
            "Bench site",
            SiteAddress(server.cloud_base, Deployment.CLOUD),
            auth_kind=AuthKind.BASIC,
            user=DEMO_USER_EMAIL,
            discover=True,
        )
        credentials = Credentials(AuthKind.BASIC, server.token, DEMO_USER_EMAIL)
        client = ConfluenceClient(site.address, credentials)
        policy = PollPolicy(interval=INTERVAL, page_size=PAGE)
        tracker = SiteTracker(site.site_id, client, policy, discover=True, clock=clock)

        service = PollingService(watch_network=False)
        controller = AppController(service)
        controller.window.set_site(site)
        controller.alerts.set_site(site.site_id, site.name, credentials)

        # Stands in for the site's worker thread: its signal reaches the GUI thread queued.
        worker = _Worker()
        worker.tasksChanged.connect(service.tasksChanged, Qt.ConnectionType.QueuedConnection)

        def apply(events: list[TaskEvent]) -> float:
            worker.tasksChanged.emit(events)  # the worker's cost, not the GUI thread's
            started = time.perf_counter()
            app.processEvents()  # the batch is delivered from the event loop, as in the app
            return (time.perf_counter() - started) * 1000

        first_events = [e for e in tracker.poll() if isinstance(e, TaskEvent)]
        first_ms = apply(first_events)
        rows = controller.window.model.rowCount()
        if rows != TASKS:
            raise RuntimeError(f"the table shows {rows} rows after the first cycle, not {TASKS}")

        requests: list[int] = []
        over: list[int] = []
        apply_ms: list[float] = []
        events_per_cycle: list[int] = []
        ended: list[int] = []
        for _ in range(cycles):
            clock.advance(INTERVAL)
            open_before = {view.task_id for view in tracker.tasks() if not view.phase.ended}
            listed = {snap.task.id for snap in server.active_snapshots("cloud")}
            left = len(open_before - listed)
            server.clear_requests()
            events = [e for e in tracker.poll() if isinstance(e, TaskEvent)]
            count = len(server.requests)
            requests.append(count)
            over.append(count - (math.ceil(TASKS / PAGE) + left))
            events_per_cycle.append(len(events))
            ended.append(left)
            apply_ms.append(apply(events))

        window = controller.window
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        viewport = window.table.viewport()
        paints = []
        for _ in range(10 if args.short else 40):
            started = time.perf_counter()
            viewport.grab()
            paints.append((time.perf_counter() - started) * 1000)
        visible = viewport.height() // max(1, window.table.verticalHeader().defaultSectionSize())
        controller.quit(0)
        client.close()

    figures = [
        Figure(
            f"requests per poll cycle, {TASKS} tasks, page size {PAGE} (max over {cycles})",
            max(requests),
            "requests",
            goal=f"<= {math.ceil(TASKS / PAGE)} + tasks that left the list",
            goal_met=max(over) <= 0,
        ),
        Figure("task events per cycle (median)", median(events_per_cycle), "events"),
        Figure("tasks that left the list per cycle (median)", median(ended), "tasks"),
        Figure(
            "GUI-thread time to apply one cycle (median)",
            median(apply_ms),
            "ms",
            goal=f"< {APPLY_GOAL_MS:.0f} ms",
            goal_met=median(apply_ms) < APPLY_GOAL_MS,
        ),
        Figure("GUI-thread time for the first cycle (1000 new rows)", first_ms, "ms"),
        Figure(
            f"paint the visible rows (about {visible}, median)",
            median(paints),
            "ms",
            goal=f"< {PAINT_GOAL_MS:.0f} ms",
            goal_met=median(paints) < PAINT_GOAL_MS,
        ),
    ]
    report("thousand", figures, "short" if args.short else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
