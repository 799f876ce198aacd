"""Desktop notifications for alerts, and the click that brings the task up.

On Linux and the BSDs notifications go straight to the desktop's freedesktop notification service
over D-Bus, so they appear without a tray icon (GNOME has none). The D-Bus side is jeepney on one
background thread: it is pure Python, already installed with keyring on Linux, and its blocking
calls never run on the GUI thread. ``desktop-notifier`` was the alternative; it needs an asyncio
loop on its own thread plus dbus-fast, for the same single Notify call and ActionInvoked signal.
Qt's own QtDBus cannot send Notify from Python (no way to pass its unsigned argument). Elsewhere,
or with no service on the bus, alerts go to the tray icon's balloon when there is one; with
neither, they are only logged once and the window stays the place to look.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot

from gui import APP_ID, APP_NAME
from gui.confluence.plain_text import display_text, shortened
from gui.platform.freedesktop import BusUnavailable, Event, FreedesktopBus
from gui.polling.alerts import Alert, Target

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSystemTrayIcon

log = logging.getLogger(__name__)

_REMEMBERED = 100  # clickable notifications kept; older ones are long gone from the screen
# Notification servers cut long texts anyway (and differently); cut here, the text stays readable
# and ends in an ellipsis that says so.
MAX_SUMMARY = 100
MAX_BODY = 500
_USES_FREEDESKTOP = sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


class NotificationBus(Protocol):
    """What the notifier needs from the service; FreedesktopBus, or a recording fake in tests."""

    def open(self, inbox: queue.Queue[Any]) -> list[str]: ...
    def notify(self, app_name: str, summary: str, body: str, hints: dict[str, Any]) -> int: ...
    def event_of(self, item: Any) -> Event | None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class _Send:
    number: int
    summary: str
    body: str


_STOP = object()


def shown_as_plain_text(alert: Alert) -> Alert:
    """``alert`` as a notification shows it: server text cleaned as the window cleans it (no
    controls, no bidi overrides), the title on one line, both cut to a readable length."""
    title = shortened(display_text(alert.title), MAX_SUMMARY)
    body = shortened(display_text(alert.body, multiline=True), MAX_BODY)
    return replace(alert, title=title, body=body)


class Notifier(QObject):
    """Shows alerts as desktop notifications; ``activated(target)`` when the user clicks one."""

    activated = Signal(object)  # the Alert's target: (site_id, task_id) or site_id
    _sent = Signal(int, int)  # our number, the service's notification id
    _clicked = Signal(int)  # the service's notification id
    _undelivered = Signal(int)  # our number

    def __init__(self, parent: QObject | None = None, *, bus: NotificationBus | None = None):
        super().__init__(parent)
        self._bus: NotificationBus | None = bus or (FreedesktopBus() if _USES_FREEDESKTOP else None)
        self._inbox: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._number = 0
        self._waiting: dict[int, Alert] = {}
        self._targets: OrderedDict[int, Target] = OrderedDict()
        self._tray: QSystemTrayIcon | None = None
        self._tray_target: Target | None = None
        self._told_nowhere = False
        self._sent.connect(self._on_sent)
        self._clicked.connect(self._on_clicked)
        self._undelivered.connect(self._on_undelivered)

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        """The tray icon to fall back on where no notification service answers."""
        if self._tray is not None:
            self._tray.messageClicked.disconnect(self._on_tray_clicked)
        self._tray = tray
        if tray is not None:
            tray.messageClicked.connect(self._on_tray_clicked)

    def show(self, alert: Alert) -> None:
        """Send ``alert``; returns at once, the desktop is talked to on a background thread."""
        alert = shown_as_plain_text(alert)
        self._number += 1
        self._waiting[self._number] = alert
        if self._bus is None:
            self._on_undelivered(self._number)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="notifications", daemon=True)
            self._thread.start()
        self._inbox.put(_Send(self._number, alert.title, alert.body))

    def close(self, timeout: float = 0.5) -> None:
        """End the background thread (it is a daemon, so a stuck bus cannot delay quitting)."""
        if self._thread is not None:
            self._inbox.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    # GUI thread

    @Slot(int, int)
    def _on_sent(self, number: int, notification_id: int) -> None:
        alert = self._waiting.pop(number, None)
        if alert is None:
            return
        self._targets[notification_id] = alert.target
        while len(self._targets) > _REMEMBERED:
            self._targets.popitem(last=False)

    @Slot(int)
    def _on_clicked(self, notification_id: int) -> None:
        target = self._targets.pop(notification_id, None)
        if target is not None:
            log.info("Notification %d clicked", notification_id)
            self.activated.emit(target)

    @Slot(int)
    def _on_undelivered(self, number: int) -> None:
        alert = self._waiting.pop(number, None)
        if alert is None:
            return
        tray = self._tray
        if tray is not None and tray.isVisible() and tray.supportsMessages():
            self._tray_target = alert.target
            # Plain text, not escaped: Qt documents showMessage's title and message as plain
            # text, and every balloon that can show here takes them so. Windows and macOS show
            # plain text (escaping put a literal "&amp;" on screen). An X11 tray gets Qt's own
            # QBalloonTip, whose title and message labels are both set to Qt::PlainText
            # (qtbase src/widgets/util/qsystemtrayicon.cpp), so nothing is taken as rich text.
            # A StatusNotifierItem tray (Qt's QDBusTrayIcon) forwards both unescaped to
            # org.freedesktop.Notifications, where markup could render; but on Linux this
            # fallback only runs when our own Notify found no service there, so that path has
            # nowhere to show them either.
            # Limitation: while a message is up, QDBusTrayIcon also puts it in the tray item's
            # tooltip, which some StatusNotifier hosts render as markup.
            tray.showMessage(alert.title, alert.body)
            return
        if not self._told_nowhere:
            self._told_nowhere = True
            log.info("No notification service and no tray: alerts show in the window only")

    def _on_tray_clicked(self) -> None:
        if self._tray_target is not None:
            self.activated.emit(self._tray_target)

    # Background thread: the only place the bus is used

    def _serve(self) -> None:
        bus = self._bus
        assert bus is not None
        capabilities: list[str] | None = None
        reported_unavailable = False
        while True:
            item = self._inbox.get()
            if item is _STOP:
                bus.close()
                return
            if not isinstance(item, _Send):
                self._forward(bus.event_of(item))
                continue
            try:
                if capabilities is None:
                    capabilities = bus.open(self._inbox)
                    log.info("Desktop notifications go to the session's notification service")
                    reported_unavailable = False
                body = item.body
                if "body-markup" in capabilities:
                    # The service renders body markup; server text must never be taken as such.
                    # (html is imported here, on this thread, to keep it off the start-up path.)
                    import html

                    body = html.escape(body, quote=False)
                hints = {"urgency": ("y", 1), "desktop-entry": ("s", APP_ID)}
                notification_id = bus.notify(APP_NAME, item.summary, body, hints)
            except BusUnavailable as error:
                if not reported_unavailable:
                    reported_unavailable = True
                    log.info("Desktop notifications unavailable: %s", error)
                capabilities = None
                bus.close()
                self._undelivered.emit(item.number)
                continue
            self._sent.emit(item.number, notification_id)

    def _forward(self, event: Event | None) -> None:
        if event is not None and event[0] == "clicked":
            self._clicked.emit(event[1])
