"""The order of the task table's rows: the order the tasks arrived in, or sorted by one column.

The rows are kept in arrival order in one list, appended to and taken from but never reordered,
so a re-sort is one stable sort of it by the column's key: rows with equal keys stay in arrival
order, in a descending sort too (``sorted(reverse=True)`` keeps ties in their order). A new
order reaches the view in one layout change that the selection and the current row follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex

R = TypeVar("R")  # a row of the model
C = TypeVar("C", bound=int)  # a column of the model
SortKey = float | str


class RowOrder(Generic[R, C]):
    """The rows in the order they arrived, and the column (if any) they are shown sorted by."""

    def __init__(self, key: Callable[[R, C], SortKey]) -> None:
        self._key = key  # a row's value in a column, as sorting compares it
        self._arrived: list[R] = []
        self.column: C | None = None  # None: arrival order
        self.descending = False

    def add(self, rows: Iterable[R]) -> None:
        self._arrived.extend(rows)

    def keep(self, kept: Callable[[R], bool]) -> None:
        """Forget the rows ``kept`` refuses (removed from the table)."""
        self._arrived = [row for row in self._arrived if kept(row)]

    def sort_by(self, column: C | None, descending: bool) -> None:
        self.column = column
        self.descending = descending

    def sorts_within(self, first: C, last: C) -> bool:
        """Whether a change to the cells of columns ``first`` to ``last`` can move rows."""
        return self.column is not None and first <= self.column <= last

    def ordered(self) -> list[R]:
        """The rows in the order to show them, computing one key per row."""
        column = self.column
        if column is None:
            return list(self._arrived)
        return sorted(
            self._arrived, key=lambda row: self._key(row, column), reverse=self.descending
        )


def show_in_order(
    model: QAbstractItemModel,
    shown: list[R],
    ordered: list[R],
    install: Callable[[list[R]], None],
) -> None:
    """Show ``ordered`` (the rows of ``shown`` in a new order) in one layout change; nothing when
    the order is the same. ``install`` makes ``ordered`` the model's rows."""
    if all(new is old for new, old in zip(ordered, shown, strict=True)):
        return
    model.layoutAboutToBeChanged.emit()
    # The selection and the current row are persistent indexes: they follow their rows.
    moved_to = {id(row): number for number, row in enumerate(ordered)}
    before = model.persistentIndexList()
    after = [
        model.index(moved_to[id(shown[index.row()])], index.column())
        if 0 <= index.row() < len(shown)
        else QModelIndex()
        for index in before
    ]
    install(ordered)
    model.changePersistentIndexList(before, after)
    model.layoutChanged.emit()


def runs(positions: list[int], gap: int = 1) -> list[tuple[int, int]]:
    """Sorted row numbers as runs of rows at most ``gap`` apart: [1, 2, 3, 7] gives [(1, 3),
    (7, 7)], and with a gap of 4, [(1, 7)]."""
    found: list[tuple[int, int]] = []
    for position in positions:
        if found and position - found[-1][1] <= gap:
            found[-1] = (found[-1][0], position)
        else:
            found.append((position, position))
    return found
