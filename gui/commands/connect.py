"""From command-line options to a site, credentials and a client: the token comes from the
environment only, and no message here ever repeats it."""

from __future__ import annotations

import argparse
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from gui.commands.exit_codes import ExitCode
from gui.confluence.errors import ConfluenceError, CredentialsRejected, InvalidInput, TaskNotFound
from gui.confluence.site import Credentials, SiteAddress, normalise_site_url
from gui.confluence.task_ref import TaskRef, parse_task_ref
from gui.platform.logging_setup import register_secret

log = logging.getLogger(__name__)

DEFAULT_TOKEN_ENV = "CONFLUENCE_TOKEN"  # noqa: S105 - the name of a variable, not a token
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# A name we may repeat in a message: upper case like every conventional variable name. Anything
# else might be the token itself, pasted where the name belongs.
_SHOWABLE_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,47}$")


class SetupError(Exception):
    """The command cannot start: missing token, bad site address, unusable task reference."""


@dataclass(frozen=True)
class Target:
    """One task to watch, on a known site."""

    task_id: str
    site: SiteAddress


def read_credentials(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Credentials:
    """The token from the variable ``--token-env`` names; Basic with ``--user``, else Bearer."""
    environ = os.environ if env is None else env
    name = args.token_env or DEFAULT_TOKEN_ENV
    if not _VARIABLE_NAME.match(name):
        raise SetupError(
            "--token-env takes the NAME of an environment variable (such as CONFLUENCE_TOKEN), "
            "not the token itself."
        )
    shown = name if _SHOWABLE_NAME.match(name) else "named by --token-env"
    token = environ.get(name, "").strip()
    if not token:
        raise SetupError(
            f"No token: the environment variable {shown} is not set or empty. "
            "Set it to your API token (Cloud, with --user EMAIL) or personal access token, "
            "for example: read -rs CONFLUENCE_TOKEN && export CONFLUENCE_TOKEN"
        )
    try:
        Credentials.for_token(token)
    except InvalidInput as error:
        # The message never repeats the token: it says what is wrong with it.
        raise SetupError(f"The token in {shown} cannot be used: {error}") from None
    user = args.user
    if user is not None and not user.strip():
        raise SetupError(
            "--user is empty. Give the email you sign in with (Basic auth, Cloud API token), "
            "or leave --user out to send the token as a Bearer token."
        )
    try:
        credentials = Credentials.for_token(token, user)
    except InvalidInput as error:
        raise SetupError(f"--user: {error}") from None
    # Every form they travel in, Basic value included, is masked in all we print and log.
    register_secret(credentials)
    return credentials


def site_option(args: argparse.Namespace) -> SiteAddress | None:
    """The ``--site`` address normalised, or None when it was not given."""
    if not args.site:
        return None
    try:
        return normalise_site_url(args.site)
    except InvalidInput as error:
        raise SetupError(f"--site: {error}") from None


def resolve_targets(texts: list[str], site: SiteAddress | None) -> list[Target]:
    """Each TASK argument as a task on a site: from its URL, else from ``--site``, else from the
    one site the TASK URLs name.

    The token goes to one server only: a TASK URL must name the ``--site`` given, and without
    ``--site`` every TASK URL must be on the same server (scheme, host and port) as the first.
    """
    refs: list[TaskRef] = []
    for number, text in enumerate(texts, 1):
        try:
            refs.append(parse_task_ref(text))
        except InvalidInput as error:
            # Which one, by position: the text itself is not repeated, it may be a pasted secret.
            which = f"TASK {number} of {len(texts)}" if len(texts) > 1 else "TASK"
            raise SetupError(f"{which}: {error}") from None

    default = site
    if default is None:
        # A bare id next to task URLs of one site is on that site.
        named = {_site_key(ref.site): ref.site for ref in refs if ref.site is not None}
        if len(named) == 1:
            (default,) = named.values()

    targets: list[Target] = []
    for ref in refs:
        if site is not None and ref.site is not None and _site_key(ref.site) != _site_key(site):
            raise SetupError(
                f"Task {ref.task_id}: its URL is on {ref.site.base_url}, not on --site "
                f"{site.base_url}. The token belongs to one site, so nothing was sent; drop "
                "--site or watch the tasks of each site in a separate run."
            )
        where = ref.site or default
        if where is None:
            raise SetupError(
                f"Task {ref.task_id}: which site? Give --site URL, or the full task URL "
                "(https://<site>/wiki/rest/api/longtask/<id>)."
            )
        first = targets[0].site if targets else where
        if _server_key(where) != _server_key(first):
            raise SetupError(
                f"Task {ref.task_id}: its URL is on {where.host}, another server than "
                f"{first.host}. The token belongs to one site, so nothing was sent; watch the "
                "tasks of each server in a separate run, each with its own token."
            )
        targets.append(Target(ref.task_id, where))
    return targets


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _server_key(site: SiteAddress) -> tuple[str, str, int | None]:
    """Who receives the token: scheme, host and port, with a default port spelled out or not."""
    parts = urlsplit(site.base_url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _site_key(site: SiteAddress) -> tuple[str, str, int | None, str]:
    return (*_server_key(site), urlsplit(site.base_url).path.rstrip("/"))


def warn_if_insecure(site: SiteAddress) -> str | None:
    """A warning for a token about to travel unencrypted to a host that is not this machine."""
    if site.is_plain_http and not site.is_loopback:
        return (
            f"Warning: {site.host} is plain http://; the token travels unencrypted. "
            "Use https:// unless you trust every network in between."
        )
    return None


def for_error(error: ConfluenceError) -> ExitCode:
    """The status a one-off request ends with when it raised ``error``."""
    if isinstance(error, CredentialsRejected):
        return ExitCode.CREDENTIALS
    if isinstance(error, TaskNotFound):
        return ExitCode.NOT_FOUND
    # Unreachable, 5xx, rate limited, not Confluence: a one-off call has no later to wait for.
    return ExitCode.UNREACHABLE
