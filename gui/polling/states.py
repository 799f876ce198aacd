"""What polling is about, as plain data: phases, site states, the policy, the events and the
tasks the user stopped watching.

Shared by the tracker that produces them, the Qt poller that carries them across threads, the
command line that prints them and the views that show them. No Qt, no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from gui.confluence.task import TaskState, TaskStatus


class Phase(enum.Enum):
    """A watched task as the user sees it."""

    WAITING = "waiting"  # watched, no answer yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    GONE = "gone"  # 404 that persisted

    @property
    def ended(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.GONE)

    @classmethod
    def of(cls, state: TaskState) -> Phase:
        return {
            TaskState.RUNNING: cls.RUNNING,
            TaskState.SUCCEEDED: cls.SUCCEEDED,
            TaskState.FAILED: cls.FAILED,
        }[state]


# Limitation: only the newest stops are remembered, per site in the poller and over all sites in
# the saved state (gui/platform/store.py); a task stopped longer ago than that many others is
# forgotten, and a site that discovers its tasks picks it up again if it still runs.
MAX_STOPPED = 500


class SiteState(enum.Enum):
    """How talking to a site goes."""

    IDLE = "idle"  # nothing to watch, no discovery
    OK = "ok"
    NEEDS_SIGN_IN = "needs-sign-in"  # credentials rejected: no requests until the user acts
    UNREACHABLE = "unreachable"  # network, TLS, nonsense answers, server errors
    RATE_LIMITED = "rate-limited"
    PAUSED = "paused"


@dataclass(frozen=True)
class PollPolicy:
    """The knobs of polling, all in seconds unless said otherwise."""

    interval: float = 5.0  # while tasks run
    discovery_interval: float = 60.0  # list endpoint only, nothing running
    gone_after_count: int = 3  # 404s in a row ...
    gone_after_seconds: float = 30.0  # ... spanning at least this long
    backoff_base: float = 5.0
    backoff_cap: float = 300.0
    jitter: float = 0.1  # fraction of each delay, spread both ways (never below Retry-After)
    stall_after: float = 600.0  # percent unchanged this long while running: possibly stalled
    page_size: int = 100
    # With this many open tasks watched by id, one pass of the task list replaces asking for
    # each (while the list costs fewer requests than that and the site lets us read it).
    list_from: int = 10


@dataclass(frozen=True)
class Answer:
    """What the site last answered when asked for one task: the HTTP status (None when no
    answer came), and for a failure what it means and the start of the body."""

    status: int | None
    problem: str = ""
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.problem


@dataclass(frozen=True)
class TaskView:
    """A snapshot of one watched task for display and decisions."""

    site_id: str
    task_id: str
    phase: Phase
    status: TaskStatus | None = None
    eta_seconds: float | None = None
    stalled: bool = False
    not_found_count: int = 0
    discovered: bool = False
    last_error: str = ""  # what is wrong with this task itself: gone, or its answer unreadable
    # The last answer that told something about this task: 200 once it was read (by id or in
    # the list), or the failure that followed. None: no answer yet. A 404 that may still clear
    # up is not one (see task_watch.py); the 404 that made the task gone is.
    last_answer: Answer | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.site_id, self.task_id)


@dataclass(frozen=True)
class TaskEvent:
    """A watched task changed; ``previous`` is its phase before (None when newly watched)."""

    task: TaskView
    previous: Phase | None

    @property
    def phase_changed(self) -> bool:
        return self.previous is not self.task.phase


@dataclass(frozen=True)
class SiteEvent:
    """A site's state or reason changed."""

    site_id: str
    state: SiteState
    previous: SiteState
    reason: str = ""
    retry_in: float | None = None


Event = TaskEvent | SiteEvent


@dataclass
class StoppedTasks:
    """The ids of the tasks the user stopped watching on one site, the newest ``limit`` of them;
    iterated oldest first."""

    limit: int = MAX_STOPPED
    _ids: dict[str, None] = field(default_factory=dict)  # insertion order: oldest first

    def add(self, task_id: str) -> None:
        self._ids.pop(task_id, None)  # stopped again: now the newest
        self._ids[task_id] = None
        while len(self._ids) > self.limit:
            del self._ids[next(iter(self._ids))]

    def discard(self, task_id: str) -> None:
        self._ids.pop(task_id, None)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ids))

    def __len__(self) -> int:
        return len(self._ids)
