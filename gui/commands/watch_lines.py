"""From the polling engine's view of a task and its site to the line the command line shows."""

from __future__ import annotations

from dataclasses import replace

from gui.commands.output import WAITING, TaskLine
from gui.confluence.task import TaskState, TaskStatus
from gui.polling.states import Phase, SiteState, TaskView

_STATE_OF_PHASE = {
    Phase.WAITING: WAITING,
    Phase.RUNNING: "running",
    Phase.SUCCEEDED: "succeeded",
    Phase.FAILED: "failed",
    Phase.GONE: "gone",
}
_UNTITLED = "Task"
NOT_FOUND_YET = "not found yet"


def line_for_status(status: TaskStatus, site: str) -> TaskLine:
    """A line for a task as one answer described it (``list`` and ``watch`` alike)."""
    state = {
        TaskState.RUNNING: "running",
        TaskState.SUCCEEDED: "succeeded",
        TaskState.FAILED: "failed",
    }[status.state]
    message = status.failure_reason if status.state is TaskState.FAILED else status.message
    return TaskLine(
        task=status.task_id,
        site=site,
        state=state,
        percent=status.percent,
        elapsed_ms=status.elapsed_ms,
        title=status.title or _UNTITLED,
        message=message,
    )


def line_for_view(
    view: TaskView, site: str, site_state: SiteState, site_reason: str, gave_up: bool
) -> TaskLine:
    """A watched task's line: its own news, unless its site stopped answering usefully."""
    if view.status is not None:
        line = replace(line_for_status(view.status, site), state=_STATE_OF_PHASE[view.phase])
    else:
        line = TaskLine(view.task_id, site, _STATE_OF_PHASE[view.phase], 0, 0, _UNTITLED, "")

    if view.phase is Phase.GONE:
        return replace(line, state="gone", message=view.last_error or "The task was not found.")
    if view.phase.ended:
        return line
    if site_state is SiteState.NEEDS_SIGN_IN:
        return replace(line, state="auth-failed", message=site_reason)
    if gave_up:
        # The task's own unreadable answer when it was the one at fault, else the site's.
        return replace(line, state="unreachable", message=view.last_error or site_reason)
    # A task no answer has described yet is not "running": say what we know of it.
    label = NOT_FOUND_YET if view.status is None and view.not_found_count else ""
    if site_state in (SiteState.UNREACHABLE, SiteState.RATE_LIMITED):
        return replace(line, note=site_reason, label=label)
    if view.not_found_count:
        note = f"404 {view.not_found_count}x so far; still looking"
        return replace(line, note=note, label=label)
    if view.last_error:
        return replace(line, note=view.last_error)
    return line
