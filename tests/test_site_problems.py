"""A site in trouble shows it where the user looks: in its waiting tasks' rows, in the details
pane, and in a status bar that stays readable with many sites. Server text shown in the window
carries no control or bidi characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from views_helpers import fast_controller

from gui.confluence.plain_text import display_text
from gui.confluence.site import AuthKind, Credentials, SiteConfig, normalise_site_url
from gui.demo import DemoTask
from gui.polling.states import Phase, SiteEvent, SiteState
from gui.views.controller import AppController
from gui.views.main_window import MainWindow
from gui.views.task_model import Column

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
BIDI_CONTROLS = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


@pytest.fixture
def app(qtbot: Any) -> Iterator[AppController]:
    controller = fast_controller(qtbot)
    controller.start()
    yield controller
    controller.quit(0)


def demo_site(demo: Any, site_id: str = "site-1", name: str = "Demo DC") -> SiteConfig:
    return SiteConfig(site_id, name, normalise_site_url(demo.dc_base))


def test_waiting_tasks_of_a_refusing_site_say_why_in_the_row_and_details(
    qtbot: Any, app: AppController, demo: Any
) -> None:
    site = demo_site(demo)
    app.add_site(site, Credentials(AuthKind.BEARER, "a-token-the-site-refuses"))
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc"))
    app.watch(site.site_id, task_id)
    window = app.window

    qtbot.waitUntil(lambda: window.site_status.sites_needing_sign_in() == [site.site_id])
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    reason = window.site_status.line(site.site_id).reason  # type: ignore[union-attr]
    assert reason
    message = window.model.index(0, Column.MESSAGE).data()
    assert message == f"Site needs sign-in: {reason}"
    assert window.model.task(0).phase is Phase.WAITING

    window.select_task((site.site_id, task_id))
    details = window.details.toPlainText()
    assert f"Site state: Demo DC: needs sign-in: {reason} · last polled " in details
    window.resize(1100, 460)
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "waiting-task-of-refusing-site.png"))


def test_many_sites_share_one_status_line_naming_those_that_need_attention(qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    names = ["Acme wiki", "Intranet", "Docs", "Support", "Archive", "Partner portal"]
    for number, name in enumerate(names, 1):
        url = normalise_site_url(f"https://wiki{number}.example.org")
        window.set_site(SiteConfig(f"site-{number}", name, url))
    long_reason = "wiki2.example.org could not be reached: " + "connection refused " * 8
    status = window.site_status
    status.on_site_event(SiteEvent("site-2", SiteState.UNREACHABLE, SiteState.OK, long_reason))
    status.on_site_event(SiteEvent("site-5", SiteState.NEEDS_SIGN_IN, SiteState.OK, "401"))
    window.resize(1000, 400)
    window.show()
    qtbot.waitExposed(window)

    assert all(not label.isVisible() for label in status.findChildren(QLabel)[1:])
    summary = status.summary
    assert summary.isVisible()
    assert summary.text() == (
        "6 sites: 2 need attention: Intranet (unreachable), Archive (needs sign-in)"
    )
    assert summary.displayed_text() == summary.text()  # fits: nothing cut off
    assert long_reason.strip() in summary.toolTip()
    assert all(name in summary.toolTip() for name in names)
    assert window.grab().save(str(ARTIFACTS / "many-sites-status-bar.png"))


def test_a_long_site_reason_ends_in_an_ellipsis_with_the_whole_text_in_the_tooltip(
    qtbot: Any,
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    for number in (1, 2, 3):
        url = normalise_site_url(f"https://wiki{number}.example.org")
        window.set_site(SiteConfig(f"site-{number}", f"Wiki {number}", url))
    reason = "the proxy answered 502 Bad Gateway " * 6
    window.site_status.on_site_event(
        SiteEvent("site-1", SiteState.UNREACHABLE, SiteState.OK, reason)
    )
    window.resize(900, 300)
    window.show()
    qtbot.waitExposed(window)

    label = window.findChild(QLabel, "site-site-1")
    shown = label.displayed_text()  # type: ignore[union-attr]
    assert shown.endswith("…") and shown.startswith("Wiki 1: unreachable: the proxy")
    assert reason.strip() in label.toolTip()  # type: ignore[union-attr]


def test_a_healthy_site_keeps_its_whole_line_beside_a_long_problem(qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    for number in (1, 2):
        url = normalise_site_url(f"https://wiki{number}.example.org")
        window.set_site(SiteConfig(f"site-{number}", f"Wiki {number}", url))
    window.site_status.on_site_event(SiteEvent("site-1", SiteState.OK, SiteState.IDLE))
    window.site_status.on_polled("site-1", 1_700_000_000.0)
    reason = "refused the credentials (401). Check the access token: it may be wrong " * 3
    window.site_status.on_site_event(
        SiteEvent("site-2", SiteState.NEEDS_SIGN_IN, SiteState.OK, reason)
    )
    window.resize(1000, 300)
    window.show()
    qtbot.waitExposed(window)

    healthy = window.findChild(QLabel, "site-site-1")
    troubled = window.findChild(QLabel, "site-site-2")
    assert healthy.displayed_text() == healthy.text()  # type: ignore[union-attr]
    assert "last polled" in healthy.text()  # type: ignore[union-attr]
    assert troubled.displayed_text().endswith("…")  # type: ignore[union-attr]


def test_control_and_bidi_characters_from_the_server_never_reach_the_table(
    qtbot: Any, app: AppController, demo: Any, memory_keyring: Any
) -> None:
    site = demo_site(demo)
    app.add_site(site, Credentials(AuthKind.BEARER, demo.token))
    hostile = "Disk\x00 full\x07 on \u202eexe.txt\u202c node\x85 7\tof\r\n9"
    task_id = demo.add_task(
        DemoTask(kind="export_space", dialect="dc", outcome="failure", fail_at=10, error=hostile)
    )
    demo.advance(60)
    app.watch(site.site_id, task_id)
    model = app.window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.task(0).phase is Phase.FAILED)

    message = model.index(0, Column.MESSAGE).data()
    assert message == "Disk\ufffd full\ufffd on exe.txt node\ufffd 7 of 9"
    app.window.select_task((site.site_id, task_id))
    details = app.window.details.toPlainText()
    for text in (message, details, model.index(0, Column.MESSAGE).data(3)):
        assert not BIDI_CONTROLS & set(text)
        assert all(unicodedata.category(char) != "Cc" or char in "\n\t" for char in text), repr(
            text
        )


def test_display_text_keeps_line_breaks_only_where_shown_on_several_lines() -> None:
    text = "a\tb\r\nc\rd\x1be\u2067f\u2069"
    assert display_text(text) == "a b  c d\ufffdef"
    assert display_text(text, multiline=True) == "a\tb\nc\nd\ufffdef"
