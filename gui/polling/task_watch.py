"""What one answer about a watched task does to what the user sees of it.

The per-task half of SiteTracker (tracker.py): progress, ETA and stalls from a readable answer, an
answer that cannot be read, a failure to keep as the task's last answer, and the 404 rules (a task
is only called gone after several 404s in a row spanning some time; a 404 that clears up changes
nothing the user sees). The tracker decides what to ask and when; this decides what the answer
means for the one task it is about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from gui.confluence.errors import ConfluenceError, MalformedTask, TaskNotFound
from gui.confluence.task import TaskStatus
from gui.polling.eta import EtaEstimator
from gui.polling.states import Answer, Phase, PollPolicy, TaskEvent, TaskView

log = logging.getLogger(__name__)

_OK = Answer(200)


def answer_of(error: ConfluenceError, status: int | None = None) -> Answer:
    """The answer a failure stands for; ``status``: the HTTP status when the error does not
    carry it (a 200 whose body was not a readable task)."""
    return Answer(error.status or status, str(error), error.detail)


@dataclass
class TaskWatch:
    """One watched task: its view and what the next answer needs to remember of the earlier
    ones. Each method takes one answer and returns the event the user should see, if any."""

    view: TaskView
    first_404_at: float | None = None
    last_move_at: float = 0.0
    eta: EtaEstimator = field(default_factory=EtaEstimator)

    def answered(self, status: TaskStatus, now: float, policy: PollPolicy) -> TaskEvent | None:
        """A readable answer: the task's phase, progress, time left and whether it stalled."""
        phase = Phase.of(status.state)
        if self.view.status is None or self.view.status.percent != status.percent:
            self.last_move_at = now
        self.first_404_at = None
        if phase is Phase.RUNNING:
            self.eta.add(now, status.percent)
        stalled = phase is Phase.RUNNING and now - self.last_move_at >= policy.stall_after
        return self._show(
            replace(
                self.view,
                phase=phase,
                status=status,
                eta_seconds=self.eta.seconds_left() if phase is Phase.RUNNING else None,
                stalled=stalled,
                not_found_count=0,
                last_error="",
                last_answer=_OK,
            )
        )

    def unreadable(self, error: MalformedTask) -> TaskEvent | None:
        """An answer about this task that cannot be read: it keeps its last state, showing why."""
        if str(error) != self.view.last_error:  # once per new problem, not once per poll
            log.warning(
                "Site %s: the answer for task %s could not be read: %s",
                self.view.site_id,
                self.view.task_id,
                error,
            )
        return self._show(
            replace(self.view, last_error=str(error), last_answer=answer_of(error, 200))
        )

    def failed(self, answer: Answer) -> TaskEvent | None:
        """The site's failure while asking for this task, kept as the task's last answer."""
        return self._show(replace(self.view, last_answer=answer))

    def not_found(self, error: TaskNotFound, now: float, policy: PollPolicy) -> TaskEvent | None:
        """A 404: the task is gone once they came often enough for long enough."""
        if self.first_404_at is None:
            self.first_404_at = now
        count = self.view.not_found_count + 1
        lasted = now - self.first_404_at
        gone = count >= policy.gone_after_count and lasted >= policy.gone_after_seconds
        log.info(
            "Site %s: task %s answered 404 (%d in a row)",
            self.view.site_id,
            self.view.task_id,
            count,
        )
        if not gone:
            # A 404 that may clear up (a Data Center node that has not seen the task yet) changes
            # nothing the user sees, so it is not the task's last answer either: only the count
            # is kept, for the rule above and for the command line's "404 so far" note.
            self.view = replace(self.view, not_found_count=count)
            return None
        return self._show(
            replace(
                self.view,
                phase=Phase.GONE,
                not_found_count=count,
                last_error=str(error),
                last_answer=answer_of(error),
            )
        )

    def _show(self, new: TaskView) -> TaskEvent | None:
        old, self.view = self.view, new
        return TaskEvent(new, old.phase) if new != old else None
