"""The details of the selected task: every field the server sent, as plain text only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from gui.confluence.plain_text import display_text
from gui.polling.states import Answer, TaskView
from gui.views import formatting


def details_text(view: TaskView, site_name: str, task_url: str | None, site_state: str = "") -> str:
    """Everything known about one task, for reading and copying; ``site_state`` is the site's
    status line (state, whole reason, last poll)."""
    lines = [
        f"Task: {formatting.title_text(view)}",
        f"Task id: {view.task_id}",
        f"Site: {site_name}",
    ]
    if site_state:
        lines.append(f"Site state: {site_state}")
    lines.append(f"State: {formatting.state_text(view)}")
    if task_url:
        lines.append(f"Task URL: {task_url}")
    if view.discovered:
        lines.append("Found through the site's task list")
    status = view.status
    if status is not None:
        lines.append(f"Progress: {status.percent} %")
        lines.append(f"Elapsed (server): {formatting.duration_text(status.elapsed_ms / 1000)}")
        if view.eta_seconds is not None:
            lines.append(f"Time left (estimated): {formatting.duration_text(view.eta_seconds)}")
        if status.message:
            lines.append(f"Message: {status.message}")
        if status.errors:
            lines.append("Errors:")
            lines.extend(f"  - {error}" for error in status.errors)
        if status.result_url:
            lines.append(f"Result: {status.result_url}")
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
        return [f"Last answer: none came. {answer.problem}"]
    lines = [f"Last answer: {_status_line(answer.status)}"]
    if answer.problem:
        lines.append(f"  {answer.problem}")
    if answer.excerpt.strip():
        lines.append("  Body (start):")
        lines.extend(f"    {line}" for line in answer.excerpt.strip().splitlines())
    return lines


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _raw_text(raw: Mapping[str, object]) -> str:
    try:
        return json.dumps(dict(raw), indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as error:
        return f"(could not show the answer: {error})"


class DetailsPane(QPlainTextEdit):
    """A read-only plain-text view: server text can never turn into markup or links here."""

    EMPTY = "Select a task to see everything the server said about it."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.show_nothing()

    def show_task(
        self, view: TaskView, site_name: str, task_url: str | None, site_state: str = ""
    ) -> None:
        text = details_text(view, site_name, task_url, site_state)
        if text != self.toPlainText():
            # Keep the reader's scroll position across refreshes of the same task.
            position = self.verticalScrollBar().value()
            self.setPlainText(text)
            self.verticalScrollBar().setValue(position)

    def show_nothing(self) -> None:
        self.setPlainText(self.EMPTY)
