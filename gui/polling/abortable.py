"""HTTP sessions whose open sockets another thread can cut, so a hanging request ends at once.

Closing a ``requests.Session`` only drops idle pooled connections: a request blocked reading a
silent server keeps its socket until the read timeout. Quitting the app must not wait for that,
so the poller builds its sessions here: every socket urllib3 opens is recorded, and ``abort()``
shuts them down from any thread, which makes the blocked read fail immediately.
"""

from __future__ import annotations

import logging
import socket
import threading
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from gui.confluence.http import build_session

log = logging.getLogger(__name__)


class SocketRegistry:
    """The sockets one session opened; ``abort()`` shuts them all and every later one too."""

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._aborted = False

    @property
    def aborted(self) -> bool:
        return self._aborted

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.add(sock)
            aborted = self._aborted
        if aborted:
            _shut(sock)

    def abort(self) -> None:
        """Shut down every recorded socket; safe from any thread, and more than once."""
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as error:
        # Already closed by its owner: nothing left to interrupt.
        log.debug("socket already closed while aborting: %s", error)


def _pool_classes(registry: SocketRegistry) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes whose connections report their socket to ``registry`` once connected."""

    class TrackedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            registry.add(self.sock)

    class TrackedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            registry.add(self.sock)

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = TrackedHTTPConnection

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = TrackedHTTPSConnection

    return {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}


def abortable_session(registry: SocketRegistry, ca_bundle: str | None = None) -> requests.Session:
    """A session like ``build_session`` makes, whose sockets ``registry`` can abort."""
    session = build_session(ca_bundle)
    classes = _pool_classes(registry)
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            manager: Any = adapter.poolmanager
            # Limitation: connections through an HTTP proxy use urllib3's ProxyManager pools, which
            # are not tracked; a request hanging behind a proxy is left to its read timeout.
            manager.pool_classes_by_scheme = classes
    return session
