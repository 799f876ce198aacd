"""The soak benchmark's short form under pytest: only invariants that cannot flake, no timings.

Timing figures (recovery gaps, memory growth) are reported by ``bench_soak.py`` itself; here a
few hundred polls through random faults must log no exception, lose no task, never send a refused
token twice for one user action, never send a request before Retry-After ran out, and get through
after every fault.
"""

from __future__ import annotations

import bench_gui_stall
import bench_soak
from common import Figure


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


def the_one(figures: list[Figure], unit: str, *, with_goal: bool) -> Figure:
    """The one figure in ``unit`` with (or without) a goal: found by its unit and goal, which a
    rewording leaves alone; a failure, not a check of the wrong figure, if there is not one."""
    found = [f for f in figures if f.unit == unit and (f.goal_met is not None) == with_goal]
    assert len(found) == 1, f"not one {unit} figure {with_goal=}: {[f.name for f in figures]}"
    return found[0]


def test_the_real_app_keeps_its_gui_thread_free_while_every_answer_takes_5_s() -> None:
    # Bounds far from the goals (which bench_gui_stall.py reports): they catch the GUI thread
    # waiting on the network (a 5 s stall) or a quit that waits for the answer (5 s), nothing
    # a busy machine could cause.
    figures = bench_gui_stall.measure(8.0)
    # The longest stall has a goal; the start-up stall and the timer's median gap have none.
    assert the_one(figures, "ms", with_goal=True).value < 1000
    assert the_one(figures, "requests", with_goal=False).value >= 2
    assert the_one(figures, "s", with_goal=True).value < 4  # quit to exit, a request in flight
