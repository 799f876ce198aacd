"""The poller of one site, living in its own QThread: a SiteTracker driven by a single-shot timer.

Everything here runs in the worker's thread. The tracker decides when the next request may go
out (``due_at()``); one single-shot QTimer is armed for that moment, and the next one only after
the poll returned, so there is never more than one request in flight for the site. Results leave
as signals; commands arrive as queued calls from SiteInbox (see service.py).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from gui.confluence.site import Credentials, SiteConfig
from gui.polling.socket_registry import SocketRegistry
from gui.polling.states import Event, PollPolicy, SiteEvent, TaskEvent, TaskView
from gui.polling.tracker import SiteTracker

if TYPE_CHECKING:
    from gui.confluence.client import ConfluenceClient

log = logging.getLogger(__name__)

# QTimer takes int milliseconds; a site nobody needs for a day is re-checked then anyway.
_MAX_TIMER_MS = 24 * 3600 * 1000


class SiteWorker(QObject):
    """Owns the tracker, the HTTP client and the timer of one site; see the module docstring."""

    tasksChanged = Signal(object)  # noqa: N815 - list[TaskEvent], one poll's worth
    siteChanged = Signal(object)  # noqa: N815 - SiteEvent
    sitePolled = Signal(str, float)  # noqa: N815 - site_id, wall-clock time of the poll

    def __init__(
        self,
        site: SiteConfig,
        credentials: Credentials | None,
        policy: PollPolicy,
        *,
        home: QThread,
    ) -> None:
        super().__init__()
        self._home = home
        self.site_id = site.site_id
        self._site = site
        self._credentials = credentials
        self._registry = SocketRegistry()
        # The policy to make the tracker with; from then on the tracker's own is the only one.
        self._first_policy: PollPolicy | None = policy
        # Made on first use, in this worker's thread: the client loads requests, which the GUI
        # thread would otherwise spend a tenth of a second on just after the window showed.
        self._made_tracker: SiteTracker | None = None
        # Created here and moved with the worker: a child follows its parent to the new thread.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer)
        self._stopping = False

    @property
    def registry(self) -> SocketRegistry:
        """Every socket this worker opens; the service aborts them from its own thread on stop."""
        return self._registry

    @property
    def _tracker(self) -> SiteTracker:
        if self._made_tracker is None:
            policy, self._first_policy = self._first_policy, None
            self._made_tracker = SiteTracker(
                self.site_id, self._new_client(), policy, discover=self._site.discover
            )
        return self._made_tracker

    def _new_client(self) -> ConfluenceClient:
        from gui.confluence.client import ConfluenceClient
        from gui.polling.abortable import abortable_session

        session = abortable_session(self._registry, self._site.ca_bundle)
        return ConfluenceClient(self._site.address, self._credentials, session=session)

    # Commands, each queued into this thread by the service

    @Slot()
    def begin(self) -> None:
        self._rearm()

    @Slot(object, object)
    def configure(self, site: SiteConfig, credentials: Credentials | None) -> None:
        """New address, options or credentials: a fresh client and one more sign-in attempt."""
        self._site, self._credentials = site, credentials
        if self._made_tracker is None:
            self._rearm()  # the first tracker is made with these settings
            return
        self._tracker.client.close()
        self._tracker.discover = site.discover
        self._emit(self._tracker.retry_sign_in(self._new_client()))
        log.info("Site %s: settings changed, polling resumes", self.site_id)
        self._rearm()

    @Slot(str)
    def watch(self, task_id: str) -> None:
        event = self._tracker.watch(task_id)
        if event is not None:
            self.tasksChanged.emit([event])
        self._rearm()

    @Slot(str)
    def unwatch(self, task_id: str) -> None:
        self._tracker.unwatch(task_id)
        self._rearm()

    @Slot(object)
    def restore(self, view: TaskView) -> None:
        self._tracker.restore(view)
        self._rearm()

    @Slot()
    def poll_now(self) -> None:
        self._tracker.poll_soon()
        self._rearm()

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self._emit(self._tracker.set_paused(paused))
        self._rearm()

    @Slot()
    def retry(self) -> None:
        self._emit(self._tracker.retry_sign_in())
        self._rearm()

    @Slot(object)
    def set_policy(self, policy: PollPolicy) -> None:
        self._tracker.policy = policy
        self._rearm()

    @Slot()
    def shutdown(self) -> None:
        """Stop the timer, close the client and end this thread's event loop."""
        self._stopping = True
        self._timer.stop()
        if self._made_tracker is not None:
            self._made_tracker.client.close()
        thread = self.thread()
        # Hand the worker back to the thread that made it, so it is deleted there once dropped.
        self.moveToThread(self._home)
        thread.quit()

    # Polling

    def _on_timer(self) -> None:
        if self._stopping:
            return
        due = self._tracker.due_at()
        if due is None:
            return
        if due > time.monotonic() + 0.001:
            # A timer can fire a little early; never send before the tracker allows it, since
            # that may be a Retry-After the server set.
            self._rearm()
            return
        try:
            events = self._tracker.poll()
        except Exception:
            # The tracker turns every server fault into a state; this is a bug of ours. Log the
            # traceback and try again much later rather than let one bad answer stop the poller
            # (or, if it repeats, flood the server and the log).
            log.exception("Site %s: unexpected error while polling", self.site_id)
            self._timer.start(int(self._tracker.policy.backoff_cap * 1000))
            return
        if self._stopping:
            return
        self._emit(events)
        self.sitePolled.emit(self.site_id, time.time())
        self._rearm()

    def _rearm(self) -> None:
        if self._stopping:
            return
        due = self._tracker.due_at()
        if due is None:
            self._timer.stop()
            return
        delay_ms = max(0, min(_MAX_TIMER_MS, int((due - time.monotonic()) * 1000 + 0.999)))
        self._timer.start(delay_ms)

    def _emit(self, events: list[Event]) -> None:
        # One signal per run of task events, not one per task: each crosses into the GUI thread
        # as a queued call, and a discovery cycle can change a thousand tasks. A site event in
        # between ends a run, so the order of all events is kept.
        tasks: list[TaskEvent] = []
        for event in events:
            if isinstance(event, TaskEvent):
                tasks.append(event)
                continue
            if tasks:
                self.tasksChanged.emit(tasks)
                tasks = []
            if isinstance(event, SiteEvent):
                log.info(
                    "Site %s: %s -> %s%s",
                    event.site_id,
                    event.previous.value,
                    event.state.value,
                    f" ({event.reason})" if event.reason else "",
                )
                self.siteChanged.emit(event)
        if tasks:
            self.tasksChanged.emit(tasks)
