"""Which poller events deserve a desktop notification: one per transition, never one per poll.

Qt-free, so it is tested without a desktop. A task that ends (succeeded, failed, gone) alerts
once for each ending: a server that said "succeeded" and later "failed" (a Data Center node that
lagged behind the others) is told about both, but the same ending is never told twice. A site
whose credentials were refused alerts once until the user acts (retry or new credentials bring it
out of the needs-sign-in state, which re-arms the alert). A 404 that clears up, a stall, progress
and every other change produce nothing. When one batch of events ends many tasks at once (a
thousand discovered tasks, the twenty parts of one export), each kind with several endings is
told in one summary instead of one notification per task. Texts are plain and whole: whoever
shows them cleans, shortens and escapes them for the medium (see gui/platform/notifications.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gui.confluence.redaction import SecretMask
from gui.polling.states import Phase, SiteEvent, SiteState, TaskEvent, TaskView

if TYPE_CHECKING:
    from gui.confluence.site import Credentials

# A batch with more task alerts than this sums up each kind that has several; up to this many,
# every transition keeps its own notification.
SUMMARY_ABOVE = 3
_NAMED_IN_SUMMARY = 3  # task names a summary lists before "and N more"


class AlertKind(enum.StrEnum):
    """The kinds of alert, each with its own on/off switch."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SIGN_IN = "sign-in"
    GONE = "gone"


Target = tuple[str, str] | str  # (site_id, task_id) for a task, site_id for a site


@dataclass(frozen=True)
class Alert:
    """A notification to show; ``target`` is what a click on it should bring up, ``tasks`` the
    tasks it tells about (one, or every task a summary counts; none for a site's alert)."""

    kind: AlertKind
    title: str
    body: str
    target: Target
    tasks: tuple[tuple[str, str], ...] = ()


_PHASE_KIND = {
    Phase.SUCCEEDED: AlertKind.SUCCEEDED,
    Phase.FAILED: AlertKind.FAILED,
    Phase.GONE: AlertKind.GONE,
}


class AlertPolicy:
    """Turns TaskEvent and SiteEvent into at most one Alert per transition."""

    def __init__(self, enabled: dict[AlertKind, bool] | None = None) -> None:
        self._enabled = {kind: True for kind in AlertKind}
        self._enabled.update(enabled or {})
        self._site_names: dict[str, str] = {}
        self._masks: dict[str, SecretMask] = {}
        # The endings already told (or already known when the task was listed) per task.
        # Limitation: kept for the whole run, also for tasks no longer watched (a few bytes each).
        self._told_endings: dict[tuple[str, str], set[Phase]] = {}
        self._alerted_sites: set[str] = set()

    def set_enabled(self, kind: AlertKind, enabled: bool) -> None:
        self._enabled[kind] = enabled

    def is_enabled(self, kind: AlertKind) -> bool:
        return self._enabled[kind]

    def set_site(self, site_id: str, name: str, credentials: Credentials | None = None) -> None:
        """The name alerts show for a site, and its credentials, no form of which (token,
        header, Basic value) an alert may ever contain."""
        self._site_names[site_id] = name
        self._masks[site_id] = SecretMask(credentials)

    def alert_for(self, event: TaskEvent | SiteEvent) -> Alert | None:
        """The alert this event deserves, if any; remembers it so it is never repeated."""
        if isinstance(event, TaskEvent):
            return self._task_alert(event)
        return self._site_alert(event)

    def alerts_for(self, events: Iterable[TaskEvent | SiteEvent]) -> list[Alert]:
        """The alerts a batch of events deserves, in the order of the events.

        With more than SUMMARY_ABOVE task alerts in the batch, each kind that has several
        becomes one summary, in the place of its first alert (whose task a click brings up).
        """
        told: list[tuple[Alert, TaskView | None]] = []
        for event in events:
            alert = self.alert_for(event)
            if alert is not None:
                told.append((alert, event.task if isinstance(event, TaskEvent) else None))
        if sum(view is not None for _, view in told) <= SUMMARY_ABOVE:
            return [alert for alert, _ in told]

        by_kind: dict[AlertKind, list[TaskView]] = {}
        for alert, view in told:
            if view is not None:
                by_kind.setdefault(alert.kind, []).append(view)
        alerts = []
        for alert, view in told:
            group = by_kind.get(alert.kind, []) if view is not None else []
            if len(group) < 2:
                alerts.append(alert)
            elif group[0] is view:
                alerts.append(self._summary(alert.kind, group))
        return alerts

    def _task_alert(self, event: TaskEvent) -> Alert | None:
        task = event.task
        if event.previous is None:
            # Newly listed or restored from an earlier run: an ending it already has is old
            # news, and must not be told when the task comes back to it later.
            if task.phase.ended:
                self._told_endings.setdefault(task.key, set()).add(task.phase)
            return None
        kind = _PHASE_KIND.get(task.phase)
        if kind is None or not event.phase_changed:
            return None
        told = self._told_endings.setdefault(task.key, set())
        if task.phase in told:
            return None
        told.add(task.phase)
        if not self._enabled[kind]:
            return None
        title, body = _task_texts(kind, task, self._name(task.site_id))
        return replace(self._alert(kind, title, body, task.key, task.site_id), tasks=(task.key,))

    def _summary(self, kind: AlertKind, tasks: list[TaskView]) -> Alert:
        sites = list(dict.fromkeys(self._name(task.site_id) for task in tasks))
        where = sites[0] if len(sites) == 1 else f"{len(sites)} sites"
        title = f"{len(tasks)} tasks {_SUMMARY_VERBS[kind]} {where}"
        lines = [_names_text(tasks)]
        if len(sites) > 1:
            lines.append("Sites: " + _names_list(sites))
        if kind is AlertKind.FAILED:
            lines.append(f"First reason: {_failure_reason(tasks[0])}")
        elif kind is AlertKind.GONE:
            lines.append("The site no longer knows these tasks; they may have ended long ago.")
        site_ids = dict.fromkeys(task.site_id for task in tasks)
        alert = self._alert(kind, title, _lines(*lines), tasks[0].key, *site_ids)
        return replace(alert, tasks=tuple(task.key for task in tasks))

    def _site_alert(self, event: SiteEvent) -> Alert | None:
        if event.state is not SiteState.NEEDS_SIGN_IN:
            if event.state is not SiteState.PAUSED:
                # Out of needs-sign-in by the user's doing (retry, new credentials): re-arm.
                self._alerted_sites.discard(event.site_id)
            return None
        if event.site_id in self._alerted_sites:
            return None
        self._alerted_sites.add(event.site_id)
        if not self._enabled[AlertKind.SIGN_IN]:
            return None
        name = self._name(event.site_id)
        body = event.reason or f"{name} refused the credentials."
        body += "\nPolling this site has stopped until you update its credentials or retry."
        title = f"{name} needs you to sign in"
        return self._alert(AlertKind.SIGN_IN, title, body, event.site_id, event.site_id)

    def _name(self, site_id: str) -> str:
        return self._site_names.get(site_id, site_id)

    def _alert(self, kind: AlertKind, title: str, body: str, target: Target, *sites: str) -> Alert:
        """The alert with the credentials of ``sites`` masked. The client masks what answers say
        already; this covers every other text an alert is built from (a site's name, a reason
        from elsewhere), with the same forms."""
        for site in sites:
            mask = self._masks.get(site, SecretMask())
            title, body = mask.text(title), mask.text(body)
        return Alert(kind, title, body, target)


_SUMMARY_VERBS = {
    AlertKind.SUCCEEDED: "finished on",
    AlertKind.FAILED: "failed on",
    AlertKind.GONE: "are gone from",
}


def _task_name(task: TaskView) -> str:
    status = task.status
    return status.title if status is not None and status.title else f"Task {task.task_id}"


def _failure_reason(task: TaskView) -> str:
    return task.status.failure_reason if task.status is not None else task.last_error


def _task_texts(kind: AlertKind, task: TaskView, site_name: str) -> tuple[str, str]:
    status = task.status
    name = _task_name(task)
    if kind is AlertKind.SUCCEEDED:
        said = status.message if status is not None else ""
        return f"{name} finished", _lines(site_name, said)
    if kind is AlertKind.FAILED:
        return f"{name} failed", _lines(site_name, _failure_reason(task))
    return f"{name} is gone", _lines(
        site_name, "The site no longer knows this task; it may have ended long ago."
    )


def _lines(*parts: str) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _names_text(tasks: list[TaskView]) -> str:
    """``Export space (12), Delete space (3) and 2 more``: the tasks by name, most common first."""
    counts: dict[str, int] = {}
    for task in tasks:
        name = _task_name(task).strip()
        counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return _names_list([f"{name} ({count})" if count > 1 else name for name, count in ranked])


def _names_list(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMED_IN_SUMMARY])
    rest = len(names) - _NAMED_IN_SUMMARY
    return f"{shown} and {rest} more" if rest > 0 else shown
