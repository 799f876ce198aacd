"""A recording stand-in for the desktop's notification service, for tests that run the whole
controller: the Notifier is real, only the D-Bus edge is replaced."""

from __future__ import annotations

import queue
from typing import Any

from gui.platform.freedesktop import Event


class RecordingBus:
    """Stands in for org.freedesktop.Notifications: records Notify calls, can click them."""

    FIRST_ID = 41

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.inbox: queue.Queue[Any] | None = None

    def open(self, inbox: queue.Queue[Any]) -> list[str]:
        self.inbox = inbox
        return ["body"]

    def notify(self, app_name: str, summary: str, body: str, hints: dict[str, Any]) -> int:
        self.sent.append({"app_name": app_name, "summary": summary, "body": body, "hints": hints})
        return self.FIRST_ID + len(self.sent) - 1

    def event_of(self, item: Any) -> Event | None:
        return item  # click() puts ready-made events in the inbox

    def close(self) -> None:
        self.inbox = None

    def summaries(self) -> list[str]:
        return [sent["summary"] for sent in self.sent]

    def click(self, number: int) -> None:
        """Click the ``number``-th notification sent (0 for the first)."""
        assert self.inbox is not None
        self.inbox.put(("clicked", self.FIRST_ID + number))
