"""Process-level figures of the app against a bare PySide6 app started in the same run.

    .venv/bin/python tests/benchmarks/bench_process.py [--short]

1. start-up: process start to the main window shown and painted, ``--demo``, offscreen; the median
   of several runs, app and baseline alternating so a busy moment hits both alike;
2. resident memory 10 s after the window showed, the app watching 10 running tasks;
3. CPU time used over 60 s (``--short``: 10 s) with those 10 tasks polled every 2 s.
The tasks live on a simulated Confluence in this process, so its work is not counted as the app's.

The goals compare with the bare baseline (one window, one tray icon, one bar). Beside it, without
a goal, stands the recipes' floor: that baseline plus a QThread polling one task with requests
every 2 s. It shows how much of the app's figure any requests-based poller pays up front.

Both sides run under the same conditions: compiled bytecode is allowed and cached for the run
(see common.py), and one uncounted warm-up start of each fills that cache first, as an installed
app (wheel or frozen) always starts from bytecode. The figures say "warm bytecode" to tell so.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import (
    SITE_VARIABLE,
    Child,
    Figure,
    app_child,
    baseline_child,
    median,
    polling_floor_child,
    report,
)

from gui.demo import DemoConfluence, DemoTask

START_GOAL = 1.5
RSS_GOAL = 1.3
CPU_GOAL_PERCENT = 1.0
RSS_AFTER = 10.0
TASKS = 10


def start_up(runs: int, server: DemoConfluence, task_url: str) -> list[Figure]:
    times: dict[str, list[float]] = {"app": [], "baseline": [], "floor": []}
    makers = {
        "baseline": lambda: baseline_child(0),
        "floor": lambda: polling_floor_child(0, task_url, server.token),
        "app": lambda: app_child(0, "--demo"),
    }
    for make in makers.values():
        warm_up = make()
        warm_up.wait_shown()  # fills the run's bytecode cache; not counted
        warm_up.finish()
    for _ in range(runs):
        for name, make in makers.items():
            child = make()
            times[name].append(child.wait_shown())
            child.finish()
    app, base, floor = (median(times[name]) for name in ("app", "baseline", "floor"))
    label = "start to window shown (--demo, offscreen, warm bytecode)"
    return [
        Figure(
            label,
            app,
            "s",
            baseline=base,
            goal=f"ratio <= {START_GOAL}",
            goal_met=app <= START_GOAL * base,
        ),
        Figure(f"{label}, against the polling floor", app, "s", baseline=floor),
    ]


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def steady_state(
    cpu_window: float, server: DemoConfluence, ids: list[str], floor_url: str
) -> list[Figure]:
    """The processes run side by side: RSS at 10 s after shown, then CPU over the window."""
    spec = json.dumps({"url": server.url, "token": server.token, "tasks": ids})
    quit_after = RSS_AFTER + cpu_window + 1.0
    base = baseline_child(quit_after)
    floor = polling_floor_child(quit_after, floor_url, server.token)
    asked_before = len(server.requests)
    app = app_child(quit_after, "--demo", **{SITE_VARIABLE: spec})
    children: list[Child] = [base, floor, app]
    shown_at = {}
    for child in children:
        child.wait_shown()
        shown_at[child.pid] = time.monotonic()
    procs = {child.pid: psutil.Process(child.pid) for child in children}
    rss: dict[int, float] = {}
    cpu_start: dict[int, float] = {}
    for child in children:
        time.sleep(max(0.0, shown_at[child.pid] + RSS_AFTER - time.monotonic()))
        rss[child.pid] = procs[child.pid].memory_info().rss / 2**20
        cpu_start[child.pid] = _cpu_seconds(procs[child.pid])
    began = time.monotonic()
    time.sleep(cpu_window)
    cpu = {
        pid: (_cpu_seconds(proc) - cpu_start[pid]) / (time.monotonic() - began) * 100
        for pid, proc in procs.items()
    }
    for child in children:
        child.finish()
    # Every request but the floor's (it polls a task of its own): the app's by id or its list.
    floor_path = urlsplit(floor_url).path
    polled = sum(1 for r in server.requests[asked_before:] if r.path != floor_path)

    label = f"RSS {RSS_AFTER:.0f} s after shown, {TASKS} running tasks"
    return [
        Figure(
            label,
            rss[app.pid],
            "MB",
            baseline=rss[base.pid],
            goal=f"ratio <= {RSS_GOAL}",
            goal_met=rss[app.pid] <= RSS_GOAL * rss[base.pid],
        ),
        Figure(f"{label}, against the polling floor", rss[app.pid], "MB", baseline=rss[floor.pid]),
        Figure(
            f"CPU over {cpu_window:.0f} s, {TASKS} tasks polled every 2 s",
            cpu[app.pid],
            "% of one core",
            baseline=cpu[base.pid],
            goal=f"< {CPU_GOAL_PERCENT} %",
            goal_met=cpu[app.pid] < CPU_GOAL_PERCENT,
        ),
        Figure("requests the app made during the run", polled, "requests"),
    ]


def _task_url(server: DemoConfluence, task_id: str) -> str:
    return f"{server.url}/wiki/rest/api/longtask/{task_id}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form: fewer runs, 10 s CPU")
    args = parser.parse_args()
    with DemoConfluence() as server:
        ids = [server.add_task(DemoTask(duration=3600.0)) for _ in range(TASKS)]
        floor_url = _task_url(server, server.add_task(DemoTask(duration=3600.0)))
        figures = start_up(3 if args.short else 9, server, floor_url)
        figures += steady_state(10.0 if args.short else 60.0, server, ids, floor_url)
    report("process", figures, "short" if args.short else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
