"""The polling policy against the simulated Confluence, on the demo's manual clock."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from gui.confluence import ConfluenceClient, Credentials, normalise_site_url
from gui.demo import DemoTask, Fault
from gui.polling.states import (
    MAX_STOPPED,
    Answer,
    Phase,
    PollPolicy,
    SiteEvent,
    SiteState,
    TaskEvent,
)
from gui.polling.tracker import SiteTracker

POLICY = PollPolicy(
    interval=5, discovery_interval=60, gone_after_count=3, gone_after_seconds=30, jitter=0
)


def make_tracker(demo: Any, clock: Any, *, token: str | None = None, **kwargs: Any) -> SiteTracker:
    client = ConfluenceClient(
        normalise_site_url(demo.cloud_base), Credentials.for_token(token or demo.token)
    )
    return SiteTracker(
        "site", client, kwargs.pop("policy", POLICY), clock=clock, rng=random.Random(1), **kwargs
    )


def run_until_idle(tracker: SiteTracker, clock: Any, limit: int = 100) -> list[Any]:
    """Poll whenever due, advancing the clock to each due time; stop when nothing is due."""
    events: list[Any] = []
    for _ in range(limit):
        due = tracker.due_at()
        if due is None:
            return events
        clock.advance(max(0.0, due - clock()))
        events += tracker.poll()
    raise AssertionError("the tracker kept polling")


def phase_changes(events: list[Any]) -> list[tuple[str, Phase]]:
    return [
        (e.task.task_id, e.task.phase)
        for e in events
        if isinstance(e, TaskEvent) and e.phase_changed
    ]


def test_task_runs_to_success_then_polling_stops(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=30))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    events = run_until_idle(tracker, demo_clock)
    assert phase_changes(events) == [(task_id, Phase.RUNNING), (task_id, Phase.SUCCEEDED)]
    assert tracker.due_at() is None
    polls = [r for r in demo.requests if r.path.endswith(task_id)]
    assert 6 <= len(polls) <= 8  # every 5 s over 30 s


def test_404_flicker_changes_nothing_the_user_sees(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=60))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    tracker.poll()
    demo.set_fault(Fault("not_found", count=1))
    demo_clock.advance(5)
    flicker = tracker.poll()
    assert flicker == []
    view = tracker.task(task_id)
    assert view is not None and view.phase is Phase.RUNNING
    assert view.last_answer == Answer(200), "the passing 404 is not shown as the last answer"
    assert view.not_found_count == 1, "but it counts towards calling the task gone"
    demo_clock.advance(5)
    tracker.poll()
    assert tracker.task(task_id).not_found_count == 0  # type: ignore[union-attr]


def test_task_is_gone_only_after_repeated_404s_spanning_the_window(
    demo: Any, demo_clock: Any
) -> None:
    task_id = demo.add_task(DemoTask(duration=600, vanish_at=10))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    events = run_until_idle(tracker, demo_clock)
    assert phase_changes(events) == [(task_id, Phase.RUNNING), (task_id, Phase.GONE)]
    assert tracker.task(task_id).last_answer.status == 404  # type: ignore[union-attr]
    not_found = [r for r in demo.requests if r.status == 404]
    assert len(not_found) >= 3
    assert not_found[-1].time - not_found[0].time >= 30


def test_refused_token_is_sent_once_then_never_until_retry(demo: Any, demo_clock: Any) -> None:
    first, second = demo.add_task(DemoTask()), demo.add_task(DemoTask())
    tracker = make_tracker(demo, demo_clock, token="not-the-token")
    tracker.watch(first)
    tracker.watch(second)
    events = tracker.poll()
    assert [(e.state, e.previous) for e in events if isinstance(e, SiteEvent)] == [
        (SiteState.NEEDS_SIGN_IN, SiteState.IDLE)
    ]
    assert tracker.due_at() is None
    demo_clock.advance(3600)
    assert tracker.due_at() is None
    assert len(demo.requests) == 1

    good = ConfluenceClient(normalise_site_url(demo.cloud_base), Credentials.for_token(demo.token))
    tracker.retry_sign_in(good)
    assert tracker.due_at() is not None
    tracker.poll()
    assert tracker.state is SiteState.OK


def test_retry_after_is_never_undercut(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=600))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    demo.set_fault(Fault("rate_limited", count=1, retry_after=30))
    events = tracker.poll()
    assert tracker.state is SiteState.RATE_LIMITED
    assert any(isinstance(e, SiteEvent) and e.retry_in and e.retry_in >= 30 for e in events)
    tracker.poll_soon()  # even "poll now" waits for what the server said
    assert tracker.due_at() >= demo_clock() + 30  # type: ignore[operator]


def test_backoff_doubles_to_the_cap_and_a_success_resets_it(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=100_000))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    demo.set_fault(Fault("server_error"))
    delays = []
    for _ in range(9):
        now = demo_clock()
        tracker.poll()
        delays.append(tracker.due_at() - now)  # type: ignore[operator]
        demo_clock.advance(delays[-1])
    assert delays[:4] == [5, 10, 20, 40]
    assert delays[-2:] == [300, 300]
    assert tracker.state is SiteState.UNREACHABLE

    demo.clear_faults()
    tracker.poll()
    assert tracker.state is SiteState.OK
    assert tracker.due_at() - demo_clock() == 5  # type: ignore[operator]


@pytest.mark.parametrize(
    "kind", ["malformed_json", "not_json", "wrong_types", "disconnect", "oversized"]
)
def test_nonsense_answers_make_the_site_unreachable_and_it_recovers(
    demo: Any, demo_clock: Any, kind: str
) -> None:
    task_id = demo.add_task(DemoTask(duration=600))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    demo.set_fault(Fault(kind, count=1))
    tracker.poll()
    assert tracker.state is SiteState.UNREACHABLE and tracker.reason
    assert tracker.task(task_id) is not None  # nothing watched is lost
    demo_clock.advance(tracker.due_at() - demo_clock())  # type: ignore[operator]
    tracker.poll()
    assert tracker.state is SiteState.OK
    assert tracker.task(task_id).phase is Phase.RUNNING  # type: ignore[union-attr]


def test_discovery_costs_one_request_per_page_plus_tasks_that_left(
    demo: Any, demo_clock: Any
) -> None:
    for _ in range(250):
        demo.add_task(DemoTask(duration=1000))
    short = demo.add_task(DemoTask(duration=8))
    tracker = make_tracker(demo, demo_clock, discover=True)
    tracker.poll()
    assert len(tracker.tasks()) == 251
    assert len(demo.requests) == math.ceil(251 / 100)

    demo.clear_requests()
    demo_clock.advance(10)  # the short task ended and left the list
    events = tracker.poll()
    paths = [r.path for r in demo.requests]
    assert len(paths) == math.ceil(250 / 100) + 1
    assert paths[-1].endswith("/" + short)
    assert (short, Phase.SUCCEEDED) in phase_changes(events)


def test_a_task_the_user_stopped_is_not_discovered_again_until_watched_by_id(
    demo: Any, demo_clock: Any
) -> None:
    stopped = demo.add_task(DemoTask(duration=1000))
    other = demo.add_task(DemoTask(duration=1000))
    tracker = make_tracker(demo, demo_clock, discover=True)
    tracker.poll()
    assert {view.task_id for view in tracker.tasks()} == {stopped, other}

    tracker.unwatch(stopped)
    demo_clock.advance(60)
    events = tracker.poll()

    assert [view.task_id for view in tracker.tasks()] == [other]
    assert stopped not in {e.task.task_id for e in events if isinstance(e, TaskEvent)}
    assert not any(r.path.endswith("/" + stopped) for r in demo.requests)

    tracker.watch(stopped)
    demo_clock.advance(5)
    tracker.poll()
    assert {view.task_id for view in tracker.tasks()} == {stopped, other}


def test_only_the_newest_stops_are_remembered(demo: Any, demo_clock: Any) -> None:
    oldest = demo.add_task(DemoTask(duration=1000))
    kept = demo.add_task(DemoTask(duration=1000))
    tracker = make_tracker(demo, demo_clock, discover=True)
    tracker.unwatch(oldest)
    tracker.unwatch(kept)
    for n in range(MAX_STOPPED - 1):  # tasks of the past that the site no longer lists
        tracker.unwatch(f"old-{n}")

    tracker.poll()

    assert [view.task_id for view in tracker.tasks()] == [oldest], "the oldest stop is forgotten"


def test_nothing_to_watch_and_no_discovery_sends_nothing(demo: Any, demo_clock: Any) -> None:
    tracker = make_tracker(demo, demo_clock)
    assert tracker.due_at() is None
    assert tracker.state is SiteState.IDLE


def test_paused_site_sends_nothing_until_resumed(demo: Any, demo_clock: Any) -> None:
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(demo.add_task(DemoTask()))
    tracker.set_paused(True)
    assert tracker.due_at() is None and tracker.state is SiteState.PAUSED
    tracker.set_paused(False)
    assert tracker.due_at() is not None


def test_percent_that_does_not_move_is_flagged_as_stalled(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(progress=[(0, 10), (5, 20), (10_000, 30)], duration=20_000))
    policy = PollPolicy(interval=60, stall_after=600, jitter=0)
    tracker = make_tracker(demo, demo_clock, policy=policy)
    tracker.watch(task_id)
    demo_clock.advance(6)
    tracker.poll()
    assert not tracker.task(task_id).stalled  # type: ignore[union-attr]
    demo_clock.advance(700)
    tracker.poll()
    assert tracker.task(task_id).stalled  # type: ignore[union-attr]


def test_a_task_whose_answers_cannot_be_read_shows_why_while_the_others_go_on(
    demo: Any, demo_clock: Any
) -> None:
    bad = demo.add_task(DemoTask(duration=600))
    good = demo.add_task(DemoTask(duration=600))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(bad)
    tracker.watch(good)
    tracker.poll()
    demo.set_fault(Fault("wrong_types", task_id=bad))
    before = tracker.task(good).status.percent  # type: ignore[union-attr]

    for _ in range(20):
        demo_clock.advance(5)
        tracker.poll()

    view = tracker.task(bad)
    assert view is not None and tracker.state is SiteState.OK
    assert view.phase is Phase.RUNNING, "the unreadable task keeps its last known state"
    assert "'percentageComplete' should be a number" in view.last_error
    assert view.last_answer is not None and view.last_answer.status == 200
    assert not view.last_answer.ok
    assert tracker.task(good).status.percent > before  # type: ignore[union-attr]
    assert len([r for r in demo.requests if r.path.endswith(bad)]) == 21, "no backoff"

    demo.clear_faults()
    demo_clock.advance(5)
    tracker.poll()
    healed = tracker.task(bad)
    assert healed is not None and healed.last_error == "" and healed.last_answer.ok  # type: ignore[union-attr]


def test_when_no_answer_of_a_cycle_can_be_read_the_site_is_in_trouble(
    demo: Any, demo_clock: Any
) -> None:
    ids = [demo.add_task(DemoTask(duration=600)) for _ in range(2)]
    tracker = make_tracker(demo, demo_clock)
    for task_id in ids:
        tracker.watch(task_id)
    demo.set_fault(Fault("wrong_types"))
    tracker.poll()
    assert tracker.state is SiteState.UNREACHABLE
    assert "should be a number" in tracker.reason
    assert tracker.due_at() == pytest.approx(demo_clock() + POLICY.backoff_base)
    assert all("should be a number" in tracker.task(t).last_error for t in ids)  # type: ignore[union-attr]


def test_one_unreadable_item_in_the_task_list_hides_no_other_task(
    demo: Any, demo_clock: Any
) -> None:
    bad = demo.add_task(DemoTask(duration=600))
    others = [demo.add_task(DemoTask(duration=600)) for _ in range(3)]
    tracker = make_tracker(demo, demo_clock, discover=True)
    tracker.poll()
    assert {view.task_id for view in tracker.tasks()} == {bad, *others}

    demo.set_fault(Fault("wrong_types", task_id=bad))
    demo_clock.advance(5)
    tracker.poll()

    assert tracker.state is SiteState.OK
    assert all(tracker.task(t).last_error == "" for t in others)  # type: ignore[union-attr]
    view = tracker.task(bad)
    assert view is not None and view.phase is Phase.RUNNING
    assert "should be a number" in view.last_error, "fetched by id once it left the list"


def test_a_task_list_of_nothing_but_unreadable_items_is_not_confluence(
    demo: Any, demo_clock: Any
) -> None:
    ids = [demo.add_task(DemoTask(duration=600)) for _ in range(2)]
    demo.set_fault(Fault("wrong_types", task_id=ids[0]))
    demo.set_fault(Fault("wrong_types", task_id=ids[1]))
    tracker = make_tracker(demo, demo_clock, discover=True)
    tracker.poll()
    assert tracker.state is SiteState.UNREACHABLE
    assert tracker.tasks() == []


def test_backoff_stays_at_the_cap_however_long_a_site_fails(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=10**9))
    policy = PollPolicy(backoff_base=1, backoff_cap=300, jitter=0)
    tracker = make_tracker(demo, demo_clock, policy=policy)
    tracker.watch(task_id)
    demo.set_fault(Fault("server_error"))
    for _ in range(1100):  # past 2 ** 1024, which no float holds
        demo_clock.advance(max(0.0, (tracker.due_at() or 0) - demo_clock()))
        tracker.poll()
    assert tracker.state is SiteState.UNREACHABLE
    assert tracker.due_at() == pytest.approx(demo_clock() + 300)


def test_a_failed_answer_is_kept_as_the_tasks_last_answer(demo: Any, demo_clock: Any) -> None:
    task_id = demo.add_task(DemoTask(duration=600))
    tracker = make_tracker(demo, demo_clock)
    tracker.watch(task_id)
    tracker.poll()
    assert tracker.task(task_id).last_answer.ok  # type: ignore[union-attr]

    demo.set_fault(Fault("server_error", status=503))
    demo_clock.advance(5)
    events = tracker.poll()

    answer = tracker.task(task_id).last_answer  # type: ignore[union-attr]
    assert answer is not None and answer.status == 503 and not answer.ok
    assert "having trouble" in answer.problem
    assert "503 Service Unavailable" in answer.excerpt, "the start of the body the server sent"
    assert any(isinstance(e, TaskEvent) and e.task.last_answer == answer for e in events)
    assert tracker.task(task_id).phase is Phase.RUNNING  # type: ignore[union-attr]


def test_many_tasks_watched_by_id_are_polled_through_one_pass_of_the_list(
    demo: Any, demo_clock: Any
) -> None:
    watched = [demo.add_task(DemoTask(duration=600)) for _ in range(30)]
    others = [demo.add_task(DemoTask(duration=600)) for _ in range(5)]
    tracker = make_tracker(demo, demo_clock)
    for task_id in watched:
        tracker.watch(task_id)

    tracker.poll()
    demo.clear_requests()
    demo_clock.advance(5)
    tracker.poll()

    assert [r.path.rsplit("/", 1)[-1] for r in demo.requests] == ["longtask"]
    assert {view.task_id for view in tracker.tasks()} == set(watched), "others are not adopted"
    assert not set(others) & {view.task_id for view in tracker.tasks()}
    assert all(view.phase is Phase.RUNNING for view in tracker.tasks())


def test_few_tasks_are_asked_for_by_id(demo: Any, demo_clock: Any) -> None:
    watched = [demo.add_task(DemoTask(duration=600)) for _ in range(3)]
    tracker = make_tracker(demo, demo_clock)
    for task_id in watched:
        tracker.watch(task_id)
    tracker.poll()
    assert sorted(r.path.rsplit("/", 1)[-1] for r in demo.requests) == sorted(watched)


def test_a_list_the_site_forbids_is_not_asked_for_again_for_a_while(
    demo: Any, demo_clock: Any
) -> None:
    watched = [demo.add_task(DemoTask(duration=6000)) for _ in range(12)]
    demo.set_fault(Fault("server_error", status=403, endpoint="list"))
    tracker = make_tracker(demo, demo_clock)
    for task_id in watched:
        tracker.watch(task_id)

    tracker.poll()
    demo_clock.advance(5)
    tracker.poll()

    paths = [r.path.rsplit("/", 1)[-1] for r in demo.requests]
    assert paths.count("longtask") == 1, "tried once, then by id"
    assert sorted(paths[1:13]) == sorted(watched) == sorted(paths[13:])
    assert tracker.state is SiteState.OK

    # The refusal was passing: ten minutes on, one pass of the list serves again.
    demo.clear_faults()
    demo_clock.advance(600)
    demo.clear_requests()
    tracker.poll()
    assert [r.path.rsplit("/", 1)[-1] for r in demo.requests] == ["longtask"]


def test_a_refused_token_on_the_list_is_not_sent_again_by_id(demo: Any, demo_clock: Any) -> None:
    watched = [demo.add_task(DemoTask(duration=600)) for _ in range(12)]
    demo.set_fault(Fault("unauthorized", endpoint="list"))
    tracker = make_tracker(demo, demo_clock)
    for task_id in watched:
        tracker.watch(task_id)
    tracker.poll()
    assert len(demo.requests) == 1
    assert tracker.state is SiteState.NEEDS_SIGN_IN


def test_a_task_list_that_cost_too_much_is_measured_again_and_used_once_it_shrank(
    demo: Any, demo_clock: Any
) -> None:
    watched = [demo.add_task(DemoTask(duration=100_000)) for _ in range(12)]
    for _ in range(60):
        demo.add_task(DemoTask(duration=20))  # others that end soon and leave the list
    policy = PollPolicy(interval=5, jitter=0, page_size=5)
    tracker = make_tracker(demo, demo_clock, policy=policy)
    for task_id in watched:
        tracker.watch(task_id)
    tracker.poll()
    assert len(demo.requests) == 72 // 5 + 1, "the first pass measured the list: 15 pages"

    demo_clock.advance(30)  # the others ended: the list is down to 12 tasks, 3 pages
    demo.clear_requests()
    tracker.poll()
    assert len(demo.requests) == 12, "15 pages cost more than 12 tasks asked for by id"

    demo_clock.advance(600)
    tracker.poll()
    demo.clear_requests()
    demo_clock.advance(5)
    tracker.poll()

    assert [r.path.rsplit("/", 1)[-1] for r in demo.requests] == ["longtask"] * 3
    assert all(view.phase is Phase.RUNNING for view in tracker.tasks())
