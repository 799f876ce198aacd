"""Starting the desktop app: a second start says on stderr what it did before it exits."""

from __future__ import annotations

import argparse
import time
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

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
