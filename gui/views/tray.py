"""The tray icon: overall state at a glance, a summary tooltip and a menu with every command."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from gui import APP_NAME
from gui.polling.states import Phase, TaskView
from gui.resources import MissingResource, TrayState, ring_step, tray_icon
from gui.views import formatting
from gui.views.actions import AppActions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraySummary:
    """What the tray says: how many tasks run, how far along they are, what needs a look."""

    running: int
    percent: int | None  # mean percent of the running tasks
    soonest_eta: float | None
    failed: int
    sites_needing_sign_in: int
    paused: bool = False

    @property
    def state(self) -> TrayState:
        if self.failed or self.sites_needing_sign_in:
            return TrayState.ATTENTION
        return TrayState.RUNNING if self.running else TrayState.IDLE

    def tooltip(self) -> str:
        lines = [APP_NAME]
        if self.running:
            lines.append(f"{self.running} task{'s' if self.running != 1 else ''} running")
            lines.append(f"Overall {self.percent} %")
            if self.soonest_eta is not None:
                lines.append(f"Next done in about {formatting.duration_text(self.soonest_eta)}")
        else:
            lines.append("No task running")
        if self.failed:
            lines.append(f"{self.failed} failed or gone")
        if self.sites_needing_sign_in:
            n = self.sites_needing_sign_in
            lines.append(f"{n} site{'s' if n != 1 else ''} need{'s' if n == 1 else ''} sign-in")
        if self.paused:
            lines.append("Polling paused")
        return "\n".join(lines)


def summarise(
    tasks: Iterable[TaskView], sites_needing_sign_in: int = 0, paused: bool = False
) -> TraySummary:
    """The tray's summary of every listed task; failures count until they are cleared."""
    percents: list[int] = []
    etas: list[float] = []
    failed = 0
    for view in tasks:
        if view.phase in (Phase.RUNNING, Phase.WAITING):
            percents.append(view.status.percent if view.status else 0)
            if view.eta_seconds is not None:
                etas.append(view.eta_seconds)
        elif view.phase in (Phase.FAILED, Phase.GONE):
            failed += 1
    return TraySummary(
        running=len(percents),
        percent=round(sum(percents) / len(percents)) if percents else None,
        soonest_eta=min(etas) if etas else None,
        failed=failed,
        sites_needing_sign_in=sites_needing_sign_in,
        paused=paused,
    )


def state_icon(state: TrayState, fraction: float | None) -> QIcon:
    """The bundled tray icon, or a plain painted dot when the bundle lacks it."""
    try:
        return tray_icon(state, fraction)
    except MissingResource as error:
        log.warning("Tray icon missing, drawing a plain one: %s", error)
        colours = {
            TrayState.IDLE: QColor(120, 120, 120),
            TrayState.RUNNING: QColor(38, 132, 255),
            TrayState.ATTENTION: QColor(207, 34, 46),
        }
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(colours[state])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(4, 4, 24, 24)
        painter.end()
        return QIcon(pixmap)


class Tray(QObject):
    """Owns the QSystemTrayIcon; ``refresh()`` is cheap to call after every change."""

    def __init__(
        self,
        actions: AppActions,
        summary_source: Callable[[], TraySummary],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._summary_source = summary_source
        self.summary = summary_source()
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.menu.addAction(actions.show_window)
        self.menu.addSeparator()
        self.menu.addActions([actions.add_task, actions.poll_now, actions.pause])
        self.menu.addSeparator()
        self.menu.addActions([actions.settings, actions.quit])
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._show_window = actions.show_window
        self._shown_icon_key: tuple[TrayState, int | None] | None = None
        self._shown_tooltip: str | None = None
        # Many changes in one event-loop turn make one refresh.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        # No icon yet: rendering it is left to show(), after the window's first paint.

    def show(self) -> bool:
        """Show the icon, up to date, if the desktop has a tray; returns whether it is shown."""
        self.refresh()
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("No system tray on this desktop: the window is the way in")
            return False
        self.icon.show()
        return True

    def hide(self) -> None:
        self.icon.hide()

    def refresh_soon(self, *_: object) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh(self) -> None:
        self.summary = self._summary_source()
        state = self.summary.state
        fraction = None
        if state is TrayState.RUNNING and self.summary.percent is not None:
            fraction = self.summary.percent / 100
        # Only a change the user can see reaches the tray: on a desktop tray each new icon or
        # tooltip is sent to the tray host, and a new ring step is rendered here first.
        key = (state, None if fraction is None else ring_step(fraction))
        if key != self._shown_icon_key:
            self.icon.setIcon(state_icon(state, fraction))
            self._shown_icon_key = key
        # Tray hosts differ in whether they render tooltip markup, so the text stays plain and
        # holds no server text (titles and counts only).
        tooltip = self.summary.tooltip()
        if tooltip != self._shown_tooltip:
            self.icon.setToolTip(tooltip)
            self._shown_tooltip = tooltip

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self._show_window.trigger()
