"""Notifier offscreen: the D-Bus service replaced at its edge by a recording fake."""

from __future__ import annotations

import logging
import queue
from typing import Any

import pytest
from notification_helpers import MARKUP, PLAIN_TEXT, RecordingBus
from PySide6.QtWidgets import QSystemTrayIcon

from gui.platform.freedesktop import BusUnavailable, FreedesktopBus
from gui.platform.notifications import Notifier
from gui.polling.alerts import Alert, AlertKind


@pytest.fixture
def notifier_and_bus(qtbot: Any) -> Any:
    bus = RecordingBus(MARKUP)
    notifier = Notifier(bus=bus)
    yield notifier, bus
    notifier.close()


def alert(body: str = "Demo Cloud\nSpace removed", target: Any = ("cloud", "7")) -> Alert:
    return Alert(AlertKind.SUCCEEDED, "Delete space finished", body, target)


def test_alert_becomes_one_notification_with_title_and_body(
    qtbot: Any, notifier_and_bus: Any
) -> None:
    notifier, bus = notifier_and_bus
    notifier.show(alert())
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=2000)

    (sent,) = bus.sent
    assert sent["summary"] == "Delete space finished"
    assert sent["body"] == "Demo Cloud\nSpace removed"
    assert sent["app_name"] == "Confluence Task Tray"


def test_server_text_is_escaped_where_the_service_renders_markup(
    qtbot: Any, notifier_and_bus: Any
) -> None:
    notifier, bus = notifier_and_bus
    notifier.show(alert(body="<b>Lock</b> held by R&D"))
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=2000)

    assert bus.sent[0]["body"] == "&lt;b&gt;Lock&lt;/b&gt; held by R&amp;D"


def test_server_text_is_left_alone_where_the_service_shows_plain_text(qtbot: Any) -> None:
    bus = RecordingBus(PLAIN_TEXT)
    notifier = Notifier(bus=bus)
    notifier.show(alert(body="<b>Lock</b> & more"))
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=2000)
    notifier.close()

    assert bus.sent[0]["body"] == "<b>Lock</b> & more"


def test_a_notification_title_is_one_clean_line_of_at_most_100_characters(
    qtbot: Any, notifier_and_bus: Any
) -> None:
    notifier, bus = notifier_and_bus
    title = "Export \u202egpj.exe\u202c \x1b[31mred\x07\nsecond line " + "long " * 40
    notifier.show(Alert(AlertKind.FAILED, title, "Demo Cloud", ("cloud", "7")))
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=2000)

    summary = bus.sent[0]["summary"]
    assert summary.startswith("Export gpj.exe \ufffd[31mred\ufffd second line long long")
    assert len(summary) <= 100 and summary.endswith("…")


def test_a_notification_body_is_cleaned_and_cut_to_500_characters_keeping_its_lines(
    qtbot: Any,
) -> None:
    bus = RecordingBus(PLAIN_TEXT)
    notifier = Notifier(bus=bus)
    body = "Demo Cloud\r\nLock held by \u2066admin\u2069\x00 " + "and more " * 100
    notifier.show(alert(body=body))
    qtbot.waitUntil(lambda: len(bus.sent) == 1, timeout=2000)
    notifier.close()

    sent = bus.sent[0]["body"]
    assert sent.startswith("Demo Cloud\nLock held by admin\ufffd and more and more")
    assert len(sent) <= 500 and sent.endswith("…")


class RecordingTray(QSystemTrayIcon):
    """A visible tray icon that records the balloons Qt would show (offscreen has no tray)."""

    def __init__(self) -> None:
        super().__init__()
        self.balloons: list[tuple[str, str]] = []

    def isVisible(self) -> bool:
        return True

    def supportsMessages(self) -> bool:
        return True

    def showMessage(self, title: str, message: str, *_: Any) -> None:
        self.balloons.append((title, message))


def test_the_tray_balloon_gets_server_text_as_plain_text_neither_escaped_nor_reordered(
    qtbot: Any,
) -> None:
    notifier = Notifier(bus=RecordingBus(fail=True))
    tray = RecordingTray()
    notifier.set_tray(tray)
    title = "<b>Export</b> for R&D \u202eevil.exe"
    body = "Demo Cloud\nLock <i>held</i> by R&amp;D \u2067admin\u2069"
    notifier.show(Alert(AlertKind.FAILED, title, body, ("cloud", "7")))
    qtbot.waitUntil(lambda: len(tray.balloons) == 1, timeout=2000)

    with qtbot.waitSignal(notifier.activated, timeout=2000) as clicked:
        tray.messageClicked.emit()
    notifier.close()

    assert tray.balloons == [
        ("<b>Export</b> for R&D evil.exe", "Demo Cloud\nLock <i>held</i> by R&amp;D admin")
    ]
    assert clicked.args == [("cloud", "7")]


def test_click_on_a_notification_activates_its_target(qtbot: Any, notifier_and_bus: Any) -> None:
    notifier, bus = notifier_and_bus
    notifier.show(alert(target=("cloud", "1")))
    notifier.show(alert(target="dc"))
    qtbot.waitUntil(lambda: len(bus.sent) == 2, timeout=2000)

    with qtbot.waitSignal(notifier.activated, timeout=2000) as clicked:
        bus.click(1)

    assert clicked.args == ["dc"]


def test_missing_service_degrades_with_one_log_line(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RecordingBus(fail=True)
    notifier = Notifier(bus=bus)
    caplog.set_level(logging.INFO, logger="gui.platform.notifications")

    for _ in range(3):
        notifier.show(alert())
    qtbot.waitUntil(
        lambda: any("show in the window only" in r.message for r in caplog.records), timeout=2000
    )
    qtbot.wait(50)
    notifier.close()

    unavailable = [r for r in caplog.records if "unavailable" in r.message]
    nowhere = [r for r in caplog.records if "show in the window only" in r.message]
    assert len(unavailable) == 1 and len(nowhere) == 1


def test_real_bus_client_without_a_session_bus_reports_unavailable() -> None:
    # tests/conftest.py sets DBUS_SESSION_BUS_ADDRESS=disabled: for the whole test process.
    with pytest.raises(BusUnavailable):
        FreedesktopBus().open(queue.Queue())
