"""The task model: a long-running task as one answer from the server described it.

Parsing is lenient about what is missing (Data Center and older Cloud send less than the OpenAPI
document declares) and strict about what is present: a field of the wrong type is a
MalformedTask naming that field, never a crash later on.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from gui.confluence.errors import MalformedTask
from gui.confluence.titles import status_key_text, task_title


class TaskState(enum.Enum):
    """Where a task stands according to its latest answer."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        return self is not TaskState.RUNNING


@dataclass(frozen=True)
class TaskStatus:
    """One parsed answer for one task; ``raw`` keeps every field the server sent."""

    task_id: str
    state: TaskState
    percent: int
    elapsed_ms: int
    title: str
    message: str = ""
    errors: tuple[str, ...] = ()
    result_url: str | None = None
    name_key: str | None = None
    status_key: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ended(self) -> bool:
        return self.state.ended

    @property
    def failure_reason(self) -> str:
        """The reason to show for a failed task, the best the server gave."""
        if self.errors:
            return "; ".join(self.errors)
        if self.status_key and self.status_key.startswith("ERROR"):
            return status_key_text(self.status_key)
        return self.message or "The server reported the task as unsuccessful."


# No task runs a century; a larger elapsedTime is nonsense that would overflow float arithmetic
# (a JSON integer can have thousands of digits).
MAX_ELAPSED_MS = 100 * 365 * 24 * 3600 * 1000


def parse_task(payload: object, base_url: str | None = None) -> TaskStatus:
    """Parse one task object from a by-id or list answer; ``base_url`` resolves result links."""
    if not isinstance(payload, Mapping):
        raise MalformedTask(f"Expected a task object, got {_kind(payload)}")
    task_id = _task_id(payload.get("id"))
    percent = _integer(payload, "percentageComplete", task_id, default=0)
    elapsed_ms = _integer(payload, "elapsedTime", task_id, default=0)
    successful = _boolean(payload, "successful", task_id, default=False)
    finished_field = _boolean(payload, "finished", task_id, default=None)
    messages = _messages(payload, "messages", task_id)
    errors = _messages(payload, "errors", task_id)
    name_key, translation = _name(payload.get("name"), task_id)
    status_key, status_text = _status(payload.get("status"), task_id)

    if finished_field is not None:
        finished = finished_field
    else:
        # Data Center and pre-2022 Cloud have no "finished": a task is done at 100 %, and one
        # that reports errors has failed whatever its percentage.
        finished = percent >= 100 or bool(errors)
    if not finished:
        state = TaskState.RUNNING
    elif successful and not errors:
        state = TaskState.SUCCEEDED
    else:
        state = TaskState.FAILED

    message = next((m for m in messages if m), "") or status_text
    return TaskStatus(
        task_id=task_id,
        state=state,
        percent=max(0, min(100, percent)),
        elapsed_ms=max(0, min(elapsed_ms, MAX_ELAPSED_MS)),
        title=task_title(name_key, translation),
        message=message,
        errors=tuple(e for e in errors if e),
        result_url=_result_url(payload.get("additionalDetails"), base_url, task_id),
        name_key=name_key,
        status_key=status_key,
        raw=dict(payload),
    )


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _task_id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise MalformedTask(f"Task has no usable id (got {_kind(value)})")
    return str(value)


def _wrong(task_id: str, name: str, expected: str, value: object) -> MalformedTask:
    return MalformedTask(
        f"Task {task_id}: field '{name}' should be {expected}, got {_kind(value)}", task_id=task_id
    )


def _integer(payload: Mapping[str, Any], name: str, task_id: str, default: int) -> int:
    value = payload.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(task_id, name, "a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise MalformedTask(
            f"Task {task_id}: field '{name}' is not a finite number", task_id=task_id
        )
    return int(value)


def _boolean(
    payload: Mapping[str, Any], name: str, task_id: str, default: bool | None
) -> bool | None:
    value = payload.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _wrong(task_id, name, "true or false", value)
    return value


def _message_text(item: object) -> str:
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        return ""
    text = item.get("translation")
    if isinstance(text, str) and text.strip():
        return _fill_args(text.strip(), item.get("args"))
    key = item.get("key")
    return status_key_text(key) if isinstance(key, str) else ""


def _fill_args(text: str, args: object) -> str:
    # Translations may still hold "{0}" placeholders with the values in "args".
    if not isinstance(args, Sequence) or isinstance(args, str) or "{" not in text:
        return text
    for index, arg in enumerate(args):
        if isinstance(arg, str | int | float):
            text = text.replace(f"{{{index}}}", str(arg))
    return text


def _messages(payload: Mapping[str, Any], name: str, task_id: str) -> list[str]:
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise _wrong(task_id, name, "a list of messages", value)
    return [_message_text(item) for item in value]


def _name(value: object, task_id: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        return value, None
    if not isinstance(value, Mapping):
        raise _wrong(task_id, "name", "an object", value)
    key = value.get("key")
    translation = value.get("translation")
    return (
        key if isinstance(key, str) else None,
        translation if isinstance(translation, str) else None,
    )


def _status(value: object, task_id: str) -> tuple[str | None, str]:
    """Page-copy tasks put a JSON object with a message key into the free-form status string."""
    if value is None or value == "":
        return None, ""
    if not isinstance(value, str):
        raise _wrong(task_id, "status", "a string", value)
    import json  # here, not at the top: the window's first paint needs no json (about 2 ms)

    try:
        decoded = json.loads(value)
    except ValueError:
        return None, value
    key = None
    if isinstance(decoded, Mapping):
        for candidate in ("key", "messageKey", "status"):
            if isinstance(decoded.get(candidate), str):
                key = decoded[candidate]
                break
    elif isinstance(decoded, str):
        key = decoded
    if key and key.replace("_", "").isalnum() and key.upper() == key:
        return key, status_key_text(key)
    return None, value


def _result_url(details: object, base_url: str | None, task_id: str) -> str | None:
    if details is None:
        return None
    if not isinstance(details, Mapping):
        raise _wrong(task_id, "additionalDetails", "an object", details)
    url = details.get("destinationUrl")
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    if url.startswith(("https://", "http://")):
        return url
    if base_url and url.startswith("/"):
        # destinationUrl is relative to the site base (the context path), like links.status.
        return base_url.rstrip("/") + url
    return urljoin(base_url + "/", url) if base_url else None
