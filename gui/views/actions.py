"""The user's commands as QActions, shared by the window's menu and toolbar and the tray menu."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


class AppActions(QObject):
    """One QAction per command so the window and the tray stay in step (e.g. Pause/Resume)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_window = self._make("Show window")
        self.add_task = self._make("Add task…", QKeySequence.StandardKey.New)
        self.add_site = self._make("Add a site…")
        self.try_demo = self._make("Try the demo")
        self.poll_now = self._make("Poll now", QKeySequence.StandardKey.Refresh)
        self.pause = self._make("Pause polling", "Ctrl+P")
        self.pause.setCheckable(True)
        self.pause.toggled.connect(self._pause_toggled)
        self.retry_sign_in = self._make("Retry sign-in")
        self.retry_sign_in.setToolTip("Send the credentials again to the sites that refused them")
        self.clear_finished = self._make("Clear finished", "Ctrl+Shift+Del")
        self.settings = self._make("Settings…", QKeySequence.StandardKey.Preferences)
        self.quit = self._make("Quit", QKeySequence.StandardKey.Quit)

    def _make(self, text: str, shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _pause_toggled(self, paused: bool) -> None:
        self.pause.setText("Resume polling" if paused else "Pause polling")
