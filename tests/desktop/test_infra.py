"""Proof that the desktop test infrastructure works: tray, notifications, clicks, Secret Service.

These test the fixtures, not the app: if one fails, every desktop test of the app is suspect.
Each program under test runs in its own process, as the real app will.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import IO, TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.desktop.conftest import FakeNotifications, StartFakeNotifications

pytestmark = pytest.mark.desktop

# Exits on messageClicked, or by itself after 20 s so a broken click cannot hang the run.
TRAY_PROGRAM = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv)
    app.setApplicationName("infra-probe")
    print("tray", QSystemTrayIcon.isSystemTrayAvailable(), flush=True)
    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor("teal"))
    icon = QSystemTrayIcon(QIcon(pixmap))
    icon.show()
    icon.messageClicked.connect(lambda: (print("clicked", flush=True), app.quit()))
    icon.showMessage("Space deleted", "Sales & <b>Ops</b>", QSystemTrayIcon.MessageIcon.Information)
    QTimer.singleShot(20000, app.quit)
    app.exec()
    """
)

# Sends one notification with jeepney, prints its id, then prints the first ActionInvoked.
JEEPNEY_PROGRAM = textwrap.dedent(
    """
    from jeepney import DBusAddress, MatchRule, new_method_call
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    conn = open_dbus_connection(bus="SESSION")
    rule = MatchRule(
        type="signal",
        interface="org.freedesktop.Notifications",
        member="ActionInvoked",
        path="/org/freedesktop/Notifications",
    )
    conn.send_and_get_reply(message_bus.AddMatch(rule))
    service = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    hints = {"urgency": ("y", 1), "desktop-entry": ("s", "confluence-task-tray")}
    call = new_method_call(
        service,
        "Notify",
        "susssasa{sv}i",
        ("probe", 0, "dialog-error", "Task failed", "Quota exceeded", ["default", "Show"],
         hints, -1),
    )
    (notification_id,) = conn.send_and_get_reply(call).body
    print("id", notification_id, flush=True)
    with conn.filter(rule) as signals:
        signal = conn.recv_until_filtered(signals, timeout=20)
    print("invoked", *signal.body, flush=True)
    """
)

KEYRING_STORE = textwrap.dedent(
    """
    import keyring
    print(type(keyring.get_keyring()).__module__, flush=True)
    keyring.set_password("Confluence Task Tray test", "site-1", "tok-abc123")
    """
)

KEYRING_READ = textwrap.dedent(
    """
    import keyring
    print(keyring.get_password("Confluence Task Tray test", "site-1"), flush=True)
    """
)


def read_line(stream: IO[str] | None) -> str:
    """The next line a probe printed, without its newline."""
    assert stream is not None
    return stream.readline().rstrip("\n")


def start_probe(program: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", program],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_qt_sees_a_tray_and_its_message_becomes_a_notification_that_can_be_clicked(
    desktop_env: dict[str, str], fake_notification_service: FakeNotifications
) -> None:
    probe = start_probe(TRAY_PROGRAM, desktop_env)
    try:
        assert read_line(probe.stdout) == "tray True"
        (sent,) = fake_notification_service.wait_for_notifications(1)
        assert sent["app_name"] == "infra-probe"
        assert sent["summary"] == "Space deleted"
        # Qt passes the text through untouched: escaping is the app's job.
        assert sent["body"] == "Sales & <b>Ops</b>"
        assert any(e["event"] == "register-item" for e in fake_notification_service.events())
        fake_notification_service.click(sent["id"])
        assert read_line(probe.stdout) == "clicked"
        assert probe.wait(timeout=10) == 0
    finally:
        probe.kill()
        probe.wait()


def test_without_a_watcher_qt_sees_no_tray(
    desktop_env: dict[str, str], start_fake_notifications: StartFakeNotifications
) -> None:
    start_fake_notifications(tray=False)
    program = TRAY_PROGRAM.replace("app.exec()", "")
    result = subprocess.run(
        [sys.executable, "-c", program], env=desktop_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "tray False"


def test_notify_over_dbus_is_recorded_and_a_click_reaches_the_sender(
    desktop_env: dict[str, str], fake_notification_service: FakeNotifications
) -> None:
    probe = start_probe(JEEPNEY_PROGRAM, desktop_env)
    try:
        notification_id = int(read_line(probe.stdout).removeprefix("id "))
        (sent,) = fake_notification_service.notifications()
        assert sent == {
            "event": "notify",
            "id": notification_id,
            "app_name": "probe",
            "replaces_id": 0,
            "icon": "dialog-error",
            "summary": "Task failed",
            "body": "Quota exceeded",
            "actions": ["default", "Show"],
            "hints": {"urgency": 1, "desktop-entry": "confluence-task-tray"},
            "expire_timeout": -1,
        }
        fake_notification_service.click(notification_id)
        assert read_line(probe.stdout) == f"invoked {notification_id} default"
        assert probe.wait(timeout=10) == 0
    finally:
        probe.kill()
        probe.wait()


def test_token_round_trips_through_a_real_secret_service(secret_service: dict[str, str]) -> None:
    stored = subprocess.run(
        [sys.executable, "-c", KEYRING_STORE],
        env=secret_service,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.strip() == "keyring.backends.SecretService"
    # A second process proves the token lives in the daemon, not in the first process.
    read = subprocess.run(
        [sys.executable, "-c", KEYRING_READ],
        env=secret_service,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "tok-abc123"


def test_subprocesses_outside_the_secret_service_fixture_cannot_reach_a_keyring(
    desktop_env: dict[str, str],
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", KEYRING_READ],
        env=desktop_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "NoKeyringError" in result.stderr
