"""Switchable misbehaviour: which requests a fault hits, and the broken answer it gives."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any
from urllib.parse import quote

from gui.demo.replies import (
    JSON_TYPE,
    LOGIN_PAGE,
    UNAUTHORIZED_PAGE,
    Reply,
    error_envelope,
    json_reply,
    text_reply,
)

FAULT_KINDS = (
    "unauthorized",
    "unauthorized_html",
    "unauthorized_json",
    "gateway_scope",
    "login_page",
    "redirect",
    "not_found",
    "rate_limited",
    "server_error",
    "malformed_json",
    "wrong_types",
    "not_json",
    "oversized",
    "slow",
    "disconnect",
    "echo_credentials",
)

OVERSIZED_BYTES = 10 * 1024 * 1024
ENDPOINTS = ("task", "list", "user")


@dataclass
class Fault:
    """A misbehaviour for the next ``count`` matching requests, for ``duration`` seconds of the
    server clock, or (with neither) until cleared; ``task_id``/``dialect`` narrow what matches."""

    kind: str
    count: int | None = None
    duration: float | None = None
    task_id: str | None = None
    dialect: str | None = None  # "cloud", "dc" or "gateway"
    endpoint: str | None = None  # "task" (one task), "list" (the task list) or "user"
    retry_after: float | None = None
    delay: float | None = None
    status: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")
        if self.dialect not in (None, "cloud", "dc", "gateway"):
            raise ValueError(f"unknown dialect {self.dialect!r}")
        if self.endpoint not in (None, *ENDPOINTS):
            raise ValueError(f"unknown endpoint {self.endpoint!r}; one of {ENDPOINTS}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from the JSON a control request sends; unknown fields are an error."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        """The fault as plain data, for the control endpoint's listing."""
        return asdict(self)


class _Armed:
    """A fault with what is left of it: remaining count and the clock time it ends."""

    def __init__(self, fault: Fault, now: float) -> None:
        self.fault = fault
        self.remaining = fault.count
        self.until = None if fault.duration is None else now + fault.duration


class FaultBook:
    """The faults in force, consumed in the order they were set; safe across threads."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault, now: float) -> None:
        """Put a fault in force from clock time ``now``."""
        with self._lock:
            self._armed.append(_Armed(fault, now))

    def clear(self) -> None:
        """Lift every fault."""
        with self._lock:
            self._armed.clear()

    def active(self, now: float) -> list[Fault]:
        """The faults still in force at ``now``."""
        with self._lock:
            self._expire(now)
            return [armed.fault for armed in self._armed]

    def take(
        self, now: float, dialect: str, task_id: str | None, endpoint: str | None = None
    ) -> Fault | None:
        """The first fault that matches this request, counting it as used."""
        with self._lock:
            self._expire(now)
            for armed in self._armed:
                fault = armed.fault
                if fault.dialect is not None and fault.dialect != dialect:
                    continue
                if fault.task_id is not None and fault.task_id != task_id:
                    continue
                if fault.endpoint is not None and fault.endpoint != endpoint:
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._armed.remove(armed)
                return fault
            return None

    def _expire(self, now: float) -> None:
        self._armed = [a for a in self._armed if a.until is None or now < a.until]


def _retry_after_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def fault_reply(
    fault: Fault,
    site_url: str,
    path: str,
    normal: Callable[[], Reply],
    authorization: str = "",
) -> Reply:
    """The broken answer ``fault`` gives; ``normal`` builds the healthy one when a fault needs it
    (only `slow`, `wrong_types` and `echo_credentials` do, so other faults never start a task).
    ``authorization`` is the request's header, which `echo_credentials` sends back."""
    kind = fault.kind
    if kind == "unauthorized":
        return Reply(401, b"", {"Content-Length": "0"})
    if kind == "unauthorized_html":
        return text_reply(401, UNAUTHORIZED_PAGE, "text/html;charset=UTF-8")
    if kind == "unauthorized_json":
        return error_envelope(
            401, "Unauthorized", "Current user not permitted to use Confluence", authorized=False
        )
    if kind == "gateway_scope":
        reply = json_reply(401, {"code": 401, "message": "Unauthorized; scope does not match"})
        reply.headers["X-Failure-Category"] = "FAILURE_CLIENT_SCOPE_CHECK"
        return reply
    if kind == "login_page":
        return text_reply(200, LOGIN_PAGE, "text/html;charset=UTF-8")
    if kind == "redirect":
        target = f"{site_url}/login.action?os_destination={quote(path, safe='')}"
        return Reply(302, b"", {"Location": target})
    if kind == "not_found":
        return error_envelope(404, "Not Found", "No long running task found with that id")
    if kind == "rate_limited":
        wait = fault.retry_after if fault.retry_after is not None else 1
        reply = text_reply(429, "Rate limit exceeded")
        reply.headers.update(
            {
                "Retry-After": _retry_after_header(wait),
                "X-RateLimit-Remaining": "0",
                "RateLimit-Reason": "demo-burst-limit",
            }
        )
        return reply
    if kind == "server_error":
        return _server_error(fault)
    if kind == "malformed_json":
        return Reply(200, b'{"id": "1", "percentageComplete": 5', {"Content-Type": JSON_TYPE})
    if kind == "wrong_types":
        return _wrong_types(normal())
    if kind == "not_json":
        return text_reply(200, "Service is up. Nothing to see here.")
    if kind == "oversized":
        padding = b"x" * OVERSIZED_BYTES
        return Reply(200, b'{"padding": "' + padding + b'"}', {"Content-Type": JSON_TYPE})
    if kind == "echo_credentials":
        return _echo_credentials(normal(), authorization)
    if kind == "slow":
        reply = normal()
        reply.delay = fault.delay if fault.delay is not None else 5.0
        return reply
    return Reply(0, disconnect=True)


def _server_error(fault: Fault) -> Reply:
    status = fault.status or 500
    if status == 500:
        reply = error_envelope(500, "Internal Server Error", "Something went wrong in the demo")
    else:
        page = f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
        reply = text_reply(status, page, "text/html;charset=UTF-8")
    if fault.retry_after is not None:
        reply.headers["Retry-After"] = _retry_after_header(fault.retry_after)
    return reply


_WRONG_TYPES = {"percentageComplete": "fifty", "elapsedTime": "a while", "successful": "no"}


def garbled(item: dict[str, Any]) -> dict[str, Any]:
    """A task object with fields of the wrong types, such as a percent in words."""
    return {**item, **_WRONG_TYPES}


def spoiled_in_lists(faults: list[Fault]) -> set[str]:
    """The tasks whose items task lists garble: a ``wrong_types`` fault aimed at one task
    spoils it wherever it appears (list items do not use the fault's count up)."""
    return {f.task_id for f in faults if f.kind == "wrong_types" and f.task_id is not None}


def _wrong_types(normal: Reply) -> Reply:
    """Valid JSON whose task fields have the wrong types."""
    try:
        payload = json.loads(normal.body) if normal.body else {}
    except ValueError:
        payload = {}
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        payload["results"] = [garbled(item) for item in payload["results"]] or [
            garbled({"id": "1"})
        ]
    elif isinstance(payload, dict):
        payload = garbled(payload)
    else:
        payload = garbled({"id": "1"})
    return json_reply(200, payload)


def _echo_credentials(normal: Reply, authorization: str) -> Reply:
    """The healthy answer with the caller's credentials pasted into every text a client shows,
    as a debugging proxy or a careless plugin might: the header, its value, the decoded Basic
    pair, and the header percent-encoded in a result link."""
    try:
        payload = json.loads(normal.body) if normal.body else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or normal.status != 200:
        return normal
    echo = _echo_text(authorization)
    if isinstance(payload.get("results"), list):
        for item in payload["results"]:
            _echo_into_task(item, echo, authorization)
    elif "id" in payload:
        _echo_into_task(payload, echo, authorization)
    else:
        payload["displayName"] = f"Signed in as {echo}"
    return json_reply(200, payload)


def _echo_text(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    forms = [authorization, value]
    if scheme.lower() != "basic":
        return " / ".join(forms)
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return " / ".join(forms)  # a Basic value that does not decode is echoed as it came
    return " / ".join([*forms, decoded])


def _echo_into_task(item: dict[str, Any], echo: str, authorization: str) -> None:
    name = item.get("name")
    item["name"] = {**(name if isinstance(name, dict) else {}), "translation": f"Export for {echo}"}
    # Translations carry their values in "args", filled in by the client: the header split
    # across the two is whole only once parsed.
    half = len(authorization) // 2
    split = {
        "translation": f"Working for {authorization[:half]}{{0}}",
        "args": [authorization[half:]],
    }
    item["messages"] = [split, {"translation": "Working for {0}", "args": [echo]}]
    if item.get("errors"):
        item["errors"] = [{"translation": f"Failed for {echo}"}]
    item["status"] = f"Signed in with {echo}"
    item["additionalDetails"] = {"destinationUrl": f"/login?auth={quote(authorization, safe='')}"}
    item["debug"] = {"request": {"headers": {"Authorization": authorization}}, echo: [echo]}
