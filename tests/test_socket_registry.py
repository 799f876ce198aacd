"""Name lookups of a poller: kept a short while, looked up afresh when the host does not answer,
and cut by abort() even when the DNS server never answers.

The operating system's resolver is the edge faked here: ``socket.getaddrinfo`` answers for the
test's host names with the loopback address and counts how often it was asked.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gui.demo import ManualClock
from gui.polling.abortable import open_socket
from gui.polling.socket_registry import LOOKUP_KEPT_FOR, RequestCut, SocketRegistry

HOST = "wiki.test"
SILENT_HOST = "dns-hang.test"


class FakeResolver:
    """``socket.getaddrinfo`` for HOST (the loopback address) and SILENT_HOST (never answers)."""

    def __init__(self) -> None:
        self._real = socket.getaddrinfo
        self.asked: list[str] = []
        self.waiting = threading.Event()  # a lookup of SILENT_HOST is under way
        self.release = threading.Event()  # lets it end at last, so no thread outlives the test

    def getaddrinfo(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(host)
        if host == SILENT_HOST:
            self.waiting.set()
            self.release.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if host == HOST:
            return self._real("127.0.0.1", port, *args, **kwargs)
        return self._real(host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResolver]:
    fake = FakeResolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    yield fake
    fake.release.set()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


def closed_port() -> int:
    """A loopback port nothing listens on: a connect to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_host_looked_up_a_moment_ago_is_not_looked_up_again(
    resolver: FakeResolver, listener: socket.socket
) -> None:
    registry = SocketRegistry()
    port = listener.getsockname()[1]

    for _ in range(3):
        open_socket(registry, (HOST, port), 5.0).close()

    assert resolver.asked == [HOST]


def test_a_lookup_is_made_again_once_its_answer_is_a_minute_old(resolver: FakeResolver) -> None:
    clock = ManualClock()
    registry = SocketRegistry(clock=clock)
    registry.resolve(HOST, 443, socket.AF_UNSPEC)
    clock.advance(LOOKUP_KEPT_FOR - 1)
    registry.resolve(HOST, 443, socket.AF_UNSPEC)
    assert resolver.asked == [HOST]

    clock.advance(1)
    registry.resolve(HOST, 443, socket.AF_UNSPEC)

    assert resolver.asked == [HOST, HOST]


def test_a_host_none_of_whose_addresses_connects_is_looked_up_afresh(
    resolver: FakeResolver,
) -> None:
    registry = SocketRegistry()
    port = closed_port()

    for _ in range(2):
        with pytest.raises(ConnectionRefusedError):
            open_socket(registry, (HOST, port), 5.0)

    assert resolver.asked == [HOST, HOST]


def test_abort_cuts_a_lookup_that_never_answers(resolver: FakeResolver) -> None:
    registry = SocketRegistry()
    outcome: list[BaseException | object] = []

    def look_up() -> None:
        try:
            outcome.append(registry.resolve(SILENT_HOST, 443, socket.AF_UNSPEC))
        except BaseException as error:
            outcome.append(error)

    waiting = threading.Thread(target=look_up, daemon=True)
    waiting.start()
    assert resolver.waiting.wait(10), "the lookup never began"
    registry.abort()
    waiting.join(10)

    assert not waiting.is_alive(), "abort() did not cut the wait for the lookup"
    assert len(outcome) == 1 and isinstance(outcome[0], RequestCut)


def test_an_aborted_registry_gives_no_kept_answer(resolver: FakeResolver) -> None:
    registry = SocketRegistry()
    registry.resolve(HOST, 443, socket.AF_UNSPEC)

    registry.abort()

    with pytest.raises(RequestCut):
        registry.resolve(HOST, 443, socket.AF_UNSPEC)
