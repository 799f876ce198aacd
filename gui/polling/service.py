"""PollingService: the GUI thread's handle on the pollers, one worker thread per site.

The service lives in the GUI thread and never waits on the network. Each site gets a SiteWorker
(tracker, HTTP session, timer) moved to its own QThread, so a site that hangs delays no other
site. Commands reach a worker as queued signals through its SiteInbox; results come back as
queued signals and are re-emitted here. ``stop()`` cuts the sockets of requests in flight, so
quitting takes milliseconds even when a server never answers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from gui.polling.states import PollPolicy, SiteEvent, StoppedTasks, TaskEvent, TaskView
from gui.polling.wake import WakeMonitor

if TYPE_CHECKING:
    from gui.confluence.site import Credentials, SiteConfig
    from gui.polling.site_worker import SiteWorker

log = logging.getLogger(__name__)

# How often stop() cuts a worker's sockets again while it waits for the thread to end.
_ABORT_AGAIN_MS = 50


class SiteInbox(QObject):
    """Signals from the GUI thread into one worker; each connection is queued across threads."""

    begin = Signal()
    configure = Signal(object, object)  # SiteConfig, Credentials | None
    watch = Signal(str)
    unwatch = Signal(str)
    restore = Signal(object)  # TaskView
    poll_now = Signal()
    set_paused = Signal(bool)
    retry = Signal()
    set_policy = Signal(object)  # PollPolicy
    shutdown = Signal()


@dataclass
class _Site:
    thread: QThread
    worker: SiteWorker
    inbox: SiteInbox = field(default_factory=SiteInbox)
    launched: bool = False


class PollingService(QObject):
    """Polls every configured site in the background and reports changes as signals."""

    tasksChanged = Signal(object)  # noqa: N815 - list[TaskEvent]: one site's poll, in order
    siteChanged = Signal(object)  # noqa: N815 - SiteEvent
    sitePolled = Signal(str, float)  # noqa: N815 - site_id, wall-clock time

    def __init__(
        self,
        policy: PollPolicy | None = None,
        parent: QObject | None = None,
        *,
        wake_check_ms: int = 15_000,
        watch_network: bool = True,
    ) -> None:
        super().__init__(parent)
        self._policy = policy or PollPolicy()
        self._sites: dict[str, _Site] = {}
        self._retiring: list[_Site] = []
        self._pending: dict[str, list[TaskView | str]] = {}
        # Per site, the tasks the user stopped watching. A poll already under way when the user
        # stopped one still reports it; those reports are dropped here, so the task does not
        # come back (as "running" for ever, or into the history). A site set later learns them.
        # The newest MAX_STOPPED per site, as the site's tracker keeps them.
        self._stopped: dict[str, StoppedTasks] = {}
        self._paused = False
        self._running = False
        self._wake = WakeMonitor(self, check_ms=wake_check_ms, watch_network=watch_network)
        self._wake.woke.connect(self._on_wake)

    @property
    def running(self) -> bool:
        return self._running

    def site_ids(self) -> list[str]:
        return list(self._sites)

    # Lifecycle

    def start(self) -> None:
        """Start polling every site set so far (and each one set later)."""
        if self._running:
            return
        self._running = True
        for site in self._sites.values():
            self._launch(site)
        self._wake.start()
        log.info("Polling started for %d site(s)", len(self._sites))

    def stop(self, timeout_ms: int = 2000) -> bool:
        """Stop every worker within ``timeout_ms``; False if one had to be left behind."""
        if not self._running and not self._retiring:
            return True
        started = time.monotonic()
        deadline = started + timeout_ms / 1000
        self._running = False
        self._wake.stop()
        sites = list(self._sites.values()) + self._retiring
        self._sites.clear()
        self._retiring = []
        for site in sites:
            self._retire(site)
        all_stopped = True
        for site in sites:
            while site.thread.isRunning():
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    _abandon(site)
                    all_stopped = False
                    break
                if not site.thread.wait(min(left_ms, _ABORT_AGAIN_MS)):
                    # A connection the worker began just as the first abort came cannot have
                    # been cut by it (there was no connection yet to cut); this one does.
                    site.worker.registry.abort()
        log.info("Polling stopped in %.0f ms", (time.monotonic() - started) * 1000)
        return all_stopped

    # Sites

    def set_site(self, site: SiteConfig, credentials: Credentials | None) -> None:
        """Add a site, or apply changed settings or credentials (which also retries sign-in)."""
        existing = self._sites.get(site.site_id)
        if existing is not None:
            existing.inbox.configure.emit(site, credentials)
            return
        # Imported with the first site, not with the service: it loads requests, and the app
        # shows its window before any site is set.
        from gui.polling.site_worker import SiteWorker

        worker = SiteWorker(site, credentials, self._policy, home=self.thread())
        entry = _Site(QThread(), worker)
        entry.thread.setObjectName(f"poller-{site.site_id}")
        worker.moveToThread(entry.thread)
        self._connect(entry)
        self._sites[site.site_id] = entry
        if self._paused:
            entry.inbox.set_paused.emit(True)
        for task_id in self._stopped.get(site.site_id, ()):  # oldest first, as they were stopped
            entry.inbox.unwatch.emit(task_id)
        for item in self._pending.pop(site.site_id, []):
            if isinstance(item, TaskView):
                entry.inbox.restore.emit(item)
            else:
                entry.inbox.watch.emit(item)
        if self._running:
            self._launch(entry)

    def remove_site(self, site_id: str) -> None:
        """Stop polling a site; its thread ends in the background."""
        self._pending.pop(site_id, None)
        self._stopped.pop(site_id, None)
        entry = self._sites.pop(site_id, None)
        if entry is not None:
            self._retiring.append(entry)
            self._retire(entry)

    def retry_site(self, site_id: str) -> None:
        """The user asked to try a site's credentials again after a refusal."""
        entry = self._sites.get(site_id)
        if entry is not None:
            entry.inbox.retry.emit()

    # Tasks

    def watch(self, site_id: str, task_id: str) -> None:
        """Start watching a task (also one stopped before); a site not set yet picks it up
        when it is."""
        self._stopped.get(site_id, StoppedTasks()).discard(task_id)
        entry = self._sites.get(site_id)
        if entry is None:
            self._pending.setdefault(site_id, []).append(task_id)
        else:
            entry.inbox.watch.emit(task_id)

    def unwatch(self, site_id: str, task_id: str) -> None:
        """Stop watching a task for good: no report of it comes out any more, and a site that
        discovers its tasks passes it over until it is watched again."""
        self._stopped.setdefault(site_id, StoppedTasks()).add(task_id)
        entry = self._sites.get(site_id)
        if entry is None:
            pending = self._pending.get(site_id, [])
            self._pending[site_id] = [
                item
                for item in pending
                if item != task_id and getattr(item, "task_id", None) != task_id
            ]
        else:
            entry.inbox.unwatch.emit(task_id)

    def restore(self, view: TaskView) -> None:
        """Put back a task known from an earlier run, with its last known state."""
        self._stopped.get(view.site_id, StoppedTasks()).discard(view.task_id)
        entry = self._sites.get(view.site_id)
        if entry is None:
            self._pending.setdefault(view.site_id, []).append(view)
        else:
            entry.inbox.restore.emit(view)

    # Everything at once

    def poll_now(self) -> None:
        for entry in self._sites.values():
            entry.inbox.poll_now.emit()

    def set_paused(self, paused: bool) -> None:
        if paused != self._paused:
            log.info("Polling %s by the user", "paused" if paused else "resumed")
        self._paused = paused
        for entry in self._sites.values():
            entry.inbox.set_paused.emit(paused)

    def set_policy(self, policy: PollPolicy) -> None:
        self._policy = policy
        for entry in self._sites.values():
            entry.inbox.set_policy.emit(policy)

    # Plumbing

    def _connect(self, entry: _Site) -> None:
        inbox, worker = entry.inbox, entry.worker
        inbox.begin.connect(worker.begin)
        inbox.configure.connect(worker.configure)
        inbox.watch.connect(worker.watch)
        inbox.unwatch.connect(worker.unwatch)
        inbox.restore.connect(worker.restore)
        inbox.poll_now.connect(worker.poll_now)
        inbox.set_paused.connect(worker.set_paused)
        inbox.retry.connect(worker.retry)
        inbox.set_policy.connect(worker.set_policy)
        inbox.shutdown.connect(worker.shutdown)
        worker.tasksChanged.connect(self._relay_tasks)
        worker.siteChanged.connect(self._relay_site)
        worker.sitePolled.connect(self._relay_polled)
        entry.thread.finished.connect(self._reap)

    def _launch(self, entry: _Site) -> None:
        entry.launched = True
        entry.thread.start()
        entry.inbox.begin.emit()

    def _retire(self, entry: _Site) -> None:
        entry.inbox.shutdown.emit()
        # The worker may be blocked in a request: cutting its sockets makes that request fail
        # at once, so the queued shutdown runs right after instead of after the read timeout.
        entry.worker.registry.abort()
        if not entry.launched:
            # Never started: run its thread just long enough to take the shutdown and end.
            entry.launched = True
            entry.thread.start()

    @Slot()
    def _reap(self) -> None:
        for entry in [e for e in self._retiring if e.thread.isFinished()]:
            entry.thread.wait()
            self._retiring.remove(entry)

    def _is_current(self, site_id: str) -> bool:
        return site_id in self._sites

    @Slot(object)
    def _relay_tasks(self, events: list[TaskEvent]) -> None:
        if not events or not self._is_current(events[0].task.site_id):
            return
        stopped = self._stopped.get(events[0].task.site_id)
        if stopped:
            events = [event for event in events if event.task.task_id not in stopped]
            if not events:
                return
        self.tasksChanged.emit(events)

    @Slot(object)
    def _relay_site(self, event: SiteEvent) -> None:
        if self._is_current(event.site_id):
            self.siteChanged.emit(event)

    @Slot(str, float)
    def _relay_polled(self, site_id: str, when: float) -> None:
        if self._is_current(site_id):
            self.sitePolled.emit(site_id, when)

    @Slot(str)
    def _on_wake(self, reason: str) -> None:
        log.info("%s: polling every site now", reason)
        self.poll_now()


def _abandon(site: _Site) -> None:
    """Leave a worker thread that would not end (stuck in a call nothing can cut) to the OS.

    Qt ends the process with "QThread: Destroyed while thread is still running" (status 134)
    when a running QThread is deleted, and at exit PySide deletes every QObject Python owns,
    however it is referenced. Given a parent that lives in C++, the main thread's own QThread
    object, which Qt keeps until the process is gone, the thread object outlives the
    interpreter and the process exits with its normal status; the OS ends the stuck thread.
    (test_quit_while_hanging.py runs the app with such a thread, so a Qt that changed this
    would be noticed.)
    """
    log.warning("Site %s: poller did not stop in time; leaving it", site.worker.site_id)
    app = QCoreApplication.instance()
    main_thread = app.thread() if app is not None else QThread.currentThread()
    site.thread.setParent(main_thread)
