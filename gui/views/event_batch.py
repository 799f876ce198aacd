"""Collects task events that arrive in several signals and hands them on as one batch.

The poller emits one ``tasksChanged`` per site and poll, and restored tasks arrive one by one;
with several sites polled at the same moment the table would otherwise be updated once per site.
Events are held until control returns to the event loop, which is after every signal already
queued has been delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from gui.polling.states import TaskEvent


class TaskEventBatch(QObject):
    """Call ``add(event)`` or ``extend(events)``; ``deliver`` receives them together, in order."""

    def __init__(
        self, deliver: Callable[[list[TaskEvent]], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._deliver = deliver
        self._pending: list[TaskEvent] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)

    def add(self, event: object) -> None:
        if not isinstance(event, TaskEvent):
            raise TypeError(f"expected a TaskEvent, got {type(event).__name__}")
        self.extend([event])

    def extend(self, events: Iterable[TaskEvent]) -> None:
        self._pending.extend(events)
        if self._pending and not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver what is pending now (also used by tests and before quitting)."""
        self._timer.stop()
        pending, self._pending = self._pending, []
        if pending:
            self._deliver(pending)
