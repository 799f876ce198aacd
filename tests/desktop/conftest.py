"""Fixtures for tests on a real (virtual) desktop: X server, private session bus, fake services.

These tests need what ``bash tests/run.sh`` provides: it runs pytest inside
``xvfb-run ... dbus-run-session -- env CTT_PRIVATE_DESKTOP=1 ...``. Run by hand with
``xvfb-run -a dbus-run-session -- env CTT_PRIVATE_DESKTOP=1 .venv/bin/pytest tests/desktop``.
Outside that they are skipped (and fail under CI=true, where they must run). The marker variable
makes sure a developer's own desktop session is never used for these tests.

The app under test always runs in a subprocess started with ``env=desktop_env``: the pytest
process itself stays offscreen with no session bus (see tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

FAKE_SERVICE = Path(__file__).with_name("fake_notifications.py")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Generous: a loaded CI machine can take a second or two to start a Python process.
START_TIMEOUT = 15.0


def session_bus_address() -> str:
    """The private session bus of this run ("" when there is none); tests/conftest.py hid it."""
    return os.environ.get("CTT_SESSION_BUS", "")


def require_private_desktop() -> None:
    """Skip, or under CI fail, unless pytest runs inside tests/run.sh's X server and bus."""
    missing = [
        name
        for name, value in (
            ("DISPLAY", os.environ.get("DISPLAY")),
            ("a session bus", session_bus_address()),
            ("CTT_PRIVATE_DESKTOP=1", os.environ.get("CTT_PRIVATE_DESKTOP") == "1"),
        )
        if not value
    ]
    if missing:
        reason = f"needs {', '.join(missing)}: run through `bash tests/run.sh`"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def name_has_owner(bus_address: str, name: str) -> bool:
    """Ask the bus whether ``name`` is owned right now (never starts a service)."""
    with open_dbus_connection(bus=bus_address) as conn:
        (owned,) = conn.send_and_get_reply(message_bus.NameHasOwner(name)).body
    return bool(owned)


def wait_for_name(
    bus_address: str, name: str, proc: subprocess.Popen[bytes], owned: bool = True
) -> None:
    """Wait until ``name`` is owned (or released), failing early if ``proc`` died."""
    deadline = time.monotonic() + START_TIMEOUT
    while name_has_owner(bus_address, name) != owned:
        if owned and proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode} before owning {name}")
        if time.monotonic() > deadline:
            state = "owned" if owned else "released"
            pytest.fail(f"{name} was not {state} within {START_TIMEOUT} s")
        time.sleep(0.02)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a helper process and reap it, killing it if it ignores the request."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def desktop_env() -> dict[str, str]:
    """Environment for an app subprocess on the virtual X server and the private session bus.

    Pass it as ``subprocess.Popen(..., env=desktop_env)``. Other desktop fixtures add to it
    (``secret_service`` lifts the keyring block), so request them before starting the app.
    """
    require_private_desktop()
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "xcb"
    env["DBUS_SESSION_BUS_ADDRESS"] = session_bus_address()
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class FakeNotifications:
    """Handle on a running fake_notifications.py process; see that file for the log format."""

    log_file: Path
    bus_address: str

    def events(self) -> list[dict[str, Any]]:
        """Every event recorded so far, oldest first."""
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def notifications(self) -> list[dict[str, Any]]:
        """Every Notify call recorded so far: id, app_name, summary, body, actions, hints, ..."""
        return [event for event in self.events() if event["event"] == "notify"]

    def wait_for_notifications(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least ``count`` notifications arrived and return them all.

        The timeout only bounds a failure; a passing test returns as soon as they are there.
        """
        deadline = time.monotonic() + timeout
        while len(found := self.notifications()) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"expected {count} notifications within {timeout} s, got {found!r}")
            time.sleep(0.02)
        return found

    def click(self, notification_id: int, action: str = "default") -> None:
        """Act as the user clicking the notification: ActionInvoked, then NotificationClosed."""
        address = DBusAddress(
            "/org/freedesktop/Notifications",
            bus_name="org.freedesktop.Notifications",
            interface="org.example.FakeNotifications",
        )
        with open_dbus_connection(bus=self.bus_address) as conn:
            conn.send_and_get_reply(
                new_method_call(address, "Click", "us", (notification_id, action)), timeout=10
            )


StartFakeNotifications = Callable[..., FakeNotifications]


@pytest.fixture
def start_fake_notifications(
    desktop_env: dict[str, str], tmp_path: Path
) -> Iterator[StartFakeNotifications]:
    """Factory: ``start_fake_notifications(tray=True)`` starts the fake service and waits for it.

    With ``tray=False`` no StatusNotifierWatcher runs, so Qt sees no system tray (like GNOME).
    Start it BEFORE the app: Qt looks for the tray once per process.
    """
    started: list[tuple[subprocess.Popen[bytes], list[str]]] = []
    bus = desktop_env["DBUS_SESSION_BUS_ADDRESS"]

    def start(tray: bool = True) -> FakeNotifications:
        log_file = tmp_path / f"notifications-{len(started)}.jsonl"
        names = ["org.freedesktop.Notifications"]
        command = [sys.executable, str(FAKE_SERVICE), str(log_file)]
        if tray:
            command.append("--watcher")
            names.append("org.kde.StatusNotifierWatcher")
        with (tmp_path / "fake_notifications.log").open("ab") as stderr:
            proc = subprocess.Popen(
                command, env=desktop_env, stdin=subprocess.DEVNULL, stderr=stderr
            )
        started.append((proc, names))
        for name in names:
            wait_for_name(bus, name, proc)
        return FakeNotifications(log_file=log_file, bus_address=bus)

    yield start
    for proc, names in started:
        stop_process(proc)
        # The next test takes the same names: wait until the bus has let go of them.
        for name in names:
            wait_for_name(bus, name, proc, owned=False)


@pytest.fixture
def fake_notification_service(
    start_fake_notifications: StartFakeNotifications,
) -> FakeNotifications:
    """A fake notification service plus tray watcher, running for this test."""
    return start_fake_notifications(tray=True)


# The login keyring's password in the keyring fixtures' Secret Service.
KEYRING_PASSWORD = "test-password"  # a throwaway keyring's, on the private bus


@dataclass
class GnomeKeyring:
    """Where a test's gnome-keyring keeps its files, so that it can be started again on them."""

    env: dict[str, str]  # desktop_env, with the keyring's runtime directory
    data_home: Path


def gnome_keyring(
    desktop_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> GnomeKeyring:
    """Fresh directories for a gnome-keyring on the private bus; skips when it is missing."""
    if shutil.which("gnome-keyring-daemon") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gnome-keyring-daemon is not installed (tests/run.sh installs it)")
        pytest.skip("gnome-keyring-daemon is not installed")
    runtime = tmp_path_factory.mktemp("runtime")
    runtime.chmod(0o700)
    desktop_env["XDG_RUNTIME_DIR"] = str(runtime)
    desktop_env.pop("PYTHON_KEYRING_BACKEND", None)
    # Its keyring files live apart from the app's data directory, which tests inspect.
    return GnomeKeyring(desktop_env, tmp_path_factory.mktemp("keyring-data"))


@contextlib.contextmanager
def running_gnome_keyring(keyring: GnomeKeyring, unlocked: bool) -> Iterator[None]:
    """Its Secret Service, until the block ends. ``unlocked``: the login keyring is unlocked
    (made first when there is none) with KEYRING_PASSWORD; else it stays locked, and a read
    brings up its unlock prompt (gcr-prompter, on the X server)."""
    daemon_env = dict(keyring.env, XDG_DATA_HOME=str(keyring.data_home))
    runtime = Path(keyring.env["XDG_RUNTIME_DIR"])
    command = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
    with (runtime / "gnome-keyring.log").open("ab") as log_file:
        proc = subprocess.Popen(
            [*command, "--unlock"] if unlocked else command,
            env=daemon_env,
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=log_file,
        )
    assert proc.stdin is not None
    if unlocked:
        # --unlock reads the login keyring's password from stdin, up to end of file.
        proc.stdin.write(KEYRING_PASSWORD.encode())
    proc.stdin.close()
    bus = keyring.env["DBUS_SESSION_BUS_ADDRESS"]
    try:
        wait_for_name(bus, "org.freedesktop.secrets", proc)
        yield
    finally:
        stop_process(proc)
        wait_for_name(bus, "org.freedesktop.secrets", proc, owned=False)


@pytest.fixture
def secret_service(
    desktop_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """A real, unlocked gnome-keyring Secret Service on the private bus, for this test.

    Yields ``desktop_env``, updated so that a subprocess started with it uses that keyring.
    """
    keyring = gnome_keyring(desktop_env, tmp_path_factory)
    with running_gnome_keyring(keyring, unlocked=True):
        yield keyring.env


# Files a token through the app's own Secrets; the token comes in the environment, never argv.
_STORE_TOKEN = """
import os
from gui.platform.secrets import Secrets
Secrets().store(os.environ["CTT_TEST_ACCOUNT"], os.environ["CTT_TEST_TOKEN"])
"""


@dataclass(frozen=True)
class LockedKeyring:
    """A running Secret Service whose login keyring is locked; ``password`` unlocks it."""

    env: dict[str, str]  # for an app that is to use it
    password: str = KEYRING_PASSWORD


@pytest.fixture
def locked_secret_service(
    desktop_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[dict[str, str]], LockedKeyring]]:
    """Factory: ``locked_secret_service({site_id: token})`` files the tokens in a new
    gnome-keyring, then starts it again with its login keyring locked, as after a login that did
    not unlock it: the first read brings up the unlock prompt and waits for the user."""
    with contextlib.ExitStack() as running:

        def start(tokens: dict[str, str]) -> LockedKeyring:
            keyring = gnome_keyring(desktop_env, tmp_path_factory)
            with running_gnome_keyring(keyring, unlocked=True):
                for account, token in tokens.items():
                    stored = subprocess.run(
                        [sys.executable, "-c", _STORE_TOKEN],
                        env=dict(keyring.env, CTT_TEST_ACCOUNT=account, CTT_TEST_TOKEN=token),
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    assert stored.returncode == 0, stored.stderr
            running.enter_context(running_gnome_keyring(keyring, unlocked=False))
            return LockedKeyring(keyring.env)

        yield start


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """``screenshot("name")`` saves the whole virtual screen to test-artifacts/<test>-name.png."""
    require_private_desktop()
    tool = shutil.which("import")
    if tool is None:
        pytest.fail("ImageMagick's `import` is missing (tests/run.sh installs imagemagick)")

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{request.node.name}-{name}.png"
        subprocess.run([tool, "-window", "root", str(target)], check=True, timeout=30)
        return target

    return take
