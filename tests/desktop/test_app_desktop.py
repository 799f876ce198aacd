"""The real app (`python -m gui --demo`) on a real X server, with a notification service.

The app runs in its own process under xcb with the private session bus; a fake notification
service in another process records every Notify call. The demo's one-minute showcase runs at
CTT_DEMO_SPEED, so every outcome (success, failure, gone, refused sign-in) lands in seconds.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from running_app import WAIT, RunningApp, visible_window
from x11_close import request_close

from gui import APP_NAME
from gui.demo import DemoConfluence
from gui.demo.scenario import REFUSED_TOKEN
from gui.platform.logging_setup import log_file_path

if TYPE_CHECKING:
    from tests.desktop.conftest import FakeNotifications, StartFakeNotifications

pytestmark = pytest.mark.desktop

# The showcase's last task ends after 55 s / SPEED; polls come every 2 s / SPEED.
SPEED = 10
POLL_INTERVAL = 2.0 / SPEED
MID_RUN_COPY = Path("/tmp/ctt-mid-run.png")

CLOUD = "Demo Cloud"
REFUSED = "Demo Data Center"
FAILURE_REASON = "Page 'Meeting notes 2021' is being edited by another user"
# Summary -> kind: one notification per transition of the demo's watched tasks and refused site.
EXPECTED = {
    f"{REFUSED} needs you to sign in": "sign-in",
    "Delete space finished": "succeeded",
    "Copy page hierarchy finished": "succeeded",
    "Import space finished": "succeeded",
    "Export space finished": "succeeded",
    "Delete page tree failed": "failed",
    "Archive pages is gone": "gone",
}
# A generated demo token is "demo-" plus 24 URL-safe characters; site ids are far shorter.
GENERATED_TOKEN = re.compile(r"demo-[A-Za-z0-9_-]{20,}")
CLICK_LOGGED = re.compile(r"Notification clicked: selected (\S+)/(\S+) '(.*)'$", re.MULTILINE)


def wait_for_focus(window: int | None, app: RunningApp) -> None:
    """Wait until ``window`` has the keyboard focus (with no window manager, Qt sets it itself)."""
    deadline = time.monotonic() + WAIT
    while True:
        focus = subprocess.run(
            ["xdotool", "getwindowfocus"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        if focus == str(window):
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"window {window} did not get the focus (it is on {focus})\n{app.describe()}"
            )
        time.sleep(0.05)


def save_window_picture(window: int, target: Path) -> None:
    """Just the app's window, for the README and the lead (the fixture keeps the whole screen)."""
    subprocess.run(["import", "-window", str(window), str(target)], check=True, timeout=30)


@pytest.fixture
def start_app(desktop_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    """Factory starting ``python -m gui --demo [args]``; the process is always killed at the end."""
    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is missing (tests/run.sh installs it)")
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> RunningApp:
        env = dict(desktop_env, CTT_DEMO_SPEED=str(SPEED))
        output = tmp_path / "app-output.txt"
        with output.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gui", "--demo", *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        # The test's own XDG_STATE_HOME (tests/conftest.py) is the app's too.
        return RunningApp(proc, output, log_file_path())

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def wait_for_summary(service: FakeNotifications, wanted: Callable[[str], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not any(wanted(n["summary"]) for n in service.notifications()):
        if time.monotonic() > deadline:
            pytest.fail(f"no such notification within {WAIT} s: {service.notifications()!r}")
        time.sleep(0.02)


def by_summary(shown: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n["summary"]: n for n in shown}


def assert_markup_safe(text: str) -> None:
    """No tag can open and every & starts an entity: the service renders body markup."""
    assert "<" not in text and ">" not in text, text
    assert not re.search(r"&(?!(?:[a-z]+|#\d+|#x[0-9a-f]+);)", text, re.IGNORECASE), text


def assert_no_token(texts: list[str]) -> None:
    # Both demo tokens start with "demo-", so the check below covers them without knowing them.
    assert REFUSED_TOKEN.startswith("demo-") and DemoConfluence().token.startswith("demo-")
    for text in texts:
        assert REFUSED_TOKEN not in text
        assert not GENERATED_TOKEN.search(text), text


def test_demo_run_sends_one_notification_per_outcome_and_a_click_selects_the_task(
    fake_notification_service: FakeNotifications,
    start_app: Callable[..., RunningApp],
    screenshot: Callable[[str], Path],
) -> None:
    service = fake_notification_service
    app = start_app()
    window = app.wait_for_window(visible=True)
    assert window is not None

    # Mid-run: the first task has ended, the others are still moving.
    wait_for_summary(service, lambda s: EXPECTED.get(s) in ("succeeded", "failed"))
    screenshot("mid-run")
    save_window_picture(window, MID_RUN_COPY)

    service.wait_for_notifications(len(EXPECTED), timeout=WAIT)
    # Several more poll rounds: an ended task or a refused site must never alert again.
    time.sleep(5 * POLL_INTERVAL)
    shown = service.notifications()
    assert Counter(n["summary"] for n in shown) == Counter(list(EXPECTED)), shown

    for notification in shown:
        assert notification["app_name"] == APP_NAME
        assert notification["actions"][:1] == ["default"]
        assert_markup_safe(notification["body"])
    assert_no_token([n["summary"] + "\n" + n["body"] for n in shown])
    bodies = {summary: html.unescape(n["body"]) for summary, n in by_summary(shown).items()}
    for summary, kind in EXPECTED.items():
        if kind != "sign-in":
            assert bodies[summary].splitlines()[0] == CLOUD, bodies[summary]
    assert bodies["Delete page tree failed"] == f"{CLOUD}\n{FAILURE_REASON}"
    assert "no longer knows this task" in bodies["Archive pages is gone"]
    sign_in = bodies[f"{REFUSED} needs you to sign in"]
    assert "refused the credentials" in sign_in, sign_in
    assert sign_in.endswith(
        "Polling this site has stopped until you update its credentials or retry."
    )
    assert "(401)" in sign_in

    # With a tray, closing the window hides it; the click must bring it back.
    request_close(window)
    app.wait_for_window(visible=False)
    assert app.proc.poll() is None, app.describe()

    failed = by_summary(shown)["Delete page tree failed"]
    service.click(failed["id"])
    selected = app.wait_for_log(CLICK_LOGGED)
    shown_again = app.wait_for_window(visible=True)
    wait_for_focus(shown_again, app)
    screenshot("after-click")
    site_id, task_id, title = selected.groups()
    assert (site_id, title) == ("demo-cloud", "Delete page tree")
    assert task_id.isdigit(), task_id
    assert_no_token([app.log_text(), app.output.read_text(encoding="utf-8", errors="replace")])


def test_without_a_tray_notifications_still_arrive_and_closing_the_window_quits(
    start_fake_notifications: StartFakeNotifications,
    start_app: Callable[..., RunningApp],
) -> None:
    service = start_fake_notifications(tray=False)
    app = start_app()
    window = app.wait_for_window(visible=True)
    assert window is not None

    wait_for_summary(service, lambda s: EXPECTED.get(s) == "sign-in")
    wait_for_summary(service, lambda s: EXPECTED.get(s) in ("succeeded", "failed"))
    assert all(n["summary"] in EXPECTED for n in service.notifications())

    # No tray to hide in (that would keep the process alive): closing must end the app.
    request_close(window)
    try:
        status = app.proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"closing the window did not quit the app\n{app.describe()}")
    assert status == 0, app.describe()


def test_minimized_starts_in_the_tray_and_a_notification_click_brings_the_window(
    fake_notification_service: FakeNotifications,
    start_app: Callable[..., RunningApp],
) -> None:
    service = fake_notification_service
    app = start_app("--minimized")

    # Running (it notifies) but no window on screen: it waits in the tray.
    wait_for_summary(service, lambda s: EXPECTED.get(s) == "sign-in")
    assert app.proc.poll() is None, app.describe()
    assert visible_window() is None, "--minimized with a tray showed the window"

    sign_in = next(n for n in service.notifications() if EXPECTED.get(n["summary"]) == "sign-in")
    service.click(sign_in["id"])
    assert app.wait_for_window(visible=True) is not None


def test_minimized_without_a_tray_still_shows_the_window(
    start_fake_notifications: StartFakeNotifications,
    start_app: Callable[..., RunningApp],
) -> None:
    start_fake_notifications(tray=False)
    app = start_app("--minimized")
    assert app.wait_for_window(visible=True) is not None, "the app would be unreachable"
