"""The spacing rules of the fault matrix with jitter on, and a retry while still refused.

The matrix (test_fault_matrix.py) runs without jitter so its counts are exact; these tests turn
the default jitter (10 % each way) back on and check every gap against its bounds, on the
server's request log, over several seeds.
"""

from __future__ import annotations

import itertools
import random

import pytest

from gui.confluence import ConfluenceClient, Credentials, normalise_site_url
from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock
from gui.polling.alerts import AlertKind, AlertPolicy
from gui.polling.states import PollPolicy, SiteState
from gui.polling.tracker import SiteTracker

SEEDS = range(5)
EPSILON = 1e-6  # clock arithmetic in floating point


def tracker_for(
    demo: DemoConfluence, clock: ManualClock, policy: PollPolicy, seed: int, token: str = ""
) -> SiteTracker:
    client = ConfluenceClient(
        normalise_site_url(demo.cloud_base), Credentials.for_token(token or demo.token)
    )
    tracker = SiteTracker("site", client, policy, clock=clock, rng=random.Random(seed))
    tracker.watch(demo.add_task(DemoTask(duration=1_000_000)))
    return tracker


def poll_times(demo: DemoConfluence, tracker: SiteTracker, clock: ManualClock, n: int) -> list:
    """Poll ``n`` times, each when due; the server's clock at each request, oldest first."""
    for _ in range(n):
        due = tracker.due_at()
        assert due is not None
        clock.advance(max(0.0, due - clock()))
        tracker.poll()
    return [record.time for record in demo.requests]


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@pytest.mark.parametrize("seed", SEEDS)
def test_backoff_doubles_to_the_cap_with_jitter_within_bounds(
    demo: DemoConfluence, demo_clock: ManualClock, seed: int
) -> None:
    policy = PollPolicy()
    tracker = tracker_for(demo, demo_clock, policy, seed)
    demo.set_fault(Fault("server_error", status=502))
    spacing = gaps(poll_times(demo, tracker, demo_clock, 12))

    nominal = [min(300, 5 * 2**failures) for failures in range(len(spacing))]
    for failures, (gap, delay) in enumerate(zip(spacing, nominal, strict=True), start=1):
        low, high = delay * (1 - policy.jitter), min(delay * (1 + policy.jitter), 300)
        assert low - EPSILON <= gap <= high + EPSILON, (failures, gap)
    # Jitter moves every delay below the cap; at the cap it only ever shortens one.
    assert all(gap != delay for gap, delay in zip(spacing[:6], nominal, strict=False))
    assert all(270 - EPSILON <= gap <= 300 + EPSILON for gap in spacing[-4:])
    assert tracker.state is SiteState.UNREACHABLE


@pytest.mark.parametrize("seed", SEEDS)
def test_jitter_never_brings_a_request_before_retry_after(
    demo: DemoConfluence, demo_clock: ManualClock, seed: int
) -> None:
    # A small backoff base, so that Retry-After is what holds the poller back.
    policy = PollPolicy(backoff_base=1.0, jitter=0.5)
    tracker = tracker_for(demo, demo_clock, policy, seed)
    demo.set_fault(Fault("rate_limited", retry_after=7))
    times = poll_times(demo, tracker, demo_clock, 6)

    assert min(gaps(times)) >= 7
    assert tracker.state is SiteState.RATE_LIMITED


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_polls_come_every_interval_give_or_take_the_jitter(
    demo: DemoConfluence, demo_clock: ManualClock, seed: int
) -> None:
    policy = PollPolicy()
    tracker = tracker_for(demo, demo_clock, policy, seed)
    spacing = gaps(poll_times(demo, tracker, demo_clock, 20))

    assert all(4.5 <= gap <= 5.5 for gap in spacing)
    assert len(set(spacing)) > 1, "jitter should keep many clients out of step"


def test_a_retry_while_still_refused_sends_the_token_once_more_and_alerts_once_more(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    tracker = tracker_for(demo, demo_clock, PollPolicy(), 1, token="a-revoked-token")
    tracker.watch(demo.add_task(DemoTask(duration=1_000_000)))
    alerts = AlertPolicy()
    kinds = []

    def handle(events: list) -> None:
        kinds.extend(a.kind for e in events if (a := alerts.alert_for(e)) is not None)

    handle(tracker.poll())
    demo_clock.advance(3600)
    assert tracker.due_at() is None and len(demo.requests) == 1

    handle(tracker.retry_sign_in())
    handle(tracker.poll())
    demo_clock.advance(3600)

    assert tracker.due_at() is None
    assert len(demo.requests) == 2
    assert tracker.state is SiteState.NEEDS_SIGN_IN
    assert kinds == [AlertKind.SIGN_IN, AlertKind.SIGN_IN]
