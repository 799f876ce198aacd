"""The edge to the desktop's notification service: org.freedesktop.Notifications over jeepney.

Used from one background thread only (see notifications.py). Every call has a timeout, so a
service that hangs cannot hold the thread for long. Incoming signals (a click, a close) go into
the queue handed to ``open()``; ``event_of()`` turns them into plain tuples.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
_CALL_TIMEOUT = 3.0

Event = tuple[str, int]  # ("clicked" | "closed", notification id)


class BusUnavailable(Exception):
    """No session bus, or no notification service on it."""


class FreedesktopBus:
    """Sends Notify calls and reports ActionInvoked/NotificationClosed for our notifications."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._router: Any = None
        self._filters: list[Any] = []

    def open(self, inbox: queue.Queue[Any]) -> list[str]:
        """Connect, subscribe to clicks into ``inbox``, and return the server's capabilities."""
        try:
            from jeepney import MatchRule, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.threading import DBusRouter, open_dbus_connection
        except ImportError as error:
            raise BusUnavailable(f"jeepney is not installed ({error})") from None
        try:
            self._connection = open_dbus_connection(bus="SESSION")
            self._router = DBusRouter(self._connection)
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise BusUnavailable(f"no session bus ({error})") from None
        try:
            for member in ("ActionInvoked", "NotificationClosed"):
                rule = MatchRule(type="signal", interface=BUS_NAME, path=OBJECT_PATH, member=member)
                self._call(message_bus.AddMatch(rule))
                self._filters.append(self._router.filter(rule, queue=inbox))
            address = self._address()
            (capabilities,) = self._call(new_method_call(address, "GetCapabilities"))
        except BusUnavailable:
            self.close()
            raise
        return list(capabilities)

    def notify(self, app_name: str, summary: str, body: str, hints: dict[str, Any]) -> int:
        """Show one notification with a default (click) action; returns the server's id."""
        from jeepney import new_method_call

        args = (app_name, 0, "", summary, body, ["default", "Show"], hints, -1)
        message = new_method_call(self._address(), "Notify", "susssasa{sv}i", args)
        (notification_id,) = self._call(message)
        return int(notification_id)

    def event_of(self, item: Any) -> Event | None:
        """A click or a close, from a message the subscription put in the inbox."""
        from jeepney import HeaderFields

        member = item.header.fields.get(HeaderFields.member)
        if member == "ActionInvoked":
            return ("clicked", int(item.body[0]))
        if member == "NotificationClosed":
            return ("closed", int(item.body[0]))
        return None

    def close(self) -> None:
        for handle in self._filters:
            handle.close()
        self._filters.clear()
        if self._router is not None:
            self._router.close()
            self._router = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _address(self) -> Any:
        from jeepney import DBusAddress

        return DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)

    def _call(self, message: Any) -> tuple[Any, ...]:
        from jeepney import MessageType
        from jeepney.io.common import RouterClosed

        try:
            reply = self._router.send_and_get_reply(message, timeout=_CALL_TIMEOUT)
        except (OSError, TimeoutError, RouterClosed) as error:
            raise BusUnavailable(f"the session bus did not answer ({error})") from None
        if reply.header.message_type == MessageType.error:
            raise BusUnavailable(f"{BUS_NAME} refused the call: {reply.body!r}"[:200])
        return tuple(reply.body)
