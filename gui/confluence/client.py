"""The HTTP client for one Confluence site: one task, every active task, and who-am-I."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from gui.confluence.errors import (
    ConfluenceError,
    CredentialsRejected,
    MalformedTask,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.http import (
    MAX_BODY_BYTES,
    AnswerTooSlow,
    build_session,
    read_limited,
    redact_headers,
    retry_after_seconds,
)
from gui.confluence.redaction import SecretMask
from gui.confluence.site import AuthKind, Credentials, SiteAddress
from gui.confluence.task import TaskStatus, parse_task

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 15.0)  # (connect, read) seconds
# The whole answer, body included: the read timeout alone lets a trickling server hold on forever.
DEFAULT_TOTAL_TIMEOUT = 30.0
DEFAULT_PAGE_SIZE = 100
_MAX_PAGES = 200  # a guard against a server whose "next" link never ends
_EXCERPT = 300
_NOT_TLS = ("WRONG_VERSION_NUMBER", "record layer failure", "packet length too long")
_RETRYING = "Will try again."  # what polling does next; a one-off check leaves it out


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
        tasks: list[TaskStatus] = []
        seen: set[str] = set()
        unreadable: list[MalformedTask] = []
        start = 0
        url = self.address.api_root + "/longtask"
        previous_next: str | None = None
        stopped: str | None = None
        for _ in range(_MAX_PAGES):
            try:
                payload = self._get_json(url, {"start": start, "limit": page_size})
            except TaskNotFound as error:
                raise NotConfluence(
                    f"{self.address.base_url} has no Confluence task list (404). "
                    "Check the site address: on Cloud it ends in /wiki.",
                    status=404,
                ) from error
            results, size, limit, has_next, next_link = _page(payload)
            fresh = 0
            for item in results:
                try:
                    task = self._parse(item)
                except MalformedTask as problem:
                    if on_malformed is None:
                        raise
                    unreadable.append(problem)
                    fresh += 1
                    continue
                if task.task_id not in seen:
                    seen.add(task.task_id)
                    tasks.append(task)
                    fresh += 1
            # A server that sends `_links` names the next page when there is one; only without
            # them does a full page suggest more (and cost one empty request at the end).
            more = has_next if has_next is not None else size >= limit
            if not results or not more:
                break
            if next_link is not None and next_link == previous_next:
                stopped = "it names the same next page again"
            elif size <= 0:
                stopped = "its page size of 0 would never move on"
            elif not fresh:
                stopped = "a page held only tasks already listed"
            if stopped:
                break
            previous_next = next_link
            start += size
        else:
            stopped = f"it still had more after {_MAX_PAGES} pages"
        if stopped:
            log.warning("Stopped following the task list of %s: %s", self.address.host, stopped)
            if on_incomplete is not None:
                on_incomplete(
                    f"Stopped reading the task list of {self.address.host}: {stopped}. "
                    "The list shown may be incomplete."
                )
        if unreadable and not tasks:
            raise unreadable[0]
        if on_malformed is not None:
            for bad in unreadable:
                on_malformed(bad)
        return tasks

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
        except requests.exceptions.SSLError as error:
            self.stats.failures += 1
            raise SiteUnreachable(self._tls_problem(error)) from None
        except requests.exceptions.ConnectTimeout:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"{self.address.host} did not accept a connection within "
                f"{_seconds(self._timeout[0])}: check the address and your network or VPN.",
                retrying=_RETRYING,
            ) from None
        except requests.exceptions.Timeout:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"{self.address.host} did not answer within {_seconds(self._timeout[1])}: "
                "check your network or VPN if it persists.",
                retrying=_RETRYING,
            ) from None
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"Could not connect to {self.address.host} ({_short(error)}). "
                "Check the address and your network or VPN."
            ) from None
        except requests.exceptions.RequestException as error:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"Request to {self.address.host} failed: {_short(error)}"
            ) from None

    def _tls_problem(self, error: requests.exceptions.SSLError) -> str:
        text = str(error)
        if any(sign in text for sign in _NOT_TLS):
            # What OpenSSL says when the other end answers a TLS hello in plain HTTP.
            port = urlsplit(self.address.base_url).port or 443
            return (
                f"{self.address.host} does not speak HTTPS on port {port}. If the site is "
                "served over plain HTTP, its address starts with http://."
            )
        return (
            f"The TLS certificate of {self.address.host} could not be verified "
            f"({_short(error)}). If your company inspects traffic, add its CA certificate to "
            "the system's trust store, or give its CA bundle in the site settings."
        )

    def _get_json(self, url: str, params: dict[str, Any]) -> Any:
        response = self._send(url, params)
        try:
            body = read_limited(response, self._max_body, self._deadline())
        except AnswerTooSlow:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"{self.address.host} kept sending its answer for more than "
                f"{_seconds(self._total_timeout)}.",
                retrying=_RETRYING,
            ) from None
        except requests.exceptions.RequestException as error:
            self.stats.failures += 1
            raise SiteUnreachable(
                f"The connection to {self.address.host} broke mid-answer ({_short(error)})."
            ) from None
        finally:
            response.close()
        try:
            # Masked here, where every JSON answer enters: the parsed tasks, their raw fields
            # (the details pane) and the user all come from this.
            return self._mask.json(self._decode(response, body))
        except ConfluenceError:
            self.stats.failures += 1
            raise

    def _parse(self, item: Any) -> TaskStatus:
        return self._mask.task(parse_task(item, self.address.base_url))

    def _decode(self, response: requests.Response, body: bytes | None) -> Any:
        status = response.status_code
        host = self.address.host
        if body is None:
            raise NotConfluence(
                f"{host} sent an answer larger than {self._max_body // (1024 * 1024)} MB; "
                "that is not a task status. Check the site address.",
                status=status,
            )
        content_type = response.headers.get("Content-Type", "").lower()
        excerpt = self._mask.excerpt(body, _EXCERPT)

        if 300 <= status < 400:
            target = response.headers.get("Location", "")
            raise CredentialsRejected(
                f"{host} redirected to a sign-in page ({_host_of(target) or 'elsewhere'}). "
                "Single sign-on does not accept API calls: use an API or personal access token.",
                status=status,
                detail=excerpt,
            )
        if status in (401, 403):
            raise CredentialsRejected(
                self._refusal_text(status, response, body), status=status, detail=excerpt
            )
        if status == 404:
            raise TaskNotFound(
                f"{host} answered 404: no such task, or these credentials may not see it.",
                status=status,
                detail=excerpt,
            )
        if status == 429:
            delay = retry_after_seconds(response.headers)
            asked = f" and asks to wait {_seconds(delay)}" if delay is not None else ""
            raise RateLimited(
                f"{host} is rate limiting requests{asked}.",
                retry_after=delay,
                detail=excerpt,
                retrying="Will try again then." if delay is not None else "Will try again later.",
            )
        if status >= 500:
            raise ServerTrouble(
                f"{host} is having trouble ({_status_line(status, response.reason)}).",
                status=status,
                retry_after=retry_after_seconds(response.headers),
                detail=excerpt,
                retrying=_RETRYING,
            )
        if status != 200:
            raise NotConfluence(
                f"{host} answered {status} {response.reason or ''}".strip(),
                status=status,
                detail=excerpt,
            )

        if "json" not in content_type:
            if "html" in content_type or body.lstrip()[:1] == b"<":
                raise CredentialsRejected(
                    f"{host} answered with a web page instead of data, most likely a sign-in page. "
                    "Check the credentials, or use a token that works without single sign-on.",
                    status=status,
                    detail=excerpt,
                )
            raise NotConfluence(
                f"{host} answered with {content_type or 'an unknown type'}, not JSON. "
                "Check the site address.",
                status=status,
                detail=excerpt,
            )
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            # RecursionError: JSON nested deeper than the interpreter's stack, never Confluence.
            raise NotConfluence(
                f"{host} sent malformed JSON. If this persists, check the site address or proxy.",
                status=status,
                detail=excerpt,
            ) from None

    def _refusal_text(self, status: int, response: requests.Response, body: bytes) -> str:
        host = self.address.host
        said = self._mask.text(_server_reason(body))
        category = response.headers.get("X-Failure-Category", "")
        what = "refused the credentials" if status == 401 else "denied access"
        text = f"{host} {what} ({status}"
        text += f", {category}" if category else ""
        text += f": {said})" if said else ")"
        if status != 401:
            return text + ". These credentials may lack permission or the token's scopes."
        if self._credentials is None:
            return text + ". This site needs credentials: an API or access token."
        if self._credentials.kind is AuthKind.BASIC:
            return text + ". Check the email and API token, or create a new API token."
        return text + ". Check the access token: it may be wrong, expired or revoked."

    def _deadline(self) -> float:
        return time.monotonic() + self._total_timeout


def _page(payload: Any) -> tuple[list[Any], int, int, bool | None, str | None]:
    """A list page's items, size, limit, whether `_links` names a next page (None without
    `_links`) and that next link as text."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise NotConfluence("The task list answer has no 'results' list")
    results = payload["results"]
    size = payload.get("size", len(results))
    limit = payload.get("limit", len(results) or 1)
    links = payload.get("_links")
    has_next = bool(links.get("next")) if isinstance(links, dict) else None
    next_link = str(links["next"]) if has_next and isinstance(links, dict) else None
    if not isinstance(size, int) or not isinstance(limit, int) or limit <= 0:
        raise NotConfluence("The task list answer has a malformed 'size' or 'limit'")
    return results, size, limit, has_next, next_link


def _server_reason(body: bytes) -> str:
    """The short reason a refusal carries: the gateway's or Confluence's JSON message."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(payload, dict):
        return ""
    for key in ("message", "reason"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return ""


def _seconds(value: float) -> str:
    """``5 s``, ``0.5 s``: a timeout as it was set."""
    return f"{value:g} s"


def _status_line(status: int, reason: str | None) -> str:
    return f"{status} {reason}" if reason else str(status)


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def _short(error: BaseException) -> str:
    text = str(error)
    # urllib3 wraps the useful part deep inside; keep the tail, which names the cause.
    if "(Caused by" in text:
        text = text.split("(Caused by", 1)[1].rstrip(")")
    return text.strip()[:160]
