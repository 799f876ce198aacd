"""Adding, editing and removing sites through the Settings dialog, and the global preferences."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from views_helpers import answer_modal

from gui import APP_NAME
from gui.confluence.client import ConfluenceClient
from gui.confluence.errors import InvalidInput
from gui.confluence.site import AuthKind, Deployment, SiteConfig, normalise_site_url
from gui.platform.logging_setup import setup_logging, stop_logging
from gui.platform.paths import all_dirs
from gui.platform.secrets import Secrets
from gui.platform.store import Store, default_store_path
from gui.views.add_task_dialog import AddTaskDialog
from gui.views.settings_dialog import SettingsDialog
from gui.views.settings_site_dialog import SiteDialog


@pytest.fixture
def app_logging() -> Iterator[None]:
    setup_logging(verbose=True)
    yield
    stop_logging()


@pytest.fixture
def settings(qtbot: Any) -> SettingsDialog:
    dialog = SettingsDialog(Store(), Secrets())
    qtbot.addWidget(dialog)
    return dialog


def fill_site(qtbot: Any, dialog: SiteDialog, url: str, token: str, user: str | None) -> None:
    qtbot.keyClicks(dialog.form.name, "Demo wiki")
    qtbot.keyClicks(dialog.form.url, url)
    kind = AuthKind.BASIC if user else AuthKind.BEARER
    dialog.form.auth_kind.setCurrentIndex(dialog.form.auth_kind.findData(kind.value))
    if user:
        qtbot.keyClicks(dialog.form.user, user)
    qtbot.keyClicks(dialog.form.token, token)


def save(dialog: SiteDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def files_containing(secret: str, roots: list[Path]) -> list[Path]:
    needles = [secret.encode(), base64.b64encode(secret.encode())]
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and any(n in path.read_bytes() for n in needles):
                found.append(path)
    return found


def test_adding_a_site_keeps_the_token_in_the_keyring_and_nowhere_else(
    qtbot: Any,
    settings: SettingsDialog,
    demo: Any,
    memory_keyring: Any,
    isolated_home: Path,
    app_logging: None,
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, demo.cloud_base, demo.token, demo.user_email)
    assert dialog.form.token.echoMode() == dialog.form.token.EchoMode.Password
    with qtbot.waitSignal(dialog.connectionTested, timeout=10_000) as tested:
        dialog.test_button.click()
    assert tested.args[0].ok, tested.args[0].text
    with qtbot.waitSignal(settings.sitesChanged):
        save(dialog)

    assert memory_keyring.passwords == {(APP_NAME, dialog.site_id): demo.token}
    site = Store().site(dialog.site_id)
    assert site is not None
    assert (site.name, site.base_url, site.auth_kind, site.user) == (
        "Demo wiki",
        demo.cloud_base,
        AuthKind.BASIC,
        demo.user_email,
    )
    assert settings.site_list.count() == 1
    written = [p for root in all_dirs() for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "store.json" for p in written) and any(p.suffix == ".log" for p in written)
    assert files_containing(demo.token, [isolated_home]) == []


def test_editing_a_site_never_shows_the_stored_token(
    qtbot: Any, settings: SettingsDialog, demo: Any, memory_keyring: Any
) -> None:
    first = settings.open_site_dialog(None)
    fill_site(qtbot, first, demo.dc_base, demo.token, None)
    save(first)

    settings.site_list.setCurrentRow(0)
    site = Store().site(first.site_id)
    again = settings.open_site_dialog(site)
    assert again.form.token.text() == ""
    assert "Stored in keyring" in again.form.token.placeholderText()
    again.form.discover.setChecked(True)
    with qtbot.waitSignal(settings.siteSaved) as saved:
        save(again)  # no token typed: the stored one stays

    assert saved.args == [first.site_id]
    assert memory_keyring.passwords[(APP_NAME, first.site_id)] == demo.token
    assert Store().site(first.site_id).discover  # type: ignore[union-attr]


def test_without_a_keyring_the_token_can_be_kept_for_the_session_and_tasks_watched(
    qtbot: Any, settings: SettingsDialog, demo: Any, failing_keyring: Any, isolated_home: Path
) -> None:
    dialog = settings.open_site_dialog(None)
    # Said before the user even types: there is no keyring on this machine.
    assert dialog.keyring_banner.isVisibleTo(dialog)
    assert "gnome-keyring" in dialog.keyring_banner.text()
    fill_site(qtbot, dialog, demo.dc_base, demo.token, None)
    save(dialog)
    assert not dialog.result(), "saving into a missing keyring must not close the dialog"
    assert "this session only" in dialog.keyring_banner.text()

    with qtbot.waitSignal(settings.sitesChanged):
        dialog.keep_for_session.click()

    secrets: Secrets = settings._secrets
    site = settings._store.site(dialog.site_id)
    assert site is not None and secrets.is_session_only(site.site_id)
    task_id = demo.add_task(_demo_task())
    add_task = AddTaskDialog(settings._store.sites)
    qtbot.addWidget(add_task)
    add_task.input.setPlainText(task_id)
    assert add_task.chosen() == (site.site_id, task_id)
    settings._store.watch(site.site_id, task_id)
    with ConfluenceClient(site.address, secrets.credentials_for(site)) as client:
        assert client.get_task(task_id).task_id == task_id
    assert files_containing(demo.token, [isolated_home]) == []


def _demo_task() -> Any:
    from gui.demo import DemoTask

    return DemoTask(kind="export_space", dialect="dc")


def test_a_plain_http_site_elsewhere_needs_an_explicit_confirmation(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, "http://wiki.example.org/confluence", "tok-123456", None)
    assert dialog.form.allow_plain_http.isVisibleTo(dialog)
    save(dialog)
    assert "unencrypted" in dialog.error.text()
    assert memory_keyring.passwords == {}

    dialog.form.allow_plain_http.setChecked(True)
    save(dialog)
    assert memory_keyring.passwords == {(APP_NAME, dialog.site_id): "tok-123456"}


def test_plain_http_to_a_dns_name_starting_with_127_needs_the_confirmation(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, "http://127.evil.example/confluence", "tok-123456", None)
    assert dialog.form.allow_plain_http.isVisibleTo(dialog)
    save(dialog)
    assert "unencrypted" in dialog.error.text()
    assert memory_keyring.passwords == {}
    assert Store().sites == []


@pytest.mark.parametrize(
    "url", ["http://localhost.:8090/wiki", "http://[::ffff:127.0.0.1]:8090/wiki"]
)
def test_plain_http_to_this_machine_needs_no_confirmation(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any, url: str
) -> None:
    dialog = settings.open_site_dialog(None)
    dialog.form.url.setText(url)  # pasted
    qtbot.keyClicks(dialog.form.token, "tok-123456")
    assert not dialog.form.allow_plain_http.isVisibleTo(dialog)
    save(dialog)
    assert dialog.error.text() == ""
    assert [site.base_url for site in Store().sites] == [url]


def test_the_form_shows_the_base_it_will_use_and_what_is_missing(
    qtbot: Any, settings: SettingsDialog
) -> None:
    dialog = settings.open_site_dialog(None)
    qtbot.keyClicks(dialog.form.url, "acme.atlassian.net/wiki/spaces/ENG")
    assert dialog.form.base_preview.text() == "Will use https://acme.atlassian.net/wiki (Cloud)"
    assert dialog.form.auth_kind.currentData() == AuthKind.BASIC.value  # Cloud's usual kind
    save(dialog)
    assert "email" in dialog.error.text()

    gateway = dialog.form.deployment.findData(Deployment.GATEWAY.value)
    dialog.form.deployment.setCurrentIndex(gateway)
    assert "cloudId" in dialog.form.base_preview.text()
    qtbot.keyClicks(dialog.form.cloud_id, "abc-123")
    assert "https://api.atlassian.com/ex/confluence/abc-123/wiki" in dialog.form.base_preview.text()
    assert dialog.form.auth_kind.currentData() == AuthKind.BEARER.value


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("https://[::1", "malformed IPv6"),
        ("http://[zz]/x", "malformed IPv6"),
        ("https://[::1]x/", "Only a port"),
        ("https://wiki.example.org\\@evil.example/", "backslash"),
        ("https://me:secret@wiki.example.org/", "Email and Token fields"),
        ("https://wiki.example.org/my wiki", "spaces"),
    ],
)
def test_an_unusable_address_is_explained_as_typed_and_never_saved(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any, url: str, hint: str
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, url, "tok-123456", None)  # every keystroke re-reads the address
    assert hint in dialog.form.base_preview.text()

    save(dialog)
    assert hint in dialog.error.text()
    assert Store().sites == [] and memory_keyring.passwords == {}
    with qtbot.waitSignal(dialog.connectionTested) as tested:
        dialog.test_button.click()
    assert not tested.args[0].ok and hint in tested.args[0].text


def test_a_token_too_short_to_mask_is_refused_and_never_saved(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, "https://acme.atlassian.net", "abc12", "me@acme.example")

    save(dialog)

    assert "too short to be a Confluence token" in dialog.error.text()
    assert "abc12" not in dialog.error.text()
    assert Store().sites == [] and memory_keyring.passwords == {}


def test_a_gateway_on_another_host_uses_the_host_as_normalised(
    qtbot: Any, settings: SettingsDialog
) -> None:
    dialog = settings.open_site_dialog(None)
    dialog.form.url.setText("https://WIKI.example.org:443/confluence")
    dialog.form.deployment.setCurrentIndex(dialog.form.deployment.findData("gateway"))
    dialog.form.cloud_id.setText("abc-123")
    assert dialog.form.address().base_url == "https://wiki.example.org/ex/confluence/abc-123/wiki"


def test_the_cloud_id_look_up_explains_an_unusable_address(
    qtbot: Any, settings: SettingsDialog
) -> None:
    dialog = settings.open_site_dialog(None)
    dialog.form.deployment.setCurrentIndex(dialog.form.deployment.findData("gateway"))
    dialog.form.url.setText("https://[::1")
    with qtbot.waitSignal(dialog.cloudIdLookedUp, timeout=10_000) as looked_up:
        dialog.form.lookup.click()
    assert isinstance(looked_up.args[0], InvalidInput)
    assert "malformed IPv6" in dialog.form.base_preview.text()


def test_the_cloud_id_is_looked_up_from_the_site(
    qtbot: Any, settings: SettingsDialog, demo: Any
) -> None:
    from gui.demo import DEMO_CLOUD_ID

    dialog = settings.open_site_dialog(None)
    qtbot.keyClicks(dialog.form.url, demo.cloud_base)
    dialog.form.deployment.setCurrentIndex(dialog.form.deployment.findData("gateway"))
    with qtbot.waitSignal(dialog.cloudIdLookedUp, timeout=10_000):
        dialog.form.lookup.click()
    assert dialog.form.cloud_id.text() == DEMO_CLOUD_ID
    assert dialog.form.address().base_url == demo.gateway_base


def test_removing_a_site_deletes_its_token(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = settings.open_site_dialog(None)
    fill_site(qtbot, dialog, "https://wiki.example.org", "tok-123456", None)
    save(dialog)
    monkeypatch.setattr(settings, "confirm_removal", lambda site: True)
    settings.site_list.setCurrentRow(0)
    with qtbot.waitSignal(settings.siteRemoved):
        settings.remove_button.click()
    assert memory_keyring.passwords == {}
    assert Store().sites == []


@pytest.mark.parametrize("answer", ["No", "Yes"])
def test_the_removal_question_shows_the_site_name_as_typed_not_as_markup(
    qtbot: Any, answer: str
) -> None:
    name = "<b>Team</b> R&amp;D"
    store = Store()
    store.put_site(SiteConfig("site-1", name, normalise_site_url("https://wiki.example.org")))
    settings = SettingsDialog(store, Secrets())
    qtbot.addWidget(settings)
    asked: list[tuple[Qt.TextFormat, str]] = []

    def answer_it(box: QMessageBox) -> None:
        asked.append((box.textFormat(), box.text()))
        box.button(getattr(QMessageBox.StandardButton, answer)).click()

    answer_modal(QMessageBox, answer_it)
    settings.site_list.setCurrentRow(0)
    settings.remove_button.click()

    assert asked == [
        (
            Qt.TextFormat.PlainText,
            f"Stop watching {name} and delete its token from the keyring?",
        )
    ]
    assert [site.name for site in Store().sites] == ([name] if answer == "No" else [])


def test_preferences_are_saved_on_ok(
    qtbot: Any, settings: SettingsDialog, isolated_home: Path
) -> None:
    settings.poll_interval.setValue(3.0)
    settings.notify_boxes["gone"].setChecked(False)
    settings.start_on_login.setChecked(True)
    with qtbot.waitSignal(settings.preferencesChanged) as changed:
        settings.apply_preferences()
    prefs = Store().preferences
    assert changed.args[0] == prefs
    assert (prefs.poll_interval, prefs.notifies("gone"), prefs.start_on_login) == (3.0, False, True)
    entries = list((isolated_home / ".config" / "autostart").glob("*.desktop"))
    assert len(entries) == 1


def test_a_new_site_never_uses_a_token_the_keyring_holds_under_its_id(
    qtbot: Any, settings: SettingsDialog, memory_keyring: Any, demo: Any
) -> None:
    # A token an old store's site left in the keyring, filed under the id the next site would
    # get if ids only counted: a new site must neither inherit nor send it.
    dialog = settings.open_site_dialog(None)
    memory_keyring.passwords[(APP_NAME, dialog.site_id)] = demo.token
    fill_site(qtbot, dialog, demo.dc_base, "", None)

    with qtbot.waitSignal(dialog.connectionTested) as tested:
        dialog.test_button.click()
    assert not tested.args[0].ok
    assert all(not r.authorized for r in demo.requests)

    save(dialog)
    assert "Enter the token" in dialog.error.text()
    assert Store().sites == []


def test_site_ids_never_repeat_across_stores(qtbot: Any, settings: SettingsDialog) -> None:
    first = Store().new_site_id()
    default_store_path().unlink(missing_ok=True)  # a store reset: its counter starts again
    assert Store().new_site_id() != first


@pytest.mark.parametrize(
    "module", ["gui.views.settings_site_form", "gui.views.settings_dialog", "gui.confluence.checks"]
)
def test_the_settings_dialogs_open_without_loading_the_http_stack(module: str) -> None:
    # In a fresh interpreter: this one has loaded requests long ago. The checks load it on
    # their own thread, when they run.
    code = f"import sys, {module}; print('requests' in sys.modules)"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    loaded = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"
