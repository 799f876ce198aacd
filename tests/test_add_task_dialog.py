"""Every way a user can paste a task into "Add task", and what they are told when it is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from gui.confluence.site import AuthKind, SiteConfig, normalise_site_url
from gui.views.add_task_dialog import AddTaskDialog

CLOUD = SiteConfig(
    "site-1", "Acme", normalise_site_url("acme.atlassian.net"), AuthKind.BASIC, "a@b"
)
DC = SiteConfig("site-2", "Corp", normalise_site_url("https://wiki.corp.example/confluence"))
GATEWAY = SiteConfig(
    "site-3",
    "Gateway",
    normalise_site_url("https://api.atlassian.com/ex/confluence/c0ffee-42/wiki"),
)
SITES = [CLOUD, DC, GATEWAY]


@pytest.fixture
def dialog(qtbot: Any) -> AddTaskDialog:
    widget = AddTaskDialog(SITES)
    qtbot.addWidget(widget)
    return widget


def watch_button(dialog: AddTaskDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


@pytest.mark.parametrize(
    ("pasted", "site_id", "task_id"),
    [
        ("1179649", None, "1179649"),
        ("  8f2c1e0a-11b2-4c3d-9e8f-0123456789ab \n", None, "8f2c1e0a-11b2-4c3d-9e8f-0123456789ab"),
        ("https://acme.atlassian.net/wiki/rest/api/longtask/1179649", "site-1", "1179649"),
        ("https://acme.atlassian.net/rest/api/longtask/1179650", "site-1", "1179650"),
        ("https://wiki.corp.example/confluence/rest/api/longtask/abc-1/", "site-2", "abc-1"),
        (
            "https://api.atlassian.com/ex/confluence/c0ffee-42/wiki/rest/api/longtask/77",
            "site-3",
            "77",
        ),
        (
            json.dumps({"id": "1179651", "links": {"status": "/rest/api/longtask/1179651"}}),
            None,
            "1179651",
        ),
        ('{"id": 1179652}', None, "1179652"),
        ("/rest/api/longtask/1179653", None, "1179653"),
        ("/wiki/rest/api/longtask/1179654", None, "1179654"),
    ],
)
def test_accepted_input_names_the_task_and_its_site(
    dialog: AddTaskDialog, pasted: str, site_id: str | None, task_id: str
) -> None:
    dialog.site.setCurrentIndex(dialog.site.findData("site-2"))  # the user's own choice
    dialog.input.setPlainText(pasted)
    expected_site = site_id or "site-2"
    assert dialog.chosen() == (expected_site, task_id)
    assert watch_button(dialog).isEnabled()
    assert task_id in dialog.feedback.text()


@pytest.mark.parametrize(
    ("pasted", "hint"),
    [
        ("delete the ENG space please", "not a task id"),
        ("https://acme.atlassian.net/wiki/spaces/ENG/overview", "does not point at a task"),
        ('{"id": ', "does not parse"),
        ('{"status": "running"}', "no task id"),
        ("[1, 2]", "not a task id"),
        ("/wiki/spaces/ENG", "not a task path"),
        ("ftp://acme.atlassian.net/wiki/rest/api/longtask/1", "https://"),
        ("https://[::1/rest/api/longtask/5", "malformed IPv6"),
        ('{"links": {"status": "https://[/rest/api/longtask/5"}}', "malformed IPv6"),
        ('{"a":[' + "[" * 100_000 + "]" * 100_000 + "]}", "does not parse"),
        ("https://user:pass@acme.atlassian.net/wiki/rest/api/longtask/9", "never in the URL"),
        ("https://acme.atlassian.net\\@evil.example/rest/api/longtask/9", "backslash"),
        ("https://acme.atlassian.net/wiki/rest/api/longtask/5%0A", "not a valid task id"),
    ],
)
def test_rejected_input_says_what_was_expected(
    dialog: AddTaskDialog, pasted: str, hint: str
) -> None:
    dialog.input.setPlainText(pasted)
    assert dialog.chosen() is None
    assert not watch_button(dialog).isEnabled()
    assert hint in dialog.feedback.text()
    assert dialog.feedback.textFormat() == dialog.feedback.textFormat().PlainText


@pytest.mark.parametrize(
    "pasted",
    [
        "https://[::1/rest/api/longtask/5",
        '{"links": {"status": "https://[/rest/api/longtask/5"}}',
        '{"a":[' + "[" * 100_000 + "]" * 100_000 + "]}",
        "delete the ENG space please",
    ],
)
def test_unusable_input_after_a_valid_task_withdraws_that_task(
    dialog: AddTaskDialog, pasted: str
) -> None:
    dialog.input.setPlainText("1179649")
    assert watch_button(dialog).isEnabled()

    dialog.input.setPlainText(pasted)
    assert dialog.chosen() is None
    assert not watch_button(dialog).isEnabled()
    assert "1179649" not in dialog.feedback.text() and dialog.feedback.text()


def test_a_url_on_an_unknown_site_offers_to_add_it(qtbot: Any, dialog: AddTaskDialog) -> None:
    dialog.input.setPlainText("https://other.atlassian.net/wiki/rest/api/longtask/5")
    assert dialog.chosen() is None
    assert "https://other.atlassian.net/wiki" in dialog.feedback.text()
    assert dialog.add_site_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.addSiteRequested) as requested:
        dialog.add_site_button.click()
    assert requested.args == ["https://other.atlassian.net/wiki"]

    other = SiteConfig("site-4", "Other", normalise_site_url("other.atlassian.net"))
    dialog.set_sites([*SITES, other])
    assert dialog.chosen() == ("site-4", "5")


def test_with_no_site_configured_it_asks_for_one_first(qtbot: Any) -> None:
    dialog = AddTaskDialog([])
    qtbot.addWidget(dialog)
    dialog.input.setPlainText("1179649")
    assert dialog.chosen() is None
    assert "Add a site first" in dialog.feedback.text()
    assert dialog.add_site_button.isVisibleTo(dialog)


def test_ctrl_enter_watches_the_task_typed(qtbot: Any, dialog: AddTaskDialog) -> None:
    dialog.input.setPlainText("1179649")
    shortcuts = {sequence.toString() for sequence in dialog.watch_action.shortcuts()}
    assert shortcuts == {"Ctrl+Return", "Ctrl+Enter"}

    with qtbot.waitSignal(dialog.accepted):
        dialog.watch_action.trigger()  # offscreen Qt delivers no shortcut keys

    assert dialog.chosen() is not None


def test_ctrl_enter_on_unusable_input_does_not_close_the_dialog(
    qtbot: Any, dialog: AddTaskDialog
) -> None:
    dialog.input.setPlainText("not a task")
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.watch_action.trigger()
    assert accepted == []
