"""Single instance over a local socket: the second start asks the first to show, stale sockets."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
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
    first.serve()

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
    instance.serve()
    with qtbot.waitSignal(instance.showRequested, timeout=2000):
        assert not SingleInstance(name).claim()
    instance.release()


def test_a_start_that_asks_before_the_first_serves_is_answered_once_it_does(
    qtbot: Any, name: str
) -> None:
    first = SingleInstance(name)
    assert first.claim()
    # The second start comes while the first is still painting its window: it is told "yes,
    # running" at once, and its request waits in the socket until the first one serves.
    assert not SingleInstance(name).claim()
    with qtbot.waitSignal(first.showRequested, timeout=2000):
        first.serve()
    first.release()
    assert not os.path.exists(first.path())


def test_claiming_loads_no_qtnetwork_and_the_socket_is_private(tmp_path: Path) -> None:
    # In a fresh interpreter, as at start-up: QtNetwork waits for serve().
    path = tmp_path / "instance.socket"
    code = (
        "import os, stat, sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from gui.platform.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        f"instance = SingleInstance({str(path)!r})\n"
        "assert instance.claim()\n"
        "mode = stat.S_IMODE(os.stat(instance.path()).st_mode)\n"
        "print('PySide6.QtNetwork' in sys.modules, oct(mode))\n"
        "instance.serve()\n"
        "print('PySide6.QtNetwork' in sys.modules)\n"
        "instance.release()\n"
        "print(os.path.exists(instance.path()))\n"
    )
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "0o600", "True", "False"]


def test_releasing_before_serving_removes_the_socket(name: str) -> None:
    instance = SingleInstance(name)
    assert instance.claim()
    assert os.path.exists(instance.path())
    instance.release()
    assert not os.path.exists(instance.path())
    after = SingleInstance(name)
    assert after.claim()  # the next start finds nobody
    after.release()


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


def test_two_starts_in_the_same_instant_leave_one_instance(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gui.platform import single_instance

    # Both starts ask at once and hear nobody, unless one waits for the other: the ask is held
    # until both have asked or half a second has passed.
    both_asked = threading.Barrier(2, timeout=0.5)
    ask = single_instance._ask

    def ask_together(path: str) -> Any:
        answer = ask(path)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_asked.wait()
        return answer

    monkeypatch.setattr(single_instance, "_ask", ask_together)
    starts = [SingleInstance(name), SingleInstance(name)]
    claimed: list[bool] = []
    threads = [threading.Thread(target=lambda s=s: claimed.append(s.claim())) for s in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(claimed) == [False, True]
    assert os.path.exists(starts[0].path())
    for start in starts:
        start.release()


def test_an_instance_too_busy_to_answer_is_not_replaced(name: str) -> None:
    instance = SingleInstance(name)
    path = instance.path()
    busy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    busy.bind(path)
    busy.listen(0)  # it never accepts: once its backlog is full, a start's connect waits
    waiting = []
    with contextlib.suppress(BlockingIOError):
        for _ in range(64):
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.setblocking(False)
            waiting.append(client)
            client.connect(path)
    try:
        assert not instance.claim()  # "running", though it could not be told
        assert os.path.exists(path)  # and its socket is left alone
    finally:
        for client in waiting:
            client.close()
        busy.close()
        os.unlink(path)
