"""Single instance over a local socket: the second start asks the first to show, stale sockets."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path
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


def test_the_socket_lives_in_the_private_runtime_directory(isolated_home: Path) -> None:
    runtime = os.environ["XDG_RUNTIME_DIR"]
    assert server_name() == os.path.join(runtime, "confluence-task-tray.socket")
    assert server_name("demo") != server_name()


def test_without_a_runtime_directory_the_name_is_per_user_and_safe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert server_name().startswith("confluence-task-tray-")
    assert "/" not in server_name()
