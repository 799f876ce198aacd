"""Real freedesktop notifications from Notifier to a notification service in its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.desktop.conftest import FakeNotifications

pytestmark = pytest.mark.desktop

PROBE = Path(__file__).with_name("notifier_probe.py")
ALERTS = [
    {
        "kind": "succeeded",
        "title": "Delete space finished",
        "body": "Demo Cloud\nSpace removed",
        "target": ["cloud", "1179649"],
    },
    {
        "kind": "failed",
        "title": "Copy page hierarchy failed",
        "body": "Demo Cloud\n<b>Lock</b> held by R&D",
        "target": ["cloud", "1179650"],
    },
    {
        "kind": "sign-in",
        "title": "Demo DC needs you to sign in",
        "body": "wiki.example.org refused the credentials (401)",
        "target": "dc",
    },
]


def test_alerts_arrive_as_notifications_and_a_click_names_the_task(
    fake_notification_service: FakeNotifications, desktop_env: dict[str, str]
) -> None:
    probe = subprocess.Popen(
        [sys.executable, str(PROBE), json.dumps(ALERTS)],
        env=desktop_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert probe.stdout is not None
        assert probe.stdout.readline().strip() == "ready"
        shown = fake_notification_service.wait_for_notifications(len(ALERTS))

        assert [n["summary"] for n in shown] == [a["title"] for a in ALERTS]
        assert shown[0]["body"] == "Demo Cloud\nSpace removed"
        # The fake service renders body markup, so server text arrives escaped.
        assert shown[1]["body"] == "Demo Cloud\n&lt;b&gt;Lock&lt;/b&gt; held by R&amp;D"
        assert all(n["actions"][:1] == ["default"] for n in shown)
        assert all(n["app_name"] == "Confluence Task Tray" for n in shown)

        fake_notification_service.click(shown[1]["id"])
        line = probe.stdout.readline().strip()
        assert line == 'activated ["cloud", "1179650"]'
        assert probe.wait(timeout=10) == 0
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
