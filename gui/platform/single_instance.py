"""One running app per user: a second start asks the first to show its window, then exits.

The first instance listens on a local socket named from APP_ID: a Unix socket in the user's
runtime directory, or a Windows named pipe with the user name; reachable by this user only. A
later start connects, sends ``show`` and leaves. A socket file left behind by a crash answers no
one: it is removed before listening. On Unix a lock file beside the socket lets one start at a
time ask and bind, and an instance that holds the socket but is too busy to take the connection
is not replaced.

On Unix the start itself needs no QtNetwork (loading it costs the window's first paint about
10 ms): ``claim()`` asks and binds with the standard library's sockets, and ``serve()``, once the
window is up, hands the bound socket to a QLocalServer, which answers from then on. A start that
asks in between waits in the socket's backlog and is answered then. Elsewhere ``claim()`` listens
with QLocalServer straight away.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import re
import socket
import sys
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from gui import APP_ID

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

log = logging.getLogger(__name__)

_CONNECT_S = 0.5
_BACKLOG = 16
_SHOW = b"show\n"
# Unix sockets by path, as QLocalServer makes them there; Windows has named pipes instead.
_UNIX = sys.platform != "win32" and hasattr(socket, "AF_UNIX")


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
        import getpass  # only without a runtime directory (it brings termios)

        user = getpass.getuser()
    except (OSError, KeyError):
        user = "user"  # no login name (some containers): one instance per machine then
    return f"{APP_ID}-{re.sub(r'[^A-Za-z0-9_.-]', '_', user)}{suffix}"


class SingleInstance(QObject):
    """``claim()`` once at start, ``serve()`` once the window is up; ``showRequested`` fires when
    another start asks for the window."""

    showRequested = Signal()  # noqa: N815 - Qt signal naming

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self._bound: socket.socket | None = None  # claimed, not yet served (Unix)
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this is the first instance (now holding the name); False after telling the
        first one to show its window."""
        if not _UNIX:
            return self._claim_with_qt()
        path = self.path()
        # One start at a time asks and binds, so that two starts in the same instant cannot both
        # find nobody, the second unlinking the socket the first has just bound.
        with _claim_lock(path + ".lock"):
            answer = _ask(path)
            if answer is not _Answer.NOBODY:
                if answer is _Answer.BUSY:
                    log.warning("Already running, but not answering: not starting a second one")
                else:
                    log.info("Already running: asked the running instance to show its window")
                return False
            return self._bind(path)

    def _bind(self, path: str) -> bool:
        # Nobody answered: any socket file under this name is left over from a crash.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _remove_stale(path)
            listener.bind(path)
            os.chmod(path, 0o600)  # this user only, as QLocalServer's UserAccessOption
            listener.listen(_BACKLOG)
        except OSError as error:
            listener.close()
            # Limitation: a name the system refuses (a runtime directory path too long for a
            # Unix socket) leaves the app running without the single-instance guard.
            log.warning("Single-instance socket unavailable: %s", error)
            return True
        self._bound = listener
        return True

    def serve(self) -> None:
        """Start answering later starts (Unix: until now they wait in the backlog)."""
        if self._bound is None:
            return
        from PySide6.QtNetwork import QLocalServer

        listener, self._bound = self._bound, None
        server = QLocalServer(self)
        if not server.listen(listener.detach()):
            log.warning("Single-instance socket unavailable: %s", server.errorString())
            return
        self._adopt(server)

    def release(self) -> None:
        """Stop listening and remove the socket (at quit)."""
        if self._bound is not None:
            self._bound.close()
            self._bound = None
            _remove_stale(self.path())
        if self._server is not None:
            self._server.close()
            self._server = None

    def path(self) -> str:
        """Where the Unix socket lives: the name itself when it is a path, as QLocalServer."""
        return (
            self.name
            if os.path.isabs(self.name)
            else os.path.join(tempfile.gettempdir(), self.name)
        )

    def _claim_with_qt(self) -> bool:
        from PySide6.QtNetwork import QLocalServer, QLocalSocket

        asking = QLocalSocket()
        asking.connectToServer(self.name)
        # Startup, before the event loop: a short blocking wait on a local socket is fine.
        if asking.waitForConnected(int(_CONNECT_S * 1000)):
            asking.write(_SHOW)
            asking.waitForBytesWritten(int(_CONNECT_S * 1000))
            asking.disconnectFromServer()
            log.info("Already running: asked the running instance to show its window")
            return False
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("Single-instance socket unavailable: %s", server.errorString())
            return True
        self._adopt(server)
        return True

    def _adopt(self, server: QLocalServer) -> None:
        server.newConnection.connect(self._on_connection)
        self._server = server

    def _on_connection(self) -> None:
        assert self._server is not None
        while (connection := self._server.nextPendingConnection()) is not None:
            connection.readyRead.connect(self._on_ready_read)
            connection.disconnected.connect(connection.deleteLater)

    def _on_ready_read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        message = bytes(connection.readAll().data())
        if message.strip() == _SHOW.strip():
            log.info("Another start asked for the window")
            self.showRequested.emit()


class _Answer(enum.Enum):
    TOLD = "told"  # an instance listens there and has been sent ``show``
    BUSY = "busy"  # one holds the socket but takes no connection (its backlog is full)
    NOBODY = "nobody"  # no file, a file nobody listens on, or not a socket at all


def _ask(path: str) -> _Answer:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as asking:
        asking.settimeout(_CONNECT_S)
        try:
            asking.connect(path)
            asking.sendall(_SHOW)
        except (TimeoutError, BlockingIOError):
            return _Answer.BUSY
        except OSError:
            return _Answer.NOBODY
    return _Answer.TOLD


@contextlib.contextmanager
def _claim_lock(path: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made, private, if missing) for the block; without one
    (a folder that refuses the file) the block runs unlocked."""
    import fcntl  # Unix only, as this path of the module

    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        log.warning("No single-instance lock (%s); going on without it", error)
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # held for milliseconds by the start before us
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _remove_stale(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
