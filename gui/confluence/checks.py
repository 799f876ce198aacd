"""Checks a person runs against a site while setting it up: "Test connection" and the cloudId
look-up for the API gateway. Each asks once and ends in plain text a user can act on.

Asking once, their texts leave out what polling would do next ("Will try again"): they use each
error's ``message``, not ``str()``. The settings dialog runs them off the GUI thread, with a
session whose requests it can cut (gui/views/settings_connection.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
from gui.confluence.site import Credentials, Deployment, SiteAddress, SiteConfig, normalise_site_url

if TYPE_CHECKING:
    import requests

    from gui.confluence.client import ConfluenceClient

# Shorter than the poller's: a person is waiting for the answer.
CHECK_TIMEOUT = (5.0, 10.0)
# Public on every Cloud site, without credentials: where its cloudId is told.
TENANT_INFO_PATH = "/_edge/tenant_info"


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of "Test connection": ``ok`` and a plain-text explanation."""

    ok: bool
    text: str


def check_connection(
    site: SiteConfig, credentials: Credentials | None, session: requests.Session | None = None
) -> ConnectionReport:
    """Ask the site who we are, then whether its task list is readable; over ``session`` when
    given (the client closes it), else over one of the site's own."""
    if credentials is None:
        return ConnectionReport(False, "No token: enter the API token or access token first.")
    with _client(site.address, credentials, site.ca_bundle, session) as client:
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


def lookup_cloud_id(
    site_text: str, ca_bundle: str | None = None, session: requests.Session | None = None
) -> str:
    """The cloudId of the Cloud site a user typed, from its public tenant info; raises
    InvalidInput for an unusable address and a ConfluenceError when the site does not tell."""
    if not site_text.strip():
        raise InvalidInput("Enter the site address (https://<site>.atlassian.net) first.")
    parts = urlsplit(normalise_site_url(site_text).base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    try:
        with _client(SiteAddress(root, Deployment.CLOUD), None, ca_bundle, session) as client:
            answer = client.fetch_raw(root + TENANT_INFO_PATH)
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
            f"https://<site>.atlassian.net{TENANT_INFO_PATH} in a browser and paste it.",
            status=answer.status,
        )
    return cloud_id.strip()


def _client(
    address: SiteAddress,
    credentials: Credentials | None,
    ca_bundle: str | None,
    session: requests.Session | None,
) -> ConfluenceClient:
    # Imported here, on the thread that runs the check: the client loads requests (about 0.1 s),
    # which opening the settings dialog should not cost the GUI thread.
    from gui.confluence.client import ConfluenceClient

    return ConfluenceClient(
        address, credentials, timeout=CHECK_TIMEOUT, ca_bundle=ca_bundle, session=session
    )


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
