"""What an HTTP answer from a site means: its JSON data, or the one ConfluenceError kind a user
acts on; and what a request that got no answer at all means.

Every text here names the host and says what to do; none repeats the credentials, and what the
server said is quoted only through the site's SecretMask.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from gui.confluence.errors import (
    CredentialsRejected,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.http import retry_after_seconds
from gui.confluence.redaction import SecretMask
from gui.confluence.site import AuthKind, Credentials, SiteAddress

RETRYING = "Will try again."  # what polling does next; a one-off check leaves it out
_EXCERPT = 300
_NOT_TLS = ("WRONG_VERSION_NUMBER", "record layer failure", "packet length too long")


def json_data(
    response: requests.Response,
    body: bytes | None,
    *,
    address: SiteAddress,
    credentials: Credentials | None,
    mask: SecretMask,
    max_body: int,
) -> Any:
    """The decoded JSON of a 200 answer whose body is ``body`` (None: it was over ``max_body``);
    any other answer raises the ConfluenceError that says what it means."""
    status = response.status_code
    host = address.host
    if body is None:
        raise NotConfluence(
            f"{host} sent an answer larger than {max_body // (1024 * 1024)} MB; "
            "that is not a task status. Check the site address.",
            status=status,
        )
    content_type = response.headers.get("Content-Type", "").lower()
    excerpt = mask.excerpt(body, _EXCERPT)

    if 300 <= status < 400:
        target = response.headers.get("Location", "")
        raise CredentialsRejected(
            f"{host} redirected to a sign-in page ({_host_of(target) or 'elsewhere'}). "
            "Single sign-on does not accept API calls: use an API or personal access token.",
            status=status,
            detail=excerpt,
        )
    if status in (401, 403):
        said = mask.text(_server_reason(body))
        category = response.headers.get("X-Failure-Category", "")
        raise CredentialsRejected(
            _refusal_text(host, status, category, said, credentials),
            status=status,
            detail=excerpt,
        )
    if status == 404:
        raise TaskNotFound(
            f"{host} answered 404: no such task, or these credentials may not see it.",
            status=status,
            detail=excerpt,
        )
    if status == 429:
        delay = retry_after_seconds(response.headers)
        asked = f" and asks to wait {seconds(delay)}" if delay is not None else ""
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
            retrying=RETRYING,
        )
    if status != 200:
        raise NotConfluence(
            f"{host} answered {_status_line(status, response.reason)}",
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


def no_answer(
    error: requests.exceptions.RequestException,
    address: SiteAddress,
    timeout: tuple[float, float],
) -> SiteUnreachable:
    """What a request that failed before any answer came means, ``timeout`` being the
    (connect, read) timeouts it had."""
    host = address.host
    if isinstance(error, requests.exceptions.SSLError):
        return SiteUnreachable(_tls_problem(error, address))
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return SiteUnreachable(
            f"{host} did not accept a connection within {seconds(timeout[0])}: check the "
            "address and your network or VPN.",
            retrying=RETRYING,
        )
    if isinstance(error, requests.exceptions.Timeout):
        return SiteUnreachable(
            f"{host} did not answer within {seconds(timeout[1])}: check your network or VPN "
            "if it persists.",
            retrying=RETRYING,
        )
    if isinstance(
        error, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return SiteUnreachable(
            f"Could not connect to {host} ({short(error)}). "
            "Check the address and your network or VPN."
        )
    return SiteUnreachable(f"Request to {host} failed: {short(error)}")


def _tls_problem(error: requests.exceptions.SSLError, address: SiteAddress) -> str:
    text = str(error)
    if any(sign in text for sign in _NOT_TLS):
        # What OpenSSL says when the other end answers a TLS hello in plain HTTP.
        port = urlsplit(address.base_url).port or 443
        return (
            f"{address.host} does not speak HTTPS on port {port}. If the site is "
            "served over plain HTTP, its address starts with http://."
        )
    return (
        f"The TLS certificate of {address.host} could not be verified "
        f"({short(error)}). If your company inspects traffic, add its CA certificate to "
        "the system's trust store, or give its CA bundle in the site settings."
    )


def _refusal_text(
    host: str, status: int, category: str, said: str, credentials: Credentials | None
) -> str:
    """Why a 401 or 403 came, with the gateway's failure category and the server's (masked)
    reason when it gave them, and what to check for the kind of credentials sent."""
    what = "refused the credentials" if status == 401 else "denied access"
    text = f"{host} {what} ({status}"
    text += f", {category}" if category else ""
    text += f": {said})" if said else ")"
    if status != 401:
        return text + ". These credentials may lack permission or the token's scopes."
    if credentials is None:
        return text + ". This site needs credentials: an API or access token."
    if credentials.kind is AuthKind.BASIC:
        return text + ". Check the email and API token, or create a new API token."
    return text + ". Check the access token: it may be wrong, expired or revoked."


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


def seconds(value: float) -> str:
    """``5 s``, ``0.5 s``: a timeout as it was set."""
    return f"{value:g} s"


def short(error: BaseException) -> str:
    """The part of a requests error that names the cause, at most 160 characters."""
    text = str(error)
    # urllib3 wraps the useful part deep inside; keep the tail, which names the cause.
    if "(Caused by" in text:
        text = text.split("(Caused by", 1)[1].rstrip(")")
    return text.strip()[:160]


def _status_line(status: int, reason: str | None) -> str:
    return f"{status} {reason}" if reason else str(status)


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or ""
