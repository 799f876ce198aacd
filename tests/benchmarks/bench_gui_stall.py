"""How long the GUI event loop stalls while every server answer takes 5 s.

    .venv/bin/python tests/benchmarks/bench_gui_stall.py [--seconds 15] [--tasks 6] [--sites 2]

A 5 ms QTimer in the GUI thread records the gaps between its ticks while a PollingService watches
several tasks on a simulated Confluence whose every answer is delayed (Fault "slow"). The longest
gap beyond the timer's own 5 ms is the worst stall a user could feel; the goal is under 50 ms.
Prints the figures; ``test_gui_thread_keeps_ticking_while_the_server_is_slow`` runs a short form.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, QTimer

from gui.confluence import Credentials, SiteConfig, normalise_site_url
from gui.demo import DemoConfluence, DemoTask, Fault
from gui.polling.service import PollingService
from gui.polling.states import PollPolicy

TICK_MS = 5


def measure_stall(
    seconds: float, tasks: int = 6, sites: int = 2, delay: float = 5.0
) -> dict[str, Any]:
    """Run the scenario for ``seconds`` and return the tick-gap figures in milliseconds."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    server = DemoConfluence(token="bench-token").start()
    service = PollingService(PollPolicy(interval=0.5, jitter=0.0), watch_network=False)
    try:
        for number in range(sites):
            site_id = f"site-{number}"
            address = normalise_site_url(server.cloud_base if number % 2 == 0 else server.dc_base)
            service.set_site(
                SiteConfig(site_id, site_id, address), Credentials.for_token(server.token)
            )
            dialect = "cloud" if number % 2 == 0 else "dc"
            for _ in range(tasks // sites):
                service.watch(site_id, server.add_task(DemoTask(dialect=dialect, duration=600)))
        server.set_fault(Fault("slow", delay=delay))
        polled: list[str] = []
        service.sitePolled.connect(lambda site_id, _when: polled.append(site_id))

        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        def tick() -> None:
            now = clock.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            last[0] = now

        ticker = QTimer()
        ticker.setTimerType(Qt.TimerType.PreciseTimer)
        ticker.timeout.connect(tick)
        ticker.start(TICK_MS)
        service.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.001)
        ticker.stop()

        stop_started = time.monotonic()
        stopped = service.stop()
        stop_ms = (time.monotonic() - stop_started) * 1000
    finally:
        service.stop()
        server.stop()
    longest = max(gaps) if gaps else 0.0
    return {
        "ticks": len(gaps),
        "longest_gap_ms": longest,
        "longest_stall_ms": max(0.0, longest - TICK_MS),
        "median_gap_ms": statistics.median(gaps) if gaps else 0.0,
        "polls_completed": len(polled),
        "requests_sent": len(server.requests),
        "stop_ms": stop_ms,
        "stopped_cleanly": stopped,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--sites", type=int, default=2)
    options = parser.parse_args()
    figures = measure_stall(options.seconds, options.tasks, options.sites)
    for key, value in figures.items():
        print(f"{key:>18}: {value:.1f}" if isinstance(value, float) else f"{key:>18}: {value}")
    verdict = "meets" if figures["longest_stall_ms"] < 50 else "MISSES"
    print(f"longest GUI stall {figures['longest_stall_ms']:.1f} ms {verdict} the 50 ms goal")
    return 0


def test_gui_thread_keeps_ticking_while_the_server_is_slow(qtbot: Any) -> None:
    figures = measure_stall(seconds=2.0, tasks=2, sites=1, delay=5.0)
    print(figures)
    # A generous bound: this guards against the GUI thread waiting on the network (seconds),
    # not the 50 ms goal, which the full benchmark measures on a quiet machine.
    assert figures["longest_stall_ms"] < 1000
    assert figures["stopped_cleanly"]


if __name__ == "__main__":
    sys.exit(main())
