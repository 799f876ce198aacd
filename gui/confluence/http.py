"""One ``requests.Session`` per site: TLS against the system trust store, proxies from the
environment and system, bodies read with a size limit, and answers turned into error kinds."""

from __future__ import annotations

import email.utils
import logging
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from requests.sessions import _Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
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
    """A session whose per-site CA bundle outranks REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE.

    With ``trust_env`` requests lets those variables replace ``session.verify``, which would
    silently drop the bundle the user chose for this one site.
    """

    def __init__(self, ca_bundle: str | None) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self._ca_bundle:
            settings["verify"] = self._ca_bundle
        return settings


def build_session(ca_bundle: str | None = None) -> requests.Session:
    """A session that verifies TLS: against ``ca_bundle`` when given, else the system store."""
    session = _SiteSession(ca_bundle)
    session.trust_env = True  # HTTPS_PROXY, NO_PROXY and the system proxy settings
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


def read_limited(response: requests.Response, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None when it is bigger than ``limit`` (then the connection is dropped)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        return None
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > limit:
            response.close()
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Retry-After as seconds from now; it may be a number of seconds or an HTTP date."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers fit to show a person: every credential-bearing header is masked."""
    return {
        name: "[redacted]" if name.lower() in CREDENTIAL_HEADERS else value
        for name, value in headers.items()
    }
