"""The context menu of a task row: open in the browser, copy its id or URL, stop watching."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from gui.polling.states import TaskView

log = logging.getLogger(__name__)


def open_in_browser(url: str) -> bool:
    """Hand a URL to the desktop's browser; only http(s) URLs, whatever the server sent."""
    # Imported here: PySide6 builds QUrl's five enums on first import (about 1 ms), and the
    # window's start opens no link.
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    link = QUrl(url)
    if link.scheme() not in ("http", "https"):
        log.warning("Not opening a link that is not http(s): %r", url[:200])
        return False
    return QDesktopServices.openUrl(link)


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def build_task_menu(
    view: TaskView,
    task_url: str | None,
    unwatch: Callable[[str, str], None],
    parent: QWidget | None = None,
) -> QMenu:
    """A menu for one task; actions are disabled when what they need is missing."""
    menu = QMenu(parent)
    result_url = view.status.result_url if view.status else None

    open_result = menu.addAction("Open result in browser")
    open_result.setEnabled(bool(result_url))
    if result_url:
        open_result.triggered.connect(lambda: open_in_browser(result_url))

    open_task = menu.addAction("Open task URL in browser")
    open_task.setEnabled(bool(task_url))
    menu.addSeparator()

    copy_id = menu.addAction("Copy task id")
    copy_id.triggered.connect(lambda: copy_text(view.task_id))

    copy_url = menu.addAction("Copy task URL")
    copy_url.setEnabled(bool(task_url))
    if task_url:
        open_task.triggered.connect(lambda: open_in_browser(task_url))
        copy_url.triggered.connect(lambda: copy_text(task_url))
    menu.addSeparator()

    stop = menu.addAction("Stop watching")
    stop.triggered.connect(lambda: unwatch(view.site_id, view.task_id))
    return menu
