"""PollingService in its worker threads, over real HTTP against the simulated Confluence."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from gui.confluence import Credentials, SiteConfig, normalise_site_url
from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock
from gui.polling.alerts import Alert, AlertKind, AlertPolicy
from gui.polling.service import PollingService
from gui.polling.states import MAX_STOPPED, Phase, PollPolicy, SiteEvent, SiteState, TaskEvent
from gui.polling.wake import WakeMonitor

FAST = PollPolicy(
    interval=0.05,
    discovery_interval=0.05,
    gone_after_count=3,
    gone_after_seconds=0.2,
    backoff_base=0.05,
    backoff_cap=0.2,
    jitter=0.0,
)


class Recorder:
    """Everything the service emitted, and the alerts an AlertPolicy made of it."""

    def __init__(self, service: PollingService) -> None:
        self.tasks: list[TaskEvent] = []
        self.batches: list[list[TaskEvent]] = []
        self.sites: list[SiteEvent] = []
        self.polls: list[str] = []
        self.alerts: list[Alert] = []
        self.policy = AlertPolicy()
        service.tasksChanged.connect(self._on_tasks)
        service.siteChanged.connect(self._on_event)
        service.sitePolled.connect(lambda site_id, _when: self.polls.append(site_id))

    def _on_tasks(self, events: list[TaskEvent]) -> None:
        self.batches.append(events)
        for event in events:
            self._on_event(event)

    def _on_event(self, event: TaskEvent | SiteEvent) -> None:
        (self.tasks if isinstance(event, TaskEvent) else self.sites).append(event)
        alert = self.policy.alert_for(event)
        if alert is not None:
            self.alerts.append(alert)

    def phase(self, task_id: str) -> Phase | None:
        views = [e.task for e in self.tasks if e.task.task_id == task_id]
        return views[-1].phase if views else None

    def percents(self, task_id: str) -> list[int]:
        return [
            e.task.status.percent
            for e in self.tasks
            if e.task.task_id == task_id and e.task.status is not None
        ]


def cloud_site(demo: DemoConfluence, site_id: str = "cloud") -> SiteConfig:
    return SiteConfig(site_id, "Demo Cloud", normalise_site_url(demo.cloud_base))


@pytest.fixture
def service(qtbot: Any) -> Iterator[PollingService]:
    poller = PollingService(FAST, watch_network=False)
    yield poller
    assert poller.stop(), "a worker thread did not stop"


@pytest.fixture
def recorder(service: PollingService) -> Recorder:
    return Recorder(service)


def start_watching(service: PollingService, demo: DemoConfluence, *task_ids: str) -> None:
    service.set_site(cloud_site(demo), Credentials.for_token(demo.token))
    for task_id in task_ids:
        service.watch("cloud", task_id)
    service.start()


def task_requests(demo: DemoConfluence) -> list[Any]:
    return [r for r in demo.requests if "/longtask" in r.path]


def test_progress_from_the_server_reaches_task_changed(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    task_id = demo.add_task(
        DemoTask(kind="delete_space", duration=100, progress=[(0, 10), (30, 40)])
    )
    start_watching(service, demo, task_id)

    qtbot.waitUntil(lambda: 10 in recorder.percents(task_id), timeout=3000)
    demo_clock.advance(31)
    qtbot.waitUntil(lambda: 40 in recorder.percents(task_id), timeout=3000)

    assert recorder.phase(task_id) is Phase.RUNNING
    assert recorder.polls and set(recorder.polls) == {"cloud"}


def test_one_poll_of_many_tasks_reaches_the_gui_thread_as_one_signal(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    task_ids = [
        demo.add_task(DemoTask(duration=100, progress=[(0, 10), (30, 40)])) for _ in range(3)
    ]
    start_watching(service, demo, *task_ids)
    qtbot.waitUntil(lambda: all(10 in recorder.percents(t) for t in task_ids), timeout=3000)

    demo_clock.advance(31)
    qtbot.waitUntil(lambda: all(40 in recorder.percents(t) for t in task_ids), timeout=3000)

    moved = [
        batch
        for batch in recorder.batches
        if any(e.task.status and e.task.status.percent == 40 for e in batch)
    ]
    assert [sorted(e.task.task_id for e in batch) for batch in moved] == [sorted(task_ids)]


def test_finished_task_fires_one_alert_over_many_polls(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    done = demo.add_task(DemoTask(kind="delete_space", duration=5))
    running = demo.add_task(DemoTask(kind="export_space", duration=1000))
    start_watching(service, demo, done, running)
    qtbot.waitUntil(lambda: recorder.phase(done) is Phase.RUNNING, timeout=3000)

    demo_clock.advance(6)
    qtbot.waitUntil(lambda: recorder.phase(done) is Phase.SUCCEEDED, timeout=3000)
    # The other task keeps the site polling: many more cycles pass after the finish.
    polls_at_finish = len(recorder.polls)
    qtbot.waitUntil(lambda: len(recorder.polls) >= polls_at_finish + 10, timeout=3000)

    assert [a.kind for a in recorder.alerts] == [AlertKind.SUCCEEDED]
    assert recorder.alerts[0].title == "Delete space finished"
    assert recorder.alerts[0].target == ("cloud", done)


def test_failed_task_alert_carries_the_reason(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    task_id = demo.add_task(
        DemoTask(kind="copy_page_hierarchy", duration=5, outcome="failure", fail_at=60)
    )
    start_watching(service, demo, task_id)
    demo_clock.advance(6)

    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.FAILED, timeout=3000)

    (alert,) = recorder.alerts
    assert alert.kind is AlertKind.FAILED
    assert "Could not get the lock on the destination space" in alert.body


def test_404_flicker_fires_no_alert_and_changes_nothing(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    demo.set_fault(Fault("not_found", count=1, task_id=task_id))
    start_watching(service, demo, task_id)

    qtbot.waitUntil(lambda: len(task_requests(demo)) >= 6, timeout=3000)

    assert task_requests(demo)[0].status == 404
    assert recorder.alerts == []
    assert {e.task.phase for e in recorder.tasks} <= {Phase.WAITING, Phase.RUNNING}


def test_lasting_404_fires_one_gone_alert_after_count_and_time(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="archive_pages", duration=1000))
    demo.vanish_task(task_id)
    start_watching(service, demo, task_id)

    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.GONE, timeout=3000)
    misses = [r for r in task_requests(demo) if r.status == 404]

    assert len(misses) >= FAST.gone_after_count
    assert misses[-1].real_time - misses[0].real_time >= FAST.gone_after_seconds
    assert [a.kind for a in recorder.alerts] == [AlertKind.GONE]


def test_401_alerts_once_and_sends_nothing_more_until_retry(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    first = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    second = demo.add_task(DemoTask(kind="export_space", duration=1000))
    service.set_site(cloud_site(demo), Credentials.for_token("not-the-token"))
    service.watch("cloud", first)
    service.watch("cloud", second)
    service.start()

    qtbot.waitUntil(lambda: any(e.state is SiteState.NEEDS_SIGN_IN for e in recorder.sites))
    service.poll_now()
    wait_for_the_worker(qtbot, 0.3)

    assert len(task_requests(demo)) == 1  # one refusal, then silence
    assert [a.kind for a in recorder.alerts] == [AlertKind.SIGN_IN]

    service.retry_site("cloud")
    qtbot.waitUntil(lambda: len(task_requests(demo)) == 2, timeout=3000)
    wait_for_the_worker(qtbot, 0.3)
    assert len(task_requests(demo)) == 2  # the retry sent the refused token exactly once more
    assert [a.kind for a in recorder.alerts] == [AlertKind.SIGN_IN, AlertKind.SIGN_IN]


def test_new_credentials_resume_polling_after_a_refusal(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    service.set_site(cloud_site(demo), Credentials.for_token("not-the-token"))
    service.watch("cloud", task_id)
    service.start()
    qtbot.waitUntil(lambda: any(e.state is SiteState.NEEDS_SIGN_IN for e in recorder.sites))

    service.set_site(cloud_site(demo), Credentials.for_token(demo.token))

    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.RUNNING, timeout=3000)
    # The site's recovery is its own queued signal and may trail the task's.
    qtbot.waitUntil(lambda: recorder.sites[-1].state is SiteState.OK)


def test_rate_limit_waits_for_retry_after_before_the_next_request(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    demo.set_fault(Fault("rate_limited", count=1, retry_after=1))
    start_watching(service, demo, task_id)

    qtbot.waitUntil(lambda: len(task_requests(demo)) >= 2, timeout=4000)
    limited, after = task_requests(demo)[:2]

    assert limited.status == 429 and after.status == 200
    assert after.real_time - limited.real_time >= 1.0
    assert any(e.state is SiteState.RATE_LIMITED for e in recorder.sites)


def test_stop_returns_quickly_while_a_request_hangs(
    qtbot: Any, recorder: Recorder, service: PollingService, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    demo.set_fault(Fault("slow", delay=60))
    start_watching(service, demo, task_id)
    qtbot.waitUntil(lambda: len(task_requests(demo)) == 1, timeout=3000)

    started = time.monotonic()
    stopped = service.stop()
    took = time.monotonic() - started

    assert stopped
    assert took < 2.0, f"stop() took {took:.2f} s"


def test_a_poll_in_flight_when_the_user_stops_watching_reports_nothing_of_that_task(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    demo.set_fault(Fault("slow", count=1, delay=1.0))
    start_watching(service, demo, task_id)
    qtbot.waitUntil(lambda: len(task_requests(demo)) == 1, timeout=3000)
    seen = len(recorder.tasks)

    service.unwatch("cloud", task_id)  # while the slow answer is on its way
    with qtbot.waitSignal(service.sitePolled, timeout=5000):
        pass  # the answer arrived and the poll ended

    assert [e.task.task_id for e in recorder.tasks[seen:]] == []


def test_the_service_remembers_only_the_newest_stops_as_the_tracker_does(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    oldest = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    kept = demo.add_task(DemoTask(kind="export_space", duration=1000))
    service.unwatch("cloud", oldest)
    service.unwatch("cloud", kept)
    for n in range(MAX_STOPPED - 1):  # tasks of the past that the site no longer lists
        service.unwatch("cloud", f"old-{n}")

    service.set_site(replace(cloud_site(demo), discover=True), Credentials.for_token(demo.token))
    service.start()
    qtbot.waitUntil(lambda: recorder.phase(oldest) is Phase.RUNNING, timeout=3000)
    wait_for_the_worker(qtbot, 0.3)

    assert kept not in {e.task.task_id for e in recorder.tasks}


@pytest.mark.parametrize("when", ["before the site is set", "while it polls"])
def test_a_policy_set_on_the_service_is_the_one_the_site_polls_by(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence, when: str
) -> None:
    task_id = demo.add_task(DemoTask(kind="archive_pages", duration=1000))
    gone_at_once = replace(FAST, gone_after_count=1, gone_after_seconds=0)
    if when == "before the site is set":
        service.set_policy(gone_at_once)
    start_watching(service, demo, task_id)
    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.RUNNING, timeout=3000)
    if when == "while it polls":
        service.set_policy(gone_at_once)
    # Commands reach the worker in order: once it reports the pause, it has the policy too, and
    # no poll is under way when the task vanishes.
    service.set_paused(True)
    qtbot.waitUntil(lambda: recorder.sites[-1].state is SiteState.PAUSED, timeout=3000)
    demo.vanish_task(task_id)
    service.set_paused(False)

    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.GONE, timeout=3000)
    assert len([r for r in task_requests(demo) if r.status == 404]) == 1


def test_pause_stops_requests_and_resume_polls_at_once(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    start_watching(service, demo, task_id)
    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.RUNNING, timeout=3000)

    service.set_paused(True)
    qtbot.waitUntil(lambda: recorder.sites[-1].state is SiteState.PAUSED, timeout=3000)
    count = len(task_requests(demo))
    wait_for_the_worker(qtbot, 0.3)
    assert len(task_requests(demo)) == count

    service.set_paused(False)
    qtbot.waitUntil(lambda: len(task_requests(demo)) > count, timeout=3000)


def wait_for_the_worker(qtbot: Any, seconds: float) -> None:
    """Let the worker run (and have its signals delivered) for a while before counting."""
    qtbot.wait(int(seconds * 1000))
    QCoreApplication.processEvents()


def test_a_wall_clock_jump_is_noticed_as_a_wake_up(qtbot: Any) -> None:
    wall = [1000.0]
    monitor = WakeMonitor(check_ms=60_000, watch_network=False, wall=lambda: wall[0])
    monitor.start()
    woke: list[str] = []
    monitor.woke.connect(woke.append)

    monitor.check_clock()
    wall[0] += 3600  # an hour of suspend: the wall clock moved, the monotonic clock did not
    monitor.check_clock()
    monitor.stop()

    assert len(woke) == 1 and "+3600 s" in woke[0]


def test_only_the_network_coming_back_online_is_a_wake_up(qtbot: Any) -> None:
    from PySide6.QtNetwork import QNetworkInformation

    reach = QNetworkInformation.Reachability
    monitor = WakeMonitor(watch_network=False)
    woke: list[str] = []
    monitor.woke.connect(woke.append)
    for value in (reach.Online, reach.Site, reach.Disconnected, reach.Disconnected, reach.Online):
        monitor.on_reachability(value)

    # The first answer (from nothing known) and the return after Disconnected; Online -> Site
    # is still online, and a repeated value is no change.
    assert woke == ["The network is back (Online)", "The network is back (Online)"]


def test_stop_cuts_a_request_hanging_behind_a_proxy_that_never_answers(
    qtbot: Any, service: PollingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = socket.socket()
    proxy.bind(("127.0.0.1", 0))
    proxy.listen(4)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(proxy.accept()[0]), daemon=True).start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
    # The proxy is asked to CONNECT to this host and never says a word back.
    site = SiteConfig(
        "behind-proxy", "Behind a proxy", normalise_site_url("https://wiki.example.test")
    )
    service.set_site(site, Credentials.for_token("token-behind-a-proxy"))
    service.watch("behind-proxy", "1")
    service.start()
    qtbot.waitUntil(lambda: bool(held), timeout=3000)

    try:
        assert service.stop(), "the request through the proxy was not cut"
    finally:
        proxy.close()
        for connection in held:
            connection.close()
