"""The polling policy for one site, free of Qt so the command line and the tray share it.

A SiteTracker owns the tasks watched on one site. ``due_at()`` says when it wants to poll next
and ``poll()`` runs one cycle synchronously, one request at a time, and returns what changed. It
decides the politeness rules: Retry-After is honoured, failures back off exponentially with
jitter up to a cap, a refused token is never sent again until the user acts, and many tasks
watched by id are read from one pass of the task list when that costs fewer requests. What each
answer means for its task (progress, stalls, the 404 rules) is task_watch.py's.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from gui.confluence.errors import (
    ConfluenceError,
    CredentialsRejected,
    MalformedTask,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.task import TaskStatus
from gui.polling.states import (
    Event,
    Phase,
    PollPolicy,
    SiteEvent,
    SiteState,
    StoppedTasks,
    TaskEvent,
    TaskView,
)
from gui.polling.task_watch import TaskWatch, answer_of

if TYPE_CHECKING:
    # Only a type here: importing the client loads requests, which start-up defers.
    from gui.confluence.client import ConfluenceClient

log = logging.getLogger(__name__)

Clock = Callable[[], float]

_MAX_DOUBLINGS = 32
# How long a measured cost of the task list holds: a list that cost more than asking for each
# watched task by id is tried again after this long, since the site's list may have shrunk.
_LIST_COST_HOLDS_FOR = 600.0


class SiteTracker:
    """Polls one site for the tasks watched on it; see the module docstring for the rules."""

    def __init__(
        self,
        site_id: str,
        client: ConfluenceClient,
        policy: PollPolicy | None = None,
        *,
        discover: bool = False,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.site_id = site_id
        self.client = client
        self.policy = policy or PollPolicy()
        self.discover = discover
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._tasks: dict[str, TaskWatch] = {}
        # Stopped by the user: discovery passes them over until they are watched again by id.
        self._stopped = StoppedTasks()
        self._state = SiteState.IDLE
        self._reason = ""
        self._failures = 0
        self._not_before = 0.0  # the earliest time the server allows another request
        self._next_at: float | None = self._clock()
        self._paused = False
        self.last_polled_at: float | None = None
        self.unreachable_since: float | None = None
        self._bugs_logged: set[str] = set()
        self._unreadable_listed = 0
        # When the site last refused its task list (403, 404, an answer not Confluence's): asked
        # by id for a while after that, then the list is tried again.
        self._list_refused_at: float | None = None
        self._list_cost = 0  # requests the last pass of the list took ...
        self._list_cost_at = 0.0  # ... measured then

    @property
    def state(self) -> SiteState:
        return SiteState.PAUSED if self._paused else self._state

    @property
    def reason(self) -> str:
        return self._reason

    def tasks(self) -> list[TaskView]:
        return [watched.view for watched in self._tasks.values()]

    def task(self, task_id: str) -> TaskView | None:
        watched = self._tasks.get(task_id)
        return watched.view if watched else None

    def watch(self, task_id: str) -> TaskEvent | None:
        """Start watching a task; the next poll comes soon (but never before Retry-After)."""
        self._stopped.discard(task_id)
        if task_id in self._tasks:
            return None
        view = TaskView(self.site_id, task_id, Phase.WAITING)
        self._tasks[task_id] = TaskWatch(view, last_move_at=self._clock())
        self._schedule_soon()
        return TaskEvent(view, None)

    def unwatch(self, task_id: str) -> None:
        """Stop watching a task for good: discovery no longer picks it up either."""
        self._tasks.pop(task_id, None)
        self._stopped.add(task_id)

    def restore(self, view: TaskView) -> None:
        """Put back a task known from an earlier run, with its last known phase and status."""
        self._stopped.discard(view.task_id)
        self._tasks[view.task_id] = TaskWatch(replace(view, site_id=self.site_id))
        if not view.phase.ended:
            self._schedule_soon()

    def set_paused(self, paused: bool) -> list[Event]:
        """Stop or resume sending requests; returns the site event the user should see."""
        before = self.state
        self._paused = paused
        if not paused:
            self._schedule_soon()
        after = self.state
        if after is before:
            return []
        return [SiteEvent(self.site_id, after, before, self._reason if not paused else "")]

    def poll_soon(self) -> None:
        """The user asked to poll now, or the machine woke up: poll as soon as allowed."""
        if self._state is not SiteState.NEEDS_SIGN_IN:
            self._schedule_soon()

    def retry_sign_in(self, client: ConfluenceClient | None = None) -> list[Event]:
        """The user changed the credentials or asked to retry: allow one more attempt."""
        if client is not None:
            self.client = client
        events = self._set_state(SiteState.OK if self._tasks else SiteState.IDLE, "")
        self._failures = 0
        self._schedule_soon()
        return events

    def due_at(self) -> float | None:
        """When ``poll()`` should run next (clock time), or None when nothing should be sent."""
        if self._paused or self._state is SiteState.NEEDS_SIGN_IN:
            return None
        if not self.discover and not self._has_open_tasks():
            return None
        if self._next_at is None:
            return None
        return max(self._next_at, self._not_before)

    def poll(self) -> list[Event]:
        """One cycle: the list (with discovery) or each open task by id, one request at a time."""
        events: list[Event] = []
        now = self._clock()
        self.last_polled_at = now
        try:
            if self.discover:
                self._poll_list(events)
            elif not self._poll_watched_through_list(events):
                self._poll_each(self._open_ids(), events)
        except CredentialsRejected as error:
            log.warning("Site %s: credentials rejected: %s", self.site_id, error)
            self._next_at = None
            events += self._set_state(SiteState.NEEDS_SIGN_IN, str(error))
            return events
        except (RateLimited, ServerTrouble) as error:
            events += self._back_off(error, error.retry_after)
            return events
        except ConfluenceError as error:
            events += self._back_off(error, None)
            return events
        except Exception as error:  # a bug of ours must not stop the poller
            events += self._back_off(self._unexpected(error), None)
            return events

        self._failures = 0
        self.unreachable_since = None
        events += self._set_state(
            SiteState.OK if self._tasks or self.discover else SiteState.IDLE, ""
        )
        self._schedule_next()
        return events

    def _poll_watched_through_list(self, events: list[Event]) -> bool:
        """Many tasks watched by id: one pass of the task list, when the site lets us read it,
        costs ceil(active / page size) requests instead of one per task. False when it does not
        pay (few tasks, or a list longer than the tasks it would save asking for, measured
        again now and then) or the site refused its list lately (then polling by id goes on,
        and the list is tried again after a while: one bad answer is no reason to stop)."""
        open_count = sum(1 for w in self._tasks.values() if not w.view.phase.ended)
        if open_count < self.policy.list_from:
            return False
        now = self._clock()
        refused = self._list_refused_at
        if refused is not None and now - refused < _LIST_COST_HOLDS_FOR:
            return False
        if open_count < self._list_cost and now - self._list_cost_at < _LIST_COST_HOLDS_FOR:
            return False
        before = self.client.stats.requests
        try:
            self._poll_list(events, adopt=False)
        except (NotConfluence, CredentialsRejected) as error:
            if isinstance(error, CredentialsRejected) and error.status != 403:
                raise  # refused or sent to sign in: asking by id would only send it again
            self._list_refused_at = now
            log.info(
                "Site %s: the task list is not readable (%s); asking by id for %.0f min",
                self.site_id,
                error,
                _LIST_COST_HOLDS_FOR / 60,
            )
            return False
        self._list_cost, self._list_cost_at = self.client.stats.requests - before, now
        return True

    def _poll_list(self, events: list[Event], *, adopt: bool = True) -> None:
        """One pass of the task list; ``adopt``: watch the tasks it shows that are not yet."""
        unreadable: list[MalformedTask] = []
        listed = self.client.list_active_tasks(self.policy.page_size, unreadable.append)
        now = self._clock()
        seen = set()
        for status in listed:
            if status.task_id in self._stopped:
                continue
            if status.task_id not in self._tasks:
                if not adopt:
                    continue
                view = TaskView(self.site_id, status.task_id, Phase.WAITING, discovered=True)
                self._tasks[status.task_id] = TaskWatch(view, last_move_at=now)
            seen.add(status.task_id)
            self._apply(status, events)
        if len(unreadable) != self._unreadable_listed:
            # Told when the number changes, not on every cycle; watched ones show it themselves
            # below, once their fetch by id fails the same way.
            self._unreadable_listed = len(unreadable)
            if unreadable:
                log.warning(
                    "Site %s: %d listed task(s) could not be read, first: %s",
                    self.site_id,
                    len(unreadable),
                    unreadable[0],
                )
        # A task that left the list has ended (or vanished): one fetch by id tells how.
        left = [task_id for task_id in self._open_ids() if task_id not in seen]
        self._poll_each(left, events, site_answered=True)

    def _poll_each(
        self, task_ids: Iterable[str], events: list[Event], *, site_answered: bool = False
    ) -> None:
        """Ask for each task by id. An answer that speaks of the task asked for but cannot be
        read leaves that task in its last state, showing why, while the others go on. When no
        answer of the cycle could be read (and no list came before), or on any other failure,
        the trouble is the site's: the cycle ends and the site backs off."""
        unreadable: list[MalformedTask] = []
        asked = 0
        for task_id in task_ids:
            asked += 1
            watched = self._tasks[task_id]
            try:
                status = self.client.get_task(task_id)
            except TaskNotFound as error:
                self._show(watched.not_found(error, self._clock(), self.policy), events)
                continue
            except MalformedTask as error:
                if error.task_id == task_id:
                    unreadable.append(error)
                    self._show(watched.unreadable(error), events)
                    continue
                self._show(watched.failed(answer_of(error, 200)), events)
                raise
            except ConfluenceError as error:
                self._show(watched.failed(answer_of(error)), events)
                raise
            self._apply(status, events)
        if unreadable and len(unreadable) == asked and not site_answered:
            raise unreadable[0]

    def _apply(self, status: TaskStatus, events: list[Event]) -> None:
        watched = self._tasks[status.task_id]
        self._show(watched.answered(status, self._clock(), self.policy), events)

    @staticmethod
    def _show(event: TaskEvent | None, events: list[Event]) -> None:
        if event is not None:
            events.append(event)

    def _unexpected(self, error: Exception) -> ConfluenceError:
        """A bug, not a server fault: the traceback goes to the log once per kind of error, and
        the site counts as unreachable so the poller backs off instead of dying or spinning."""
        kind = type(error).__name__
        if kind not in self._bugs_logged:
            self._bugs_logged.add(kind)
            log.error("Site %s: unexpected error while polling", self.site_id, exc_info=error)
        return SiteUnreachable(f"Internal error while polling ({kind}); see the log for details.")

    def _back_off(self, error: ConfluenceError, retry_after: float | None) -> list[Event]:
        self._failures += 1
        now = self._clock()
        # The exponent stops growing long after the cap is reached: 2 ** 1024 is no float.
        doublings = min(self._failures - 1, _MAX_DOUBLINGS)
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2**doublings)
        delay = self._jittered(delay, cap=self.policy.backoff_cap)
        if retry_after is not None:
            self._not_before = now + retry_after
            delay = max(delay, retry_after)
        self._next_at = now + delay
        state = SiteState.RATE_LIMITED if isinstance(error, RateLimited) else SiteState.UNREACHABLE
        if state is SiteState.UNREACHABLE and self.unreachable_since is None:
            self.unreachable_since = now
        log.warning(
            "Site %s: %s; next attempt in %.1f s (failure %d)",
            self.site_id,
            error,
            delay,
            self._failures,
        )
        return self._set_state(state, str(error), retry_in=delay)

    def _jittered(self, delay: float, cap: float | None = None) -> float:
        spread = delay * self.policy.jitter
        value = delay + self._rng.uniform(-spread, spread)
        return min(value, cap) if cap is not None else value

    def _schedule_soon(self) -> None:
        self._next_at = self._clock()

    def _schedule_next(self) -> None:
        now = self._clock()
        if self._has_open_tasks():
            self._next_at = now + self._jittered(self.policy.interval)
        elif self.discover:
            self._next_at = now + self._jittered(self.policy.discovery_interval)
        else:
            self._next_at = None

    def _set_state(
        self, state: SiteState, reason: str, retry_in: float | None = None
    ) -> list[Event]:
        previous = self._state
        if state is previous and reason == self._reason:
            return []
        self._state, self._reason = state, reason
        return [SiteEvent(self.site_id, state, previous, reason, retry_in)]

    def _open_ids(self) -> list[str]:
        return [task_id for task_id, w in self._tasks.items() if not w.view.phase.ended]

    def _has_open_tasks(self) -> bool:
        return any(not w.view.phase.ended for w in self._tasks.values())
