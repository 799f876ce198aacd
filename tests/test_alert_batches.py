"""Notifications through the whole app: the real AlertPolicy, controller and Notifier against the
simulated Confluence over loopback, with only the desktop's notification service recorded.

Many tasks ending in one poll are summed up in one notification per kind; one or two keep one
notification each; a task that ends differently later is told again, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from notification_helpers import RecordingBus
from views_helpers import after_polls, fast_controller

from gui.confluence import Credentials, SiteConfig, normalise_site_url
from gui.demo import DemoConfluence, DemoTask, ManualClock
from gui.platform.notifications import Notifier
from gui.polling.alerts import Alert
from gui.polling.states import Phase, SiteState
from gui.views.controller import AppController

SITE_ID = "dc"


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def app(qtbot: Any, bus: RecordingBus) -> Iterator[AppController]:
    controller = fast_controller(qtbot, Notifier(bus=bus))
    controller.start()
    yield controller
    controller.quit(0)


@pytest.fixture
def raised(app: AppController) -> list[Alert]:
    """Every alert the app raised, each handed to the notifier as it was raised."""
    alerts: list[Alert] = []
    app.alertRaised.connect(alerts.append)
    return alerts


def add_demo_site(app: AppController, demo: DemoConfluence, *, discover: bool = False) -> None:
    site = SiteConfig(SITE_ID, "Demo DC", normalise_site_url(demo.dc_base), discover=discover)
    app.add_site(site, Credentials.for_token(demo.token))


def phases(app: AppController) -> dict[str, Phase]:
    return {view.task_id: view.phase for view in app.window.model.tasks()}


def set_paused(qtbot: Any, app: AppController, paused: bool) -> None:
    """Pause or resume; once paused, no poll is half done, so the next one sees every change."""
    app.actions.pause.setChecked(paused)
    if paused:
        line = app.window.site_status.line(SITE_ID)
        assert line is not None
        qtbot.waitUntil(lambda: line.state is SiteState.PAUSED, timeout=3000)


def end_together(
    qtbot: Any, app: AppController, demo_clock: ManualClock, task_ids: list[str]
) -> None:
    """Let every task run, then end them all between two polls, and wait until the table says so."""
    qtbot.waitUntil(
        lambda: all(phases(app).get(t) is Phase.RUNNING for t in task_ids), timeout=5000
    )
    set_paused(qtbot, app, True)
    demo_clock.advance(30)
    set_paused(qtbot, app, False)
    qtbot.waitUntil(lambda: all(phases(app)[t].ended for t in task_ids), timeout=5000)


def notified_after_two_more_polls(
    qtbot: Any, app: AppController, bus: RecordingBus, raised: list[Alert]
) -> list[str]:
    """The summaries of every notification sent, once two more polls had the chance to raise
    a repeated one and the notifier's thread has sent all that were raised."""
    after_polls(qtbot, app, 2)
    qtbot.waitUntil(lambda: len(bus.sent) == len(raised), timeout=3000)
    return bus.summaries()


def keep_polling(app: AppController, demo: DemoConfluence) -> None:
    """Watch a task that runs for the whole test, so the site is polled after the others end."""
    app.watch(SITE_ID, demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=3600)))


def test_many_tasks_ending_in_one_poll_give_one_notification_per_kind(
    qtbot: Any,
    app: AppController,
    bus: RecordingBus,
    raised: list[Alert],
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    done = [
        demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=5)) for _ in range(20)
    ]
    failed = [
        demo.add_task(
            DemoTask(kind="delete_space", dialect="dc", duration=5, outcome="failure", fail_at=40)
        )
        for _ in range(3)
    ]
    add_demo_site(app, demo)
    for task_id in done + failed:
        app.watch(SITE_ID, task_id)
    keep_polling(app, demo)

    end_together(qtbot, app, demo_clock, done + failed)

    assert notified_after_two_more_polls(qtbot, app, bus, raised) == [
        "20 tasks finished on Demo DC",
        "3 tasks failed on Demo DC",
    ]
    assert bus.sent[0]["body"] == "Export space (20)"
    reason = demo.task(failed[0]).error_text
    assert bus.sent[1]["body"] == f"Remove space (3)\nFirst reason: {reason}"


def test_a_click_on_a_summary_brings_up_its_first_task(
    qtbot: Any, app: AppController, bus: RecordingBus, demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_ids = [demo.add_task(DemoTask(dialect="dc", duration=5)) for _ in range(6)]
    add_demo_site(app, demo)
    for task_id in task_ids:
        app.watch(SITE_ID, task_id)
    end_together(qtbot, app, demo_clock, task_ids)
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=3000)

    with qtbot.waitSignal(app.notifier.activated, timeout=2000):  # type: ignore[union-attr]
        bus.click(0)

    selected = app.window.selected_task()
    assert selected is not None and selected.task_id == task_ids[0]


def test_two_tasks_ending_together_keep_one_notification_each(
    qtbot: Any,
    app: AppController,
    bus: RecordingBus,
    raised: list[Alert],
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    first = demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=5))
    second = demo.add_task(
        DemoTask(kind="delete_space", dialect="dc", duration=5, outcome="failure", fail_at=40)
    )
    add_demo_site(app, demo)
    app.watch(SITE_ID, first)
    app.watch(SITE_ID, second)
    keep_polling(app, demo)

    end_together(qtbot, app, demo_clock, [first, second])

    assert notified_after_two_more_polls(qtbot, app, bus, raised) == [
        "Export space finished",
        "Remove space failed",
    ]


def test_a_failure_after_a_reported_success_is_notified_once(
    qtbot: Any,
    app: AppController,
    bus: RecordingBus,
    raised: list[Alert],
    demo: DemoConfluence,
    demo_clock: ManualClock,
) -> None:
    """A lagging node keeps listing the task; it said succeeded, then the server says failed."""
    listed = {"dialect": "dc", "kind": "export_space", "listed_after_end": 3600.0}
    task_id = demo.add_task(DemoTask(duration=5, **listed))  # type: ignore[arg-type]
    add_demo_site(app, demo, discover=True)
    qtbot.waitUntil(lambda: phases(app).get(task_id) is Phase.RUNNING, timeout=5000)
    demo_clock.advance(6)
    qtbot.waitUntil(lambda: phases(app)[task_id] is Phase.SUCCEEDED, timeout=5000)
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=3000)

    def end_again(outcome: str) -> list[str]:
        """End the task again with ``outcome``; every notification sent by then."""
        set_paused(qtbot, app, True)
        demo.remove_task(task_id)
        demo.add_task(DemoTask(id=task_id, duration=1, outcome=outcome, **listed))  # type: ignore[arg-type]
        demo_clock.advance(2)
        set_paused(qtbot, app, False)
        wanted = Phase.FAILED if outcome == "failure" else Phase.SUCCEEDED
        qtbot.waitUntil(lambda: phases(app)[task_id] is wanted, timeout=5000)
        return notified_after_two_more_polls(qtbot, app, bus, raised)

    assert end_again("failure") == ["Export space finished", "Export space failed"]

    end_again("success")  # an ending already told is not told again
    assert end_again("failure") == ["Export space finished", "Export space failed"]
