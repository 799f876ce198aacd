"""Single instance over a local socket: the second start asks the first to show, stale sockets."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from typing import Any

import pytest

from gui.platform.single_instance import SingleInstance, server_name


@pytest.fixture
def name() -> str:
    return f"ctt-test-{uuid.uuid4().hex[:12]}"


def test_first_start_claims_and_second_start_asks_it_to_show(qtbot: Any, name: str) -> None:
    first = SingleInstance(name)
    assert first.claim()

    with qtbot.waitSignal(first.showRequested, timeout=2000):
        assert not SingleInstance(name).claim()
    first.release()


def test_a_socket_left_by_a_crash_does_not_block_the_next_start(qtbot: Any, name: str) -> None:
    # A crashed instance leaves its socket file behind with nobody listening on it.
    path = os.path.join(tempfile.gettempdir(), name)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()
    assert os.path.exists(path)

    instance = SingleInstance(name)
    assert instance.claim()
    with qtbot.waitSignal(instance.showRequested, timeout=2000):
        assert not SingleInstance(name).claim()
    instance.release()


def test_the_socket_name_is_per_user_and_safe() -> None:
    assert server_name().startswith("confluence-task-tray-")
    assert "/" not in server_name()
