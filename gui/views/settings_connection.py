"""Checks the settings dialog runs against a site, off the GUI thread: "Test connection" and
the cloudId look-up for the API gateway. Each ends in plain text a user can act on.

A check's requests can be cut (``BackgroundCall.cancel()``), and quitting cuts every check in
flight: Qt waits for its thread pool before the process ends, so a check against a host that
never answers would otherwise hold the quit for its whole timeout. Both ask once, so their texts
leave out what polling would do next ("Will try again"): they use each error's ``message``,
not ``str()``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from gui.confluence.client import ConfluenceClient
from gui.confluence.errors import (
    ConfluenceError,
    CredentialsRejected,
    InvalidInput,
    MalformedTask,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.site import (
    GATEWAY_HOST,
    Credentials,
    Deployment,
    SiteAddress,
    SiteConfig,
    normalise_site_url,
)
from gui.polling.abortable import SocketRegistry, abortable_session

log = logging.getLogger(__name__)

# Shorter than the poller's: a person is waiting for the answer.
CHECK_TIMEOUT = (5.0, 10.0)


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of "Test connection": ``ok`` and a plain-text explanation."""

    ok: bool
    text: str


def _client(
    address: SiteAddress,
    credentials: Credentials | None,
    ca_bundle: str | None,
    registry: SocketRegistry | None,
) -> ConfluenceClient:
    """A client with the checks' timeouts; with ``registry``, one whose requests it can cut."""
    session = abortable_session(registry, ca_bundle) if registry is not None else None
    return ConfluenceClient(
        address, credentials, timeout=CHECK_TIMEOUT, ca_bundle=ca_bundle, session=session
    )


def check_connection(
    site: SiteConfig, credentials: Credentials | None, registry: SocketRegistry | None = None
) -> ConnectionReport:
    """Ask the site who we are, then whether its task list is readable."""
    if credentials is None:
        return ConnectionReport(False, "No token: enter the API token or access token first.")
    with _client(site.address, credentials, site.ca_bundle, registry) as client:
        try:
            user = client.current_user()
        except ConfluenceError as error:
            return ConnectionReport(False, _problem_text(error))
        if user.anonymous:
            return ConnectionReport(
                False,
                "Sign-in not accepted: the site answered as an anonymous user, so the token was "
                "not recognised. Check the token (and for Data Center, that it is a personal "
                "access token).",
            )
        who = user.display_name + (f" ({user.account})" if user.account else "")
        unreadable: list[MalformedTask] = []
        try:
            # As polling does: a task that cannot be read is left out, and only a list of which
            # none can be read is the site's problem.
            tasks = client.list_active_tasks(on_malformed=unreadable.append)
        except ConfluenceError as error:
            return ConnectionReport(
                False,
                f"Signed in as {who}, but the task list is not readable. {_problem_text(error)}",
            )
    count = len(tasks)
    running = f"{count} active task{'s' if count != 1 else ''}" if count else "no active tasks"
    text = f"Signed in as {who}. The task list is readable ({running})."
    if unreadable:
        text += (
            f" {len(unreadable)} more could not be read ({_problem_name(unreadable[0])}: "
            f"{unreadable[0].message})."
        )
    return ConnectionReport(True, text)


def _problem_text(error: ConfluenceError) -> str:
    return f"{_problem_name(error)}: {error.message}"


def _problem_name(error: ConfluenceError) -> str:
    if isinstance(error, CredentialsRejected):
        if error.status is not None and 300 <= error.status < 400:
            return "Redirected to a sign-in page"
        if error.status == 200:
            return "Sign-in page instead of data"
        return "Credentials refused"
    if isinstance(error, SiteUnreachable):
        return "TLS problem" if "TLS" in error.message else "Unreachable"
    if isinstance(error, RateLimited | ServerTrouble):
        return "Site busy"
    if isinstance(error, MalformedTask):
        return "A field of the wrong type"
    if isinstance(error, NotConfluence | TaskNotFound):
        return "Not a Confluence REST API at this address"
    return "Failed"


def lookup_cloud_id(
    site_text: str, ca_bundle: str | None = None, registry: SocketRegistry | None = None
) -> str:
    """The cloudId of a Cloud site, from its public ``/_edge/tenant_info``."""
    if not site_text.strip():
        raise InvalidInput("Enter the site address (https://<site>.atlassian.net) first.")
    parts = urlsplit(normalise_site_url(site_text).base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    address = SiteAddress(root, Deployment.CLOUD)
    try:
        with _client(address, None, ca_bundle, registry) as client:
            answer = client.fetch_raw(root + "/_edge/tenant_info")
    except SiteUnreachable as error:  # the only kind fetch_raw raises
        # The same error, but for a look-up that asks once: nothing will try again.
        raise SiteUnreachable(error.message, status=error.status, detail=error.detail) from None
    cloud_id: Any = None
    if answer.status == 200:
        try:
            cloud_id = answer.json().get("cloudId")
        except (ValueError, AttributeError):
            cloud_id = None
    if not isinstance(cloud_id, str) or not cloud_id.strip():
        raise NotConfluence(
            f"{parts.hostname} did not tell its cloudId (answer {answer.status}). Find it under "
            "https://<site>.atlassian.net/_edge/tenant_info in a browser and paste it.",
            status=answer.status,
        )
    return cloud_id.strip()


def gateway_address(site_text: str, cloud_id: str) -> SiteAddress:
    """The API-gateway base for a Cloud site with this cloudId."""
    parts = urlsplit(site_text.strip() if "://" in site_text else "https://" + site_text.strip())
    host = (parts.hostname or "").lower()
    if host.endswith(".atlassian.net") or host == GATEWAY_HOST or not host:
        root = f"https://{GATEWAY_HOST}"
    else:
        # Not an Atlassian host (the demo or a test server): it plays the gateway itself.
        root = f"{parts.scheme}://{parts.netloc}"
    return SiteAddress(f"{root}/ex/confluence/{cloud_id}/wiki", Deployment.GATEWAY, cloud_id)


class BackgroundCall(QObject):
    """One check on Qt's thread pool. ``done`` brings its result (or the exception it raised)
    to the GUI thread; ``cancel()`` cuts its requests and drops the result."""

    done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.registry = SocketRegistry()
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Safe more than once, and after the check ended."""
        self._cancelled = True
        self.registry.abort()


class _Call(QRunnable):
    def __init__(self, work: Callable[[SocketRegistry], object], call: BackgroundCall) -> None:
        super().__init__()
        self._work = work
        self._call = call

    def run(self) -> None:
        try:
            result: object = self._work(self._call.registry)
        except (ConfluenceError, InvalidInput) as error:
            result = error
        except Exception as error:  # a worker thread must hand every failure back to the GUI
            log.exception("Background check failed")
            result = error
        # Cancelled: nobody waits for the answer, and when the app is quitting the call's Qt
        # object may already be deleted, so emitting would raise in this thread.
        if not self._call.cancelled:
            self._call.done.emit(result)


def run_in_background(
    work: Callable[[SocketRegistry], object], on_done: Callable[[object], None]
) -> BackgroundCall:
    """Run ``work`` on Qt's thread pool and call ``on_done`` in the GUI thread with its result
    (or the exception it raised). ``work`` gets the registry its requests must use, so that
    ``cancel()`` and quitting can cut them. Keep the returned call until ``on_done`` has run."""
    call = BackgroundCall()
    call.done.connect(on_done)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(call.cancel)
    QThreadPool.globalInstance().start(_Call(work, call))
    return call
