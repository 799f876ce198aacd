"""Starting the desktop app: a second start says on stderr what it did before it exits."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from app_process import app_script
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from gui import app
from gui.platform.logging_setup import log_file_path, stop_logging
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


class _EatPaints(QObject):
    """Stands for a window manager that keeps the window unmapped: no paint ever arrives."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return event.type() == QEvent.Type.Paint


@pytest.mark.parametrize("paints", [True, False])
def test_the_rest_of_the_start_runs_once_whether_or_not_the_window_paints(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, paints: bool
) -> None:
    monkeypatch.setattr(app, "FIRST_PAINT_WAIT_MS", 200)
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    calls: list[float] = []
    began = time.monotonic()
    app._after_first_paint(window, lambda: calls.append(time.monotonic() - began))
    eater = _EatPaints()
    if not paints:
        window.installEventFilter(eater)  # filters installed later see the event first
    window.update()

    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)
    qtbot.wait(400)  # past the fallback: it must not run the start a second time
    assert len(calls) == 1
    assert (calls[0] >= 0.15) is not paints  # Qt may fire a coarse timer 5 % early


# The signal comes while PySide6 is being imported, the most fragile moment of the start.
SIGNAL_DURING_QT_IMPORT = """
import os, signal, sys
import gui.platform.qt_imports as qt_imports

lighten = qt_imports.lighten_pyside_imports

def signalled_during_the_import():
    os.kill(os.getpid(), signal.{name})
    return lighten()

qt_imports.lighten_pyside_imports = signalled_during_the_import
from gui.cli import main

sys.exit(main([]))
"""


@pytest.mark.parametrize(("name", "status"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_while_qt_loads_ends_the_app_cleanly_with_its_status(
    tmp_path: Path, name: str, status: int
) -> None:
    script = SIGNAL_DURING_QT_IMPORT.format(name=name)
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with app_script(script, tmp_path / "stderr.txt", env=environment) as started:
        try:
            ended = started.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} during the start was lost: the app is still running")
    errors = (tmp_path / "stderr.txt").read_text()

    assert ended == status, errors
    assert "Traceback" not in errors and "Fatal" not in errors, errors
    # Quit before the window painted: the held start lines still reach the log file.
    logged = log_file_path().read_text(encoding="utf-8")
    assert "Confluence Task Tray starting" in logged
    assert f"Quitting (status {status})" in logged
