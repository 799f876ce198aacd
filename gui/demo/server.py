"""DemoConfluence: the simulated Confluence, its state and its lifecycle on loopback."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from gui.demo import api, control
from gui.demo.clock import Clock, ManualClock, real_clock
from gui.demo.faults import Fault, FaultBook, fault_reply
from gui.demo.handler import DemoHTTPServer
from gui.demo.records import RequestLog, RequestRecord
from gui.demo.replies import LOGIN_PAGE, Reply, json_reply, text_reply
from gui.demo.tasks import DemoTask, TaskSnapshot

log = logging.getLogger(__name__)

DEMO_USER_EMAIL = "demo@example.com"
_FIRST_CLOUD_ID = 1179649


class DemoConfluence:
    """A Confluence site on 127.0.0.1 speaking the Cloud, Data Center and gateway dialects.

    Tasks progress on ``clock`` (a ManualClock in tests); faults break the next answers on demand.
    Use ``start()``/``stop()`` or ``with DemoConfluence() as server:``.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        port: int = 0,
        *,
        token: str | None = None,
        user_email: str = DEMO_USER_EMAIL,
        max_page_size: int = 100,
        started_task_duration: float = 15.0,
    ) -> None:
        self.clock: Clock = clock if clock is not None else real_clock
        self.port = port
        self.token = token or "demo-" + secrets.token_urlsafe(18)
        self.user_email = user_email
        self.max_page_size = max_page_size
        self.started_task_duration = started_task_duration
        self._tasks: dict[str, DemoTask] = {}
        self._lock = threading.RLock()
        self._next_number = 0
        self._faults = FaultBook()
        self._log = RequestLog()
        self._httpd: DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    # Lifecycle

    def start(self) -> DemoConfluence:
        """Bind 127.0.0.1 (the port given, else a free one; the same again after a stop)."""
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        self.stopping.clear()
        self._httpd = DemoHTTPServer(("127.0.0.1", self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demo-confluence-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.debug("demo Confluence serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections, promptly even with a slow answer pending."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        httpd.drop_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        log.debug("demo Confluence on port %s stopped", self.port)

    def __enter__(self) -> DemoConfluence:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Addresses

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def cloud_base(self) -> str:
        """The Cloud site base a user types: the server root plus /wiki."""
        return self.url + api.CLOUD_CONTEXT

    @property
    def dc_base(self) -> str:
        """The Data Center site base, with its /confluence context path."""
        return self.url + api.DC_CONTEXT

    @property
    def gateway_base(self) -> str:
        """The API-gateway base (Bearer only) fronting the Cloud site."""
        return self.url + api.GATEWAY_PREFIX

    # Tasks

    def now(self) -> float:
        """The server clock."""
        return self.clock()

    def add_task(self, task: DemoTask) -> str:
        """Start a task from now on the server clock and return its id."""
        with self._lock:
            if task.id is None:
                task.id = self._new_id(task.dialect)
            elif task.id in self._tasks:
                raise ValueError(f"a task with id {task.id!r} already exists")
            task.added_at = self.now()
            self._tasks[task.id] = task
            log.debug("demo task %s (%s) added", task.id, task.kind)
            return task.id

    def _new_id(self, dialect: str) -> str:
        while True:
            number = self._next_number
            self._next_number += 1
            if dialect == "dc":
                candidate = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-dc-task-{number}"))
            else:
                candidate = str(_FIRST_CLOUD_ID + number)
            if candidate not in self._tasks:
                return candidate

    def task(self, task_id: str) -> DemoTask:
        """The task with this id (KeyError if none)."""
        with self._lock:
            return self._tasks[task_id]

    def remove_task(self, task_id: str) -> None:
        """Forget a task at once: it answers 404 from now on."""
        with self._lock:
            del self._tasks[task_id]

    def vanish_task(self, task_id: str) -> None:
        """Make a task answer a lasting 404 from now on, as a lost cluster node would."""
        with self._lock:
            task = self._tasks[task_id]
            task.vanish_at = self.now() - (task.added_at or 0.0)

    def snapshot(self, task_id: str, site: str) -> TaskSnapshot | None:
        """A task's state now, if it belongs to ``site`` ("cloud" or "dc")."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.dialect != site:
                return None
            return task.at(self.now())

    def active_snapshots(self, site: str) -> list[TaskSnapshot]:
        """The tasks the list endpoint shows for ``site``, oldest first."""
        with self._lock:
            now = self.now()
            snaps = [t.at(now) for t in self._tasks.values() if t.dialect == site]
        return [snap for snap in snaps if snap.active]

    def all_snapshots(self) -> list[TaskSnapshot]:
        """Every task's state now, whatever its site or state."""
        with self._lock:
            now = self.now()
            return [t.at(now) for t in self._tasks.values()]

    # Faults and the request log

    def set_fault(self, fault: Fault) -> None:
        """Put a fault in force from now on the server clock."""
        self._faults.add(fault, self.now())
        log.debug("demo fault %s set", fault.kind)

    def clear_faults(self) -> None:
        """Lift every fault."""
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """The faults still in force."""
        return self._faults.active(self.now())

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every API request received so far, oldest first."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Forget the request log."""
        self._log.clear()

    def advance(self, seconds: float) -> float:
        """Advance a ManualClock (TypeError with any other clock) and return the new time."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("only a ManualClock can be advanced")
        return self.clock.advance(seconds)

    # Requests

    def dispatch(self, method: str, target: str, authorization: str, body: bytes) -> Reply:
        """The answer to one HTTP request; called by the handler on its own thread."""
        parts = urlsplit(target)
        path, query = parts.path, parts.query
        if path.startswith(control.PREFIX):
            return control.handle(self, method, path, body)
        if path == "/_edge/tenant_info":
            return json_reply(200, {"cloudId": api.DEMO_CLOUD_ID})

        arrived, arrived_real = self.now(), time.monotonic()
        split = api.split_dialect(path)
        if path == "/login.action":
            reply, dialect, authorized, fault = (
                text_reply(200, LOGIN_PAGE, "text/html"),
                None,
                False,
                None,
            )
        elif split is None:
            reply, dialect, authorized, fault = text_reply(404, "Not found"), None, False, None
        else:
            dialect, rest = split
            request = api.ApiRequest(
                method, dialect, rest, parse_qs(query, keep_blank_values=True), authorization, body
            )
            authorized = api.is_authorized(self, dialect, authorization)
            fault = self._faults.take(arrived, dialect, request.task_id, request.endpoint)
            if fault is None:
                reply = api.handle(self, request)
            else:
                reply = fault_reply(
                    fault, self.url, path, lambda: api.handle(self, request), authorization
                )

        status = 0 if reply.disconnect else reply.status
        self._log.append(
            RequestRecord(
                time=arrived,
                method=method,
                path=path,
                query=query,
                status=status,
                authorized=authorized,
                real_time=arrived_real,
                dialect=dialect,
                fault=fault.kind if fault else None,
            )
        )
        log.debug("demo %s %s -> %s", method, path, status)
        return reply
