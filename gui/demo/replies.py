"""What the demo sends back for one request, built before any byte goes on the wire."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class Reply:
    """One HTTP answer; ``disconnect`` drops the connection instead, ``delay`` sleeps first."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False
    delay: float = 0.0


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer the way Confluence labels it."""
    body = json.dumps(payload).encode()
    return Reply(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def text_reply(status: int, text: str, content_type: str = "text/plain;charset=UTF-8") -> Reply:
    """A plain-text or HTML answer."""
    return Reply(status, text.encode(), {"Content-Type": content_type})


def error_envelope(status: int, reason: str, message: str, authorized: bool = True) -> Reply:
    """Confluence's usual JSON error body: statusCode, data, message, reason."""
    payload = {
        "statusCode": status,
        "data": {
            "authorized": authorized,
            "valid": True,
            "allowedInReadOnlyMode": True,
            "errors": [],
            "successful": False,
        },
        "message": message,
        "reason": reason,
    }
    return json_reply(status, payload)


LOGIN_PAGE = """<!DOCTYPE html>
<html><head><title>Log in - Confluence</title></head>
<body><form id="loginform" method="post" action="/dologin.action">
<label>Username <input name="os_username"></label>
<label>Password <input type="password" name="os_password"></label>
<input type="submit" value="Log in"></form></body></html>
"""

UNAUTHORIZED_PAGE = """<!DOCTYPE html>
<html><head><title>HTTP Status 401 - Unauthorized</title></head>
<body><h1>HTTP Status 401 - Unauthorized</h1>
<p>Basic Authentication Failure - Reason : AUTHENTICATED_FAILED</p></body></html>
"""
