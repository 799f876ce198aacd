"""One running app per user: a second start asks the first to show its window, then exits.

The first instance listens on a QLocalServer named from APP_ID: a Unix socket in the user's
runtime directory, or a Windows named pipe with the user name; reachable by this user only. A
later start connects, sends ``show`` and leaves. A socket file left behind by a crash answers no
one: it is removed before listening.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from gui import APP_ID

log = logging.getLogger(__name__)

_CONNECT_MS = 500
_SHOW = b"show\n"


def server_name(variant: str = "") -> str:
    """The per-user name of the local socket; ``variant`` separates e.g. the demo from the app.

    On Unix it is a path in the user's runtime directory (``$XDG_RUNTIME_DIR``), private to the
    user and to the login session, so a test run with its own runtime directory never meets the
    developer's running app. Elsewhere it is a name with the user in it (a Windows named pipe).
    """
    suffix = f"-{variant}" if variant else ""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform != "win32" and runtime and os.path.isdir(runtime):
        return os.path.join(runtime, f"{APP_ID}{suffix}.socket")
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "user"  # no login name (some containers): one instance per machine then
    return f"{APP_ID}-{re.sub(r'[^A-Za-z0-9_.-]', '_', user)}{suffix}"


class SingleInstance(QObject):
    """``claim()`` once at start; ``showRequested`` fires when another start asks for the window."""

    showRequested = Signal()  # noqa: N815 - Qt signal naming

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this is the first instance (now listening); False after telling the first."""
        if self._tell_running_instance():
            log.info("Already running: asked the running instance to show its window")
            return False
        # Nobody answered: any socket file under this name is left over from a crash.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Limitation: two starts in the same instant can both get here; the loser runs
            # without the single-instance guard rather than refusing to start.
            log.warning("Single-instance socket unavailable: %s", server.errorString())
            return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        """Stop listening and remove the socket (at quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def _tell_running_instance(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        # Startup, before the event loop: a short blocking wait on a local socket is fine.
        if not socket.waitForConnected(_CONNECT_MS):
            return False
        socket.write(_SHOW)
        socket.waitForBytesWritten(_CONNECT_MS)
        socket.disconnectFromServer()
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(socket.deleteLater)

    def _on_ready_read(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        message = bytes(socket.readAll().data())
        if message.strip() == _SHOW.strip():
            log.info("Another start asked for the window")
            self.showRequested.emit()
