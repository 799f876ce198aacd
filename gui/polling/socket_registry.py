"""What a poller's requests are made of, so another thread can cut them: its sockets and its
name lookups (see abortable.py, which builds the HTTP sessions that record them here).

Free of requests and urllib3, so the GUI thread can hold a registry (and cut it on quit)
without loading the HTTP stack, which the poller's own thread loads when it first polls.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

AddressInfo = tuple[Any, ...]  # one entry of socket.getaddrinfo's answer

# How long a host's addresses are used again without a new lookup: each lookup costs a thread
# (see resolve), and a server that closes its connections would cost one per poll. Short, since
# the system resolver does not tell the DNS answer's own lifetime, and forgotten at once when
# none of the addresses takes a connection (see forget).
LOOKUP_KEPT_FOR = 60.0


class RequestCut(ConnectionAbortedError):
    """The registry was aborted while this connection was being made (quit, site removed)."""


class SocketRegistry:
    """The sockets and name lookups of one session; ``abort()`` cuts them all, and every later
    one as soon as it starts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lookups: set[threading.Event] = set()
        self._clock = clock
        # Per (host, port, family): when it was looked up, and the answer.
        self._answers: dict[tuple[str, int, int], tuple[float, list[AddressInfo]]] = {}
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
        """Cut every recorded socket and lookup; safe from any thread, and more than once."""
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
            lookups = list(self._lookups)
        for lookup in lookups:
            lookup.set()
        for sock in sockets:
            _shut(sock)

    def check(self) -> None:
        """Raise RequestCut once aborted: a connection is not even begun after that."""
        if self._aborted:
            raise RequestCut("the request was cut: the poller is stopping")

    def resolve(self, host: str, port: int, family: int) -> list[AddressInfo]:
        """``socket.getaddrinfo`` for a TCP connection, which ``abort()`` interrupts.

        The system resolver gives no way to cancel a lookup (a DNS server that never answers
        holds it for the resolver's own timeouts), so it runs in a daemon thread and only the
        wait for it is cut. An abandoned lookup ends by itself, or with the process. A host
        looked up less than LOOKUP_KEPT_FOR seconds ago gets the same answer without one.
        """
        if _is_address(host):
            return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        key = (host, port, family)
        with self._lock:
            self.check()
            kept = self._answers.get(key)
        if kept is not None and self._clock() - kept[0] < LOOKUP_KEPT_FOR:
            return kept[1]
        answer = self._look_up(host, port, family)
        with self._lock:
            self._answers[key] = (self._clock(), answer)
        return answer

    def forget(self, host: str, port: int, family: int) -> None:
        """Look ``host`` up afresh next time: none of its addresses took a connection, and the
        host may have moved."""
        with self._lock:
            self._answers.pop((host, port, family), None)

    def _look_up(self, host: str, port: int, family: int) -> list[AddressInfo]:
        outcome: list[list[AddressInfo] | BaseException] = []
        finished = threading.Event()

        def look_up() -> None:
            try:
                outcome.append(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
            except BaseException as error:  # handed to the waiting thread, which raises it
                outcome.append(error)
            finally:
                finished.set()

        with self._lock:
            self.check()
            self._lookups.add(finished)
        try:
            threading.Thread(target=look_up, name=f"resolve {host}", daemon=True).start()
            finished.wait()
        finally:
            with self._lock:
                self._lookups.discard(finished)
        if not outcome:
            raise RequestCut(f"the look-up of {host} was cut: the poller is stopping")
        answer = outcome[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as error:
        # Already closed by its owner, or not connected yet: nothing to interrupt (and stop()
        # aborts again every few milliseconds, so these would flood the log).
        if error.errno not in (errno.EBADF, errno.ENOTCONN):
            log.debug("socket not shut down while aborting: %s", error)
