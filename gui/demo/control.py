"""Control endpoints under /_demo/ for tests in another process.

They take no credentials: the demo only listens on loopback and exists for tests and showcases.
They are not recorded in the request log and no fault touches them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gui.demo import payloads
from gui.demo.faults import Fault
from gui.demo.replies import Reply, json_reply
from gui.demo.tasks import DemoTask

if TYPE_CHECKING:
    from gui.demo.server import DemoConfluence

PREFIX = "/_demo/"


def _problem(status: int, message: str) -> Reply:
    return json_reply(status, {"error": message})


def handle(demo: DemoConfluence, method: str, path: str, body: bytes) -> Reply:
    """Answer one control request."""
    try:
        data: Any = json.loads(body) if body else {}
    except ValueError:
        return _problem(400, "the body is not JSON")

    route = (method, path.rstrip("/"))
    try:
        if route == ("POST", "/_demo/tasks"):
            if not isinstance(data, dict):
                return _problem(400, "send a JSON object of DemoTask fields")
            return json_reply(201, {"id": demo.add_task(DemoTask.from_json(data))})
        if route == ("GET", "/_demo/tasks"):
            return json_reply(200, {"tasks": [_describe(s) for s in demo.all_snapshots()]})
        if route == ("POST", "/_demo/faults"):
            if not isinstance(data, dict):
                return _problem(400, "send a JSON object of Fault fields")
            demo.set_fault(Fault.from_json(data))
            return json_reply(201, {"faults": [f.to_json() for f in demo.faults]})
        if route == ("GET", "/_demo/faults"):
            return json_reply(200, {"faults": [f.to_json() for f in demo.faults]})
        if route == ("DELETE", "/_demo/faults"):
            demo.clear_faults()
            return json_reply(200, {"faults": []})
        if route == ("GET", "/_demo/requests"):
            return json_reply(200, {"requests": [r.to_json() for r in demo.requests]})
        if route == ("DELETE", "/_demo/requests"):
            demo.clear_requests()
            return json_reply(200, {"requests": []})
        if route == ("POST", "/_demo/clock/advance"):
            seconds = float(data.get("seconds", 0)) if isinstance(data, dict) else 0.0
            try:
                return json_reply(200, {"now": demo.advance(seconds)})
            except TypeError:
                return _problem(409, "the server runs on the real clock; start it with ManualClock")
    except (TypeError, ValueError, KeyError) as error:
        return _problem(400, str(error))
    return _problem(404, f"no control endpoint {method} {path}")


def _describe(snap: Any) -> dict[str, Any]:
    task = snap.task
    return {
        "id": task.id,
        "kind": task.kind,
        "dialect": task.dialect,
        "shape": task.shape,
        "percent": snap.percent,
        "finished": snap.finished,
        "successful": snap.successful,
        "vanished": snap.vanished,
        "message": payloads.current_message(snap),
    }
