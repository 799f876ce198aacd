"""The running app when its saved state or the keyring lets it down: a store with records of the
wrong type or range, a keyring that raises what keyring does not know, a disk that refuses to
save. The app starts, keeps what the user did in effect, and says so once in its window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import keyring
import pytest
from keyring_helpers import DBusKeyring, MemoryKeyring
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox
from store_helpers import write_store
from views_helpers import answer_modal, controller, load_saved, until_tokens_read

from gui import APP_NAME
from gui.confluence.site import SiteConfig, normalise_site_url
from gui.demo import DemoTask
from gui.platform.secrets import Secrets
from gui.platform.store import Store, default_store_path
from gui.polling.states import SiteState
from gui.views.add_task_dialog import AddTaskDialog
from gui.views.controller import AppController
from gui.views.settings_dialog import SettingsDialog
from gui.views.settings_site_dialog import SiteDialog
from gui.views.task_model import Column

__all__ = ["controller"]  # a fixture, used by name


def site_record(site_id: str, base_url: str, **fields: object) -> dict[str, object]:
    return {"site_id": site_id, "name": site_id, "base_url": base_url, **fields}


# A store with records of the wrong type or range


def test_a_history_entry_with_a_text_percent_is_listed_and_painted(
    qtbot: Any, controller: AppController, demo: Any
) -> None:
    write_store(
        sites=[site_record("site-1", demo.dc_base)],
        history=[
            {"site_id": "site-1", "task_id": "h", "outcome": "succeeded", "percent": "ten"},
            {"site_id": "site-1", "task_id": "i", "outcome": "failed", "elapsed_ms": "long"},
        ],
    )
    controller.window.show()

    load_saved(controller)
    controller._batch.flush()

    model = controller.window.model
    assert sorted(view.task_id for view in model.tasks()) == ["h", "i"]
    assert [model.index(row, Column.PROGRESS).data() for row in range(2)] == ["0 %", "0 %"]
    # Synchronous paints of every cell: a text percent used to raise in the delegate's paint()
    # on every repaint, and to crash the process from a grab.
    assert not controller.window.grab().isNull()
    controller.window.model.sort(Column.ELAPSED)
    assert not controller.window.grab().isNull()
    notice = controller.window.notice
    assert notice.isVisibleTo(controller.window)
    assert "finished task h is shown without its percent" in notice.label.text()


def test_a_site_that_cannot_be_used_is_explained_and_the_others_load(
    qtbot: Any, controller: AppController, demo: Any, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.passwords[(APP_NAME, "site-1")] = demo.token
    write_store(
        sites=[
            site_record("site-1", demo.dc_base),
            site_record("site-2", demo.dc_base, user=5, auth_kind="basic"),
        ],
        tasks=[{"site_id": "site-1", "task_id": "9", "phase": "running"}],
    )
    controller.window.show()

    saved = load_saved(controller)

    assert [site.site_id for site in controller.window.sites()] == ["site-1"]
    controller._batch.flush()
    assert [view.task_id for view in controller.window.model.tasks()] == ["9"]
    text = controller.window.notice.label.text()
    assert "the site 'site-2' was left out: its user is not text" in text
    assert saved.store.set_aside is not None and str(saved.store.set_aside) in text


# A keyring that raises what keyring does not know


def test_a_keyring_raising_a_foreign_error_at_start_lists_every_site_paused(
    qtbot: Any, controller: AppController, demo: Any
) -> None:
    write_store(
        sites=[site_record("site-1", demo.dc_base), site_record("site-2", demo.dc_base)],
        tasks=[{"site_id": "site-2", "task_id": "9", "phase": "running"}],
    )
    keyring.set_keyring(DBusKeyring())

    saved = load_saved(controller)
    until_tokens_read(qtbot, saved)

    assert [site.site_id for site in controller.window.sites()] == ["site-1", "site-2"]
    controller._batch.flush()
    assert [view.task_id for view in controller.window.model.tasks()] == ["9"]
    for site_id in ("site-1", "site-2"):
        line = controller.window.site_status.line(site_id)
        assert line is not None and line.state is SiteState.PAUSED
        assert "keyring reported an error" in line.reason and "DBusException" in line.reason
    assert saved.keyring_retry_pending()


def test_a_keyring_raising_a_foreign_error_in_the_dialogs_is_explained(
    qtbot: Any, controller: AppController, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = load_saved(controller)
    keyring.set_keyring(DBusKeyring())
    settings = SettingsDialog(saved.store, saved.secrets, controller.window)
    qtbot.addWidget(settings)
    dialog = settings.open_site_dialog(None)
    qtbot.keyClicks(dialog.form.url, demo.dc_base)
    qtbot.keyClicks(dialog.form.token, demo.token)

    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    assert "DBusException" in dialog.keyring_banner.text()
    assert "saved without its token" in dialog.keyring_banner.text()
    assert Store().site(dialog.site_id) is not None

    site = saved.store.site(dialog.site_id)
    edit = settings.open_site_dialog(site)
    assert "Keyring unavailable" in edit.form.token.placeholderText()

    monkeypatch.setattr(settings, "confirm_removal", lambda site: True)
    settings.site_list.setCurrentRow(0)
    settings.remove_button.click()
    assert Store().sites == []
    assert "its token is still in the keyring" in settings.message.text()


# A disk that refuses to save


@pytest.fixture
def broken_disk() -> Iterator[Callable[[bool], None]]:
    """``broken_disk(True)`` makes every save of the store fail, ``(False)`` lets them work.

    A directory where the temporary file goes: unlike permissions, it stops root too.
    """
    path = default_store_path()
    blocker = path.with_name(f".{path.name}.tmp")

    def set_broken(broken: bool) -> None:
        if broken:
            blocker.mkdir(parents=True, exist_ok=True)
        else:
            blocker.rmdir()

    yield set_broken
    if blocker.is_dir():
        blocker.rmdir()


def save_site(base_url: str, token: str, site_id: str = "site-1") -> SiteConfig:
    store = Store()
    site = SiteConfig(site_id, site_id, normalise_site_url(base_url))
    store.put_site(site)
    Secrets().store(site_id, token)
    return site


def test_a_task_added_while_the_disk_refuses_is_watched_and_saved_later(
    qtbot: Any, controller: AppController, demo: Any, broken_disk: Callable[[bool], None]
) -> None:
    site = save_site(demo.dc_base, demo.token)
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc"))
    saved = load_saved(controller)
    controller.start()
    broken_disk(True)

    def watch(dialog: AddTaskDialog) -> None:
        dialog.input.setPlainText(task_id)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modal(AddTaskDialog, watch)
    controller.actions.add_task.trigger()

    model = controller.window.model
    qtbot.waitUntil(lambda: model.row_of((site.site_id, task_id)) is not None)
    notice = controller.window.notice
    assert notice.isVisibleTo(controller.window)
    assert notice.label.text().startswith("Could not save your sites, tasks and settings")
    assert "Is a directory" in notice.label.text()
    assert Store().tasks == []

    broken_disk(False)  # the next try writes everything, with nothing else to save
    qtbot.waitUntil(lambda: [t.task_id for t in Store().tasks] == [task_id], timeout=5000)
    assert not saved.store.unsaved
    assert not notice.isVisibleTo(controller.window), "saved after all: the notice is withdrawn"


def test_a_failing_disk_is_told_once_until_a_save_works_again(
    qtbot: Any, controller: AppController, demo: Any, broken_disk: Callable[[bool], None]
) -> None:
    save_site(demo.dc_base, demo.token)
    saved = load_saved(controller)
    notice = controller.window.notice
    broken_disk(True)

    saved.store.watch("site-1", "1")
    assert notice.isVisibleTo(controller.window)
    notice.close_button.click()
    saved.store.watch("site-1", "2")
    saved.store.unwatch("site-1", "1")
    assert not notice.isVisibleTo(controller.window), "told once, not on every save"

    broken_disk(False)
    saved.store.watch("site-1", "3")
    assert [t.task_id for t in Store().tasks] == ["2", "3"]
    broken_disk(True)
    saved.store.watch("site-1", "4")
    assert notice.isVisibleTo(controller.window), "a new spell of failures is told again"


def test_a_save_the_disk_refused_is_not_tried_again_after_quitting(
    qtbot: Any, controller: AppController, demo: Any, broken_disk: Callable[[bool], None]
) -> None:
    save_site(demo.dc_base, demo.token)
    saved = load_saved(controller)  # a refused save is tried again after 50 ms
    broken_disk(True)
    saved.store.watch("site-1", "1")
    assert saved.store.unsaved

    controller.quit(0)  # the last try is the one on the way out
    broken_disk(False)
    qtbot.wait(200)

    # A retry would have written it, and told a window that is gone with the app.
    assert Store().tasks == []


def test_preferences_changed_while_the_disk_refuses_take_effect(
    qtbot: Any, controller: AppController, broken_disk: Callable[[bool], None]
) -> None:
    saved = load_saved(controller)
    broken_disk(True)

    def change(dialog: SettingsDialog) -> None:
        dialog.preferencesChanged.connect(applied.append)  # SavedSites hands it to the poller
        dialog.poll_interval.setValue(42)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        closed.append(not dialog.isVisible())

    closed: list[bool] = []
    applied: list[Any] = []
    answer_modal(SettingsDialog, change)
    controller.actions.settings.trigger()

    assert closed == [True], "OK closes the dialog"
    assert [prefs.poll_interval for prefs in applied] == [42]
    assert saved.store.preferences.poll_interval == 42
    assert controller.window.notice.isVisibleTo(controller.window)

    broken_disk(False)
    saved.store.clear_history()  # any later save writes the preferences too
    assert Store().preferences.poll_interval == 42


def test_a_site_removed_while_the_disk_refuses_is_gone_from_the_app_and_the_keyring(
    qtbot: Any,
    controller: AppController,
    demo: Any,
    memory_keyring: MemoryKeyring,
    broken_disk: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_site(demo.dc_base, demo.token)
    saved = load_saved(controller)
    until_tokens_read(qtbot, saved)
    assert controller.service.site_ids() == ["site-1"]
    broken_disk(True)
    monkeypatch.setattr(SettingsDialog, "confirm_removal", lambda self, site: True)

    def remove(dialog: SettingsDialog) -> None:
        dialog.site_list.setCurrentRow(0)
        dialog.remove_button.click()

    answer_modal(SettingsDialog, remove)
    controller.actions.settings.trigger()

    assert controller.window.sites() == []
    assert controller.service.site_ids() == []
    assert memory_keyring.passwords == {}
    assert controller.window.notice.isVisibleTo(controller.window)
    assert saved.store.sites == []
    broken_disk(False)
    saved.store.clear_history()
    assert Store().sites == []


# Dialogs


def test_opening_settings_and_add_task_again_and_again_leaves_no_dialog_behind(
    qtbot: Any, controller: AppController
) -> None:
    load_saved(controller)
    window = controller.window
    a = controller.actions

    for _ in range(5):
        for action in (a.settings, a.add_task, a.add_site):
            answer_modal(QDialog, lambda dialog: None)  # closed as the user's Cancel
            action.trigger()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)

    assert window.findChildren(QDialog) == []


def test_adding_sites_again_and_again_in_one_settings_session_leaves_no_dialog_behind(
    qtbot: Any, controller: AppController
) -> None:
    load_saved(controller)
    left: list[int] = []

    def add_sites(settings: SettingsDialog) -> None:
        for _ in range(5):
            answer_modal(SiteDialog, lambda dialog: None)  # closed as the user's Cancel
            settings.add_button.click()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        left.append(len(settings.findChildren(SiteDialog)))

    answer_modal(SettingsDialog, add_sites)
    controller.actions.settings.trigger()

    assert left == [0]


def test_what_polls_kept_in_memory_is_saved_on_quit(
    qtbot: Any, controller: AppController, demo: Any
) -> None:
    site = save_site(demo.dc_base, demo.token)
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=600))
    Store().watch(site.site_id, task_id)
    load_saved(controller)
    controller.start()
    model = controller.window.model

    def shown_percent() -> int | None:
        row = model.row_of((site.site_id, task_id))
        status = model.tasks()[row].status if row is not None else None
        return status.percent if status is not None else None

    qtbot.waitUntil(lambda: shown_percent() is not None, timeout=10_000)
    first = shown_percent()
    assert Store().tasks[0].percent == first, "the first answer changed the phase: saved"
    demo.advance(300)
    qtbot.waitUntil(lambda: (shown_percent() or 0) > (first or 0), timeout=10_000)
    assert Store().tasks[0].percent == first, "a percent alone waits in memory"

    controller.quit(0)
    assert Store().tasks[0].percent == shown_percent()
