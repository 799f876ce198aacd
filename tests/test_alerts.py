"""AlertPolicy: one alert per transition, switches per kind, nothing for flickers and stalls."""

from __future__ import annotations

import base64
from dataclasses import replace

from gui.confluence.site import Credentials
from gui.confluence.task import TaskState, TaskStatus
from gui.polling.alerts import AlertKind, AlertPolicy
from gui.polling.states import Phase, SiteEvent, SiteState, TaskEvent, TaskView


def status(state: TaskState, message: str = "", errors: tuple[str, ...] = ()) -> TaskStatus:
    percent = 100 if state is TaskState.SUCCEEDED else 40
    return TaskStatus("7", state, percent, 1000, "Delete space", message, errors)


def event(phase: Phase, previous: Phase | None, task_status: TaskStatus | None = None) -> TaskEvent:
    return TaskEvent(TaskView("cloud", "7", phase, task_status), previous)


def refusal(previous: SiteState = SiteState.OK, reason: str = "401") -> SiteEvent:
    return SiteEvent("cloud", SiteState.NEEDS_SIGN_IN, previous, reason)


def test_success_alert_names_the_task_site_and_server_message() -> None:
    policy = AlertPolicy()
    policy.set_site("cloud", "Acme wiki")

    alert = policy.alert_for(
        event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED, "Space removed"))
    )

    assert alert is not None
    assert (alert.kind, alert.title, alert.target) == (
        AlertKind.SUCCEEDED,
        "Delete space finished",
        ("cloud", "7"),
    )
    assert alert.body == "Acme wiki\nSpace removed"


def test_failure_alert_carries_the_servers_reason() -> None:
    failed = status(TaskState.FAILED, "Working", ("The space is locked",))

    alert = AlertPolicy().alert_for(event(Phase.FAILED, Phase.RUNNING, failed))

    assert alert is not None and alert.title == "Delete space failed"
    assert "The space is locked" in alert.body


def test_the_same_transition_reported_twice_alerts_once() -> None:
    policy = AlertPolicy()
    done = event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED))

    alerts = [policy.alert_for(done) for _ in range(5)]

    assert sum(a is not None for a in alerts) == 1


def test_progress_stall_and_same_phase_changes_alert_nothing() -> None:
    policy = AlertPolicy()
    running = status(TaskState.RUNNING)
    stalled = TaskEvent(TaskView("cloud", "7", Phase.RUNNING, running, stalled=True), Phase.RUNNING)
    flicker = TaskEvent(
        TaskView("cloud", "7", Phase.RUNNING, running, not_found_count=1), Phase.RUNNING
    )

    assert policy.alert_for(event(Phase.WAITING, None)) is None
    assert policy.alert_for(event(Phase.RUNNING, Phase.WAITING, running)) is None
    assert policy.alert_for(stalled) is None
    assert policy.alert_for(flicker) is None


def test_gone_task_alerts_once() -> None:
    policy = AlertPolicy()

    first = policy.alert_for(event(Phase.GONE, Phase.RUNNING))

    assert first is not None and first.kind is AlertKind.GONE
    assert first.title == "Task 7 is gone"


def test_refused_credentials_alert_once_until_the_site_recovers() -> None:
    policy = AlertPolicy()

    assert policy.alert_for(refusal()) is not None
    assert policy.alert_for(refusal(SiteState.NEEDS_SIGN_IN, "401 again")) is None
    # The user retried: the site left needs-sign-in, so the next refusal is news again.
    assert policy.alert_for(SiteEvent("cloud", SiteState.OK, SiteState.NEEDS_SIGN_IN)) is None
    assert policy.alert_for(refusal()) is not None


def test_a_switched_off_kind_is_silent() -> None:
    policy = AlertPolicy({AlertKind.SUCCEEDED: False})
    policy.set_enabled(AlertKind.SIGN_IN, False)

    assert (
        policy.alert_for(event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED))) is None
    )
    assert policy.alert_for(refusal()) is None
    assert (
        policy.alert_for(event(Phase.FAILED, Phase.RUNNING, status(TaskState.FAILED))) is not None
    )


def test_a_token_never_reaches_an_alert() -> None:
    policy = AlertPolicy()
    policy.set_site("cloud", "Acme wiki", Credentials.for_token("s3cr3t-token"))

    alert = policy.alert_for(refusal(reason="server echoed s3cr3t-token back"))

    assert alert is not None
    assert "s3cr3t-token" not in alert.title + alert.body
    assert "[redacted]" in alert.body


def test_no_alert_holds_the_basic_form_of_the_credentials() -> None:
    credentials = Credentials.for_token("s3cr3t-token", "me@example.com")
    encoded = base64.b64encode(b"me@example.com:s3cr3t-token").decode()
    policy = AlertPolicy()
    policy.set_site("cloud", "Acme wiki", credentials)
    failed = status(TaskState.FAILED, errors=(f"proxy saw Basic {encoded}; bare {encoded}",))
    failed = replace(failed, title=f"Export for {encoded.rstrip('=')}")

    refused = policy.alert_for(refusal(reason=f"401 for {encoded}"))
    ended = policy.alert_for(event(Phase.FAILED, Phase.RUNNING, failed))

    assert refused is not None and ended is not None
    for alert in (refused, ended):
        assert encoded.rstrip("=") not in alert.title + alert.body
        assert "[redacted]" in alert.body
    assert ended.title == "Export for [redacted] failed"


def test_a_batch_of_events_alerts_for_each_transition_in_order() -> None:
    policy = AlertPolicy()
    failed = TaskEvent(TaskView("cloud", "8", Phase.FAILED), Phase.RUNNING)
    done = event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED))
    still_running = event(Phase.RUNNING, Phase.RUNNING, status(TaskState.RUNNING))

    alerts = policy.alerts_for([failed, still_running, done, done])

    assert [(a.kind, a.target) for a in alerts] == [
        (AlertKind.FAILED, ("cloud", "8")),
        (AlertKind.SUCCEEDED, ("cloud", "7")),
    ]


def test_a_later_different_ending_alerts_but_the_same_ending_never_twice() -> None:
    policy = AlertPolicy()
    done = event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED))
    failed_after_success = event(Phase.FAILED, Phase.SUCCEEDED, status(TaskState.FAILED))
    success_again = event(Phase.SUCCEEDED, Phase.FAILED, status(TaskState.SUCCEEDED))

    alerts = [policy.alert_for(e) for e in (done, failed_after_success, success_again, done)]

    assert [a.kind if a else None for a in alerts] == [
        AlertKind.SUCCEEDED,
        AlertKind.FAILED,
        None,
        None,
    ]


def test_an_ending_known_when_the_task_was_restored_is_not_told_when_it_comes_back() -> None:
    policy = AlertPolicy()
    restored = event(Phase.SUCCEEDED, None, status(TaskState.SUCCEEDED))
    listed_again = event(Phase.RUNNING, Phase.SUCCEEDED, status(TaskState.RUNNING))
    done_again = event(Phase.SUCCEEDED, Phase.RUNNING, status(TaskState.SUCCEEDED))
    then_failed = event(Phase.FAILED, Phase.SUCCEEDED, status(TaskState.FAILED))

    alerts = [policy.alert_for(e) for e in (restored, listed_again, done_again, then_failed)]

    assert [a.kind if a else None for a in alerts] == [None, None, None, AlertKind.FAILED]


def ended(site_id: str, task_id: str, phase: Phase, reason: str = "Disk full") -> TaskEvent:
    state = TaskState.SUCCEEDED if phase is Phase.SUCCEEDED else TaskState.FAILED
    task_status = TaskStatus(task_id, state, 100, 1000, "Export space", "", (reason,))
    return TaskEvent(TaskView(site_id, task_id, phase, task_status), Phase.RUNNING)


def test_up_to_three_endings_in_a_batch_alert_one_by_one() -> None:
    policy = AlertPolicy()
    batch = [ended("cloud", str(n), Phase.SUCCEEDED) for n in range(3)]

    alerts = policy.alerts_for(batch)

    assert [a.title for a in alerts] == ["Export space finished"] * 3


def test_a_big_batch_sums_up_each_kind_with_several_endings_and_keeps_a_single_one() -> None:
    policy = AlertPolicy()
    policy.set_site("cloud", "Acme wiki", Credentials.for_token("tok-cloud-123"))
    policy.set_site("dc", "Intranet", Credentials.for_token("tok-dc-456"))
    batch = [ended("cloud", str(n), Phase.SUCCEEDED) for n in range(10)]
    batch.insert(2, ended("dc", "f1", Phase.FAILED, "Locked by tok-dc-456"))
    batch.append(TaskEvent(TaskView("dc", "g1", Phase.GONE), Phase.RUNNING))
    batch += [ended("dc", str(n), Phase.SUCCEEDED) for n in range(2)]
    batch.append(ended("cloud", "f2", Phase.FAILED, "Locked by tok-cloud-123"))

    alerts = policy.alerts_for(batch)

    assert [(a.kind, a.title, a.target) for a in alerts] == [
        (AlertKind.SUCCEEDED, "12 tasks finished on 2 sites", ("cloud", "0")),
        (AlertKind.FAILED, "2 tasks failed on 2 sites", ("dc", "f1")),
        (AlertKind.GONE, "Task g1 is gone", ("dc", "g1")),
    ]
    assert alerts[0].body == "Export space (12)\nSites: Acme wiki, Intranet"
    assert len(alerts[0].tasks) == 12 and alerts[2].tasks == (("dc", "g1"),)
    assert alerts[1].body.endswith("First reason: Locked by [redacted]")
    assert not any("tok-" in a.title + a.body for a in alerts)
    assert policy.alerts_for(batch) == [], "what a summary told is not told again"


def test_a_summary_names_its_tasks_whole_for_the_notifier_to_shorten() -> None:
    long_title = "Export space " + "Quarterly engineering reports " * 4  # 133 characters
    batch = [
        TaskEvent(
            TaskView(
                "cloud",
                str(n),
                Phase.SUCCEEDED,
                TaskStatus(str(n), TaskState.SUCCEEDED, 100, 1000, f"{long_title}{n % 2}"),
            ),
            Phase.RUNNING,
        )
        for n in range(4)
    ]

    (summary,) = AlertPolicy().alerts_for(batch)

    assert summary.body.splitlines()[0] == f"{long_title}0 (2), {long_title}1 (2)"
