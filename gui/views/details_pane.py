"""The details of the selected task: every field the server sent, as plain text only.

Server text is shown shortened (each value to formatting.SHOWN_CHARACTERS, the fields the server
sent to about _RAW_CHARACTERS in all), saying how much was left out: the pane is rebuilt on every
poll of the selected task, and a message of a megabyte cost the GUI thread a second each time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from gui.confluence.plain_text import display_text
from gui.polling.states import Answer, TaskView
from gui.views import formatting
from gui.views.formatting import shortened

_SHOWN_ERRORS = 20
_SHOWN_ITEMS = 100  # entries of one object or list among the fields the server sent
_SHOWN_DEPTH = 12
_RAW_CHARACTERS = 20_000
_KEY_CHARACTERS = 200


def details_text(view: TaskView, site_name: str, task_url: str | None, site_state: str = "") -> str:
    """Everything known about one task, for reading and copying; ``site_state`` is the site's
    status line (state, whole reason, last poll)."""
    lines = [
        f"Task: {formatting.title_text(view)}",
        f"Task id: {shortened(view.task_id)}",
        f"Site: {shortened(site_name)}",
    ]
    if site_state:
        lines.append(f"Site state: {shortened(site_state)}")
    lines.append(f"State: {formatting.state_text(view)}")
    if task_url:
        lines.append(f"Task URL: {shortened(task_url)}")
    if view.discovered:
        lines.append("Found through the site's task list")
    status = view.status
    if status is not None:
        lines.append(f"Progress: {status.percent} %")
        lines.append(f"Elapsed (server): {formatting.duration_text(status.elapsed_ms / 1000)}")
        if view.eta_seconds is not None:
            lines.append(f"Time left (estimated): {formatting.duration_text(view.eta_seconds)}")
        if status.message:
            lines.append(f"Message: {shortened(status.message)}")
        if status.errors:
            lines.append("Errors:")
            lines.extend(f"  - {shortened(error)}" for error in status.errors[:_SHOWN_ERRORS])
            if len(status.errors) > _SHOWN_ERRORS:
                lines.append(f"  … ({len(status.errors) - _SHOWN_ERRORS} more errors)")
        if status.result_url:
            lines.append(f"Result: {shortened(status.result_url)}")
    if view.not_found_count:
        lines.append(f"404 answers in a row: {view.not_found_count}")

    lines.append("")
    lines.extend(_answer_lines(view))
    if status is not None and status.raw:
        good = view.last_answer is None or view.last_answer.ok
        lines.append("Fields the server sent:" if good else "Fields of the last good answer:")
        lines.append(_raw_text(status.raw))
    # json.dumps escapes C0 controls but leaves C1 and bidi controls in; one pass covers all.
    return display_text("\n".join(lines), multiline=True)


def _answer_lines(view: TaskView) -> list[str]:
    """The last answer about this task: its status line, and for a failure what it means and
    how its body began."""
    answer = view.last_answer
    if answer is None:
        if view.status is None:
            return ["Last answer: none yet"]
        if not view.status.raw:
            return ["Last answer: from an earlier run (its fields were not kept)"]
        answer = Answer(200)  # a status is only ever read from a 200
    if answer.status is None:
        return [f"Last answer: none came. {shortened(answer.problem)}"]
    lines = [f"Last answer: {_status_line(answer.status)}"]
    if answer.problem:
        lines.append(f"  {shortened(answer.problem)}")
    excerpt = shortened(answer.excerpt.strip())
    if excerpt:
        lines.append("  Body (start):")
        lines.extend(f"    {line}" for line in excerpt.splitlines())
    return lines


def _status_line(status: int) -> str:
    # Imported here: building the HTTPStatus enum costs about 1 ms, which the window's start
    # should not pay for the details of a task nobody selected yet.
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _raw_text(raw: Mapping[str, object]) -> str:
    import json  # here, not at the top: the window's first paint needs no json (about 2 ms)

    shown = _shown_value(dict(raw), _Budget(_RAW_CHARACTERS), 0)
    try:
        return json.dumps(shown, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as error:
        return f"(could not show the answer: {error})"


@dataclass
class _Budget:
    characters: int


def _shown_value(value: object, budget: _Budget, depth: int) -> object:
    """``value`` with long strings, long lists and objects and deep nesting cut short, within a
    budget of characters for the whole answer; what is left out is said in its place."""
    if isinstance(value, str):
        text = shortened(value, max(0, min(formatting.SHOWN_CHARACTERS, budget.characters)))
        budget.characters -= len(text)
        return text
    if not isinstance(value, Mapping | list | tuple):
        budget.characters -= 8
        return value
    if depth >= _SHOWN_DEPTH or budget.characters <= 0:
        return "… (left out)"
    if isinstance(value, Mapping):
        shown: dict[str, object] = {}
        for count, (key, item) in enumerate(value.items()):
            if count == _SHOWN_ITEMS or budget.characters <= 0:
                shown["…"] = f"({len(value) - count} more fields)"
                break
            name = shortened(str(key), _KEY_CHARACTERS)
            budget.characters -= len(name) + 4
            shown[name] = _shown_value(item, budget, depth + 1)
        return shown
    items: list[object] = []
    for count, item in enumerate(value):
        if count == _SHOWN_ITEMS or budget.characters <= 0:
            items.append(f"… ({len(value) - count} more items)")
            break
        items.append(_shown_value(item, budget, depth + 1))
    return items


class DetailsPane(QPlainTextEdit):
    """A read-only plain-text view: server text can never turn into markup or links here."""

    EMPTY = "Select a task to see everything the server said about it."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[TaskView, object, tuple[str, str | None, str]] | None = None
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.show_nothing()

    def show_task(
        self, view: TaskView, site_name: str, task_url: str | None, site_state: str = ""
    ) -> None:
        # Asked again on every poll and row change: the text is only built when something it
        # shows changed. Views compare without their raw fields, so those are compared by
        # identity: each new answer brings new ones.
        raw = view.status.raw if view.status is not None else None
        context = (site_name, task_url, site_state)
        if self._shown is not None:
            shown_view, shown_raw, shown_context = self._shown
            if raw is shown_raw and context == shown_context and view == shown_view:
                return
        self._shown = (view, raw, context)
        text = details_text(view, site_name, task_url, site_state)
        if text != self.toPlainText():
            # Keep the reader's scroll position across refreshes of the same task.
            position = self.verticalScrollBar().value()
            self.setPlainText(text)
            self.verticalScrollBar().setValue(position)

    def show_nothing(self) -> None:
        self._shown = None
        self.setPlainText(self.EMPTY)
