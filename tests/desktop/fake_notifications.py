"""A stand-in desktop notification service (and optional tray host) for the desktop tests.

Run as its own process on the session bus:
    python tests/desktop/fake_notifications.py LOG_FILE [--watcher]

It owns ``org.freedesktop.Notifications`` and appends one JSON line to LOG_FILE per event:
``{"event": "notify", "id", "app_name", "replaces_id", "icon", "summary", "body", "actions",
"hints", "expire_timeout"}`` for each Notify, ``{"event": "close", "id"}`` for CloseNotification,
``{"event": "register-item", "service"}`` when a tray icon registers with the watcher.

Tests click a notification through an extra method on the same object,
``org.example.FakeNotifications.Click(u id, s action)``: the service emits
``ActionInvoked(id, action)`` and then ``NotificationClosed(id, 2)``, as a desktop does when the
user clicks a notification.

It runs in a separate process on purpose: PySide6 keeps the interpreter lock during Qt's
blocking D-Bus calls, so a service living in the test process deadlocks against the app.

What Qt 6 needs from ``org.kde.StatusNotifierWatcher`` for a tray (PySide6 6.12, measured):
- the name must have an owner when the process asks for its first tray icon: Qt's generic Unix
  theme checks ``NameHasOwner`` once and caches the answer for the life of the process, so the
  watcher must be up before the app starts;
- when the icon is shown, Qt takes a ``org.kde.StatusNotifierItem-<pid>-<n>`` name, exports
  ``/StatusNotifierItem`` and calls ``RegisterStatusNotifierItem(s)`` with its unique bus name
  (``:1.N``); a failure there is only logged;
- Qt reads no watcher property (seen in a call trace); ``IsStatusNotifierHostRegistered``,
  ``ProtocolVersion`` and ``RegisteredStatusNotifierItems`` are answered anyway for other clients.
- ``showMessage(title, body, icon, msecs)`` sends Notify(app_name=applicationName, 0,
  "dialog-information", title, body, [], {"urgency": 0}, msecs): title and body go out unescaped,
  and real servers render body markup, so the app must escape server text itself.
Timing: the tray check answers within ~30 ms of QApplication start; the Notify arrives a few
milliseconds after showMessage, once the event loop runs.
With that, ``QSystemTrayIcon.isSystemTrayAvailable()`` is True and ``showMessage()`` becomes a
Notify call here, and a click on it (``ActionInvoked``) becomes ``QSystemTrayIcon.messageClicked``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

log = logging.getLogger("fake_notifications")

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
CONTROL = "org.example.FakeNotifications"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"

CAPABILITIES = ["actions", "body", "body-markup", "icon-static", "persistence"]

# Hint values of these D-Bus types are copied into the log; image data and the like are not.
PLAIN_HINT_TYPES = frozenset("sbyniuqxtd")

NOTIFICATIONS_XML = f"""<node>
 <interface name="{NOTIFICATIONS}">
  <method name="GetCapabilities"><arg direction="out" type="as"/></method>
  <method name="Notify">
   <arg direction="in" type="s"/><arg direction="in" type="u"/><arg direction="in" type="s"/>
   <arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="in" type="as"/>
   <arg direction="in" type="a{{sv}}"/><arg direction="in" type="i"/>
   <arg direction="out" type="u"/>
  </method>
  <method name="CloseNotification"><arg direction="in" type="u"/></method>
  <method name="GetServerInformation">
   <arg direction="out" type="s"/><arg direction="out" type="s"/>
   <arg direction="out" type="s"/><arg direction="out" type="s"/>
  </method>
  <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
 </interface>
 <interface name="{CONTROL}">
  <method name="Click"><arg direction="in" type="u"/><arg direction="in" type="s"/></method>
 </interface>
</node>"""

WATCHER_XML = f"""<node>
 <interface name="{WATCHER}">
  <method name="RegisterStatusNotifierItem"><arg direction="in" type="s"/></method>
  <method name="RegisterStatusNotifierHost"><arg direction="in" type="s"/></method>
  <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
  <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
  <property name="ProtocolVersion" type="i" access="read"/>
  <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
  <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
  <signal name="StatusNotifierHostRegistered"/>
 </interface>
</node>"""


class FakeNotificationService:
    """Answers the notification and tray-watcher calls on one blocking jeepney connection."""

    def __init__(self, conn: DBusConnection, log_file: Path) -> None:
        self.conn = conn
        self.log_file = log_file
        self.last_id = 0
        self.items: list[str] = []

    def record(self, event: dict[str, Any]) -> None:
        with self.log_file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(event) + "\n")

    def emit(
        self, path: str, interface: str, name: str, signature: str, body: tuple[Any, ...]
    ) -> None:
        self.conn.send(new_signal(DBusAddress(path, interface=interface), name, signature, body))

    def serve_forever(self) -> None:
        while True:
            msg = self.conn.receive()
            if msg.header.message_type != MessageType.method_call:
                continue
            fields = msg.header.fields
            log.info(
                "call %s.%s on %s",
                fields.get(HeaderFields.interface, ""),
                fields.get(HeaderFields.member, ""),
                fields.get(HeaderFields.path, ""),
            )
            try:
                reply = self.dispatch(msg)
            except UnknownMethodError as exc:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(exc),))
            self.conn.send(reply)

    def dispatch(self, msg: Message) -> Message:
        fields = msg.header.fields
        path = fields.get(HeaderFields.path, "")
        iface = fields.get(HeaderFields.interface, "")
        member = fields.get(HeaderFields.member, "")
        args = msg.body
        if iface == PEER and member == "Ping":
            return new_method_return(msg)
        if iface == INTROSPECTABLE and member == "Introspect":
            return new_method_return(msg, "s", (self.introspect(path),))
        if path == NOTIFICATIONS_PATH:
            return self.notifications_call(msg, iface, member, args)
        if path == WATCHER_PATH:
            return self.watcher_call(msg, iface, member, args)
        raise UnknownMethodError(f"{path} {iface}.{member}")

    def introspect(self, path: str) -> str:
        if path == NOTIFICATIONS_PATH:
            return NOTIFICATIONS_XML
        if path == WATCHER_PATH:
            return WATCHER_XML
        children = {"/": ["org", "StatusNotifierWatcher"], "/org": ["freedesktop"]}
        nodes = "".join(f'<node name="{c}"/>' for c in children.get(path, []))
        if path == "/org/freedesktop":
            nodes = '<node name="Notifications"/>'
        return f"<node>{nodes}</node>"

    def notifications_call(
        self, msg: Message, iface: str, member: str, args: tuple[Any, ...]
    ) -> Message:
        if member == "GetCapabilities":
            return new_method_return(msg, "as", (CAPABILITIES,))
        if member == "GetServerInformation":
            return new_method_return(msg, "ssss", ("fake-notifications", "tests", "1.0", "1.2"))
        if member == "Notify":
            app_name, replaces_id, icon, summary, body, actions, hints, expire = args
            if replaces_id:
                notification_id = replaces_id
            else:
                self.last_id += 1
                notification_id = self.last_id
            plain_hints = {
                key: value
                for key, (signature, value) in hints.items()
                if signature in PLAIN_HINT_TYPES
            }
            self.record(
                {
                    "event": "notify",
                    "id": notification_id,
                    "app_name": app_name,
                    "replaces_id": replaces_id,
                    "icon": icon,
                    "summary": summary,
                    "body": body,
                    "actions": list(actions),
                    "hints": plain_hints,
                    "expire_timeout": expire,
                }
            )
            return new_method_return(msg, "u", (notification_id,))
        if member == "CloseNotification":
            (notification_id,) = args
            self.record({"event": "close", "id": notification_id})
            self.emit(
                NOTIFICATIONS_PATH, NOTIFICATIONS, "NotificationClosed", "uu", (notification_id, 3)
            )
            return new_method_return(msg)
        if iface == CONTROL and member == "Click":
            notification_id, action = args
            self.emit(
                NOTIFICATIONS_PATH, NOTIFICATIONS, "ActionInvoked", "us", (notification_id, action)
            )
            # Reason 2: dismissed by the user, which is what a click on the bubble amounts to.
            self.emit(
                NOTIFICATIONS_PATH, NOTIFICATIONS, "NotificationClosed", "uu", (notification_id, 2)
            )
            return new_method_return(msg)
        raise UnknownMethodError(f"{iface}.{member}")

    def watcher_call(self, msg: Message, iface: str, member: str, args: tuple[Any, ...]) -> Message:
        if iface == WATCHER and member == "RegisterStatusNotifierItem":
            (service,) = args
            # An item may pass only its object path; then its bus name is the caller's.
            if service.startswith("/"):
                service = f"{msg.header.fields[HeaderFields.sender]}{service}"
            self.items.append(service)
            self.record({"event": "register-item", "service": service})
            self.emit(WATCHER_PATH, WATCHER, "StatusNotifierItemRegistered", "s", (service,))
            return new_method_return(msg)
        if iface == WATCHER and member == "RegisterStatusNotifierHost":
            return new_method_return(msg)
        if iface == PROPERTIES and member in ("Get", "GetAll"):
            props = {
                "RegisteredStatusNotifierItems": ("as", list(self.items)),
                "IsStatusNotifierHostRegistered": ("b", True),
                "ProtocolVersion": ("i", 0),
            }
            if member == "GetAll":
                return new_method_return(msg, "a{sv}", (props,))
            name = args[1]
            if name not in props:
                raise UnknownMethodError(f"no property {name}")
            return new_method_return(msg, "v", (props[name],))
        raise UnknownMethodError(f"{iface}.{member}")


class UnknownMethodError(Exception):
    """A call this fake does not implement; answered with D-Bus UnknownMethod."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log_file", type=Path, help="JSON lines file to append events to")
    parser.add_argument("--watcher", action="store_true", help="also own the tray watcher name")
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="fake_notifications: %(message)s")

    conn = open_dbus_connection(bus="SESSION")
    names = ([WATCHER] if options.watcher else []) + [NOTIFICATIONS]
    for name in names:
        # Flag 4 = DO_NOT_QUEUE: fail loudly instead of silently waiting behind another owner.
        (result,) = conn.send_and_get_reply(message_bus.RequestName(name, 4)).body
        if result != 1:
            log.error("could not own %s (RequestName answered %d)", name, result)
            return 1
    log.info("serving %s", ", ".join(names))
    FakeNotificationService(conn, options.log_file).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
