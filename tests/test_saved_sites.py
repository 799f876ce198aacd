"""The store and the keyring wired to the running app: which dialog an action opens, what a
restart brings back, and what the user is told when the store had to be set aside."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring_helpers import MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from views_helpers import (
    after_polls,
    controller,
    dialog_titles_opened_by,
    load_saved,
    save_demo_site,
    start_app,
    until_tokens_read,
)

from gui import APP_NAME
from gui.confluence.site import SiteConfig, normalise_site_url
from gui.demo import DemoTask
from gui.platform.secrets import Secrets
from gui.platform.store import Store, default_store_path
from gui.polling.states import Phase, SiteState
from gui.views.controller import AppController
from gui.views.saved_sites import SavedSites
from gui.views.settings_dialog import SettingsDialog
from gui.views.task_model import Column

__all__ = ["controller", "start_app"]  # fixtures, used by name

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_the_settings_action_opens_settings_not_add_site(controller: AppController) -> None:
    load_saved(controller)
    assert dialog_titles_opened_by(controller.actions.settings) == ["Settings"]


def test_the_add_site_action_opens_add_site(controller: AppController) -> None:
    load_saved(controller)
    assert dialog_titles_opened_by(controller.actions.add_site) == ["Add site"]


def test_a_store_set_aside_is_explained_in_the_window(
    qtbot: Any, controller: AppController, isolated_home: Path
) -> None:
    path = default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"schema": 1, "sites": [ <b>broken', encoding="utf-8")
    controller.window.show()

    load_saved(controller)

    banner = controller.window.notice
    assert banner.isVisible()
    text = banner.label.text()
    assert text.startswith("The file with your saved settings is not valid JSON (damaged).")
    assert str(next(path.parent.glob("store.json.corrupt-*"))) in text
    assert banner.label.textFormat() is Qt.TextFormat.PlainText
    controller.window.resize(900, 420)
    ARTIFACTS.mkdir(exist_ok=True)
    assert controller.window.grab().save(str(ARTIFACTS / "store-set-aside-banner.png"))

    banner.close_button.click()
    assert not banner.isVisible()


def test_finished_tasks_come_back_after_a_restart_until_cleared(
    qtbot: Any, start_app: Callable[[], tuple[AppController, SavedSites]], demo: Any
) -> None:
    site = save_demo_site(demo)
    failing = demo.add_task(DemoTask(kind="export_space", dialect="dc", outcome="failure"))
    demo.advance(60)  # the task has ended before the app first sees it

    app, saved = start_app()
    saved.store.watch(site.site_id, failing)
    app.watch(site.site_id, failing)
    qtbot.waitUntil(lambda: len(saved.store.history) == 1, timeout=5000)
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.task(0).phase is Phase.FAILED)
    shown = [model.index(0, column).data() for column in Column]

    app, saved = start_app()
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.task(0).phase is Phase.FAILED
    assert [model.index(0, column).data() for column in Column] == shown
    assert shown[Column.MESSAGE]  # the reason it failed, not an empty cell

    app.actions.clear_finished.trigger()
    assert model.rowCount() == 0
    assert Store().history == []

    app, saved = start_app()
    app._batch.flush()  # what the load restored, in the table now rather than a moment later
    assert app.window.model.rowCount() == 0


def test_a_discovered_task_the_user_stopped_stays_stopped_after_a_restart_until_added_by_id(
    qtbot: Any, start_app: Callable[[], tuple[AppController, SavedSites]], demo: Any
) -> None:
    site = save_demo_site(demo)
    Store().put_site(replace(site, discover=True))
    stopped = demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=1000))
    other = demo.add_task(DemoTask(kind="delete_space", dialect="dc", duration=1000))

    def shown(app: AppController) -> set[str]:
        return {view.task_id for view in app.window.model.tasks()}

    def after_two_more_passes(app: AppController) -> set[str]:
        after_polls(qtbot, app, 2)
        return shown(app)

    app, saved = start_app()
    qtbot.waitUntil(lambda: shown(app) == {stopped, other}, timeout=5000)
    app.window.unwatchRequested.emit(site.site_id, stopped)  # what "Stop watching" does
    assert shown(app) == {other}
    assert after_two_more_passes(app) == {other}
    assert stopped not in {task.task_id for task in Store().tasks}

    app, saved = start_app()
    qtbot.waitUntil(lambda: shown(app) == {other}, timeout=5000)
    assert after_two_more_passes(app) == {other}

    saved.store.watch(site.site_id, stopped)  # what Add task does with its id
    app.watch(site.site_id, stopped)
    qtbot.waitUntil(lambda: shown(app) == {stopped, other}, timeout=5000)
    app, saved = start_app()
    qtbot.waitUntil(lambda: shown(app) == {stopped, other}, timeout=5000)


class LockedKeyring(MemoryKeyring):
    """A Secret Service whose collection stays locked: every read and write is refused."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("collection is locked")


def test_a_locked_keyring_saves_the_site_and_offers_the_token_for_this_session(
    qtbot: Any, controller: AppController, demo: Any
) -> None:
    saved = load_saved(controller)
    alerts: list[object] = []
    controller.alertRaised.connect(alerts.append)
    controller.start()
    keyring.set_keyring(LockedKeyring())
    settings = SettingsDialog(saved.store, saved.secrets, controller.window)
    settings.siteSaved.connect(saved._add_site)
    dialog = settings.open_site_dialog(None)
    qtbot.keyClicks(dialog.form.url, demo.dc_base)
    qtbot.keyClicks(dialog.form.token, demo.token)

    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    until_tokens_read(qtbot, saved)  # the site saved without its token: the keyring is asked

    assert not dialog.result(), "the dialog stays open to say what happened"
    assert Store().site(dialog.site_id) is not None, "the site itself was saved"
    assert "locked" in dialog.keyring_banner.text()
    assert "saved without its token" in dialog.keyring_banner.text()
    assert dialog.keep_for_session.isVisibleTo(dialog)
    line = controller.window.site_status.line(dialog.site_id)
    assert line is not None and line.state is SiteState.PAUSED and "locked" in line.reason

    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc"))
    controller.watch(dialog.site_id, task_id)
    dialog.keep_for_session.click()

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert saved.secrets.is_session_only(dialog.site_id)
    model = controller.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.task(0).status is not None)
    # The site's state comes in its own signal, which may trail the poll's task events.
    qtbot.waitUntil(lambda: line.state is SiteState.OK)
    assert alerts == [], "no sign-in alert for a token that was never sent"


@pytest.mark.parametrize("who", ["user", "timer"])
def test_a_site_whose_token_the_keyring_withheld_is_read_again_once_unlocked(
    who: str,
    qtbot: Any,
    start_app: Callable[..., tuple[AppController, SavedSites]],
    demo: Any,
) -> None:
    """Read again when the user presses Retry sign-in, or by itself a while later."""
    site = save_demo_site(demo)
    unlocked = MemoryKeyring()
    unlocked.set_password(APP_NAME, site.site_id, demo.token)
    keyring.set_keyring(LockedKeyring())
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc"))
    Store().watch(site.site_id, task_id)

    app, saved = start_app(keyring_retry_ms=300 if who == "timer" else 60_000)
    alerts: list[object] = []
    app.alertRaised.connect(alerts.append)
    until_tokens_read(qtbot, saved)
    line = app.window.site_status.line(site.site_id)
    assert line is not None and line.state is SiteState.PAUSED and "locked" in line.reason
    assert app.window.site_status.problem(site.site_id).startswith("Site paused: The keyring")
    assert saved.keyring_retry_pending()
    if who == "timer":
        qtbot.wait(700)  # a timed retry or two while still locked: still paused, no alert
        until_tokens_read(qtbot, saved)
        assert line.state is SiteState.PAUSED and "locked" in line.reason
        assert saved.keyring_retry_pending()

    keyring.set_keyring(unlocked)  # the user unlocked it
    if who == "user":
        app.actions.retry_sign_in.trigger()
    qtbot.waitUntil(lambda: line.state is SiteState.OK, timeout=5000)
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.task(0).status is not None)
    assert not saved.keyring_retry_pending()
    assert alerts == []


def test_a_site_without_a_token_is_listed_paused_and_never_polled(
    qtbot: Any, start_app: Callable[[], tuple[AppController, SavedSites]], demo: Any
) -> None:
    store = Store()
    site = SiteConfig("site-1", "Demo DC", normalise_site_url(demo.dc_base))
    store.put_site(site)
    store.watch(site.site_id, demo.add_task(DemoTask(dialect="dc", duration=600)))

    app, _saved = start_app()
    qtbot.wait(300)  # several poll intervals of FAST: none may go out

    assert demo.requests == [], "a site without a token sent requests"
    line = app.window.site_status.line(site.site_id)
    assert line is not None and line.state is SiteState.PAUSED
    assert "No token is stored" in line.reason
    assert [view.phase for view in app.window.model.tasks()] == [Phase.WAITING]


def test_a_restored_task_shows_what_it_showed_last_until_the_site_answers(
    qtbot: Any, start_app: Callable[[], tuple[AppController, SavedSites]], demo: Any
) -> None:
    store = Store()
    site = SiteConfig("site-1", "Demo DC", normalise_site_url(demo.dc_base))
    store.put_site(site)  # no token: the site stays paused, so no answer replaces the row
    store.watch(site.site_id, "1179657")
    store.remember_poll(
        [],
        [replace(store.tasks[0], phase="running", title="Delete space", percent=30)],
        [],
    )

    app, _saved = start_app()
    model = app.window.model
    app._batch.flush()
    row = model.row_of((site.site_id, "1179657"))
    assert row is not None
    assert model.index(row, Column.TASK).data() == "Delete space"
    assert model.index(row, Column.PROGRESS).data() == "30 %"
    assert model.index(row, Column.ELAPSED).data() == "", "how long it ran since is not known"


def test_a_finished_copy_keeps_its_result_link_after_a_restart(
    qtbot: Any, start_app: Callable[[], tuple[AppController, SavedSites]], demo: Any
) -> None:
    store = Store()
    site = SiteConfig("site-1", "Demo Cloud", normalise_site_url(demo.cloud_base))
    store.put_site(site)  # Cloud: its answers name where a copied page tree went
    Secrets().store(site.site_id, demo.token)
    copy = demo.add_task(DemoTask(kind="copy_page_hierarchy"))
    demo.advance(60)

    app, saved = start_app()
    saved.store.watch(site.site_id, copy)
    app.watch(site.site_id, copy)
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.task(0).phase is Phase.SUCCEEDED)
    link = model.task(0).status.result_url  # type: ignore[union-attr]
    assert link and link.startswith("http")

    app, saved = start_app()
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.task(0).status.result_url == link  # type: ignore[union-attr]
