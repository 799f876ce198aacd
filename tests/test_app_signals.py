"""The desktop app and the signals a terminal or a session sends it, and starting with no display.

The real app (``python -m gui --demo``) runs offscreen in a subprocess; the test waits until its
poller has reported a site, so the event loop is running, then sends the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gui.platform.logging_setup import log_file_path

WAIT = 30.0


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DBUS_SESSION_BUS_ADDRESS="disabled:")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gui", "--demo"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, log_file_path()


def wait_until_polling(proc: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while "-> ok" not in (log.read_text(encoding="utf-8") if log.exists() else ""):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the app never polled: {proc.communicate()}")
        time.sleep(0.05)


@pytest.mark.parametrize(("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_app_as_quit_does_with_the_shells_status(
    tmp_path: Path, number: int, status: int
) -> None:
    proc, log = start_demo(tmp_path)
    wait_until_polling(proc, log)

    proc.send_signal(number)
    try:
        _out, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"signal {number} did not end the app: {proc.communicate()}")

    assert proc.returncode == status, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert f"Quitting (status {status})" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("display", "told"),
    [
        (None, "needs a graphical session"),
        # No X server listens there (the test would be wrong if one did).
        (":97", "cannot reach the display it was given (DISPLAY=:97)"),
        ("garbage", "cannot reach the display it was given (DISPLAY=garbage)"),
    ],
)
def test_without_a_display_to_reach_the_app_says_so_instead_of_aborting(
    display: str | None, told: str
) -> None:
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    if display is not None:
        env["DISPLAY"] = display
    done = subprocess.run(
        [sys.executable, "-m", "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert told in done.stderr
    assert "watch --help" in done.stderr
    assert "Traceback" not in done.stderr
