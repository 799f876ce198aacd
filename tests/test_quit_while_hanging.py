"""Quitting the desktop app while a request hangs: the process ends at once with status 0.

Most tests run the real app (``confluence-task-tray --exit-when-done``) in a subprocess with two
saved sites: the simulated Confluence, with one task the test ends, and a site that hangs in one
way. Once the hanging request is under way the test ends the task, so the app quits as asked
with that request still in flight. Before, a hang in connect, the TLS handshake or the name
lookup held the poller's thread past quitting's budget and Qt aborted the process (134). The
last test quits while Settings' "Test connection" waits on a host that never answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from app_process import app_script

from gui.confluence.checks import CHECK_TIMEOUT
from gui.confluence.site import AuthKind, Deployment, SiteAddress, SiteConfig
from gui.demo import DemoConfluence, DemoTask
from gui.platform.paths import log_dir
from gui.platform.store import Store

TESTS = Path(__file__).resolve().parent
HANGING_HOST = "dns-hang.test"
# From "Quitting" in the log to the process's end: about 0.1 s (tests/benchmarks/bench_gui_stall.py
# measures it), so this is generous; and it is well below what waiting for the hang would take:
# the client's 5 s connect timeout (the hang began before the quit), its 15 s read timeout, or
# forever.
AT_ONCE_SECONDS = 3.0

# The app with an in-memory keyring holding both tokens (the keyring is the edge we fake), and
# with whatever the test puts in FAKE: a fake of the operating system's network where no real
# one can be made to hang.
APP = """
import sys
sys.path.insert(0, {tests!r})
import keyring
from keyring_helpers import MemoryKeyring

backend = MemoryKeyring()
backend.passwords.update({passwords!r})
keyring.set_keyring(backend)
{fake}
from gui.cli import main

sys.exit(main(["--exit-when-done"]))
"""

# getaddrinfo for HANGING_HOST never returns, as with a DNS server that never answers.
FAKE_SILENT_DNS = """
import pathlib, socket, threading
_real_getaddrinfo = socket.getaddrinfo

def _getaddrinfo(host, *args, **kwargs):
    if host == {host!r}:
        pathlib.Path({marker!r}).touch()
        threading.Event().wait()
    return _real_getaddrinfo(host, *args, **kwargs)

socket.getaddrinfo = _getaddrinfo
"""

# A connect to the hanging port never returns, whatever is done to the socket: a stuck call
# nothing in the app can cut.
FAKE_STUCK_CONNECT = """
import pathlib, socket, threading
_real_connect = socket.socket.connect

def _connect(self, address):
    if address[1] == {port!r}:
        pathlib.Path({marker!r}).touch()
        threading.Event().wait()
    return _real_connect(self, address)

socket.socket.connect = _connect
"""


class SilentServer:
    """Accepts TCP connections and never sends a byte (a TLS handshake that never answers)."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        self.accepted = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)
            self.accepted.set()

    def close(self) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()


class FullBacklogServer:
    """A listening socket that never accepts, its queue already full: the kernel drops every
    further SYN, so a connect to it gets no answer at all."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", self.port))
            self._fillers.append(filler)

    def connecting_from(self, pid: int) -> bool:
        """Whether process ``pid`` has a connect to this port waiting for an answer (Linux)."""
        waiting = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == self.port and fields[3] == "02":  # 02: SYN_SENT
                waiting.add(f"socket:[{fields[9]}]")
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in waiting:
                    return True
            except OSError:
                continue  # closed meanwhile
        return False

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._listener.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def full_backlog() -> Iterator[FullBacklogServer]:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux's /proc to see a connect in progress")
    server = FullBacklogServer()
    yield server
    server.close()


def saved_sites(demo: DemoConfluence, hanging_base: str) -> str:
    """Store the demo site with one running task and the hanging site (discovery on, so it is
    asked at once); returns the demo task's id."""
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=1000))
    store = Store()
    store.put_site(SiteConfig("site-1", "Demo", SiteAddress(demo.cloud_base, Deployment.CLOUD)))
    store.put_site(
        SiteConfig(
            "site-2",
            "Hanging",
            SiteAddress(hanging_base, Deployment.DATA_CENTER),
            AuthKind.BEARER,
            discover=True,
        )
    )
    store.watch("site-1", task_id)
    store.set_preferences(replace(store.preferences, poll_interval=1.0))
    return task_id


@dataclass(frozen=True)
class Quit:
    """How the app ended: its exit status, stderr, log, and the wall-clock time it exited."""

    status: int
    errors: str
    log: str
    exited_at: float

    def seconds_to_exit(self) -> float:
        """From the moment the app began quitting (its log line) to the process's end."""
        line = next(line for line in self.log.splitlines() if "Quitting (status" in line)
        # The log's time stamp: "2024-05-01 12:00:00,123 INFO ...", in local time.
        began = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        return self.exited_at - began


def quit_while_hanging(
    demo: DemoConfluence, tmp_path: Path, hanging: Callable[[int], bool], fake: str = ""
) -> Quit:
    """Run the app until ``hanging(pid)`` says its request to site-2 is under way, end the demo
    task so the app quits, and tell how it ended."""
    passwords = {
        ("Confluence Task Tray", "site-1"): demo.token,
        ("Confluence Task Tray", "site-2"): "token-of-the-hanging-site",
    }
    script = APP.format(tests=str(TESTS), passwords=passwords, fake=fake)
    stderr = tmp_path / "stderr.txt"
    with app_script(script, stderr) as app:
        deadline = time.monotonic() + 30
        while not hanging(app.pid):
            assert app.poll() is None, "the app ended before its request to site-2 hung"
            assert time.monotonic() < deadline, "the app never asked the hanging site"
            time.sleep(0.02)
        demo.advance(1001)  # the task ends; at its next poll the app quits as asked
        status = app.wait(timeout=30)
        exited_at = time.time()
    errors = stderr.read_text()
    log = "\n".join(path.read_text() for path in sorted(log_dir().glob("*.log*")))
    return Quit(status, errors, log, exited_at)


def assert_quit_cleanly(ended: Quit) -> None:
    assert ended.status == 0, f"exit status {ended.status}; stderr:\n{ended.errors}"
    assert "QThread" not in ended.errors
    assert "Every watched task has ended; quitting" in ended.log
    assert "Polling stopped" in ended.log


def assert_quit_at_once(ended: Quit) -> None:
    assert_quit_cleanly(ended)
    assert "did not stop in time" not in ended.log
    seconds = ended.seconds_to_exit()
    assert seconds < AT_ONCE_SECONDS, f"the app took {seconds:.1f} s from Quitting to its exit"


def test_quitting_during_a_tls_handshake_that_never_answers_exits_0_at_once(
    demo: DemoConfluence, tmp_path: Path, silent_server: SilentServer
) -> None:
    saved_sites(demo, f"https://127.0.0.1:{silent_server.port}/confluence")

    ended = quit_while_hanging(demo, tmp_path, lambda _pid: silent_server.accepted.is_set())

    assert_quit_at_once(ended)


def test_quitting_during_a_connect_that_gets_no_answer_exits_0_at_once(
    demo: DemoConfluence, tmp_path: Path, full_backlog: FullBacklogServer
) -> None:
    saved_sites(demo, f"http://127.0.0.1:{full_backlog.port}/confluence")

    ended = quit_while_hanging(demo, tmp_path, full_backlog.connecting_from)

    assert_quit_at_once(ended)


def test_quitting_during_a_name_lookup_that_never_answers_exits_0_at_once(
    demo: DemoConfluence, tmp_path: Path
) -> None:
    saved_sites(demo, f"https://{HANGING_HOST}/confluence")
    marker = tmp_path / "looking-up"
    fake = FAKE_SILENT_DNS.format(host=HANGING_HOST, marker=str(marker))

    ended = quit_while_hanging(demo, tmp_path, lambda _pid: marker.exists(), fake)

    assert_quit_at_once(ended)


def test_a_poller_stuck_in_a_call_nothing_can_cut_still_lets_the_app_exit_0(
    demo: DemoConfluence, tmp_path: Path, silent_server: SilentServer
) -> None:
    saved_sites(demo, f"http://127.0.0.1:{silent_server.port}/confluence")
    marker = tmp_path / "connecting"
    fake = FAKE_STUCK_CONNECT.format(port=silent_server.port, marker=str(marker))

    ended = quit_while_hanging(demo, tmp_path, lambda _pid: marker.exists(), fake)

    assert_quit_cleanly(ended)
    assert "Site site-2: poller did not stop in time; leaving it" in ended.log


# The app, driven as a user would: Add site, a host that accepts and never answers, Test
# connection, and Quit while the check waits. The driver is started with the app's own
# start_window().
TEST_CONNECTION_THEN_QUIT = """
import socket, sys, threading
sys.path.insert(0, {tests!r})
import keyring
from keyring_helpers import MemoryKeyring

keyring.set_keyring(MemoryKeyring())
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
held, accepted = [], threading.Event()

def accept():
    while True:
        held.append(listener.accept())
        accepted.set()

threading.Thread(target=accept, daemon=True).start()

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.views.controller import AppController
from gui.views.settings_site_dialog import SiteDialog

start = AppController.start_window

def start_and_test_a_connection(self, minimized=False):
    start(self, minimized)

    def open_add_site():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, SiteDialog):
            dialog.form.url.setText(f"http://127.0.0.1:{{listener.getsockname()[1]}}/confluence")
            dialog.form.token.setText("token-for-a-silent-host")
            dialog.test_button.click()
            quit_once_the_check_waits()
            return
        QTimer.singleShot(50, open_add_site)
        self.actions.add_site.trigger()  # does nothing until the saved sites are loaded

    def quit_once_the_check_waits():
        if not accepted.is_set():
            QTimer.singleShot(20, quit_once_the_check_waits)
            return
        print("quitting", flush=True)
        self.actions.quit.trigger()

    QTimer.singleShot(0, open_add_site)

AppController.start_window = start_and_test_a_connection
from gui.cli import main

sys.exit(main([]))
"""


def test_quitting_during_a_test_connection_that_never_answers_ends_the_process_at_once(
    tmp_path: Path,
) -> None:
    script = TEST_CONNECTION_THEN_QUIT.format(tests=str(TESTS))
    stderr = tmp_path / "stderr.txt"
    with app_script(script, stderr, stdout=subprocess.PIPE) as app:
        assert app.stdout is not None
        assert app.stdout.readline() == "quitting\n", "the app ended before the check ran"
        # The check's own read timeout would end it too, but only after twice this long.
        seconds = CHECK_TIMEOUT[1] / 2
        try:
            status = app.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app was still running {seconds:.0f} s after Quit")
    errors = stderr.read_text()

    assert status == 0, errors
    assert "Traceback" not in errors
    assert "Signal source has been deleted" not in errors
