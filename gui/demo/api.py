"""The Confluence REST endpoints the demo speaks, per dialect: task by id, task list, current
user, and the calls that start a long task."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from gui.demo import faults, payloads
from gui.demo.replies import UNAUTHORIZED_PAGE, Reply, error_envelope, json_reply, text_reply
from gui.demo.tasks import DemoTask

if TYPE_CHECKING:
    from gui.demo.server import DemoConfluence

CLOUD_CONTEXT = "/wiki"
DC_CONTEXT = "/confluence"
DEMO_CLOUD_ID = "3f6c1a52-8e0d-4b7a-9c21-5d4e6f708192"
GATEWAY_PREFIX = f"/ex/confluence/{DEMO_CLOUD_ID}/wiki"

_TASK = re.compile(r"/rest/api/longtask/([^/]+)")
_SPACE = re.compile(r"/rest/api/space/([^/]+)")
_COPY = re.compile(r"/rest/api/content/([^/]+)/pagehierarchy/copy")
_TREE = re.compile(r"/rest/api/content/([^/]+)/pageTree")


@dataclass(frozen=True)
class ApiRequest:
    """One request to a Confluence path, split into the dialect and the path under its base."""

    method: str
    dialect: str  # "cloud", "dc" or "gateway"
    rest: str  # the path after the site base, e.g. /rest/api/longtask/12
    query: dict[str, list[str]]
    authorization: str
    body: bytes

    @property
    def site(self) -> str:
        """Which task store the request sees: the gateway fronts the Cloud site."""
        return "dc" if self.dialect == "dc" else "cloud"

    @property
    def task_id(self) -> str | None:
        """The task id when the request is for one task."""
        match = _TASK.fullmatch(self.rest)
        return match.group(1) if match else None

    @property
    def endpoint(self) -> str | None:
        """ "task", "list" or "user" for the reading endpoints (what a fault may aim at)."""
        if self.task_id is not None:
            return "task"
        return {"/rest/api/longtask": "list", "/rest/api/user/current": "user"}.get(self.rest)


def split_dialect(path: str) -> tuple[str, str] | None:
    """(dialect, path under the site base) for a Confluence path, None for anything else."""
    for dialect, prefix in (("gateway", GATEWAY_PREFIX), ("cloud", CLOUD_CONTEXT)):
        if path.startswith(prefix + "/"):
            return dialect, path[len(prefix) :]
    if path.startswith(DC_CONTEXT + "/"):
        return "dc", path[len(DC_CONTEXT) :]
    return None


def is_authorized(demo: DemoConfluence, dialect: str, authorization: str) -> bool:
    """Cloud takes Basic email:token or Bearer; Data Center and the gateway take Bearer only."""
    # Limitation: a wrong Data Center token is always refused with 401; real sites that allow
    # anonymous access may instead serve the caller as anonymous (200 elsewhere, 404 on tasks).
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return hmac.compare_digest(credentials.strip().encode(), demo.token.encode())
    if scheme.lower() == "basic" and dialect == "cloud":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = f"{demo.user_email}:{demo.token}".encode()
        return hmac.compare_digest(decoded, expected)
    return False


def unauthorized(dialect: str) -> Reply:
    """How each dialect refuses a caller without valid credentials."""
    if dialect == "gateway":
        reply = json_reply(401, {"code": 401, "message": "Unauthorized; scope does not match"})
        reply.headers["X-Failure-Category"] = "FAILURE_CLIENT_AUTH_MISMATCH"
        return reply
    if dialect == "dc":
        return text_reply(401, UNAUTHORIZED_PAGE, "text/html;charset=UTF-8")
    return error_envelope(
        401,
        "Unauthorized",
        "This request requires authentication: send an API token or a Bearer token",
        authorized=False,
    )


def handle(demo: DemoConfluence, request: ApiRequest) -> Reply:
    """The healthy answer to an API request, credentials checked first."""
    if not is_authorized(demo, request.dialect, request.authorization):
        return unauthorized(request.dialect)

    method, rest = request.method, request.rest
    routes: list[tuple[str, re.Pattern[str] | str, Any]] = [
        ("GET", _TASK, _get_task),
        ("GET", "/rest/api/longtask", _list_tasks),
        ("GET", "/rest/api/user/current", _current_user),
        ("DELETE", _SPACE, _start_space_removal),
        ("POST", _COPY, _start_copy),
        ("DELETE", _TREE, _start_tree_removal),
        ("POST", "/rest/api/content/archive", _start_archive),
    ]
    path_known = False
    for route_method, pattern, endpoint in routes:
        if isinstance(pattern, str):
            match: re.Match[str] | None = re.fullmatch(re.escape(pattern), rest)
        else:
            match = pattern.fullmatch(rest)
        if match is None:
            continue
        path_known = True
        if route_method == method:
            reply: Reply = endpoint(demo, request, *match.groups())
            return reply
    if path_known:
        return error_envelope(405, "Method Not Allowed", f"{method} is not supported here")
    return error_envelope(404, "Not Found", "No such REST resource")


def _base(demo: DemoConfluence, request: ApiRequest) -> tuple[str, str]:
    """(absolute base, context path) that `_links` report; the gateway reports the site's."""
    if request.dialect == "dc":
        return demo.dc_base, DC_CONTEXT
    return demo.cloud_base, CLOUD_CONTEXT


def _request_base(demo: DemoConfluence, request: ApiRequest) -> str:
    return {"cloud": demo.cloud_base, "dc": demo.dc_base, "gateway": demo.gateway_base}[
        request.dialect
    ]


def _get_task(demo: DemoConfluence, request: ApiRequest, task_id: str) -> Reply:
    snap = demo.snapshot(task_id, request.site)
    if snap is None or snap.vanished:
        return error_envelope(404, "Not Found", f"No long running task found with id {task_id}")
    payload = payloads.task_payload(snap)
    base, context = _base(demo, request)
    self_url = f"{_request_base(demo, request)}/rest/api/longtask/{task_id}"
    payload["_links"] = payloads.links(base, context, self_url)
    return json_reply(200, payload)


def _int_param(request: ApiRequest, name: str, default: int) -> int:
    values = request.query.get(name)
    if not values or values[-1] == "":
        return default
    value = int(values[-1])  # a ValueError becomes a 400 in _list_tasks
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _list_tasks(demo: DemoConfluence, request: ApiRequest) -> Reply:
    try:
        start = _int_param(request, "start", 0)
        limit = _int_param(request, "limit", 100)
    except ValueError:
        return error_envelope(400, "Bad Request", "start and limit must be whole numbers >= 0")
    # Limitation: a limit of 0 is raised to 1, so a client paging by size always advances.
    limit = max(1, min(limit, demo.max_page_size))

    active = demo.active_snapshots(request.site)
    page = active[start : start + limit]
    base, context = _base(demo, request)
    query = urlencode({"start": start, "limit": limit})
    links = payloads.links(
        base, context, f"{_request_base(demo, request)}/rest/api/longtask?{query}"
    )
    if start + limit < len(active):
        links["next"] = "/rest/api/longtask?" + urlencode({"start": start + limit, "limit": limit})
    spoiled = faults.spoiled_in_lists(demo.faults)
    results = []
    for snap in page:
        item = payloads.task_payload(snap)
        results.append(faults.garbled(item) if snap.task.id in spoiled else item)
    body = {
        "results": results,
        "start": start,
        "limit": limit,
        "size": len(page),
        "_links": links,
    }
    return json_reply(200, body)


def _current_user(demo: DemoConfluence, request: ApiRequest) -> Reply:
    if request.dialect == "dc":
        return json_reply(200, payloads.dc_user())
    return json_reply(200, payloads.cloud_user(demo.user_email))


def _started(demo: DemoConfluence, request: ApiRequest, task: DemoTask) -> Reply:
    """Queue a task and answer 202 the way Confluence does: `links.status` is relative to the
    context path, so on Cloud it lacks /wiki."""
    task.dialect = request.site
    task.shape = request.site
    task.duration = demo.started_task_duration
    task_id = demo.add_task(task)
    return json_reply(202, {"id": task_id, "links": {"status": f"/rest/api/longtask/{task_id}"}})


def _json_body(request: ApiRequest) -> Any:
    if not request.body:
        return {}
    return json.loads(request.body)


def _start_space_removal(demo: DemoConfluence, request: ApiRequest, key: str) -> Reply:
    return _started(demo, request, DemoTask(kind="delete_space", space_key=key))


def _start_copy(demo: DemoConfluence, request: ApiRequest, page_id: str) -> Reply:
    try:
        has_destination = bool(str(_json_body(request)["destinationPageId"]))
    except (ValueError, KeyError, TypeError):
        has_destination = False
    if not has_destination:
        return error_envelope(400, "Bad Request", "destinationPageId is required")
    task = DemoTask(kind="copy_page_hierarchy", total_items=12, page_title=f"Page {page_id}")
    return _started(demo, request, task)


def _start_tree_removal(demo: DemoConfluence, request: ApiRequest, page_id: str) -> Reply:
    return _started(demo, request, DemoTask(kind="delete_page_tree", total_items=25))


def _start_archive(demo: DemoConfluence, request: ApiRequest) -> Reply:
    try:
        pages = _json_body(request)["pages"]
        count = len(pages)
    except (ValueError, KeyError, TypeError):
        return error_envelope(400, "Bad Request", "a list of pages to archive is required")
    if not 1 <= count <= 300:
        return error_envelope(400, "Bad Request", "archive between 1 and 300 pages at a time")
    return _started(demo, request, DemoTask(kind="archive_pages", total_items=count))
