"""TLS is verified (system store by default, or the site's own CA bundle) and proxies from the
environment are honoured, with NO_PROXY respected."""

from __future__ import annotations

import datetime
import http.client
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gui.confluence.checks import check_connection
from gui.confluence.client import ConfluenceClient
from gui.confluence.errors import SiteUnreachable
from gui.confluence.http import build_session
from gui.confluence.site import Credentials, SiteConfig, normalise_site_url

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: str, key: Any, signer: Any, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                False,
            ).add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Test Corp Root CA", "Test Corp Root CA", ca_key, ca_key, ca=True)
    server_cert = build("127.0.0.1", "Test Corp Root CA", server_key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(server_cert.public_bytes(pem))
    paths[2].write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class _ConfluenceLike(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/confluence/rest/api/user/current"):
            body = {"type": "known", "displayName": "TLS User", "username": "tls"}
        else:
            body = {"results": [], "start": 0, "limit": 100, "size": 0}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; the tests assert on answers, not on this log


@pytest.fixture
def https_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Confluence-like HTTPS server on loopback with a private CA: (base URL, CA bundle)."""
    ca, cert, key = _certificates(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ConfluenceLike)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/confluence", ca
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _site(base: str, ca_bundle: Path | None = None) -> SiteConfig:
    return SiteConfig(
        "site-1", "TLS", normalise_site_url(base), ca_bundle=str(ca_bundle) if ca_bundle else None
    )


def test_an_unknown_certificate_authority_is_refused_with_a_clear_message(
    https_site: tuple[str, Path],
) -> None:
    base, _ca = https_site
    report = check_connection(_site(base), Credentials.for_token("tok-123456"))
    assert not report.ok
    assert report.text.startswith("TLS problem")
    assert "CA bundle" in report.text


def test_the_sites_own_ca_bundle_makes_it_trusted(https_site: tuple[str, Path]) -> None:
    base, ca = https_site
    report = check_connection(_site(base, ca), Credentials.for_token("tok-123456"))
    assert report.ok, report.text
    assert "TLS User" in report.text


def test_the_sites_ca_bundle_wins_over_a_global_requests_bundle(
    https_site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, ca = https_site
    unrelated = tmp_path / "other"
    unrelated.mkdir()
    other_ca, _, _ = _certificates(unrelated)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with ConfluenceClient(normalise_site_url(base), None, ca_bundle=str(ca)) as client:
        assert client.current_user().display_name == "TLS User"
    with (
        ConfluenceClient(normalise_site_url(base), None) as client,
        pytest.raises(SiteUnreachable, match="TLS certificate"),
    ):
        client.current_user()


class _ForwardProxy(http.server.BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy (absolute-URI GETs only) that remembers what it forwarded."""

    seen: list[str] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(
            "GET", target.path + (f"?{target.query}" if target.query else ""), headers=headers
        )
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test reads ``seen``


@pytest.fixture
def proxy() -> Iterator[str]:
    _ForwardProxy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_requests_go_through_the_proxy_from_the_environment(
    demo: Any, proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    with ConfluenceClient(normalise_site_url(demo.dc_base), Credentials.for_token(demo.token)) as c:
        assert c.current_user().display_name == "Demo User"
    assert _ForwardProxy.seen == [demo.dc_base + "/rest/api/user/current"]


def test_no_proxy_hosts_are_reached_directly(
    demo: Any, proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ConfluenceClient(normalise_site_url(demo.dc_base), Credentials.for_token(demo.token)) as c:
        assert c.current_user().display_name == "Demo User"
    assert _ForwardProxy.seen == []


def test_https_sites_use_https_proxy_unless_excluded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    session = build_session()

    def proxies_for(url: str) -> dict[str, str]:
        return session.merge_environment_settings(url, {}, None, None, None)["proxies"]

    assert proxies_for("https://acme.atlassian.net/wiki")["https"] == (
        "http://proxy.corp.example:3128"
    )
    assert "https" not in proxies_for("https://wiki.internal.example/confluence")
