"""Rows of the fault matrix end to end: the real PollingService in its QThread, real time.

The same rules as tests/test_fault_matrix.py, through the worker thread and its timers, with a
fast policy (50 ms interval, backoff 50 ms doubling to a 200 ms cap): server trouble makes the site
unreachable and it recovers by itself with no alert; Retry-After holds the next request back
in real seconds; a sign-in page is answered by one request and one alert; a server that goes away
and comes back is picked up again. No row may log an error.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
import test_polling_service as polling
from test_polling_service import Recorder, start_watching, task_requests, wait_for_the_worker

from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock
from gui.polling.alerts import AlertKind
from gui.polling.service import PollingService
from gui.polling.states import Phase, SiteState

# The service and recorder fixtures of the PollingService tests, shared rather than copied.
service = polling.service
recorder = polling.recorder


def states(recorder: Recorder) -> list[SiteState]:
    return [event.state for event in recorder.sites]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("server_error", status=502, count=3),
        Fault("malformed_json", count=3),
        Fault("not_json", count=3),
        Fault("disconnect", count=3),
    ],
    ids=lambda fault: fault.kind,
)
def test_server_trouble_recovers_by_itself_without_an_alert(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    demo_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=30))
    demo.set_fault(fault)
    start_watching(service, demo, task_id)

    # The task's update and the site's recovery arrive as two queued signals: wait for both.
    qtbot.waitUntil(
        lambda: recorder.phase(task_id) is Phase.RUNNING and SiteState.OK in states(recorder),
        timeout=5000,
    )
    assert states(recorder)[:2] == [SiteState.UNREACHABLE, SiteState.OK]
    failed = [r for r in task_requests(demo) if r.fault]
    assert len(failed) == 3
    assert all(b.real_time - a.real_time >= 0.05 for a, b in itertools.pairwise(failed))

    demo_clock.advance(31)  # the task carries on and finishes as if nothing had happened
    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.SUCCEEDED, timeout=5000)
    assert [a.kind for a in recorder.alerts] == [AlertKind.SUCCEEDED]
    assert errors_logged(caplog) == []


def test_503_retry_after_holds_the_next_request_back_in_real_time(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    demo.set_fault(Fault("server_error", status=503, retry_after=0.6, count=1))
    start_watching(service, demo, task_id)

    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.RUNNING, timeout=5000)
    refused, answered = task_requests(demo)[:2]
    assert refused.status == 503 and answered.status == 200
    assert answered.real_time - refused.real_time >= 0.6
    assert recorder.alerts == []


@pytest.mark.parametrize("kind", ["login_page", "redirect", "unauthorized_html"])
def test_a_sign_in_answer_is_sent_once_and_alerted_once(
    qtbot: Any, service: PollingService, recorder: Recorder, demo: DemoConfluence, kind: str
) -> None:
    first = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    second = demo.add_task(DemoTask(kind="export_space", duration=1000))
    demo.set_fault(Fault(kind))
    start_watching(service, demo, first, second)

    qtbot.waitUntil(lambda: SiteState.NEEDS_SIGN_IN in states(recorder), timeout=5000)
    service.poll_now()  # "poll now" is no way around a refusal
    wait_for_the_worker(qtbot, 0.4)

    assert len(task_requests(demo)) == 1
    assert [a.kind for a in recorder.alerts] == [AlertKind.SIGN_IN]


def test_a_server_that_goes_away_is_picked_up_again_when_it_returns(
    qtbot: Any,
    service: PollingService,
    recorder: Recorder,
    demo: DemoConfluence,
    caplog: pytest.LogCaptureFixture,
) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    start_watching(service, demo, task_id)
    qtbot.waitUntil(lambda: recorder.phase(task_id) is Phase.RUNNING, timeout=5000)

    demo.stop()  # connections refused from now on
    qtbot.waitUntil(lambda: SiteState.UNREACHABLE in states(recorder), timeout=5000)
    wait_for_the_worker(qtbot, 0.5)  # several refused attempts at the backoff cap
    demo.start()  # the same port again
    seen = len(task_requests(demo))
    qtbot.waitUntil(lambda: len(task_requests(demo)) > seen, timeout=5000)
    qtbot.waitUntil(lambda: states(recorder)[-1] is SiteState.OK, timeout=5000)

    assert recorder.alerts == []
    assert recorder.phase(task_id) is Phase.RUNNING
    assert errors_logged(caplog) == []
