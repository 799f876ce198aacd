"""Shared by the view tests: builders of tracker events (what the poller would emit), a
controller that polls fast, the saved sites behind it, and answers to its modal dialogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from gui.confluence.site import SiteConfig, normalise_site_url
from gui.confluence.task import parse_task
from gui.platform.notifications import Notifier
from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.platform.store_schema import Preferences
from gui.polling.service import PollingService
from gui.polling.states import Phase, PollPolicy, TaskEvent, TaskView
from gui.views.controller import AppController
from gui.views.saved_sites import SavedSites

# Polls every 50 ms and retries as soon, so a test sees the next poll at once. Once SavedSites
# has loaded the saved preferences, their intervals apply (1 s at the shortest, as in Settings).
FAST = PollPolicy(interval=0.05, discovery_interval=0.05, backoff_base=0.05, jitter=0.0)


def task_view(
    task_id: str,
    percent: int = 0,
    phase: Phase = Phase.RUNNING,
    site_id: str = "site-a",
    message: str = "Working",
    **fields: object,
) -> TaskView:
    raw: dict[str, object] = {
        "id": task_id,
        "name": {"key": "com.atlassian.confluence.extra.exportspace"},
        "percentageComplete": percent,
        "elapsedTime": 12_000,
        "successful": phase is Phase.SUCCEEDED,
        "finished": phase in (Phase.SUCCEEDED, Phase.FAILED),
        "messages": [{"translation": message}],
    }
    raw.update(fields)
    status = None if phase in (Phase.WAITING, Phase.GONE) else parse_task(raw, "https://x.test")
    return TaskView(site_id, task_id, phase, status)


def event(view: TaskView, previous: Phase | None = Phase.RUNNING) -> TaskEvent:
    return TaskEvent(view, previous)


def fast_controller(qtbot: Any, notifier: Notifier | None = None) -> AppController:
    """The app's controller on a FAST poller, not started; the caller quits it."""
    controller = AppController(PollingService(FAST, watch_network=False), notifier)
    qtbot.addWidget(controller.window)
    return controller


@pytest.fixture
def controller(qtbot: Any) -> Iterator[AppController]:
    """A fast_controller, not started, quit after the test. Import it by name to use it."""
    app = fast_controller(qtbot)
    yield app
    app.quit(0)


def load_saved(
    controller: AppController, *, keyring_retry_ms: int = 60_000, save_retry_ms: int = 50
) -> SavedSites:
    """Load the saved sites, tasks and preferences into ``controller``, as the app starts.

    A failed save is tried again after 50 ms (not 30 s), so a test sees it; a keyring that
    withheld a token is asked again after a minute, unless the test says otherwise.
    """
    saved = SavedSites(
        controller,
        Store(),
        Secrets(),
        FAST,
        keyring_retry_ms=keyring_retry_ms,
        save_retry_ms=save_retry_ms,
    )
    saved.load()
    return saved


@pytest.fixture
def start_app(qtbot: Any) -> Iterator[Callable[..., tuple[AppController, SavedSites]]]:
    """Start the app (controller, store, keyring) as a run would; call again to restart it.
    Import it by name to use it."""
    running: list[AppController] = []

    def start(keyring_retry_ms: int = 60_000) -> tuple[AppController, SavedSites]:
        for earlier in running:
            earlier.quit(0)
        app = fast_controller(qtbot)
        running.append(app)
        app.start()
        return app, load_saved(app, keyring_retry_ms=keyring_retry_ms)

    yield start
    for app in running:
        app.quit(0)


def save_demo_site(demo: Any, site_id: str = "site-1", name: str = "Demo DC") -> SiteConfig:
    """Save a site on the demo's Data Center address, polled every second, with its token."""
    store = Store()
    site = SiteConfig(site_id, name, normalise_site_url(demo.dc_base))
    store.put_site(site)
    store.set_preferences(Preferences(poll_interval=1.0))  # the shortest Settings allows
    Secrets().store(site.site_id, demo.token)
    return site


def until_tokens_read(qtbot: Any, saved: SavedSites) -> None:
    """Wait until the keyring has answered for every saved site: it is read off the GUI thread,
    so the sites are polled (or paused with the keyring's reason) a moment after the load."""
    qtbot.waitUntil(lambda: not saved.reading_tokens(), timeout=5000)


def after_polls(qtbot: Any, controller: AppController, polls: int = 2) -> None:
    """Wait for ``polls`` more polls of a site, then apply what they brought to the window
    (which would happen on the loop's next turn), with the alerts it raises."""
    for _ in range(polls):
        with qtbot.waitSignal(controller.service.sitePolled, timeout=5000):
            pass
    controller._batch.flush()


def answer_modal(kind: type[QDialog], answer: Callable[[Any], None]) -> None:
    """Once a modal dialog of ``kind`` is up, let ``answer`` fill it in and close it (closed
    here when it did not, so that a test fails instead of waiting on the dialog).

    Call it before whatever opens the dialog: the dialog's own event loop runs ``answer``.
    """

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, look)
            return
        try:
            answer(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, look)


def dialog_titles_opened_by(action: Any) -> list[str]:
    """Trigger ``action`` and close the modal dialog it opens as Cancel does; its title."""
    titles: list[str] = []
    answer_modal(QDialog, lambda dialog: titles.append(dialog.windowTitle()))
    action.trigger()
    return titles
