"""The tray: its summary tooltip, its icon state, its menu, and life without a tray."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon
from views_helpers import task_view

from gui.polling.states import Phase
from gui.resources import TrayState
from gui.views.actions import AppActions
from gui.views.tray import Tray, TraySummary, summarise


def test_summary_counts_running_tasks_overall_percent_and_soonest_eta():
    tasks = [
        replace(task_view("1", 20), eta_seconds=300.0),
        replace(task_view("2", 60), eta_seconds=90.0),
        task_view("3", 100, Phase.SUCCEEDED),
    ]

    summary = summarise(tasks)

    assert (summary.running, summary.percent, summary.soonest_eta) == (2, 40, 90.0)
    assert summary.state is TrayState.RUNNING
    assert summary.tooltip().splitlines()[1:] == [
        "2 tasks running",
        "Overall 40 %",
        "Next done in about 1:30",
    ]


def test_a_failure_or_a_refused_token_needs_attention_until_cleared():
    assert summarise([task_view("1", 30, Phase.FAILED)]).state is TrayState.ATTENTION
    assert summarise([task_view("1", 0, Phase.GONE)]).state is TrayState.ATTENTION
    refused = summarise([task_view("2", 30)], sites_needing_sign_in=1)
    assert refused.state is TrayState.ATTENTION
    assert "1 site needs sign-in" in refused.tooltip()
    assert summarise([task_view("1", 100, Phase.SUCCEEDED)]).state is TrayState.IDLE
    assert summarise([]).tooltip().endswith("No task running")


def test_tray_icon_and_tooltip_follow_the_summary(qtbot):
    current = [summarise([])]
    tray = Tray(AppActions(), lambda: current[0])
    assert tray.icon.icon().isNull()  # rendered when shown, after the window's first paint
    tray.show()
    idle_icon = tray.icon.icon().pixmap(22).toImage()

    current[0] = summarise([task_view("1", 50)])
    tray.refresh()
    running_icon = tray.icon.icon().pixmap(22).toImage()
    assert "1 task running" in tray.icon.toolTip()

    current[0] = TraySummary(0, None, None, failed=1, sites_needing_sign_in=0)
    tray.refresh()
    attention_icon = tray.icon.icon().pixmap(22).toImage()

    assert idle_icon != running_icon
    assert running_icon != attention_icon
    assert attention_icon != idle_icon
    assert "1 failed or gone" in tray.icon.toolTip()


def test_a_percent_too_small_to_see_on_the_ring_sends_no_new_icon_to_the_tray(qtbot):
    current = [summarise([task_view("1", 50)])]
    tray = Tray(AppActions(), lambda: current[0])
    tray.refresh()
    icons_sent: list[QIcon] = []
    set_icon = tray.icon.setIcon
    tray.icon.setIcon = lambda icon: (icons_sent.append(icon), set_icon(icon))

    current[0] = summarise([task_view("1", 51)])
    tray.refresh()
    assert icons_sent == []
    assert "Overall 51 %" in tray.icon.toolTip()

    current[0] = summarise([task_view("1", 60)])
    tray.refresh()
    assert len(icons_sent) == 1


def test_tray_menu_holds_every_command():
    actions = AppActions()
    tray = Tray(actions, lambda: summarise([]))

    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]

    assert texts == ["Show window", "Add task…", "Poll now", "Pause polling", "Settings…", "Quit"]
    actions.pause.setChecked(True)
    assert "Resume polling" in [a.text() for a in tray.menu.actions()]


def test_without_a_tray_the_icon_is_not_shown(qtbot):
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: no tray host
    tray = Tray(AppActions(), lambda: summarise([]))

    assert tray.show() is False
    assert not tray.icon.isVisible()


def test_clicking_the_tray_icon_shows_the_window(qtbot):
    actions = AppActions()
    tray = Tray(actions, lambda: summarise([]))
    shown: list[bool] = []
    actions.show_window.triggered.connect(lambda: shown.append(True))

    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)

    assert shown == [True]
