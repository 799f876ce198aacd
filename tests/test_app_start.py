"""Starting the desktop app: a second start says on stderr what it did before it exits."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from gui import app
from gui.platform.logging_setup import stop_logging
from gui.platform.single_instance import SingleInstance, server_name


def test_a_second_start_says_the_running_window_was_brought_up(
    qtbot: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    running = SingleInstance(server_name())
    assert running.claim()
    running.serve()
    try:
        with qtbot.waitSignal(running.showRequested, timeout=2000):
            status = app.run(argparse.Namespace())
    finally:
        running.release()
        stop_logging()

    assert status == 0
    assert capsys.readouterr().err == (
        "Confluence Task Tray is already running; its window was brought up.\n"
    )
