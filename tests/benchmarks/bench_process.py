"""Process-level figures of the app against a bare PySide6 app started in the same run.

    .venv/bin/python tests/benchmarks/bench_process.py [--short]

1. start-up: process start to the main window shown and painted, ``--demo``, offscreen; the median
   of several runs, app and baseline alternating so a busy moment hits both alike;
2. resident memory 10 s after the window showed, the app watching 10 running tasks;
3. CPU time used over 60 s (``--short``: 10 s) with those 10 tasks polled every 2 s.
The tasks live on a simulated Confluence in this process, so its work is not counted as the app's.

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

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import SITE_VARIABLE, Child, Figure, app_child, baseline_child, median, report

from gui.demo import DemoConfluence, DemoTask

START_GOAL = 1.5
RSS_GOAL = 1.3
CPU_GOAL_PERCENT = 1.0
RSS_AFTER = 10.0
TASKS = 10


def start_up(runs: int) -> list[Figure]:
    app_times: list[float] = []
    base_times: list[float] = []
    for warm_up in (baseline_child(0), app_child(0, "--demo")):
        warm_up.wait_shown()  # fills the run's bytecode cache; not counted
        warm_up.finish()
    for _ in range(runs):
        for make, times in (
            (lambda: baseline_child(0), base_times),
            (lambda: app_child(0, "--demo"), app_times),
        ):
            child = make()
            times.append(child.wait_shown())
            child.finish()
    app, base = median(app_times), median(base_times)
    return [
        Figure(
            "start to window shown (--demo, offscreen, warm bytecode)",
            app,
            "s",
            baseline=base,
            goal=f"ratio <= {START_GOAL}",
            goal_met=app <= START_GOAL * base,
        )
    ]


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def steady_state(cpu_window: float) -> list[Figure]:
    """Both processes run side by side: RSS at 10 s after shown, then CPU over the window."""
    with DemoConfluence() as server:
        ids = [server.add_task(DemoTask(duration=3600.0)) for _ in range(TASKS)]
        spec = json.dumps({"url": server.url, "token": server.token, "tasks": ids})
        quit_after = RSS_AFTER + cpu_window + 1.0
        base = baseline_child(quit_after)
        app = app_child(quit_after, "--demo", **{SITE_VARIABLE: spec})
        children: list[Child] = [base, app]
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
        polled = sum(1 for r in server.requests if r.path.endswith(tuple(ids)))
        for child in children:
            child.finish()
    app_rss, base_rss = rss[app.pid], rss[base.pid]
    return [
        Figure(
            f"RSS {RSS_AFTER:.0f} s after shown, {TASKS} running tasks",
            app_rss,
            "MB",
            baseline=base_rss,
            goal=f"ratio <= {RSS_GOAL}",
            goal_met=app_rss <= RSS_GOAL * base_rss,
        ),
        Figure(
            f"CPU over {cpu_window:.0f} s, {TASKS} tasks polled every 2 s",
            cpu[app.pid],
            "% of one core",
            baseline=cpu[base.pid],
            goal=f"< {CPU_GOAL_PERCENT} %",
            goal_met=cpu[app.pid] < CPU_GOAL_PERCENT,
        ),
        Figure("task requests answered during the run", polled, "requests"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form: fewer runs, 10 s CPU")
    args = parser.parse_args()
    figures = start_up(3 if args.short else 9)
    figures += steady_state(10.0 if args.short else 60.0)
    report("process", figures, "short" if args.short else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
