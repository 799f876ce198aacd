"""One ``requests.Session`` per site: TLS against the system trust store, proxies from the
environment and system, bodies read with a size limit, and answers turned into error kinds."""

from __future__ import annotations

import email.utils
import logging
import math
import os
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

if TYPE_CHECKING:
    from requests.sessions import _Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_RETRY_AFTER = 3600  # seconds
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-atlassian-token"}
)


class _TrustStoreAdapter(HTTPAdapter):
    """Verifies TLS against the operating system's trust store, so that corporate proxies whose
    root certificate the IT department installed there are trusted like in the browser."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)


def _system_trust_context() -> ssl.SSLContext | None:
    try:
        import truststore
    except ImportError:
        log.warning("truststore is not installed; verifying TLS with certifi's bundle")
        return None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _SiteSession(requests.Session):
    """A session whose per-site CA bundle outranks REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, and which
    looks the proxy settings up once per host instead of on every request.

    With ``trust_env`` requests lets those variables replace ``session.verify``, which would
    silently drop the bundle the user chose for this one site. It also rescans the whole
    environment (twice) for proxy variables on every request, which was a fifth of the CPU time
    of a poll; a site's session talks to one host, so one lookup per host is enough.
    """

    def __init__(self, ca_bundle: str | None) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle
        # Limitation: proxy settings changed while the app runs apply from the next session
        # (the app builds one whenever a site's settings change), not from the next request.
        self._proxies_by_host: dict[tuple[str, str, str | None], dict[str, str]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        proxies = {} if proxies is None else proxies
        if self.trust_env:
            for scheme, address in self._environment_proxies(url, proxies.get("no_proxy")).items():
                proxies.setdefault(scheme, address)
            if verify is True or verify is None:
                verify = (
                    os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("CURL_CA_BUNDLE")
                    or verify
                )
        # The request's own settings win over the session's; a None proxy entry removes one.
        merged = {**(self.proxies or {}), **proxies}
        settings: _Settings = {
            "proxies": {scheme: address for scheme, address in merged.items() if address},
            "stream": self.stream if stream is None else stream,
            "verify": self.verify if verify is None else verify,
            "cert": self.cert if cert is None else cert,
        }
        if self._ca_bundle:
            settings["verify"] = self._ca_bundle
        return settings

    def _environment_proxies(self, url: str, no_proxy: str | None) -> dict[str, str]:
        """The proxies the environment (and system) name for ``url``, honouring NO_PROXY."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, no_proxy)
        found = self._proxies_by_host.get(key)
        if found is None:
            found = get_environ_proxies(url, no_proxy=no_proxy)
            self._proxies_by_host[key] = found
        return found


def build_session(ca_bundle: str | None = None) -> requests.Session:
    """A session that verifies TLS: against ``ca_bundle`` when given, else the system store."""
    session = _SiteSession(ca_bundle)
    # HTTPS_PROXY, HTTP_PROXY and NO_PROXY everywhere; on Windows and macOS also the system's
    # proxy settings, which Python's urllib reads there (registry, SystemConfiguration).
    # Limitation: on Linux only the environment counts; GNOME's or KDE's own proxy settings are
    # not read unless the session exports them as those variables.
    session.trust_env = True
    session.headers.update({"Accept": "application/json", "User-Agent": _user_agent()})
    if ca_bundle:
        session.verify = ca_bundle
    else:
        context = _system_trust_context()
        if context is not None:
            adapter = _TrustStoreAdapter(context)
            session.mount("https://", adapter)
    return session


def _user_agent() -> str:
    from gui import APP_ID, __version__

    return f"{APP_ID}/{__version__} (+requests/{requests.__version__})"


class AnswerTooSlow(Exception):
    """The server kept the body coming for longer than the whole answer may take."""


def read_limited(
    response: requests.Response, limit: int = MAX_BODY_BYTES, deadline: float | None = None
) -> bytes | None:
    """The body, or None when it is bigger than ``limit`` (then the connection is dropped).

    ``deadline`` (a ``time.monotonic()`` value) bounds the whole read: the read timeout only
    bounds each wait for the next bytes, so a server trickling an endless answer would otherwise
    hold the poller forever. Each read takes what has arrived (``read1``), so the deadline is
    checked at least once per read timeout.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                response.close()
                raise AnswerTooSlow
            chunk = response.raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                response.close()
                return None
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as error:
        # What requests' own iter_content would have raised, so callers see one exception kind.
        response.close()
        raise requests.exceptions.ConnectionError(error) from None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Retry-After as seconds from now; it may be a number of seconds or an HTTP date.

    A garbled value counts as absent. Limitation: a wait longer than MAX_RETRY_AFTER is cut to
    it (with a warning): a server asking for years is broken, and a monitor that never looks
    again is worse than one that asks once an hour.
    """
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    if seconds > MAX_RETRY_AFTER:
        log.warning(
            "Retry-After of %.0f s is beyond reason; waiting %d s", seconds, MAX_RETRY_AFTER
        )
        return float(MAX_RETRY_AFTER)
    return max(0.0, seconds)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers fit to show a person: every credential-bearing header is masked."""
    return {
        name: "[redacted]" if name.lower() in CREDENTIAL_HEADERS else value
        for name, value in headers.items()
    }
