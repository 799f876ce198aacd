"""The desktop app: ``run(args)`` builds the Qt application, the poller, the window and the tray.

Start-up stays lean: Qt, the poller and the demo are imported here, inside ``run``, so the
command line's other subcommands never pay for them.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gui import APP_ID, APP_NAME

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from gui.app_demo import DemoSession
    from gui.platform.notifications import Notifier
    from gui.polling.states import PollPolicy
    from gui.views.controller import AppController
    from gui.views.saved_sites import SavedSites

log = logging.getLogger(__name__)

# The desktop app's status when there is no display to show it on (the command line works).
NO_DISPLAY_STATUS = 1

# Runs the --demo showcase faster (2.0 ends in about half a minute); for CI and tests.
DEMO_SPEED_VARIABLE = "CTT_DEMO_SPEED"


def run(args: argparse.Namespace) -> int:
    """Run the desktop app until the user quits; returns the exit status."""
    held_signals = _hold_signals()  # before Qt loads: see there
    from gui.platform.qt_imports import lighten_pyside_imports

    lighten_pyside_imports()  # first: every import after it is cheaper
    from gui.platform.logging_setup import hold_early_records

    verbose = bool(getattr(args, "verbose", False))
    hold_early_records(verbose)  # the log file opens once the window is up
    log.info("%s starting", APP_NAME)
    missing = _missing_display()
    if missing:
        # Qt would abort the process (status 134) with advice about a library that is there.
        sys.stderr.write(missing)
        log.warning("No display to show the window on")
        setup_app_logging(verbose)
        return NO_DISPLAY_STATUS
    app = _application()
    demo = bool(getattr(args, "demo", False))
    speed = _demo_speed()

    from gui.platform.single_instance import SingleInstance, server_name

    # The demo runs beside a real instance rather than popping the real window up.
    instance = SingleInstance(server_name("demo" if demo else ""))
    if not instance.claim():
        # Said on the terminal too: a start that only raised another window looks like nothing.
        sys.stderr.write(f"{APP_NAME} is already running; its window was brought up.\n")
        setup_app_logging(verbose)
        return 0

    # Building the window makes many thousands of objects (PySide6's enums above all) and no
    # garbage worth a collection: the collector waits until the window has painted, which it
    # would otherwise hold up by about 9 ms.
    gc.disable()
    from PySide6.QtCore import QTimer

    from gui.polling.service import PollingService
    from gui.views.controller import AppController

    service = PollingService()
    controller = AppController(service, exit_when_done=bool(getattr(args, "exit_when_done", False)))

    demos: list[DemoSession] = []
    controller.actions.try_demo.triggered.connect(
        lambda: _start_demo(controller, demos, speed) if not demos else None
    )
    controller.quitting.connect(app.exit)
    _quit_on_signals(app, controller.quit, held_signals)
    instance.showRequested.connect(controller.window.bring_up)
    app.aboutToQuit.connect(lambda: controller.quit(0))
    controller.window.set_loading(True)
    controller.start_window(minimized=bool(getattr(args, "minimized", False)))

    # The window first: the log file, QtNetwork, the icons, the store, the keyring, requests and
    # the demo server cost about 0.2 s to load, and a window already on screen can show the
    # sites (and the tray its icon) a moment later. They come in three turns of the event loop,
    # so that the window answers between them: the longest (loading the demo) holds it up about
    # 50 ms, where all of it in one go took 100 ms.
    log_open = False

    def open_log_and_answer_later_starts() -> None:
        nonlocal log_open
        gc.enable()
        setup_app_logging(verbose)
        log_open = True
        instance.serve()  # later starts waited in its backlog until now
        QTimer.singleShot(0, show_icons)

    def show_icons() -> None:
        _set_window_icon(app)
        controller.set_notifier(_notifier())
        controller.show_tray()
        QTimer.singleShot(0, load_sites)

    def load_sites() -> None:
        policy = None
        if demo:
            from gui.app_demo import demo_policy

            policy = demo_policy(speed)
            service.set_policy(policy)
        try:
            saved = _saved_sites(controller, policy)
            if demo:
                _start_demo(controller, demos, speed)
            else:
                saved.load()
        finally:
            controller.window.set_loading(False)

    _after_first_paint(controller.window, open_log_and_answer_later_starts)
    try:
        status = app.exec()
    finally:
        gc.enable()  # if the window never painted
        if not log_open:  # quit before then: what was held goes to the file all the same
            setup_app_logging(verbose)
        controller.quit(0)
        instance.release()
        for session in demos:
            session.stop()
    log.info("Exiting with status %d", status)
    return status


def _missing_display() -> str:
    """What to tell the user when there is no graphical session to show a window in, else "".

    Qt would abort the process (status 134) with advice about a library that is installed, so a
    display that is named but cannot be reached (a stale DISPLAY, a server gone) is told too.
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return ""
    if os.environ.get("QT_QPA_PLATFORM"):
        return ""  # the user chose a platform: Qt's own message is the right one then
    wayland, x11 = os.environ.get("WAYLAND_DISPLAY", ""), os.environ.get("DISPLAY", "")
    if (wayland and _wayland_reachable(wayland)) or (x11 and _x11_reachable(x11)):
        return ""
    watch = f"follow tasks from this terminal with '{APP_ID} watch' (see '{APP_ID} watch --help')"
    if not (wayland or x11):
        return (
            f"{APP_NAME} needs a graphical session to show its window: neither DISPLAY nor "
            f"WAYLAND_DISPLAY is set. Start it from the desktop, or {watch}.\n"
        )
    named = " and ".join(
        f"{name}={value}"
        for name, value in (("WAYLAND_DISPLAY", wayland), ("DISPLAY", x11))
        if value
    )
    return (
        f"{APP_NAME} cannot reach the display it was given ({named}): its server is not running "
        f"or does not let this user in. Start it from the desktop, or {watch}.\n"
    )


def _x11_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":0", "unix:1.0", "localhost:10.0")."""
    import socket

    host, colon, screen = display.rpartition(":")
    if not colon:
        return False  # every X display name has host:number; this one names no display at all
    number = screen.split(".", 1)[0]
    if not number.isdigit() or "/" in host:
        return True  # a form not known here (macOS launchd paths...): let Qt try
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"  # noqa: S108 - the X server's own socket, by protocol
        return _unix_socket_answers("\0" + path) or _unix_socket_answers(path)
    try:
        socket.create_connection((host, 6000 + int(number)), timeout=2).close()
    except OSError:
        return False
    return True


def _wayland_reachable(name: str) -> bool:
    folder = os.environ.get("XDG_RUNTIME_DIR", "")
    return _unix_socket_answers(name if name.startswith("/") else os.path.join(folder, name))


def _unix_socket_answers(address: str) -> bool:
    import socket

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            probe.connect(address)
    except OSError:
        return False
    return True


def _hold_signals() -> list[int]:
    """Until ``_quit_on_signals`` takes over, Ctrl-C and SIGTERM are only noted in the list.

    A KeyboardInterrupt raised while PySide6 builds its types at import left it half set up (a
    traceback, an abort, or a Ctrl-C lost); noted, the signal ends the app once its loop runs.
    """
    import signal
    import threading

    held: list[int] = []
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda number, _frame: held.append(number))
    return held


def _quit_on_signals(
    app: QApplication, quit_with: Callable[[int], None], held: Sequence[int] = ()
) -> None:
    """Ctrl-C and SIGTERM end the app as Quit does, with the shell's status for each; so does
    one already ``held`` (see ``_hold_signals``).

    Python runs a signal handler only when the interpreter gets control, which Qt's event loop
    may not give it for a long time; the signal's byte on a socket pair wakes the loop up.
    """
    import signal
    import socket

    from PySide6.QtCore import QObject, QSocketNotifier, QTimer

    class SignalWaker(QObject):
        """Owns the socket pair for as long as the wake-up file descriptor points at it."""

        def __init__(self) -> None:
            super().__init__(app)
            self.reader, self.writer = socket.socketpair()
            self.reader.setblocking(False)
            self.writer.setblocking(False)
            self.notifier = QSocketNotifier(self.reader.fileno(), QSocketNotifier.Type.Read, self)
            self.notifier.activated.connect(self.drain)

        def drain(self) -> None:
            try:
                self.reader.recv(64)
            except OSError:
                pass  # nothing left to read: the byte only had to wake the loop

    waker = SignalWaker()
    try:
        signal.set_wakeup_fd(waker.writer.fileno())
    except ValueError:  # not the main thread (a test driving run()): Qt's defaults stay
        waker.deleteLater()
        return

    def on_signal(number: int, _frame: object) -> None:
        # Through the loop: a signal that came before exec() started still ends the app. The
        # status is the shell's for a process ended by that signal (130 Ctrl-C, 143 SIGTERM).
        QTimer.singleShot(0, lambda: quit_with(128 + number))

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    if held:
        on_signal(held[0], None)


# The longest a shown window may take to paint before the rest of the start goes ahead anyway: a
# window manager may keep it unmapped (started minimised, or on another workspace).
FIRST_PAINT_WAIT_MS = 1000


def _after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``window`` has painted, or after FIRST_PAINT_WAIT_MS if it has not
    by then (at once when it is not shown); never twice."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    if not window.isVisible():
        QTimer.singleShot(0, callback)
        return

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__(window)
            self.done = False
            self.fallback = QTimer(self)
            self.fallback.setSingleShot(True)
            self.fallback.timeout.connect(lambda: self.go(painted=False))
            self.fallback.start(FIRST_PAINT_WAIT_MS)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                self.fallback.stop()
                # Queued, so the paint in progress reaches the screen first.
                QTimer.singleShot(0, lambda: self.go(painted=True))
            return False

        def go(self, *, painted: bool) -> None:
            if self.done:
                return
            self.done = True
            window.removeEventFilter(self)
            self.fallback.stop()
            if not painted:
                log.info("No paint of the window after %d ms; going on", FIRST_PAINT_WAIT_MS)
            callback()
            self.deleteLater()

    window.installEventFilter(FirstPaint())


def setup_app_logging(verbose: bool) -> None:
    """The rotating log file with token masking, on top of the command line's stderr handler;
    what was logged since ``hold_early_records`` goes in first."""
    from gui.platform.logging_setup import setup_logging

    try:
        path = setup_logging(verbose, console=False)
    except OSError as error:
        log.warning("No log file (%s); logging to stderr only", error)
        return
    log.info("Log file %s", path)


def _application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setOrganizationName(APP_NAME)
    QApplication.setApplicationName(APP_NAME)
    QApplication.setDesktopFileName(APP_ID)
    app = QApplication(sys.argv[:1])
    # The tray keeps the app alive with every window hidden; quitting is explicit.
    app.setQuitOnLastWindowClosed(False)
    return app


def _set_window_icon(app: QApplication) -> None:
    from gui.resources import MissingResource, app_icon

    try:
        app.setWindowIcon(app_icon())
    except MissingResource as error:
        log.warning("No application icon: %s", error)


def _notifier() -> Notifier:
    from gui.platform.notifications import Notifier

    return Notifier()


def _demo_speed() -> float:
    text = os.environ.get(DEMO_SPEED_VARIABLE, "")
    try:
        speed = float(text) if text else 1.0
    except ValueError:
        log.warning("Ignoring %s=%r: not a number", DEMO_SPEED_VARIABLE, text)
        return 1.0
    return speed if speed > 0 else 1.0


def _start_demo(controller: AppController, demos: list[DemoSession], speed: float) -> None:
    from gui.app_demo import demo_policy, start_demo

    session = start_demo(speed)
    demos.append(session)
    controller.service.set_policy(demo_policy(speed))
    session.attach(controller)


def _saved_sites(controller: AppController, policy: PollPolicy | None) -> SavedSites:
    """The store and keyring behind the dialogs; with --demo nothing is loaded from them."""
    from gui.platform.secrets import Secrets
    from gui.platform.store import Store
    from gui.views.saved_sites import SavedSites

    store = Store()
    if store.problem:
        log.warning("%s", store.problem)
    return SavedSites(controller, store, Secrets(), policy)
