"""The main window: the task table, the details of the selected task and each site's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import APP_NAME
from gui.polling.states import TaskEvent, TaskView
from gui.views.actions import AppActions
from gui.views.details_pane import DetailsPane
from gui.views.notice_banner import NoticeBanner
from gui.views.progress_delegate import ProgressDelegate
from gui.views.site_status import SiteStatusBar
from gui.views.task_menu import build_task_menu
from gui.views.task_model import Column, Key, Role, TaskTableModel
from gui.views.welcome import WelcomePanel

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from gui.confluence.site import SiteConfig

_COLUMN_WIDTHS = {
    Column.TASK: 190,
    Column.SITE: 110,
    Column.PROGRESS: 130,
    Column.ELAPSED: 64,
    Column.ETA: 64,
    Column.STATE: 150,
}


class MainWindow(QMainWindow):
    """Shows the model; asks the app (through signals) for anything beyond showing."""

    unwatchRequested = Signal(str, str)  # noqa: N815 - Qt signal naming
    finishedCleared = Signal(list)  # noqa: N815 - [(site_id, task_id)] dropped from the table
    quitRequested = Signal()  # noqa: N815 - the window was closed with no tray to hide in

    def __init__(self, actions: AppActions | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.app_actions = actions or AppActions(self)
        # The model sorts itself (see task_model.py for why there is no sort proxy).
        self.model = TaskTableModel(self)
        self._sites: dict[str, SiteConfig] = {}
        self._close_hides = False
        self._loading = False

        self.table = self._build_table()
        self.details = DetailsPane(self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.welcome = WelcomePanel(self.app_actions.add_site, self.app_actions.try_demo, self)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.welcome)
        self._stack.addWidget(splitter)
        self.notice = NoticeBanner(self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notice)
        column.addWidget(self._stack, 1)
        self.setCentralWidget(central)

        self.site_status = SiteStatusBar(self)
        self.statusBar().addWidget(self.site_status, 1)
        self.site_status.changed.connect(self._sync_site_problems)
        self._build_menus()

        self.app_actions.clear_finished.triggered.connect(self.clear_finished)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.model.dataChanged.connect(self._refresh_details)
        self.model.modelReset.connect(self._show_current)
        self.model.rowsInserted.connect(self._update_page)

        # Elapsed times count up between polls; only while someone can see them.
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.model.tick)
        self._update_page()
        self.resize(1000, 560)

    # Sites

    def set_site(self, site: SiteConfig) -> None:
        self._sites[site.site_id] = site
        self.model.set_site_name(site.site_id, site.name)
        self.site_status.set_site(site.site_id, site.name)
        self._update_page()

    def remove_site(self, site_id: str) -> None:
        self._sites.pop(site_id, None)
        self.site_status.remove_site(site_id)
        self._update_page()

    def sites(self) -> list[SiteConfig]:
        return list(self._sites.values())

    def task_url(self, view: TaskView) -> str | None:
        site = self._sites.get(view.site_id)
        return site.address.task_url(view.task_id) if site else None

    def show_notice(self, text: str) -> None:
        """Tell the user something that needs no answer, in the window (plain text)."""
        self.notice.show_notice(text)

    def withdraw_notice(self, text: str) -> None:
        """Hide the notice if it still says ``text`` (it may have been replaced since)."""
        if self.notice.isVisibleTo(self) and self.notice.label.text() == text:
            self.notice.hide()

    # Tasks

    def apply_task_events(self, events: list[TaskEvent]) -> None:
        self.model.apply(events)
        # The model stays quiet about changes no cell shows (a running task's server elapsed
        # time), but the details pane shows the whole answer.
        current = self.selected_task()
        if current is not None and any(event.task.key == current.key for event in events):
            self._show_current()

    def clear_finished(self) -> None:
        current = self.selected_task()
        cleared = self.model.clear_finished()
        if cleared:
            # The selection stays on a task that is still listed (many runs of finished rows
            # go in one model reset, which drops it) and goes with a cleared one, rather than
            # moving to whichever row took its place.
            if current is None or current.phase.ended:
                self.table.selectionModel().clear()
            else:
                self.select_task(current.key)
            self.finishedCleared.emit(cleared)

    def select_task(self, key: Key) -> bool:
        """Select and reveal a task (a notification was clicked); False if it is not listed."""
        row = self.model.row_of(key)
        if row is None:
            return False
        index = self.model.index(row, Column.TASK)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def selected_task(self) -> TaskView | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        view = index.data(Role.VIEW)
        return view if isinstance(view, TaskView) else None

    def task_menu(self, view: TaskView) -> QMenu:
        return build_task_menu(view, self.task_url(view), self.unwatchRequested.emit, self)

    # Window behaviour

    def set_close_hides(self, hides: bool) -> None:
        """With a tray, closing hides the window; without one, closing quits the app."""
        self._close_hides = hides

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self._close_hides:
            event.ignore()
            self.hide()
            return
        event.accept()
        self.quitRequested.emit()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self._ticker.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self._ticker.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    def bring_up(self) -> None:
        """Show, un-minimise and raise the window (tray click, notification, second start)."""
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    # Building

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # arrival order until asked
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        for column, width in _COLUMN_WIDTHS.items():
            table.setColumnWidth(column, width)
        header.setSectionResizeMode(Column.MESSAGE, QHeaderView.ResizeMode.Stretch)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)

        stop = QAction("Stop watching", table)
        stop.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        stop.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        stop.triggered.connect(self._unwatch_selected)
        table.addAction(stop)
        # Shift+F10 opens the context menu as on Windows and GNOME (the Menu key works anyway).
        menu = QAction("Task menu", table)
        menu.setShortcut(QKeySequence("Shift+F10"))
        menu.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        menu.triggered.connect(lambda: self._context_menu(QPoint(-1, -1)))
        table.addAction(menu)
        return table

    def _build_menus(self) -> None:
        a = self.app_actions
        app_menu = self.menuBar().addMenu("&App")
        app_menu.addActions([a.add_task, a.add_site, a.settings])
        app_menu.addSeparator()
        app_menu.addAction(a.quit)
        poll_menu = self.menuBar().addMenu("&Polling")
        poll_menu.addActions([a.poll_now, a.pause, a.retry_sign_in])
        poll_menu.addSeparator()
        poll_menu.addAction(a.clear_finished)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.addActions([a.add_task, a.poll_now, a.pause, a.clear_finished, a.settings])

    def set_loading(self, loading: bool) -> None:
        """While the saved sites are still being read, show the (empty) table rather than the
        first-start panel, which would flash up for a moment on every start."""
        self._loading = loading
        self._update_page()

    def _update_page(self, *_: object) -> None:
        has_content = self._loading or bool(self._sites) or self.model.rowCount() > 0
        self._stack.setCurrentIndex(1 if has_content else 0)

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            # The menu key: use the current row, and open the menu beside it.
            index = self.table.currentIndex()
            position = self.table.visualRect(index).center()
        view = index.data(Role.VIEW) if index.isValid() else None
        if isinstance(view, TaskView):
            self.task_menu(view).popup(self.table.viewport().mapToGlobal(position))

    def _unwatch_selected(self) -> None:
        view = self.selected_task()
        if view is not None:
            self.unwatchRequested.emit(view.site_id, view.task_id)

    def _show_current(self, *_: object) -> None:
        view = self.selected_task()
        if view is None:
            self.details.show_nothing()
            return
        site = self._sites.get(view.site_id)
        line = self.site_status.line(view.site_id)
        self.details.show_task(
            view,
            site.name if site else view.site_id,
            self.task_url(view),
            line.text(self.site_status.paused) if line else "",
        )

    def _sync_site_problems(self) -> None:
        for site_id in self._sites:
            self.model.set_site_problem(site_id, self.site_status.problem(site_id))
        self._show_current()

    def _refresh_details(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if top_left.column() == Column.ELAPSED and bottom_right.column() == Column.ELAPSED:
            return  # the local elapsed tick: nothing in the details changed
        current = self.table.currentIndex()
        if current.isValid() and top_left.row() <= current.row() <= bottom_right.row():
            self._show_current()
