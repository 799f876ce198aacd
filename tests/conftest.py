"""Shared test fixtures: offscreen Qt, a private home per test, an in-memory keyring, the demo site.

Every test is cut off from the real user: its own HOME and XDG directories, its own QSettings
path, and a keyring that lives in a dict. Tests marked ``desktop`` run their app in a subprocess
under a real X server (see tests/desktop/conftest.py); this process always stays offscreen.
"""

from __future__ import annotations

import logging
import os

# Must happen before anything imports QtGui: the platform plugin is chosen once per process.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# The test process talks to no session bus, so no test can reach a developer's real desktop
# (notifications, keyring, tray). Desktop fixtures hand the private bus of tests/run.sh to their
# subprocesses from CTT_SESSION_BUS (tests/desktop/conftest.py).
os.environ.setdefault("CTT_SESSION_BUS", os.environ.get("DBUS_SESSION_BUS_ADDRESS", ""))
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from keyring_helpers import MemoryKeyring
from PySide6.QtCore import QSettings


def pytest_configure(config: pytest.Config) -> None:
    # Nothing at collection time may reach the real keyring either.
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME, the XDG directories and QSettings at a fresh directory for this test.

    Returns that directory: ``.config``, ``.local/share``, ``.local/state``, ``.cache``, ``run``.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        path = home / sub
        path.mkdir(parents=True)
        monkeypatch.setenv(var, str(path))
    # Sockets and locks (single instance, Qt's runtime files) go here, never to a shared place.
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    # Subprocesses that touch the keyring get a clear error instead of the user's real keyring;
    # the secret_service fixture lifts this for tests that bring their own Secret Service.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # QSettings caches its directories on first use, so the environment alone is not enough.
    config = str(home / ".config")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, config)
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(home / "etc-xdg"))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an empty in-memory keyring for every test; ``.passwords`` shows what was stored."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture
def failing_keyring(memory_keyring: MemoryKeyring) -> keyring.backends.fail.Keyring:
    """Make every keyring call raise NoKeyringError, as on a machine with no keyring at all."""
    backend = keyring.backends.fail.Keyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def demo_clock() -> Any:
    """The manual clock the ``demo`` fixture's server runs on: ``demo_clock.advance(seconds)``."""
    clock_module = pytest.importorskip("gui.demo.clock", reason="gui.demo has not landed yet")
    return clock_module.ManualClock()


@pytest.fixture
def demo(demo_clock: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """A started simulated Confluence on loopback, on ``demo_clock``; stopped after the test.

    Use ``demo.cloud_base`` / ``demo.dc_base`` as site URLs, ``demo.token`` as the credential
    and ``demo.advance(seconds)`` to move its tasks on. After the test, every log record of the
    test is checked for the token: a test that let it leak into a log fails.
    """
    demo_module = pytest.importorskip("gui.demo", reason="gui.demo has not landed yet")
    if not hasattr(demo_module, "DemoConfluence"):
        pytest.skip("gui.demo.DemoConfluence has not landed yet")
    caplog.set_level(logging.DEBUG)
    server = demo_module.DemoConfluence(clock=demo_clock)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    # In teardown caplog.text only holds this phase, so look at the records of the test itself.
    records = caplog.get_records("setup") + caplog.get_records("call")
    if any(server.token in logged_text(record) for record in records):
        pytest.fail("the demo token appeared in a log record of this test")


def logged_text(record: logging.LogRecord) -> str:
    """A record's message as a handler would write it, exception text included."""
    text = logging.Formatter().format(record)
    return f"{text} {record.msg!r} {record.args!r}"
