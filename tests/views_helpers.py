"""Builders of tracker events for the view tests: what the poller would emit."""

from __future__ import annotations

from gui.confluence.task import parse_task
from gui.polling.states import Phase, TaskEvent, TaskView


def task_view(
    task_id: str,
    percent: int = 0,
    phase: Phase = Phase.RUNNING,
    site_id: str = "site-a",
    message: str = "Working",
    **fields: object,
) -> TaskView:
    raw: dict[str, object] = {
        "id": task_id,
        "name": {"key": "com.atlassian.confluence.extra.exportspace"},
        "percentageComplete": percent,
        "elapsedTime": 12_000,
        "successful": phase is Phase.SUCCEEDED,
        "finished": phase in (Phase.SUCCEEDED, Phase.FAILED),
        "messages": [{"translation": message}],
    }
    raw.update(fields)
    status = None if phase in (Phase.WAITING, Phase.GONE) else parse_task(raw, "https://x.test")
    return TaskView(site_id, task_id, phase, status)


def event(view: TaskView, previous: Phase | None = Phase.RUNNING) -> TaskEvent:
    return TaskEvent(view, previous)
