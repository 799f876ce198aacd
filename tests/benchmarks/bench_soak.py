"""Soak: thousands of polls against a simulated Confluence that keeps breaking in random ways.

    .venv/bin/python tests/benchmarks/bench_soak.py [--polls N] [--seed S] [--short]

The simulated site runs in its own process (``python -m gui.demo``), so the memory measured here
is the poller's alone. One SiteTracker polls three long tasks by id on the real clock with a fast
policy, while a seeded schedule breaks the site again and again: every fault kind the poller
should ride out, 404 flickers, and refused credentials after which a simulated user retries once
the site accepts again. Figures: polls and requests, faults injected, the largest and median gap
between the server recovering and the poller's first good answer, resident memory growth after
warm-up (goal under 5 MB), exceptions logged (goal 0), and invariants (each goal 0): tasks lost,
faults never recovered from, a refused token sent twice for one user action, and a request sent
before Retry-After ran out. The recovery gap is bounded by the backoff cap (160 ms here) or the
last Retry-After (up to 200 ms), plus one request.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from common import Figure, report  # noqa: E402

from gui.confluence import ConfluenceClient, Credentials, normalise_site_url  # noqa: E402
from gui.polling.states import Phase, PollPolicy, SiteState  # noqa: E402
from gui.polling.tracker import SiteTracker  # noqa: E402

POLICY = PollPolicy(
    interval=0.015,
    gone_after_count=3,
    gone_after_seconds=1.0,
    backoff_base=0.02,
    backoff_cap=0.16,
    jitter=0.1,
)
TIMEOUT = (1.0, 0.25)  # the slow fault answers after 0.6 s
SIGN_IN_KINDS = {"unauthorized", "unauthorized_html", "login_page", "redirect"}
# (weight, fault fields); the flicker's task id is filled in when it is used.
FAULTS: list[tuple[int, dict[str, Any]]] = [
    (3, {"kind": "server_error", "status": 500}),
    (2, {"kind": "server_error", "status": 502}),
    (2, {"kind": "server_error", "status": 503, "retry_after": 0.2}),
    (3, {"kind": "rate_limited", "retry_after": 0.05}),
    (2, {"kind": "rate_limited", "retry_after": 0.2}),
    (1, {"kind": "server_error", "status": 429}),
    (2, {"kind": "malformed_json"}),
    (2, {"kind": "wrong_types"}),
    (2, {"kind": "not_json"}),
    (2, {"kind": "disconnect"}),
    (1, {"kind": "slow", "delay": 0.6}),
    (1, {"kind": "oversized"}),
    (3, {"kind": "not_found", "count": 1}),
    *[(1, {"kind": kind}) for kind in sorted(SIGN_IN_KINDS)],
]
MEMORY_GOAL_MB = 5.0


@dataclass
class Episode:
    """One fault: when it was set, when the server dropped it, and what it was."""

    start: float
    end: float
    fault: dict[str, Any]


@dataclass
class Result:
    """What one soak run measured; the short test asserts the invariants."""

    polls: int = 0
    requests: int = 0
    seconds: float = 0.0
    episodes: list[Episode] = field(default_factory=list)
    recovery_gaps: list[float] = field(default_factory=list)
    memory_growth_mb: float = 0.0
    exceptions_logged: int = 0
    tasks_lost: int = 0
    refused_token_repeats: int = 0
    retry_after_violations: int = 0
    unrecovered: int = 0
    user_retries: int = 0


class ExceptionCounter(logging.Handler):
    """Counts records at ERROR or above, and any record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.count += 1


class DemoProcess:
    """The simulated Confluence in a child process, driven through its /_demo/ endpoints."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gui.demo", "--empty", "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        details = json.loads(self.process.stdout.readline())
        self.site, self.token = details["cloud_site"], details["token"]
        self.root = self.site.rsplit("/wiki", 1)[0]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.root + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def soak(polls: int, seed: int) -> Result:
    """Run the soak for ``polls`` polls with the schedule of ``seed``."""
    rng = random.Random(seed)
    counter = ExceptionCounter()
    logging.getLogger().addHandler(counter)
    demo = DemoProcess()
    result = Result()
    try:
        task_ids = [demo.call("POST", "/_demo/tasks", {"duration": 1e6})["id"] for _ in range(3)]
        client = ConfluenceClient(
            normalise_site_url(demo.site), Credentials.for_token(demo.token), timeout=TIMEOUT
        )
        tracker = SiteTracker("soak", client, POLICY, rng=random.Random(seed))
        for task_id in task_ids:
            tracker.watch(task_id)
        _drive(tracker, demo, rng, task_ids, polls, result)
        result.requests = client.stats.requests
        log = demo.call("GET", "/_demo/requests")["requests"]
        _check(result, log, tracker, task_ids)
    finally:
        demo.stop()
        logging.getLogger().removeHandler(counter)
    result.exceptions_logged = counter.count
    return result


def _drive(
    tracker: SiteTracker,
    demo: DemoProcess,
    rng: random.Random,
    task_ids: list[str],
    polls: int,
    result: Result,
) -> None:
    weights, faults = zip(*FAULTS, strict=True)
    warm_up = max(50, polls // 10)
    rss_start = 0
    started = time.monotonic()
    next_fault_at = started + rng.uniform(0.2, 0.8)
    current: Episode | None = None
    while result.polls < polls:
        now = time.monotonic()
        if current is None and now >= next_fault_at:
            fault = dict(rng.choices(faults, weights)[0])
            if fault["kind"] == "not_found":
                fault["task_id"] = rng.choice(task_ids)
            else:
                fault["duration"] = round(rng.uniform(0.05, 0.6), 3)
            demo.call("POST", "/_demo/faults", fault)
            # The server dropped the fault by ``end`` at the latest (it armed it before answering),
            # so a gap measured from ``end`` is at most a control round trip short, never long.
            current = Episode(now, time.monotonic() + fault.get("duration", 0.0), fault)
        elif current is not None and now >= current.end:
            result.episodes.append(current)
            current, next_fault_at = None, now + rng.uniform(0.2, 0.8)
            if tracker.state is SiteState.NEEDS_SIGN_IN:
                tracker.retry_sign_in()  # the user, told the site accepts again, retries once
                result.user_retries += 1
        due = tracker.due_at()
        chaos_at = next_fault_at if current is None else current.end
        wake = chaos_at if due is None else min(due, chaos_at)
        if wake > now:
            time.sleep(min(wake - now, 0.05))
            continue
        if due is not None and due <= now:
            tracker.poll()
            result.polls += 1
            if result.polls == warm_up:
                rss_start = _rss()
    result.seconds = time.monotonic() - started
    result.memory_growth_mb = (_rss() - rss_start) / 2**20


def _rss() -> int:
    gc.collect()
    return int(psutil.Process().memory_info().rss)


def _check(
    result: Result, log: list[dict[str, Any]], tracker: SiteTracker, task_ids: list[str]
) -> None:
    """Measure recovery gaps and count broken invariants from the server's request log."""
    views = {view.task_id: view for view in tracker.tasks()}
    result.tasks_lost = sum(
        task_id not in views or views[task_id].phase is not Phase.RUNNING for task_id in task_ids
    )
    log = sorted(log, key=lambda record: record["real_time"])
    times = [record["real_time"] for record in log]
    for episode in result.episodes:
        if "duration" not in episode.fault:
            continue  # a flicker ends by count, not at a known moment
        first, after = bisect_left(times, episode.start), bisect_left(times, episode.end)
        refused = [r for r in log[first:after] if r["fault"] in SIGN_IN_KINDS]
        result.refused_token_repeats += max(0, len(refused) - 1)
        good = (r for r in log[after:] if r["status"] == 200 and r["fault"] is None)
        noticed = next(good, None)
        if noticed is not None:
            result.recovery_gaps.append(noticed["real_time"] - episode.end)
        elif times and times[-1] - episode.end > 1.0:
            result.unrecovered += 1  # the poller went on for a second and never got through
        wait = episode.fault.get("retry_after")
        if wait is None:
            continue
        for index in range(first, min(after, len(log) - 1)):
            told, then = log[index], log[index + 1]
            if told["fault"] and then["real_time"] - told["real_time"] < wait:
                result.retry_after_violations += 1


def figures(result: Result) -> list[Figure]:
    gaps = result.recovery_gaps or [0.0]
    zero = "0"
    return [
        Figure("polls", result.polls, "polls"),
        Figure("requests made", result.requests, "requests"),
        Figure("faults injected", len(result.episodes), "faults"),
        Figure("user retries after refusals", result.user_retries, "retries"),
        Figure("run time", result.seconds, "s"),
        Figure("largest recovery gap", max(gaps) * 1000, "ms"),
        Figure("median recovery gap", statistics.median(gaps) * 1000, "ms"),
        Figure(
            "memory growth after warm-up",
            result.memory_growth_mb,
            "MB",
            goal=f"< {MEMORY_GOAL_MB:g} MB",
            goal_met=result.memory_growth_mb < MEMORY_GOAL_MB,
        ),
        *[
            Figure(name, value, unit, goal=zero, goal_met=value == 0)
            for name, value, unit in (
                ("exceptions logged", result.exceptions_logged, "records"),
                ("tasks lost", result.tasks_lost, "tasks"),
                ("faults never recovered from", result.unrecovered, "faults"),
                ("refused token repeats", result.refused_token_repeats, "requests"),
                ("retry-after violations", result.retry_after_violations, "requests"),
            )
        ],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=3000, help="polls to run (default 3000)")
    parser.add_argument("--seed", type=int, default=1, help="the fault schedule's seed")
    parser.add_argument("--short", action="store_true", help="the CI form: 300 polls")
    args = parser.parse_args()
    result = soak(300 if args.short else args.polls, args.seed)
    report("soak", figures(result), "short" if args.short else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
