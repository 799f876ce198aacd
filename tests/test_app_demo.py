"""The app against the in-process demo, over real HTTP on loopback: progress reaches the table."""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
from pathlib import Path

import pytest

from gui.app_demo import DEMO_CLOUD_SITE, DEMO_REFUSED_SITE, demo_policy, start_demo
from gui.polling.service import PollingService
from gui.polling.states import Phase, SiteState
from gui.views.controller import AppController

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SPEED = 20.0  # the one-minute showcase in about three seconds


@pytest.fixture
def demo_app(qtbot):
    session = start_demo(SPEED)
    service = PollingService(demo_policy(SPEED), watch_network=False)
    controller = AppController(service)
    qtbot.addWidget(controller.window)
    session.attach(controller)
    controller.start()
    try:
        yield controller, session
    finally:
        controller.quit(0)
        session.stop()


def _phases(controller: AppController) -> dict[str, Phase]:
    return {view.task_id: view.phase for view in controller.window.model.tasks()}


def test_demo_progress_reaches_the_table(qtbot, demo_app):
    controller, session = demo_app
    model = controller.window.model

    def some_task_moved() -> bool:
        return any(v.status is not None and 0 < v.status.percent < 100 for v in model.tasks())

    qtbot.waitUntil(some_task_moved, timeout=5000)

    assert model.rowCount() == len(session.watched) >= 5
    ARTIFACTS.mkdir(exist_ok=True)
    controller.window.resize(1100, 520)
    assert controller.window.grab().save(str(ARTIFACTS / "main-window-demo.png"))


def test_demo_shows_every_outcome_and_the_refused_site(qtbot, demo_app):
    controller, session = demo_app
    roles = session.scenario.roles

    def every_task_ended() -> bool:
        phases = _phases(controller)
        return len(phases) == len(session.watched) and all(p.ended for p in phases.values())

    qtbot.waitUntil(every_task_ended, timeout=15000)

    phases = _phases(controller)
    assert phases[roles["failing"]] is Phase.FAILED
    assert phases[roles["vanishing"]] is Phase.GONE
    assert phases[roles["copy"]] is Phase.SUCCEEDED
    status = controller.window.site_status
    assert status.line(DEMO_REFUSED_SITE).state is SiteState.NEEDS_SIGN_IN
    assert status.line(DEMO_CLOUD_SITE).state is SiteState.OK
    assert controller.tray.summary.failed == 2


def test_demo_keeps_its_tokens_out_of_the_keyring(qtbot, demo_app, memory_keyring):
    assert memory_keyring.passwords == {}


def test_exit_when_done_quits_with_zero_once_every_task_ended(qtbot, monkeypatch):
    pytest.importorskip("gui.platform.notifications", reason="the notifier has not landed yet")
    from gui import app

    monkeypatch.setenv(app.DEMO_SPEED_VARIABLE, str(SPEED))
    args = argparse.Namespace(demo=True, minimized=False, exit_when_done=True, verbose=False)
    collecting: list[bool] = []
    start_demo = app._start_demo
    monkeypatch.setattr(
        app, "_start_demo", lambda *a: (collecting.append(gc.isenabled()), start_demo(*a))
    )

    assert app.run(args) == 0
    # The collector, paused while the window was built, runs again once it has painted.
    assert collecting == [True]


def test_the_demo_module_loads_without_the_widgets() -> None:
    # In a fresh interpreter: this one has imported gui.views long ago.
    check = "import sys, gui.app_demo; print(sorted(m for m in sys.modules if 'gui.views' in m))"
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
