"""The real app in a process of its own on the test's X server: its output, its log, its window."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from gui import APP_NAME

# Bounds on waits: they only cost time when the test is failing anyway.
WAIT = 20.0


@dataclass
class RunningApp:
    """The app process, its combined stdout/stderr file and its rotating log file."""

    proc: subprocess.Popen[bytes]
    output: Path
    log_file: Path

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""

    def describe(self) -> str:
        output = self.output.read_text(encoding="utf-8", errors="replace")
        return f"exit={self.proc.poll()}\n--- output\n{output}\n--- log\n{self.log_text()}"

    def wait_for_log(self, pattern: re.Pattern[str]) -> re.Match[str]:
        deadline = time.monotonic() + WAIT
        while (found := pattern.search(self.log_text())) is None:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                pytest.fail(f"no log line like {pattern.pattern!r}\n{self.describe()}")
            time.sleep(0.05)
        return found

    def wait_for_window(self, visible: bool) -> int | None:
        """The id of the app's visible main window once there is one (or None once it is gone)."""
        deadline = time.monotonic() + WAIT
        while ((window := visible_window()) is not None) != visible:
            if time.monotonic() > deadline or (visible and self.proc.poll() is not None):
                state = "shown" if visible else "hidden"
                pytest.fail(f"the window was not {state} within {WAIT} s\n{self.describe()}")
            time.sleep(0.05)
        return window


def visible_window() -> int | None:
    """The main window, if it is mapped on the X server (asked through xdotool)."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{APP_NAME}$"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    ids = found.stdout.split()
    return int(ids[0]) if ids else None
