"""Site addresses as users type them, credentials that never show, and pasted task references."""

from __future__ import annotations

import base64
import json

import pytest

from gui.confluence import (
    AuthKind,
    Credentials,
    Deployment,
    InvalidInput,
    normalise_site_url,
    parse_task_ref,
)


@pytest.mark.parametrize(
    ("typed", "base", "deployment"),
    [
        ("https://acme.atlassian.net", "https://acme.atlassian.net/wiki", Deployment.CLOUD),
        ("acme.atlassian.net/", "https://acme.atlassian.net/wiki", Deployment.CLOUD),
        ("https://ACME.atlassian.net/wiki/", "https://acme.atlassian.net/wiki", Deployment.CLOUD),
        (
            "https://acme.atlassian.net/wiki/spaces/DOCS/pages/123/Plan",
            "https://acme.atlassian.net/wiki",
            Deployment.CLOUD,
        ),
        (
            "https://wiki.example.org/confluence",
            "https://wiki.example.org/confluence",
            Deployment.DATA_CENTER,
        ),
        ("https://wiki.example.org/", "https://wiki.example.org", Deployment.DATA_CENTER),
        (
            "https://wiki.example.org:8443/confluence/display/DOCS/Home",
            "https://wiki.example.org:8443/confluence",
            Deployment.DATA_CENTER,
        ),
        (
            "https://wiki.example.org/confluence/rest/api/longtask",
            "https://wiki.example.org/confluence",
            Deployment.DATA_CENTER,
        ),
        (
            "https://api.atlassian.com/ex/confluence/0a1b2c3d-1111-2222-3333-444455556666/wiki",
            "https://api.atlassian.com/ex/confluence/0a1b2c3d-1111-2222-3333-444455556666/wiki",
            Deployment.GATEWAY,
        ),
        (
            "https://api.atlassian.com/ex/confluence/abc123",
            "https://api.atlassian.com/ex/confluence/abc123/wiki",
            Deployment.GATEWAY,
        ),
        ("http://127.0.0.1:8090/wiki", "http://127.0.0.1:8090/wiki", Deployment.DATA_CENTER),
        (
            "https://wiki.example.org:443/confluence",
            "https://wiki.example.org/confluence",
            Deployment.DATA_CENTER,
        ),
        ("http://wiki.example.org:80/", "http://wiki.example.org", Deployment.DATA_CENTER),
    ],
)
def test_site_urls_are_normalised_to_the_rest_base(
    typed: str, base: str, deployment: Deployment
) -> None:
    address = normalise_site_url(typed)
    assert (address.base_url, address.deployment) == (base, deployment)
    assert address.api_root == base + "/rest/api"


def test_gateway_address_keeps_the_cloud_id() -> None:
    assert (
        normalise_site_url("https://api.atlassian.com/ex/confluence/abc123/wiki").cloud_id
        == "abc123"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "ftp://wiki.example.org",
        "https://",
        "https://api.atlassian.com/wiki",
        "https://host:99999",
        "http://127.0.0.1:0/wiki",
        "javascript:alert(1)",
        "http://exa mple.com",
    ],
)
def test_unusable_site_urls_say_what_is_wrong(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_site_url(typed)
    assert str(caught.value)


def test_plain_http_off_loopback_is_flagged() -> None:
    assert normalise_site_url("http://wiki.example.org").is_plain_http
    assert not normalise_site_url("http://wiki.example.org").is_loopback
    assert normalise_site_url("http://localhost:8090").is_loopback


@pytest.mark.parametrize(
    "typed",
    [
        "http://localhost:8090",
        "http://LOCALHOST/wiki",
        "http://localhost.:8090",
        "http://127.0.0.1:8090",
        "http://127.255.3.4",
        "http://[::1]:8090",
        "http://[0:0:0:0:0:0:0:1]",
        "http://[::ffff:127.0.0.1]:8090",
        "http://[::ffff:7f00:1]",
    ],
)
def test_this_machine_is_loopback(typed: str) -> None:
    assert normalise_site_url(typed).is_loopback


@pytest.mark.parametrize(
    "typed",
    [
        # DNS names anyone can register or answer for, whatever they start or end with.
        "http://127.evil.example/confluence",
        "http://127.0.0.1.nip.io",
        "http://localhost.evil.example",
        "http://evil-localhost",
        # Reserved for loopback by RFC 6761, but resolved through the network's DNS server
        # on many systems: not trusted.
        "http://wiki.localhost",
        # A spelling the resolver accepts but that is not an IP literal: asks, to be safe.
        "http://127.1",
        "http://0.0.0.0",
        "http://[::]",
        "http://[::ffff:10.0.0.1]",
        "http://10.0.0.1",
        "http://wiki.example.org",
    ],
)
def test_other_hosts_are_not_loopback(typed: str) -> None:
    assert not normalise_site_url(typed).is_loopback


def test_basic_and_bearer_headers() -> None:
    basic = Credentials.for_token("s3cret-token", user="me@example.com")
    bearer = Credentials.for_token("s3cret-token")
    assert basic.kind is AuthKind.BASIC and bearer.kind is AuthKind.BEARER
    assert (
        basic.authorization_header()
        == "Basic " + base64.b64encode(b"me@example.com:s3cret-token").decode()
    )
    assert bearer.authorization_header() == "Bearer s3cret-token"


def test_credentials_never_show_the_token() -> None:
    credentials = Credentials.for_token("s3cret-token", user="me@example.com")
    assert "s3cret-token" not in repr(credentials)
    assert "s3cret-token" not in str(credentials)
    assert "s3cret-token" not in f"{credentials!r} {credentials}"


@pytest.mark.parametrize(
    ("pasted", "task_id", "base"),
    [
        ("1179649", "1179649", None),
        ("  1179649\n", "1179649", None),
        (
            "https://acme.atlassian.net/wiki/rest/api/longtask/1179649",
            "1179649",
            "https://acme.atlassian.net/wiki",
        ),
        # A status link followed host-relative on Cloud lacks /wiki; the site is still Cloud.
        (
            "https://acme.atlassian.net/rest/api/longtask/1179649",
            "1179649",
            "https://acme.atlassian.net/wiki",
        ),
        (
            "https://wiki.example.org/confluence/rest/api/longtask/6f1e-22ab",
            "6f1e-22ab",
            "https://wiki.example.org/confluence",
        ),
        (
            "https://api.atlassian.com/ex/confluence/abc123/wiki/rest/api/longtask/77",
            "77",
            "https://api.atlassian.com/ex/confluence/abc123/wiki",
        ),
        ("/rest/api/longtask/1179649", "1179649", None),
        (
            json.dumps({"id": "1179649", "links": {"status": "/rest/api/longtask/1179649"}}),
            "1179649",
            None,
        ),
        (json.dumps({"id": 42}), "42", None),
        (json.dumps({"links": {"status": "/rest/api/longtask/99"}}), "99", None),
    ],
)
def test_accepted_task_references(pasted: str, task_id: str, base: str | None) -> None:
    ref = parse_task_ref(pasted)
    assert ref.task_id == task_id
    assert (ref.site.base_url if ref.site else None) == base


@pytest.mark.parametrize(
    "pasted",
    [
        "",
        "delete my space please",
        "https://acme.atlassian.net/wiki/spaces/DOCS",
        "{not json",
        "[1, 2]",
        json.dumps({"message": "accepted"}),
        "/rest/api/content/123",
        "https://acme.atlassian.net/wiki/rest/api/longtask/<script>",
    ],
)
def test_rejected_task_references_say_what_was_expected(pasted: str) -> None:
    with pytest.raises(InvalidInput, match="task id"):
        parse_task_ref(pasted)
