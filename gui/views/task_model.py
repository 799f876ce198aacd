"""The table of watched tasks: one row per (site, task), updated in batches from tracker events.

Only the rows an event batch touches emit ``dataChanged`` and new rows arrive in one insert per
batch, so a thousand watched tasks cost little per poll cycle.

The model sorts itself (``sort``, called on a header click): a QSortFilterProxyModel calls
``data()`` twice per comparison and re-sorts on every change, half a second per poll of 3,000
sorted tasks. Here a batch re-sorts at most once, by one key per row (gui/views/task_sorting.py).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from gui.confluence.plain_text import display_text
from gui.polling.states import Phase, TaskEvent, TaskView
from gui.views import formatting
from gui.views.task_sorting import RowOrder, SortKey, runs, show_in_order

Key = tuple[str, str]
# Rows apart at most this much share one dataChanged; the rows between repaint for nothing.
_BRIDGED_GAP = 16
# Batches up to this size emit dataChanged only for the cells whose shown content changed.
_PRECISE_BATCH = 64
# Of a server message, the table cell shows one line and the tooltip a screenful; both are asked
# for on every paint and hover, so a message of megabytes must not reach them whole.
_CELL_CHARACTERS = 300
_TOOLTIP_CHARACTERS = 1000
# Clearing finished tasks removes them run by run (the selection and scroll position stay) while
# they sit in at most this many runs of rows; more, and one reset is cheaper than the signals.
_REMOVED_RUNS = 32
AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    """The table's columns, in display order."""

    TASK = 0
    SITE = 1
    PROGRESS = 2
    ELAPSED = 3
    ETA = 4
    MESSAGE = 5
    STATE = 6

    @property
    def header(self) -> str:
        return self.name.capitalize() if self is not Column.ETA else "ETA"


class Role(enum.IntEnum):
    """Data the delegate, the details pane and the window read beyond the displayed text."""

    VIEW = Qt.ItemDataRole.UserRole + 1  # the TaskView
    PERCENT = Qt.ItemDataRole.UserRole + 2
    PHASE = Qt.ItemDataRole.UserRole + 3
    KEY = Qt.ItemDataRole.UserRole + 4


# Looked up by column number in data(), which the view calls for every role of every visible
# cell: a tuple index is cheaper than calling the enum.
_COLUMNS = tuple(Column)
# The roles data() answers. A view asks each cell for seven roles per paint (font, colours, check
# state, decoration...) and the table answers none of those, so they are turned away first.
_ANSWERED_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        *Role,
    }
)


@dataclass
class _Row:
    view: TaskView
    seen_at: float  # monotonic time of the answer the elapsed time comes from


class TaskTableModel(QAbstractTableModel):
    """Watched tasks keyed by (site_id, task_id); finished ones stay until cleared."""

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []  # as shown
        self._order: RowOrder[_Row, Column] = RowOrder(self._sort_value)
        self._index: dict[Key, int] = {}
        self._site_names: dict[str, str] = {}
        # Why a site gives no answers, shown in its rows that are still waiting for one.
        self._site_problems: dict[str, str] = {}
        self._clock = clock

    # Reading

    def rowCount(self, parent: AnyIndex | None = None) -> int:  # noqa: N802 - Qt API
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex | None = None) -> int:  # noqa: N802 - Qt API
        return 0 if parent is not None and parent.isValid() else len(_COLUMNS)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return Column(section).header
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        number = index.row()  # -1 for an invalid index
        if role not in _ANSWERED_ROLES or not 0 <= number < len(self._rows):
            return None
        row = self._rows[number]
        view = row.view
        column = _COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(view, column)
        if role == Role.VIEW:
            return view
        if role == Role.PERCENT:
            return view.status.percent if view.status else None
        if role == Role.PHASE:
            return view.phase
        if role == Role.KEY:
            return view.key
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.ELAPSED, Column.ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def task(self, row: int) -> TaskView:
        return self._rows[row].view

    def tasks(self) -> list[TaskView]:
        return [row.view for row in self._rows]

    def row_of(self, key: Key) -> int | None:
        return self._index.get(key)

    def elapsed_seconds(self, row: int) -> float | None:
        """Server elapsed time, ticking on locally between polls while the task runs."""
        return self._elapsed(self._rows[row])

    def _elapsed(self, entry: _Row) -> float | None:
        view, status = entry.view, entry.view.status
        if status is None or (view.phase is Phase.RUNNING and not status.raw):
            return None  # no answer in this run yet (a task restored from the last one)
        seconds = status.elapsed_ms / 1000
        # Counted on only while the last answer stands: not while the site gives none (paused,
        # refused, unreachable) or the task's own cannot be read.
        answer = view.last_answer
        if (
            view.phase is Phase.RUNNING
            and not view.last_error
            and not self._site_problems.get(view.site_id)
            and (answer is None or answer.ok)
        ):
            seconds += max(0.0, self._clock() - entry.seen_at)
        return seconds

    # Changing

    def set_site_name(self, site_id: str, name: str) -> None:
        self._site_names[site_id] = name
        self._emit_rows(i for i, row in enumerate(self._rows) if row.view.site_id == site_id)
        self._resort_after(Column.SITE, Column.SITE)

    def set_site_problem(self, site_id: str, problem: str) -> None:
        """Why a site gives no answers ("" when it does): its tasks still waiting show it."""
        if self._site_problems.get(site_id, "") == problem:
            return
        self._site_problems[site_id] = problem
        waiting = (
            i
            for i, row in enumerate(self._rows)
            if row.view.site_id == site_id and row.view.status is None
        )
        self._emit_rows(waiting, Column.MESSAGE, Column.MESSAGE)
        self._resort_after(Column.MESSAGE, Column.MESSAGE)

    def apply(self, events: Iterable[TaskEvent]) -> None:
        """Apply one batch: rows whose shown cells changed emit dataChanged (over just those
        cells, or one span for a big batch), new rows come in one insert, and a sorted table
        re-sorts once."""
        latest: dict[Key, TaskView] = {}
        for event in events:
            latest[event.task.key] = event.task  # a later event for the same task wins
        now = self._clock()
        changed: list[int] = []
        # Sparing repaints pays when a few rows change (ten tasks, one poll each); a batch that
        # touches many rows repaints the visible ones once anyway, and checking costs more there.
        precise = len(latest) <= _PRECISE_BATCH
        first, last = (Column.STATE, Column.TASK) if precise else (Column.TASK, Column.STATE)
        added: list[_Row] = []
        for key, view in latest.items():
            position = self._index.get(key)
            if position is None:
                added.append(_Row(view, now))
                continue
            row = self._rows[position]
            if row.view.status is not view.status:
                row.seen_at = now
            if precise:
                span = _changed_span(row.view, view)
                if span is not None:
                    changed.append(position)
                    first, last = min(first, span[0]), max(last, span[1])
            else:
                changed.append(position)
            row.view = view
        if precise:
            # One column span for the whole batch keeps neighbouring rows in one signal.
            self._emit_rows(changed, first, last)
        elif changed:
            # Many rows: one signal, and the view repaints what it shows once.
            self._emit_span(min(changed), max(changed), first, last)
        if added:
            top = len(self._rows)
            self.beginInsertRows(QModelIndex(), top, top + len(added) - 1)
            for offset, row in enumerate(added):
                self._index[row.view.key] = top + offset
            self._rows.extend(added)
            self._order.add(added)
            self.endInsertRows()
            self._resort_after(Column.TASK, Column.STATE)
        elif changed:
            self._resort_after(first, last)

    def remove(self, key: Key) -> None:
        position = self._index.get(key)
        if position is None:
            return
        row = self._rows[position]
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        self._order.keep(lambda kept: kept is not row)
        self.endRemoveRows()
        self._reindex()

    def clear_finished(self) -> list[Key]:
        """Drop every ended task; returns their keys so the caller can unwatch them."""
        ended = [i for i, row in enumerate(self._rows) if row.view.phase.ended]
        if not ended:
            return []
        keys = [self._rows[i].view.key for i in ended]
        self._order.keep(lambda row: not row.view.phase.ended)
        removed = runs(ended)
        if len(removed) > _REMOVED_RUNS:
            self.beginResetModel()
            self._rows = [row for row in self._rows if not row.view.phase.ended]
            self._reindex()
            self.endResetModel()
            return keys
        for top, bottom in reversed(removed):  # from the bottom up, so the runs above stay put
            self.beginRemoveRows(QModelIndex(), top, bottom)
            del self._rows[top : bottom + 1]
            self._reindex()
            self.endRemoveRows()
        return keys

    def tick(self) -> None:
        """Refresh the Elapsed column of running tasks so it counts up between polls.

        Only Elapsed moves with time (an ETA is the estimate of the last answer), so only a
        table sorted by Elapsed is re-sorted.
        """
        running = [i for i, row in enumerate(self._rows) if row.view.phase is Phase.RUNNING]
        if running:
            self._emit_span(running[0], running[-1], Column.ELAPSED, Column.ELAPSED)
            self._resort_after(Column.ELAPSED, Column.ELAPSED)

    # Sorting

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (-1: the order tasks arrived in) and keep it so through changes."""
        sorted_by = _COLUMNS[column] if 0 <= column < len(_COLUMNS) else None
        self._order.sort_by(sorted_by, order == Qt.SortOrder.DescendingOrder)
        self._resort()

    def _resort_after(self, first: Column, last: Column) -> None:
        """Re-sort when cells of columns ``first`` to ``last`` changed and one is sorted by."""
        if self._order.sorts_within(first, last):
            self._resort()

    def _resort(self) -> None:
        show_in_order(self, self._rows, self._order.ordered(), self._show)

    def _show(self, rows: list[_Row]) -> None:
        self._rows = rows
        self._reindex()

    # Internals

    def _reindex(self) -> None:
        self._index = {row.view.key: i for i, row in enumerate(self._rows)}

    def _emit_rows(
        self, rows: Iterable[int], first: Column = Column.TASK, last: Column = Column.STATE
    ) -> None:
        # One signal per run of nearby rows keeps a refresh to a handful of signals. Each signal
        # costs the view and every listener (details pane, tray) more than repainting a few
        # unchanged rows that sit between changed ones, so short gaps are bridged.
        for top, bottom in runs(sorted(set(rows)), _BRIDGED_GAP):
            self._emit_span(top, bottom, first, last)

    def _emit_span(self, top: int, bottom: int, first: Column, last: Column) -> None:
        self.dataChanged.emit(self.index(top, first), self.index(bottom, last))

    def _display(self, row: _Row, column: Column) -> str | None:
        view = row.view
        if column is Column.TASK:
            return formatting.title_text(view)
        if column is Column.SITE:
            return self._site_names.get(view.site_id, view.site_id)
        if column is Column.PROGRESS:
            return f"{view.status.percent} %" if view.status else ""
        if column is Column.ELAPSED:
            return formatting.duration_text(self._elapsed(row))
        if column is Column.ETA:
            return formatting.duration_text(_eta(view))
        if column is Column.MESSAGE:
            # One line in the table; the details pane shows more.
            problem = self._site_problems.get(view.site_id, "")
            return display_text(formatting.message_text(view, problem, _CELL_CHARACTERS))
        return formatting.state_text(view)

    def _sort_value(self, row: _Row, column: Column) -> SortKey:
        view = row.view
        if column is Column.PROGRESS:
            return view.status.percent if view.status else -1
        if column is Column.ELAPSED:
            return self._elapsed(row) or 0.0
        if column is Column.ETA:
            # Unknown ETAs sort after every known one.
            eta = _eta(view)
            return eta if eta is not None else float("inf")
        return (self._display(row, column) or "").casefold()

    def _tooltip(self, view: TaskView, column: Column) -> str | None:
        if column in (Column.MESSAGE, Column.TASK, Column.STATE):
            problem = self._site_problems.get(view.site_id, "")
            text = formatting.message_text(view, problem, _TOOLTIP_CHARACTERS)
            return formatting.rich_tooltip(f"{formatting.title_text(view)}\n{text}")
        return None


def _changed_span(old: TaskView, new: TaskView) -> tuple[Column, Column] | None:
    """The columns whose shown content differs between two views of a task, or None.

    Most polls of a running task only move its server elapsed time, which the table already
    counts up locally (``tick``); repainting the row for it would cost the GUI thread a paint per
    task per poll for nothing the user could see. Plain field comparisons: this runs for every
    task of every poll.
    """
    before, after = old.status, new.status
    if old.phase is not new.phase or before is None or after is None:
        return Column.TASK, Column.STATE
    first, last = Column.STATE + 1, Column.TASK - 1
    if before.title != after.title:
        first = last = Column.TASK
    if before.percent != after.percent:
        first, last = min(first, Column.PROGRESS), max(last, Column.PROGRESS)
    if new.phase is not Phase.RUNNING and before.elapsed_ms != after.elapsed_ms:
        first, last = min(first, Column.ELAPSED), max(last, Column.ELAPSED)
    if old.eta_seconds != new.eta_seconds and _shown_seconds(_eta(old)) != _shown_seconds(
        _eta(new)
    ):
        first, last = min(first, Column.ETA), max(last, Column.ETA)
    if (
        before.message != after.message
        or before.failure_reason != after.failure_reason
        or old.last_error != new.last_error
    ):
        first, last = min(first, Column.MESSAGE), max(last, Column.MESSAGE)
    if old.stalled != new.stalled:
        last = Column.STATE
        first = min(first, Column.STATE)
    return (Column(first), Column(last)) if first <= last else None


def _shown_seconds(seconds: float | None) -> int | None:
    # What formatting.duration_text shows depends only on this, and it is much cheaper to compare.
    return None if seconds is None or seconds < 0 else round(seconds)


def _eta(view: TaskView) -> float | None:
    # A task that stopped running keeps the estimate it had; it no longer means anything.
    return view.eta_seconds if view.phase is Phase.RUNNING else None
