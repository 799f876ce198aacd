"""Collects task events that arrive one signal at a time and hands them on as one batch.

The poller emits one ``taskChanged`` per task; a discovery cycle over a thousand tasks would
otherwise repaint the table a thousand times. Events are held until control returns to the event
loop, which is after every queued signal of that cycle has been delivered.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from gui.polling.states import TaskEvent


class TaskEventBatch(QObject):
    """Call ``add(event)`` for each event; ``deliver`` receives them together, in order."""

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
        self._pending.append(event)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver what is pending now (also used by tests and before quitting)."""
        self._timer.stop()
        pending, self._pending = self._pending, []
        if pending:
            self._deliver(pending)
