"""The HTTP client for one Confluence site: one task, every active task, and who-am-I.

What each answer means (data, or which error) is decided in answers.py, and how the pages of the
task list are followed in task_list.py; this module sends the requests and reads the bodies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from gui.confluence import answers, task_list
from gui.confluence.answers import RETRYING, seconds, short
from gui.confluence.errors import (
    ConfluenceError,
    MalformedTask,
    NotConfluence,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.http import (
    MAX_BODY_BYTES,
    AnswerTooSlow,
    build_session,
    read_limited,
    redact_headers,
)
from gui.confluence.redaction import SecretMask
from gui.confluence.site import Credentials, SiteAddress
from gui.confluence.task import TaskStatus, parse_task

DEFAULT_TIMEOUT = (5.0, 15.0)  # (connect, read) seconds
# The whole answer, body included: the read timeout alone lets a trickling server hold on forever.
DEFAULT_TOTAL_TIMEOUT = 30.0
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class CurrentUser:
    """Who the site believes we are (``/rest/api/user/current``)."""

    display_name: str
    account: str | None
    anonymous: bool


@dataclass(frozen=True)
class RawAnswer:
    """An answer as a one-off curl shows it: status, headers without credentials, body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class ClientStats:
    """Counters a benchmark or a test reads; one per client."""

    requests: int = 0
    failures: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class ConfluenceClient:
    """Talks to one site over one ``requests.Session``; every call has a timeout, redirects are
    never followed (they mean a sign-in page), and each failure becomes one ConfluenceError.

    Nothing it hands up from an answer (tasks, their raw fields, the user, error texts and
    excerpts, raw answers) holds any form of the credentials, should the server echo them."""

    def __init__(
        self,
        address: SiteAddress,
        credentials: Credentials | None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        max_body: int = MAX_BODY_BYTES,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    ) -> None:
        self.address = address
        self._credentials = credentials
        self._mask = SecretMask(credentials)
        self._timeout = timeout
        self._total_timeout = max(total_timeout, sum(timeout))
        self._max_body = max_body
        self._session = session or build_session(ca_bundle)
        self.stats = ClientStats()

    def close(self) -> None:
        """Close pooled connections; an in-flight request on another thread fails promptly."""
        self._session.close()

    def __enter__(self) -> ConfluenceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def task_url(self, task_id: str) -> str:
        return self.address.task_url(quote(task_id, safe=""))

    def get_task(self, task_id: str) -> TaskStatus:
        """The current status of one task; raises TaskNotFound on 404."""
        payload = self._get_json(self.task_url(task_id), {})
        task = self._parse(payload)
        if task.task_id != task_id:
            raise MalformedTask(
                f"Asked {self.address.host} for task {task_id} and it answered with task "
                f"{task.task_id[:40]}; that is not a Confluence answer for this task."
            )
        return task

    def list_active_tasks(
        self,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_malformed: Callable[[MalformedTask], None] | None = None,
        on_incomplete: Callable[[str], None] | None = None,
    ) -> list[TaskStatus]:
        """Every task the site lists as active, following each page of the list.

        With ``on_malformed``, an item whose fields cannot be read is handed to it and left out,
        so one bad task cannot hide the others; when no item at all can be read, the first
        error is raised (then the list itself is not Confluence's). Without it, any bad item
        raises.

        A task listed twice (offset paging while tasks come and go) is kept once. A list whose
        pages do not move on (the same next link again, a page of tasks already seen, a size
        of 0) is read no further; ``on_incomplete`` is then told why, in words for a person.
        """
        return task_list.read_active_tasks(
            self.address, self._list_page, self._parse, page_size, on_malformed, on_incomplete
        )

    def current_user(self) -> CurrentUser:
        """Who the site believes the caller is; a Data Center site may say "anonymous"."""
        try:
            payload = self._get_json(self.address.api_root + "/user/current", {})
        except TaskNotFound as error:
            # Confluence answers this for any caller, signed in or anonymous: a 404 means the
            # address is not a Confluence REST API, not that something is missing.
            raise NotConfluence(
                f"{self.address.base_url} answered 404 for /rest/api/user/current, so it does "
                "not look like a Confluence REST API. Check the site address: on Cloud it ends "
                "in /wiki; on Data Center it includes the context path, such as /confluence.",
                status=404,
                detail=error.detail,
            ) from error
        if not isinstance(payload, dict):
            raise NotConfluence("The current-user answer is not a JSON object")
        anonymous = payload.get("type") == "anonymous" or bool(payload.get("isAnonymous"))
        name = payload.get("displayName") or payload.get("publicName") or payload.get("username")
        account = payload.get("email") or payload.get("username") or payload.get("accountId")
        return CurrentUser(
            display_name=str(name or "Anonymous"),
            account=str(account) if account else None,
            anonymous=anonymous,
        )

    def fetch_raw(self, url: str) -> RawAnswer:
        """GET a URL on this site and return whatever came back, as curl would show it."""
        response = self._send(url, {})
        try:
            body = read_limited(response, self._max_body, self._deadline())
        except (AnswerTooSlow, requests.exceptions.RequestException):
            body = None
        return RawAnswer(
            status=response.status_code,
            reason=response.reason or "",
            headers={k: self._mask.text(v) for k, v in redact_headers(response.headers).items()},
            body=self._mask.data(body) if body is not None else b"(body too large, not read)",
            url=response.url,
        )

    def _send(self, url: str, params: dict[str, Any]) -> requests.Response:
        headers = {}
        if self._credentials is not None:
            headers["Authorization"] = self._credentials.authorization_header()
        self.stats.requests += 1
        path = url[len(self.address.base_url) :] if url.startswith(self.address.base_url) else url
        self.stats.by_path[path] = self.stats.by_path.get(path, 0) + 1
        try:
            return self._session.get(
                url,
                params=params,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.RequestException as error:
            self.stats.failures += 1
            raise answers.no_answer(error, self.address, self._timeout) from None

    def _get_json(self, url: str, params: dict[str, Any]) -> Any:
        response = self._send(url, params)
        try:
            body = read_limited(response, self._max_body, self._deadline())
        except AnswerTooSlow:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"{self.address.host} kept sending its answer for more than "
                f"{seconds(self._total_timeout)}.",
                retrying=RETRYING,
            ) from None
        except requests.exceptions.RequestException as error:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"The connection to {self.address.host} broke mid-answer ({short(error)})."
            ) from None
        finally:
            response.close()
        try:
            # Masked here, where every JSON answer enters: the parsed tasks, their raw fields
            # (the details pane) and the user all come from this.
            data = answers.json_data(
                response,
                body,
                address=self.address,
                credentials=self._credentials,
                mask=self._mask,
                max_body=self._max_body,
            )
            return self._mask.json(data)
        except ConfluenceError:
            self.stats.failures += 1
            raise

    def _list_page(self, start: int, limit: int) -> Any:
        return self._get_json(self.address.api_root + "/longtask", {"start": start, "limit": limit})

    def _parse(self, item: Any) -> TaskStatus:
        return self._mask.task(parse_task(item, self.address.base_url))

    def _deadline(self) -> float:
        return time.monotonic() + self._total_timeout
