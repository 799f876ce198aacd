"""The main window: details pane, context menu, status bar, first-start panel, closing."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMenu
from views_helpers import event, task_view

from gui.confluence.errors import CredentialsRejected
from gui.confluence.site import SiteConfig, normalise_site_url
from gui.polling.states import Answer, Phase, SiteEvent, SiteState
from gui.views.main_window import MainWindow
from gui.views.task_model import Column

SITE = SiteConfig("site-a", "Acme wiki", normalise_site_url("https://acme.atlassian.net"))


def make_window(qtbot, with_site: bool = True) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    if with_site:
        window.set_site(SITE)
    window.show()
    return window


def test_first_start_offers_add_site_and_demo(qtbot):
    window = make_window(qtbot, with_site=False)
    asked: list[str] = []
    window.app_actions.add_site.triggered.connect(lambda: asked.append("site"))
    window.app_actions.try_demo.triggered.connect(lambda: asked.append("demo"))

    assert window.welcome.isVisible()
    window.welcome.add_site_button.click()
    window.welcome.demo_button.click()

    assert asked == ["site", "demo"]
    window.set_site(SITE)
    assert not window.welcome.isVisible()
    assert window.table.isVisible()


def test_the_first_start_panel_waits_until_the_saved_sites_are_read(qtbot):
    window = make_window(qtbot, with_site=False)
    window.set_loading(True)
    assert window.table.isVisible() and not window.welcome.isVisible()

    window.set_loading(False)
    assert window.welcome.isVisible(), "no site after all: now offer to add one"


def test_details_pane_shows_server_markup_literally(qtbot):
    window = make_window(qtbot)
    view = task_view("777", 40, message="<b>x</b> & more", extraField={"nested": "<i>y</i>"})
    window.apply_task_events([event(view, None)])

    assert window.select_task(("site-a", "777"))

    text = window.details.toPlainText()
    assert "Message: <b>x</b> & more" in text
    assert '"extraField": {' in text and '"nested": "<i>y</i>"' in text
    assert '"percentageComplete": 40' in text
    assert "Task URL: https://acme.atlassian.net/wiki/rest/api/longtask/777" in text
    assert "Last answer: 200 OK" in text


def test_details_pane_follows_updates_of_the_selected_task(qtbot):
    window = make_window(qtbot)
    window.apply_task_events([event(task_view("1", 10), None), event(task_view("2", 20), None)])
    window.select_task(("site-a", "2"))

    window.apply_task_events([event(task_view("2", 100, Phase.FAILED, errors=["Disk full"]))])

    text = window.details.toPlainText()
    assert "State: failed" in text
    assert "  - Disk full" in text


def _trigger(menu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    assert action.isEnabled()
    action.trigger()


def test_context_menu_copies_task_id_and_url(qtbot):
    window = make_window(qtbot)
    view = task_view("4242", 40)
    window.apply_task_events([event(view, None)])
    menu = window.task_menu(view)
    clipboard = QGuiApplication.clipboard()

    _trigger(menu, "Copy task id")
    assert clipboard.text() == "4242"

    _trigger(menu, "Copy task URL")
    assert clipboard.text() == "https://acme.atlassian.net/wiki/rest/api/longtask/4242"


def test_shift_f10_opens_the_task_menu_of_the_selected_row(qtbot):
    window = make_window(qtbot)
    window.apply_task_events([event(task_view("7", 40), None)])
    window.select_task(("site-a", "7"))
    # Offscreen Qt delivers no shortcut keys: the action bound to them is triggered instead.
    action = next(a for a in window.table.actions() if a.shortcut().toString() == "Shift+F10")
    assert action.shortcutContext() is Qt.ShortcutContext.WidgetShortcut

    action.trigger()

    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert "Stop watching" in [action.text() for action in menu.actions()]
    menu.close()


def test_context_menu_stop_watching_asks_the_app(qtbot):
    window = make_window(qtbot)
    view = task_view("9", 40)
    window.apply_task_events([event(view, None)])

    with qtbot.waitSignal(window.unwatchRequested) as signal:
        _trigger(window.task_menu(view), "Stop watching")

    assert signal.args == ["site-a", "9"]


def test_open_result_is_disabled_without_a_result(qtbot):
    window = make_window(qtbot)
    view = task_view("9", 40)
    menu = window.task_menu(view)

    action = next(a for a in menu.actions() if a.text() == "Open result in browser")
    assert not action.isEnabled()


def test_status_bar_shows_each_site_state_with_reason(qtbot):
    window = make_window(qtbot)
    other = SiteConfig("site-b", "Intranet", normalise_site_url("https://wiki.example.org"))
    window.set_site(other)
    reason = CredentialsRejected("wiki.example.org refused the credentials (401) <b>")

    window.site_status.on_site_event(
        SiteEvent("site-b", SiteState.NEEDS_SIGN_IN, SiteState.OK, str(reason))
    )
    window.site_status.on_site_event(SiteEvent("site-a", SiteState.OK, SiteState.IDLE))
    window.site_status.on_polled("site-a", 0.0)

    status = window.site_status
    assert status.label_text("site-a").startswith("Acme wiki: ok · last polled ")
    assert status.label_text("site-a")[-8:].count(":") == 2  # HH:MM:SS
    assert status.label_text("site-b") == (
        "Intranet: needs sign-in: wiki.example.org refused the credentials (401) <b>"
        " · last polled never"
    )
    label = status.findChild(QLabel, "site-site-b")
    assert label.textFormat().name == "PlainText"
    assert status.sites_needing_sign_in() == ["site-b"]


def test_status_bar_shows_unreachable_rate_limited_and_paused(qtbot):
    window = make_window(qtbot)
    status = window.site_status

    status.on_site_event(SiteEvent("site-a", SiteState.UNREACHABLE, SiteState.OK, "DNS failed"))
    assert "Acme wiki: unreachable: DNS failed" in status.label_text("site-a")
    status.on_site_event(SiteEvent("site-a", SiteState.RATE_LIMITED, SiteState.OK, "slow down"))
    assert "rate limited: slow down" in status.label_text("site-a")
    status.set_paused(True)
    assert "Acme wiki: paused ·" in status.label_text("site-a")


def test_clear_finished_drops_ended_rows_and_reports_them(qtbot):
    window = make_window(qtbot)
    window.apply_task_events(
        [event(task_view("1", 100, Phase.SUCCEEDED), None), event(task_view("2", 5), None)]
    )

    with qtbot.waitSignal(window.finishedCleared) as signal:
        window.app_actions.clear_finished.trigger()

    assert signal.args == [[("site-a", "1")]]
    assert window.model.rowCount() == 1


def test_closing_without_a_tray_quits(qtbot):
    window = make_window(qtbot)

    with qtbot.waitSignal(window.quitRequested):
        window.close()


def test_closing_with_a_tray_only_hides(qtbot):
    window = make_window(qtbot)
    window.set_close_hides(True)
    quits: list[bool] = []
    window.quitRequested.connect(lambda: quits.append(True))

    window.close()

    assert not window.isVisible()
    assert quits == []


def test_details_pane_shows_the_last_answer_even_when_it_failed(qtbot):
    window = make_window(qtbot)
    good = task_view("5", 40)
    failed = Answer(503, "acme.atlassian.net is having trouble (503).", "<h1>Down <b>now</b></h1>")
    window.apply_task_events([event(replace(good, last_answer=failed), None)])
    window.select_task(("site-a", "5"))

    text = window.details.toPlainText()
    assert "Last answer: 503 Service Unavailable" in text
    assert "acme.atlassian.net is having trouble (503)." in text
    assert "<h1>Down <b>now</b></h1>" in text, "the body as sent, not as markup"
    assert "Fields of the last good answer:" in text
    assert "200 OK" not in text

    window.apply_task_events([event(replace(good, last_answer=Answer(200)))])
    assert "Last answer: 200 OK" in window.details.toPlainText()


def test_details_pane_shows_a_huge_message_and_field_shortened_with_how_much_is_left_out(qtbot):
    window = make_window(qtbot)
    huge = "word " * 199_999 + "end"  # a megabyte: the client accepts answers of a few MB
    many_fields = {f"field{n}": n for n in range(5_000)}
    view = task_view("9", 40, message=huge, extraField=huge, details=many_fields)
    window.apply_task_events([event(view, None)])

    window.select_task(("site-a", "9"))

    text = window.details.toPlainText()
    assert len(text) < 40_000
    assert f"Message: {huge[:2000]}… ({len(huge) - 2000} more characters)" in text
    assert f'"extraField": "{huge[:2000]}… ({len(huge) - 2000} more characters)"' in text
    assert '"…": "(4900 more fields)"' in text
    assert '"percentageComplete": 40' in text


def test_clearing_finished_tasks_keeps_a_running_task_selected(qtbot):
    window = make_window(qtbot)
    views = [task_view(str(n), 50, Phase.SUCCEEDED if n % 2 else Phase.RUNNING) for n in range(200)]
    window.apply_task_events([event(view, None) for view in views])
    window.table.sortByColumn(Column.TASK, Qt.SortOrder.AscendingOrder)
    window.select_task(("site-a", "42"))

    window.clear_finished()

    assert window.model.rowCount() == 100
    selected = window.selected_task()
    assert selected is not None and selected.task_id == "42"
    assert "Task id: 42" in window.details.toPlainText()


def test_clearing_the_selected_finished_task_leaves_nothing_selected(qtbot):
    window = make_window(qtbot)
    views = [task_view("1", 100, Phase.SUCCEEDED), task_view("2", 50), task_view("3", 50)]
    window.apply_task_events([event(view, None) for view in views])
    window.select_task(("site-a", "1"))

    window.clear_finished()

    assert window.selected_task() is None
    assert window.details.toPlainText() == window.details.EMPTY
