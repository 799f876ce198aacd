"""A recording stand-in for the desktop's notification service: the Notifier is real, only the
D-Bus edge is replaced."""

from __future__ import annotations

import queue
from typing import Any

from gui.platform.freedesktop import BusUnavailable, Event

# What a service that shows plain text answers to GetCapabilities, and one that renders markup.
PLAIN_TEXT = ["body"]
MARKUP = ["body", "body-markup"]


class RecordingBus:
    """Stands in for org.freedesktop.Notifications: records Notify calls, can click them.

    The service gives the n-th notification (0 for the first) the id ``FIRST_ID + n``. With
    ``fail`` it is not on the bus at all: every open raises BusUnavailable.
    """

    FIRST_ID = 41

    def __init__(self, capabilities: list[str] | None = None, *, fail: bool = False) -> None:
        self.capabilities = list(PLAIN_TEXT if capabilities is None else capabilities)
        self.fail = fail
        self.sent: list[dict[str, Any]] = []
        self.inbox: queue.Queue[Any] | None = None

    def open(self, inbox: queue.Queue[Any]) -> list[str]:
        if self.fail:
            raise BusUnavailable("no session bus (test)")
        self.inbox = inbox
        return self.capabilities

    def notify(self, app_name: str, summary: str, body: str, hints: dict[str, Any]) -> int:
        self.sent.append({"app_name": app_name, "summary": summary, "body": body, "hints": hints})
        return self.id_of(len(self.sent) - 1)

    def event_of(self, item: Any) -> Event | None:
        return item  # click() puts ready-made events in the inbox

    def close(self) -> None:
        self.inbox = None

    def id_of(self, number: int) -> int:
        """The id the service gave the ``number``-th notification sent (0 for the first)."""
        return self.FIRST_ID + number

    def summaries(self) -> list[str]:
        return [sent["summary"] for sent in self.sent]

    def click(self, number: int) -> None:
        """Click the ``number``-th notification sent (0 for the first).

        Call it once ``sent`` holds that notification; no wait is needed for its id to reach the
        GUI thread. The click goes into the notifier's inbox behind the Notify that showed it,
        as the real service's ActionInvoked does, and the notifier's one background thread hands
        both to the GUI thread in that order.
        """
        assert self.inbox is not None and number < len(self.sent)
        self.inbox.put(("clicked", self.id_of(number)))
