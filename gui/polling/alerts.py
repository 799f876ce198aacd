"""Which poller events deserve a desktop notification: one per transition, never one per poll.

Qt-free, so it is tested without a desktop. A task that ends (succeeded, failed, gone) alerts
once; a site whose credentials were refused alerts once until the user acts (retry or new
credentials bring it out of the needs-sign-in state, which re-arms the alert). A 404 that clears
up, a stall, progress and every other change produce nothing. Texts are plain and whole: whoever
shows them cleans, shortens and escapes them for the medium (see gui/platform/notifications.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from gui.confluence.redaction import SecretMask
from gui.confluence.site import Credentials
from gui.polling.states import Phase, SiteEvent, SiteState, TaskEvent, TaskView


class AlertKind(enum.StrEnum):
    """The kinds of alert, each with its own on/off switch."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SIGN_IN = "sign-in"
    GONE = "gone"


Target = tuple[str, str] | str  # (site_id, task_id) for a task, site_id for a site


@dataclass(frozen=True)
class Alert:
    """A notification to show; ``target`` is what a click on it should bring up."""

    kind: AlertKind
    title: str
    body: str
    target: Target


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
        self._alerted_tasks: dict[tuple[str, str], Phase] = {}
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
        """The alerts a batch of events deserves, in the order of the events."""
        alerts = []
        for event in events:
            alert = self.alert_for(event)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _task_alert(self, event: TaskEvent) -> Alert | None:
        task = event.task
        kind = _PHASE_KIND.get(task.phase)
        if kind is None or not event.phase_changed or event.previous is None:
            return None
        if event.previous.ended or self._alerted_tasks.get(task.key) is task.phase:
            return None
        self._alerted_tasks[task.key] = task.phase
        if not self._enabled[kind]:
            return None
        title, body = _task_texts(kind, task, self._name(task.site_id))
        return self._alert(kind, title, body, task.key, task.site_id)

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

    def _alert(self, kind: AlertKind, title: str, body: str, target: Target, site: str) -> Alert:
        # The client masks what answers say already; this covers every other text an alert is
        # built from (the site's name, a reason from elsewhere), with the same forms.
        mask = self._masks.get(site, SecretMask())
        return Alert(kind, mask.text(title), mask.text(body), target)


def _task_texts(kind: AlertKind, task: TaskView, site_name: str) -> tuple[str, str]:
    status = task.status
    name = status.title if status is not None and status.title else f"Task {task.task_id}"
    if kind is AlertKind.SUCCEEDED:
        said = status.message if status is not None else ""
        return f"{name} finished", _lines(site_name, said)
    if kind is AlertKind.FAILED:
        reason = status.failure_reason if status is not None else task.last_error
        return f"{name} failed", _lines(site_name, reason)
    return f"{name} is gone", _lines(
        site_name, "The site no longer knows this task; it may have ended long ago."
    )


def _lines(*parts: str) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())
