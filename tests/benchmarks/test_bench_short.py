"""The soak benchmark's short form under pytest: only invariants that cannot flake, no timings.

Timing figures (recovery gaps, memory growth) are reported by ``bench_soak.py`` itself; here a
few hundred polls through random faults must log no exception, lose no task, never send a refused
token twice for one user action, never send a request before Retry-After ran out, and get through
after every fault.
"""

from __future__ import annotations

import bench_gui_stall
import bench_soak


def test_short_soak_keeps_every_invariant() -> None:
    result = bench_soak.soak(polls=150, seed=2)

    assert result.polls == 150
    assert result.requests >= result.polls
    assert len(result.episodes) >= 3, "the schedule should have broken the site a few times"
    assert result.exceptions_logged == 0
    assert result.tasks_lost == 0
    assert result.unrecovered == 0
    assert result.refused_token_repeats == 0
    assert result.retry_after_violations == 0


def test_the_real_app_keeps_its_gui_thread_free_while_every_answer_takes_5_s() -> None:
    # Bounds far from the goals (which bench_gui_stall.py reports): they catch the GUI thread
    # waiting on the network (a 5 s stall) or a quit that waits for the answer (5 s), nothing
    # a busy machine could cause.
    figures = {figure.name: figure.value for figure in bench_gui_stall.measure(8.0)}
    assert figures["longest GUI stall while every answer takes 5 s"] < 1000
    assert figures["slow requests sent during the run"] >= 2
    assert figures["quit to process exit, a request in flight"] < 4
