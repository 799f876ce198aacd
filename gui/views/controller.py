"""Connects the poller, the alerts, the window and the tray: the one place the parts meet.

Data flows one way: PollingService signal -> model/status bar/alerts -> window and tray. The
user's commands flow back through AppActions to the service. Nothing here touches the network.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QObject, Signal, SignalInstance
from PySide6.QtWidgets import QSystemTrayIcon

from gui.polling.alerts import Alert, AlertPolicy
from gui.polling.service import PollingService
from gui.polling.states import SiteEvent, TaskEvent, TaskView
from gui.views.actions import AppActions
from gui.views.event_batch import TaskEventBatch
from gui.views.main_window import MainWindow
from gui.views.task_model import Column

if TYPE_CHECKING:
    from gui.confluence.site import Credentials, SiteConfig
    from gui.views.tray import Tray, TraySummary

log = logging.getLogger(__name__)


class Notifications(Protocol):
    """What the controller needs of a notifier (``gui.platform.notifications.Notifier``)."""

    @property
    def activated(self) -> SignalInstance: ...

    def show(self, alert: Alert) -> None: ...

    def set_tray(self, tray: QSystemTrayIcon | None) -> None: ...

    def close(self) -> None: ...


class AppController(QObject):
    """Owns the window, the tray and the service; ``quitting`` fires once when the app ends."""

    quitting = Signal(int)  # exit status
    alertRaised = Signal(object)  # noqa: N815 - Alert, after it went to the notifier

    def __init__(
        self,
        service: PollingService,
        notifier: Notifications | None = None,
        *,
        alerts: AlertPolicy | None = None,
        exit_when_done: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.notifier: Notifications | None = None
        self.alerts = alerts or AlertPolicy()
        self.exit_when_done = exit_when_done
        self.actions = AppActions(self)
        self.window = MainWindow(self.actions)
        # Made by show_tray(), which the app calls once the window has painted.
        self.tray: Tray | None = None
        self._batch = TaskEventBatch(self._apply_batch, self)
        self._quit_started = False

        service.tasksChanged.connect(self._on_task_events)
        service.siteChanged.connect(self._on_site_event)
        service.sitePolled.connect(self.window.site_status.on_polled)
        if notifier is not None:
            self.set_notifier(notifier)

        a = self.actions
        a.show_window.triggered.connect(self.window.bring_up)
        a.poll_now.triggered.connect(service.poll_now)
        a.pause.toggled.connect(self._set_paused)
        a.retry_sign_in.triggered.connect(self.retry_sign_in)
        a.quit.triggered.connect(lambda: self.quit(0))
        self.window.unwatchRequested.connect(self.unwatch)
        self.window.finishedCleared.connect(self._forget_cleared)
        self.window.quitRequested.connect(lambda: self.quit(0))
        self.window.site_status.changed.connect(self._refresh_tray)
        model = self.window.model
        model.dataChanged.connect(self._on_rows_changed)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._refresh_tray)

    def set_notifier(self, notifier: Notifications) -> None:
        """Send alerts to ``notifier`` from now on: the app makes it once the window has painted,
        before any site is polled."""
        self.notifier = notifier
        notifier.activated.connect(self.show_target)
        if self.tray is not None and self.tray.icon.isVisible():
            notifier.set_tray(self.tray.icon)

    # Sites and tasks

    def add_site(self, site: SiteConfig, credentials: Credentials | None) -> None:
        """Show and poll a site; the credentials stay in memory, handed to the service only."""
        self.window.set_site(site)
        self.alerts.set_site(site.site_id, site.name, credentials)
        self.service.set_site(site, credentials)

    def remove_site(self, site_id: str) -> None:
        self.service.remove_site(site_id)
        self.window.remove_site(site_id)
        for view in self.window.model.tasks():
            if view.site_id == site_id:
                self.window.model.remove(view.key)

    def watch(self, site_id: str, task_id: str) -> None:
        self.service.watch(site_id, task_id)

    def restore(self, view: TaskView) -> None:
        """A task known from an earlier run: listed at once, polled again if it had not ended."""
        self._batch.add(TaskEvent(view, None))
        self.service.restore(view)

    def unwatch(self, site_id: str, task_id: str) -> None:
        """Stop watching a task for good (see PollingService.unwatch)."""
        self.service.unwatch(site_id, task_id)
        # Its reports already received but not yet in the table would put the row back.
        self._batch.flush()
        self.window.model.remove((site_id, task_id))

    def retry_sign_in(self) -> None:
        for site_id in self.window.site_status.sites_needing_sign_in():
            self.service.retry_site(site_id)

    # Showing and quitting

    def start(self, minimized: bool = False) -> None:
        """Start polling and show the tray and/or the window; never leaves the app unreachable."""
        self.start_window(minimized)
        self.show_tray()

    def start_window(self, minimized: bool = False) -> None:
        """``start()`` but for the tray icon, which ``show_tray()`` adds: the app calls that once
        the window has painted, so that loading and rendering the tray does not hold it up."""
        has_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.window.set_close_hides(has_tray)
        if not (minimized and has_tray):
            self.window.bring_up()
        self.service.start()

    def show_tray(self) -> None:
        if self.tray is None:
            from gui.views.tray import Tray  # its module and icons: after the first paint

            self.tray = Tray(self.actions, self._summary, self)
        if self.tray.show() and self.notifier is not None:
            # Where no notification service answers (Windows, macOS, a bare X session), the
            # notifier falls back on the tray's balloons.
            self.notifier.set_tray(self.tray.icon)

    def show_target(self, target: object) -> None:
        """A notification was clicked: bring the window up with its task selected."""
        self.window.bring_up()
        if isinstance(target, tuple) and len(target) == 2:
            self._batch.flush()
            self.window.select_task((str(target[0]), str(target[1])))
            # Read back from the table, so the log (and the desktop test) sees what the user sees.
            view = self.window.selected_task()
            if view is None:
                log.info("Notification clicked: no task selected (%s/%s)", *target)
            else:
                title = view.status.title if view.status is not None else ""
                log.info(
                    "Notification clicked: selected %s/%s %r", view.site_id, view.task_id, title
                )

    def quit(self, status: int = 0) -> None:
        if self._quit_started:
            return
        self._quit_started = True
        log.info("Quitting (status %d)", status)
        self.service.stop(2000)
        if self.notifier is not None:
            self.notifier.close()
        if self.tray is not None:
            self.tray.hide()
        self.window.hide()
        self.quitting.emit(status)

    # Internals

    def _summary(self) -> TraySummary:
        from gui.views.tray import summarise  # loaded: only the tray asks

        return summarise(
            self.window.model.tasks(),
            len(self.window.site_status.sites_needing_sign_in()),
            self.actions.pause.isChecked(),
        )

    def _on_task_events(self, events: object) -> None:
        if not isinstance(events, list):
            log.error("Ignoring task events of type %s", type(events).__name__)
            return
        task_events = [event for event in events if isinstance(event, TaskEvent)]
        if len(task_events) != len(events):
            log.error("Ignoring %d events that are not task events", len(events) - len(task_events))
        self._batch.extend(task_events)

    def _on_site_event(self, event: object) -> None:
        if not isinstance(event, SiteEvent):
            log.error("Ignoring a site event of type %s", type(event).__name__)
            return
        self.window.site_status.on_site_event(event)
        self._alert(self.alerts.alert_for(event))

    def _alert(self, alert: Alert | None) -> None:
        if alert is None:
            return
        if self.notifier is not None:
            self.notifier.show(alert)
        self.alertRaised.emit(alert)

    def _apply_batch(self, events: list[TaskEvent]) -> None:
        self.window.apply_task_events(events)
        # Alerts go out per batch, after the table has the rows their clicks select: what
        # every site's poll of one moment ended is then summed up in one go (AlertPolicy).
        for alert in self.alerts.alerts_for(events):
            self._alert(alert)
        if self.exit_when_done:
            tasks = self.window.model.tasks()
            if tasks and all(view.phase.ended for view in tasks):
                log.info("Every watched task has ended; quitting as asked (--exit-when-done)")
                self.quit(0)

    def _on_rows_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        # The once-a-second elapsed tick changes nothing the tray summarises.
        if not (top_left.column() == Column.ELAPSED == bottom_right.column()):
            self._refresh_tray()

    def _set_paused(self, paused: bool) -> None:
        self.service.set_paused(paused)
        self.window.site_status.set_paused(paused)
        self._refresh_tray()

    def _refresh_tray(self, *_: object) -> None:
        if self.tray is not None:
            self.tray.refresh_soon()

    def _forget_cleared(self, keys: list[tuple[str, str]]) -> None:
        for site_id, task_id in keys:
            self.service.unwatch(site_id, task_id)
