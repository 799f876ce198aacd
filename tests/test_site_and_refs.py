"""Site addresses as users type them, credentials that never show, and pasted task references."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.confluence import (
    AuthKind,
    Credentials,
    Deployment,
    InvalidInput,
    normalise_site_url,
    parse_task_ref,
)
from gui.confluence.site import gateway_address


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
        ("https://wiki.example.org:/wiki", "https://wiki.example.org/wiki", Deployment.DATA_CENTER),
        ("http://[::1]:8090/confluence", "http://[::1]:8090/confluence", Deployment.DATA_CENTER),
        (
            "http://[FE80::1%25eth0]:8090/",
            "http://[fe80::1%25eth0]:8090",
            Deployment.DATA_CENTER,
        ),
        ("http://localhost.:8090/wiki", "http://localhost.:8090/wiki", Deployment.DATA_CENTER),
        (
            "https://wiki.example.org/my%20wiki",
            "https://wiki.example.org/my%20wiki",
            Deployment.DATA_CENTER,
        ),
        (
            "https://wiki.example.org/confluence/login.action?os_destination=https://x#top",
            "https://wiki.example.org/confluence",
            Deployment.DATA_CENTER,
        ),
        (
            "wiki.example.org/confluence?next=https://evil.example",
            "https://wiki.example.org/confluence",
            Deployment.DATA_CENTER,
        ),
        # What the HTTP library would send (its IDNA form maps fullwidth letters to ASCII).
        (
            "https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.org",
            "https://example.org",
            Deployment.DATA_CENTER,
        ),
        ("https://B\u00fccher.example", "https://b\u00fccher.example", Deployment.DATA_CENTER),
        # UTS 46 reads an ideographic full stop as a dot, as the HTTP library will.
        ("wiki\u3002example\u3002org/c", "https://wiki.example.org/c", Deployment.DATA_CENTER),
        (
            "https://\uff21\uff23\uff2d\uff25.atlassian.net",
            "https://acme.atlassian.net/wiki",
            Deployment.CLOUD,
        ),
        ("https://wiki_1.corp.example", "https://wiki_1.corp.example", Deployment.DATA_CENTER),
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
    ("site", "gateway"),
    [
        ("https://acme.atlassian.net", "https://api.atlassian.com/ex/confluence/abc-123/wiki"),
        (
            "https://api.atlassian.com/ex/confluence/old-id/wiki",
            "https://api.atlassian.com/ex/confluence/abc-123/wiki",
        ),
        # Not Atlassian's (the demo, a test server): the host plays the gateway itself.
        ("http://127.0.0.1:8090/wiki", "http://127.0.0.1:8090/ex/confluence/abc-123/wiki"),
    ],
)
def test_the_gateway_address_of_a_site_goes_through_atlassian_for_atlassian_hosts_only(
    site: str, gateway: str
) -> None:
    address = gateway_address(normalise_site_url(site), "abc-123")
    assert (address.base_url, address.deployment, address.cloud_id) == (
        gateway,
        Deployment.GATEWAY,
        "abc-123",
    )


@pytest.mark.parametrize("cloud_id", ["", "abc/../x", "abc?x=1", "abc 123"])
def test_a_cloud_id_that_is_not_one_is_refused_for_the_gateway_address(cloud_id: str) -> None:
    with pytest.raises(InvalidInput, match="cloudId"):
        gateway_address(normalise_site_url("https://acme.atlassian.net"), cloud_id)


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


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        # Browsers read a backslash as "/" (host "host"), urlsplit as part of the userinfo
        # (host "evil.example"): refused rather than guessed.
        ("https://host\\@evil.example/", "backslash"),
        ("https://wiki.example.org\\confluence", "backslash"),
        ("https://user:pass@wiki.example.org/confluence", "Email and Token fields"),
        ("https://me@wiki.example.org/", "never in the URL"),
        ("https://a@b@evil.example/", "never in the URL"),
        ("https://wiki.example.org/my wiki", "spaces"),
        ("https://wiki.example.org/a\tb", "spaces"),
        ("https://host\u202e/x", "invisible characters (it has U+202E)"),
        ("https://host/\x00x", "invisible characters"),
        ("https://wiki\u200b.example.org", "invisible characters"),
        ("https://[::1]x/", "Only a port may follow an IPv6 address"),
        ("https://[::1", "malformed IPv6"),
        ("https://[::1]:8090[", "malformed IPv6"),
        ("http://[zz]/x", "malformed IPv6"),
        ("https://[127.0.0.1]/", "malformed IPv6"),
        ("https://[v1.x]/", "malformed IPv6"),
        ("https://a]b/", "malformed IPv6"),
        ("https://a[b/", "malformed IPv6"),
        ("https://<b>x</b>/wiki", "host name is made of"),
        ("https://wiki%2eexample.org/", "host name is made of"),
        ("https://a\u2100b.example/", "not a valid host name"),  # IDNA refuses U+2100
        ("https://:8090/wiki", "no host name"),
        ("https://wiki.example.org/../admin", "/../"),
        ("https://wiki.example.org/confluence/%2e%2e/admin", "/../"),
        ("https://wiki.example.org/./wiki", "/./"),
        ("https://host:8090:9/", "port"),
        ("https://host:80a/", "port"),
        ("https://host:\uff18\uff10/", "port"),
        ("https://host:" + "9" * 5000 + "/", "port"),
    ],
)
def test_ambiguous_site_urls_are_refused_with_the_reason(typed: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(hint)):
        normalise_site_url(typed)


# Pieces that have broken the parsers before, for the generated inputs below.
_URL_PIECES = st.sampled_from(
    [
        *"http https :// : / [ ] @ % %2e . .. ? # { } 8090 99999 x".split(),
        *"::1 127.0.0.1 localhost acme.atlassian.net api.atlassian.com".split(),
        *"/ex/confluence/ /rest/api/longtask/".split(),
        *["\\", '"', " ", "\u202e", "\uff45", "\u2100"],
    ]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_URL_PIECES | st.text(max_size=3), max_size=12).map("".join))
def test_a_site_address_is_either_understood_or_refused_with_invalid_input(text: str) -> None:
    try:
        address = normalise_site_url(text)
    except InvalidInput:
        return
    assert address.base_url == normalise_site_url(address.base_url).base_url
    assert isinstance(address.is_loopback, bool)


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
        (
            json.dumps({"links": {"status": "https://wiki.example.org/rest/api/longtask/98"}}),
            "98",
            "https://wiki.example.org",
        ),
        (
            "https://[::1]:8090/confluence/rest/api/longtask/9?expand=x#top",
            "9",
            "https://[::1]:8090/confluence",
        ),
        ("/wiki/rest/api/longtask/5?x=1", "5", None),
        # A path: only the id counts, what precedes /rest/api is never used as a site.
        ("//wiki.example.org/rest/api/longtask/5", "5", None),
        ("//[::1/rest/api/longtask/5", "5", None),
        ("1" * 128, "1" * 128, None),
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
        # "$" also matches before a final line break: "%0A" must not end a valid-looking id.
        "https://acme.atlassian.net/wiki/rest/api/longtask/5%0A",
        "/rest/api/longtask/5%0A",
        "1" * 129,
        # links.status is a link; a JSON body inside it is not followed.
        json.dumps({"links": {"status": json.dumps({"id": "5"})}}),
        '{"a":[' + "[" * 100_000 + "]" * 100_000 + "]}",  # nested past the JSON parser's stack
    ],
)
def test_rejected_task_references_say_what_was_expected(pasted: str) -> None:
    with pytest.raises(InvalidInput, match="task id"):
        parse_task_ref(pasted)


@pytest.mark.parametrize(
    ("pasted", "hint"),
    [
        ("https://[::1/rest/api/longtask/5", "malformed IPv6"),
        (json.dumps({"links": {"status": "https://[/rest/api/longtask/5"}}), "malformed IPv6"),
        ("https://user:pass@acme.atlassian.net/wiki/rest/api/longtask/9", "never in the URL"),
        ("https://acme.atlassian.net\\@evil.example/rest/api/longtask/9", "backslash"),
        ("https://[::1]x/rest/api/longtask/9", "Only a port"),
    ],
)
def test_task_urls_on_unusable_site_addresses_say_why(pasted: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(hint)):
        parse_task_ref(pasted)


_REF_PIECES = st.sampled_from(
    [
        *'{ } [ ] " : , id links _links status null 1.5 true'.split(),
        *["https://", "/rest/api/longtask/", "[::1", "%0A", "%2F", "\\", "\n", " "],
    ]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_REF_PIECES | _URL_PIECES | st.text(max_size=3), max_size=16).map("".join))
def test_a_pasted_reference_is_either_understood_or_refused_with_invalid_input(
    text: str,
) -> None:
    try:
        ref = parse_task_ref(text)
    except InvalidInput:
        return
    assert parse_task_ref(ref.task_id).task_id == ref.task_id
