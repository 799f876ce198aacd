"""The store and the keyring wired to the running app: which dialog an action opens, what a
restart brings back, and what the user is told when the store had to be set aside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.polling.service import PollingService
from gui.views.controller import AppController
from gui.views.saved_sites import SavedSites


@pytest.fixture
def controller(qtbot: Any) -> Iterator[AppController]:
    app = AppController(PollingService(watch_network=False))
    qtbot.addWidget(app.window)
    yield app
    app.quit(0)


def saved_sites(controller: AppController) -> SavedSites:
    saved = SavedSites(controller, Store(), Secrets())
    saved.load()
    return saved


def dialog_titles_opened_by(action: Any) -> list[str]:
    """Trigger ``action`` and close every modal dialog it opens; their titles, in order."""
    titles: list[str] = []

    def close_modal() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            titles.append(dialog.windowTitle())
            dialog.reject()
        else:
            QTimer.singleShot(10, close_modal)

    QTimer.singleShot(0, close_modal)
    action.trigger()
    return titles


def test_the_settings_action_opens_settings_not_add_site(controller: AppController) -> None:
    saved_sites(controller)
    assert dialog_titles_opened_by(controller.actions.settings) == ["Settings"]


def test_the_add_site_action_opens_add_site(controller: AppController) -> None:
    saved_sites(controller)
    assert dialog_titles_opened_by(controller.actions.add_site) == ["Add site"]
