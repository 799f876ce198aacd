"""HTTP sessions whose requests another thread can cut, so a hanging request ends at once.

Closing a ``requests.Session`` only drops idle pooled connections: a request blocked on a
silent server keeps its socket until its timeout. Quitting the app must not wait for that, so
the poller builds its sessions here, and ``SocketRegistry.abort()`` cuts every step a request
can hang in, from any thread:

- the name lookup runs in a helper thread that abort() stops waiting for (``getaddrinfo``
  cannot be interrupted, but nothing has to wait for it); its answer is used again for a
  minute, so a server that closes every connection does not cost a thread per request;
- each socket is recorded before it connects, so shutting it down ends a connect that gets no
  answer (Linux drops the half-open connection and wakes the waiting thread);
- a TLS handshake runs on a copy of that socket's descriptor, also recorded, so it ends too;
- reading a silent server's answer ends when its socket is shut down.

Limitation: that a shutdown ends a connect in progress is Linux behaviour; where it does not,
the connect lasts until its timeout, and quitting leaves that thread behind (see
``service._abandon``) rather than wait for it.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.poolmanager import ProxyManager
from urllib3.util.connection import allowed_gai_family

from gui.confluence.http import build_session
from gui.polling.socket_registry import RequestCut, SocketRegistry

log = logging.getLogger(__name__)


def open_socket(
    registry: SocketRegistry,
    address: tuple[str, int],
    timeout: object,
    source_address: tuple[str, int] | None = None,
    socket_options: list[tuple[int, int, int | bytes]] | None = None,
) -> socket.socket:
    """What ``urllib3.util.connection.create_connection`` does, with each socket recorded in
    ``registry`` before it connects and the name lookup cut by ``registry.abort()``."""
    host, port = address
    host = host.strip("[]") if host.startswith("[") else host
    try:
        host.encode("idna")
    except UnicodeError:
        raise LocationParseError(f"'{host}', label empty or too long") from None

    last_error: OSError | None = None
    allowed = allowed_gai_family()
    for family, kind, proto, _name, where in registry.resolve(host, port, allowed):
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            registry.add(sock)
            # An abort that came between the last check and add() found nothing to shut down.
            registry.check()
            sock.connect(where)
            return sock
        except OSError as error:
            sock.close()
            if registry.aborted:
                raise RequestCut("the connection was cut: the poller is stopping") from error
            last_error = error
    registry.forget(host, port, allowed)
    raise last_error or OSError(f"no address found for {host}")


def _new_tracked_conn(connection: HTTPConnection, registry: SocketRegistry) -> socket.socket:
    """``HTTPConnection._new_conn`` with the socket opened by ``open_socket``; its errors become
    the urllib3 exceptions requests expects from there."""
    try:
        return open_socket(
            registry,
            # The host to look up: urllib3 keeps it apart from ``host`` (a trailing dot dropped).
            (connection._dns_host, connection.port),
            connection.timeout,
            connection.source_address,
            connection.socket_options,
        )
    except socket.gaierror as error:
        raise NameResolutionError(connection.host, connection, error) from error
    except TimeoutError as error:
        raise ConnectTimeoutError(
            connection,
            f"Connection to {connection.host} timed out. (connect timeout={connection.timeout})",
        ) from error
    except OSError as error:
        raise NewConnectionError(
            connection, f"Failed to establish a new connection: {error}"
        ) from error


def _pool_classes(registry: SocketRegistry) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes whose connections record their sockets in ``registry`` from the start."""

    class TrackedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _new_tracked_conn(self, registry)

    class TrackedHTTPSConnection(HTTPSConnection):
        _handshake_guard: socket.socket | None = None

        def _new_conn(self) -> socket.socket:
            sock = _new_tracked_conn(self, registry)
            # The TLS handshake (and a proxy's CONNECT) that follow run on an SSLSocket built
            # from this socket's descriptor, which leaves this object detached and unable to
            # shut anything down. A duplicate descriptor reaches the same connection.
            self._handshake_guard = sock.dup()
            registry.add(self._handshake_guard)
            return sock

        def connect(self) -> None:
            try:
                super().connect()
            finally:
                guard, self._handshake_guard = self._handshake_guard, None
                if guard is not None:
                    guard.close()
            registry.add(self.sock)

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = TrackedHTTPConnection

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = TrackedHTTPSConnection

    return {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}


def abortable_session(registry: SocketRegistry, ca_bundle: str | None = None) -> requests.Session:
    """A session like ``build_session`` makes, whose requests ``registry`` can cut."""
    session = build_session(ca_bundle)
    classes = _pool_classes(registry)
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            manager: Any = adapter.poolmanager
            manager.pool_classes_by_scheme = classes
            _track_proxy_pools(adapter, classes)
    return session


def _track_proxy_pools(adapter: HTTPAdapter, classes: dict[str, type[HTTPConnectionPool]]) -> None:
    """Make the pools the adapter opens through an HTTP(S) proxy tracked too."""
    proxy_manager_for = adapter.proxy_manager_for

    def tracked_proxy_manager_for(proxy: str, **kwargs: Any) -> Any:
        manager = proxy_manager_for(proxy, **kwargs)
        # Limitation: SOCKS proxies use their own connection classes, which are not tracked; a
        # request hanging behind one is left to its timeout (quitting still ends the app).
        if type(manager) is ProxyManager:
            manager.pool_classes_by_scheme = classes
        return manager

    # Per instance: the adapter's class (and its TLS context handling) stays as it is.
    adapter.proxy_manager_for = tracked_proxy_manager_for  # type: ignore[method-assign]
