"""The task table model and the progress delegate, fed with tracker events directly."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableView
from views_helpers import event, task_view

from gui.polling.states import Phase
from gui.views.event_batch import TaskEventBatch
from gui.views.progress_delegate import ProgressDelegate
from gui.views.task_model import Column, Role, TaskTableModel


class Recorder:
    """Collects a model's dataChanged and rowsInserted signals."""

    def __init__(self, model: TaskTableModel) -> None:
        self.changed: list[tuple[int, int]] = []
        self.inserted: list[tuple[int, int]] = []
        self.columns: list[tuple[int, int]] = []
        model.dataChanged.connect(lambda a, b, *_: self.changed.append((a.row(), b.row())))
        model.dataChanged.connect(lambda a, b, *_: self.columns.append((a.column(), b.column())))
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))

    def changed_rows(self) -> set[int]:
        return {row for first, last in self.changed for row in range(first, last + 1)}


def shown(model: TaskTableModel, row: int, column: Column) -> object:
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_new_tasks_arrive_in_one_insert_per_batch(qapp):
    model = TaskTableModel()
    recorder = Recorder(model)

    model.apply([event(task_view(str(n), n), None) for n in range(50)])

    assert model.rowCount() == 50
    assert recorder.inserted == [(0, 49)]
    assert recorder.changed == []


def test_only_changed_rows_emit_data_changed(qapp):
    model = TaskTableModel()
    model.apply([event(task_view(str(n), 10), None) for n in range(100)])
    recorder = Recorder(model)

    model.apply([event(task_view("7", 40)), event(task_view("8", 41)), event(task_view("90", 5))])

    assert recorder.changed_rows() == {7, 8, 90}
    assert len(recorder.changed) == 2  # rows 7-8 share one signal
    assert recorder.inserted == []


def test_a_poll_that_only_moves_elapsed_time_repaints_nothing(qapp):
    model = TaskTableModel()
    model.apply([event(task_view("1", 10), None), event(task_view("2", 10), None)])
    recorder = Recorder(model)

    model.apply([event(task_view("1", 10, elapsedTime=14_000))])
    assert recorder.changed == []
    assert model.task(0).status is not None and model.task(0).status.elapsed_ms == 14_000

    model.apply([event(task_view("2", 11, elapsedTime=14_000))])
    assert recorder.columns == [(Column.PROGRESS, Column.PROGRESS)]


def test_columns_show_title_site_progress_eta_message_and_state(qapp):
    model = TaskTableModel(clock=lambda: 100.0)
    model.set_site_name("site-a", "Acme wiki")
    view = task_view("42", 37, message="Exporting pages")
    model.apply([event(view.__class__(**{**view.__dict__, "eta_seconds": 75.0}), None)])

    assert shown(model, 0, Column.TASK) == "Export space"
    assert shown(model, 0, Column.SITE) == "Acme wiki"
    assert shown(model, 0, Column.PROGRESS) == "37 %"
    assert shown(model, 0, Column.ELAPSED) == "12 s"
    assert shown(model, 0, Column.ETA) == "1:15"
    assert shown(model, 0, Column.MESSAGE) == "Exporting pages"
    assert shown(model, 0, Column.STATE) == "running"


def test_eta_is_blank_until_estimated_and_stall_is_shown(qapp):
    model = TaskTableModel()
    view = task_view("1", 5)
    model.apply([event(view, None)])
    assert shown(model, 0, Column.ETA) == ""

    model.apply([event(view.__class__(**{**view.__dict__, "stalled": True}))])
    assert shown(model, 0, Column.STATE) == "running (possibly stalled)"

    gone = task_view("1", 5, Phase.GONE)
    model.apply([event(gone.__class__(**{**gone.__dict__, "eta_seconds": 30.0}))])
    assert shown(model, 0, Column.ETA) == ""  # an estimate means nothing once a task is gone


def test_elapsed_counts_up_between_polls_while_running(qapp):
    now = [100.0]
    model = TaskTableModel(clock=lambda: now[0])
    model.apply([event(task_view("1", 5), None)])
    recorder = Recorder(model)

    now[0] += 50
    model.tick()

    assert shown(model, 0, Column.ELAPSED) == "1:02"
    assert recorder.changed == [(0, 0)]


def test_finished_tasks_stay_until_cleared(qapp):
    model = TaskTableModel()
    model.apply([event(task_view("1", 100, Phase.SUCCEEDED), None)])
    model.apply([event(task_view("2", 30, Phase.FAILED, errors=["Disk full"]), None)])
    model.apply([event(task_view("3", 50), None)])
    assert shown(model, 1, Column.MESSAGE) == "Disk full"
    assert shown(model, 1, Column.STATE) == "failed"

    cleared = model.clear_finished()

    assert sorted(cleared) == [("site-a", "1"), ("site-a", "2")]
    assert [view.task_id for view in model.tasks()] == ["3"]
    assert model.row_of(("site-a", "3")) == 0


def test_tooltips_escape_server_text(qapp):
    model = TaskTableModel()
    model.apply([event(task_view("1", 5, message="<img src=x> & <b>x</b>"), None)])

    tip = model.data(model.index(0, Column.MESSAGE), Qt.ItemDataRole.ToolTipRole)

    assert "<b>" not in tip and "<img" not in tip
    assert "&lt;b&gt;x&lt;/b&gt;" in tip


def test_sorting_by_progress_uses_numbers_not_text(qapp):
    model = TaskTableModel()
    model.apply([event(task_view(str(n), p), None) for n, p in enumerate([9, 100, 10, 55])])

    model.sort(Column.PROGRESS, Qt.SortOrder.AscendingOrder)

    assert [model.index(r, 0).data(Role.PERCENT) for r in range(4)] == [9, 10, 55, 100]


def test_batch_delivers_many_signals_as_one_apply(qtbot):
    batches: list[int] = []
    batch = TaskEventBatch(lambda events: batches.append(len(events)))
    for n in range(30):
        batch.add(event(task_view(str(n), n), None))

    qtbot.waitUntil(lambda: batches == [30], timeout=1000)


def _progress_cell(qtbot, *views) -> list[QImage]:
    model = TaskTableModel()
    model.apply([event(view, None) for view in views])
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(table))
    table.setColumnWidth(Column.PROGRESS, 160)
    table.resize(900, 200)
    table.show()
    images = []
    for row in range(len(views)):
        rect = table.visualRect(model.index(row, Column.PROGRESS))
        images.append(table.viewport().grab(rect).toImage())
    return images


def _colours(image: QImage) -> set[int]:
    return {image.pixel(x, image.height() // 2) for x in range(4, image.width() - 4)}


def test_delegate_paints_differently_by_percent_and_state(qtbot):
    low, high, failed, done = _progress_cell(
        qtbot,
        task_view("1", 10),
        task_view("2", 90),
        task_view("3", 90, Phase.FAILED),
        task_view("4", 100, Phase.SUCCEEDED),
    )

    assert low != high  # the bar length follows the percent
    assert _colours(high) != _colours(failed)  # red-ish for a failure
    assert _colours(failed) != _colours(done)  # green-ish for success
    assert len(_colours(high)) > 2  # a bar and text, not an empty cell


def test_data_outside_the_rows_is_empty(qapp):
    model = TaskTableModel()
    assert model.data(QModelIndex()) is None
    assert model.data(model.index(5, 0)) is None


def test_delegate_fills_the_bar_from_the_left_up_to_the_percent(qtbot):
    (bar,) = _progress_cell(qtbot, task_view("1", 50))
    middle = bar.height() // 2

    filled = bar.pixelColor(bar.width() // 8, middle)
    empty = bar.pixelColor(bar.width() * 7 // 8, middle)

    assert filled.blue() > filled.red() + 40  # the highlight colour of a running task
    assert empty.lightness() > 200  # the empty trough


def test_a_huge_message_reaches_the_cell_and_tooltip_shortened(qapp):
    model = TaskTableModel()
    huge = "x" * 1_000_000
    model.apply([event(task_view("1", 5, message=huge), None)])
    index = model.index(0, Column.MESSAGE)

    cell = shown(model, 0, Column.MESSAGE)
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)

    assert cell == f"{'x' * 300}… ({1_000_000 - 300} more characters)"
    assert isinstance(tip, str) and len(tip) < 1200
    assert f"… ({1_000_000 - 1000} more characters)" in tip


class LayoutRecorder(Recorder):
    """Also counts the signals that make a view lay out or reload every row."""

    def __init__(self, model: TaskTableModel) -> None:
        super().__init__(model)
        self.layouts = 0
        self.resets = 0
        self.removed: list[tuple[int, int]] = []
        model.layoutChanged.connect(lambda *_: setattr(self, "layouts", self.layouts + 1))
        model.modelReset.connect(lambda: setattr(self, "resets", self.resets + 1))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))


def percents(model: TaskTableModel) -> list[int]:
    return [view.status.percent for view in map(model.task, range(model.rowCount()))]


def test_a_big_batch_emits_one_data_change_and_at_most_one_layout_change(qapp):
    model = TaskTableModel()
    model.apply([event(task_view(str(n), n % 50), None) for n in range(3000)])
    model.sort(Column.PROGRESS, Qt.SortOrder.AscendingOrder)
    recorder = LayoutRecorder(model)

    # Every 20th task moves: rows far apart, and the sorted order changes.
    model.apply([event(task_view(str(n), 99 - n % 97)) for n in range(0, 3000, 20)])

    assert len(recorder.changed) == 1
    assert recorder.layouts == 1
    assert recorder.resets == 0 and recorder.inserted == []
    assert percents(model) == sorted(percents(model))


def test_the_table_stays_sorted_through_batches_and_new_rows(qapp):
    model = TaskTableModel()
    model.apply([event(task_view(str(n), p), None) for n, p in enumerate([30, 10, 20, 10])])
    model.sort(Column.PROGRESS, Qt.SortOrder.DescendingOrder)
    assert percents(model) == [30, 20, 10, 10]
    assert [model.task(r).task_id for r in (2, 3)] == ["1", "3"]  # ties keep arrival order

    model.apply([event(task_view("1", 50)), event(task_view("9", 25), None)])
    assert percents(model) == [50, 30, 25, 20, 10]
    assert model.row_of(("site-a", "1")) == 0 and model.row_of(("site-a", "9")) == 2

    model.sort(-1)  # back to the order the tasks arrived in
    assert [view.task_id for view in model.tasks()] == ["0", "1", "2", "3", "9"]


def test_sorting_moves_the_selection_with_its_task(qtbot):
    model = TaskTableModel()
    model.apply([event(task_view(str(n), p), None) for n, p in enumerate([30, 10, 20])])
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(Column.PROGRESS, Qt.SortOrder.AscendingOrder)
    table.selectRow(model.row_of(("site-a", "0")))  # type: ignore[arg-type]
    assert model.row_of(("site-a", "0")) == 2

    model.apply([event(task_view("0", 5))])

    assert model.row_of(("site-a", "0")) == 0
    assert table.currentIndex().data(Role.KEY) == ("site-a", "0")
    assert [i.row() for i in table.selectionModel().selectedRows()] == [0]


def test_clearing_finished_tasks_removes_runs_of_rows_without_a_reset(qapp):
    model = TaskTableModel()
    phases = [Phase.SUCCEEDED, Phase.FAILED, Phase.RUNNING, Phase.RUNNING, Phase.GONE]
    model.apply([event(task_view(str(n), 50, phase), None) for n, phase in enumerate(phases)])
    recorder = LayoutRecorder(model)

    cleared = model.clear_finished()

    assert sorted(cleared) == [("site-a", "0"), ("site-a", "1"), ("site-a", "4")]
    assert recorder.removed == [(4, 4), (0, 1)] and recorder.resets == 0
    assert [view.task_id for view in model.tasks()] == ["2", "3"]
    assert model.row_of(("site-a", "3")) == 1


def test_clearing_many_scattered_finished_tasks_is_one_reset(qapp):
    model = TaskTableModel()
    model.apply(
        [
            event(task_view(str(n), 50, Phase.SUCCEEDED if n % 2 else Phase.RUNNING), None)
            for n in range(1000)
        ]
    )
    recorder = LayoutRecorder(model)

    assert len(model.clear_finished()) == 500

    assert recorder.resets == 1 and recorder.removed == []
    assert model.rowCount() == 500 and model.row_of(("site-a", "998")) == 499


def test_a_table_sorted_by_elapsed_time_follows_the_clock_between_polls(qapp):
    now = [100.0]
    model = TaskTableModel(clock=lambda: now[0])
    done = task_view("done", 100, Phase.SUCCEEDED, elapsedTime=60_000)
    model.apply([event(done, None), event(task_view("running", 5, elapsedTime=12_000), None)])
    model.sort(Column.ELAPSED, Qt.SortOrder.AscendingOrder)
    assert [view.task_id for view in model.tasks()] == ["running", "done"]
    recorder = LayoutRecorder(model)

    now[0] += 30  # 42 s: still shorter than the finished task's minute
    model.tick()
    assert [view.task_id for view in model.tasks()] == ["running", "done"]
    assert recorder.layouts == 0

    now[0] += 30
    model.tick()
    assert [view.task_id for view in model.tasks()] == ["done", "running"]
    assert recorder.layouts == 1


def test_tasks_removed_from_a_sorted_table_leave_the_others_in_arrival_order(qapp):
    model = TaskTableModel()
    phases = [Phase.RUNNING, Phase.SUCCEEDED, Phase.RUNNING, Phase.FAILED, Phase.RUNNING]
    model.apply([event(task_view(str(n), 50, phase), None) for n, phase in enumerate(phases)])
    model.sort(Column.STATE, Qt.SortOrder.DescendingOrder)

    model.remove(("site-a", "2"))
    model.clear_finished()
    model.apply([event(task_view("5", 50), None), event(task_view("2", 50), None)])

    assert [view.task_id for view in model.tasks()] == ["0", "4", "5", "2"]  # ties: arrival
    model.sort(-1)
    assert [view.task_id for view in model.tasks()] == ["0", "4", "5", "2"]
    assert model.row_of(("site-a", "2")) == 3


def test_elapsed_time_counts_on_only_while_the_last_answer_stands(qapp):
    now = [100.0]
    model = TaskTableModel(clock=lambda: now[0])
    model.apply([event(task_view("1", 40), None)])
    now[0] += 30
    counting = shown(model, 0, Column.ELAPSED)

    model.set_site_problem("site-a", "Site unreachable: no answer")
    frozen = shown(model, 0, Column.ELAPSED)

    assert counting == "42 s"  # 12 s from the server, 30 s since
    assert frozen == "12 s", "no answer since: the last known time, not a guess"
