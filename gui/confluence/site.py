"""Site configuration: where a Confluence lives and how we sign in to it."""

from __future__ import annotations

import base64
import enum
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from gui.confluence.errors import InvalidInput

GATEWAY_HOST = "api.atlassian.com"
# The shortest secret masked in server echoes: a shorter one would garble ordinary words. No real
# Confluence token is anywhere near this short (API tokens and personal access tokens are longer).
MASKABLE_LENGTH = 8
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# "mailto:x" or "javascript:x", as opposed to "host:8090" (a port is digits).
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
_CLOUD_ID = re.compile(r"[A-Za-z0-9-]+")
_GATEWAY_PATH = re.compile(rf"^/ex/confluence/(?P<cloud_id>{_CLOUD_ID.pattern})(?:/.*)?$")
_BAD_IPV6 = (
    "That site address has a malformed IPv6 address; write it in brackets, "
    "e.g. https://[2001:db8::1]:8443"
)
_BAD_PORT = "That site address has an invalid port (1 to 65535)."
# Parts of a pasted browser or API URL that sit below the site base and must be cut off.
_BELOW_BASE = re.compile(
    r"/(?:rest/api|display|spaces|pages|plugins|login\.action|dashboard\.action|admin)(?:/.*)?$"
)


class Deployment(enum.Enum):
    """How a site is hosted, which decides its base URL and the credentials it takes."""

    CLOUD = "cloud"
    GATEWAY = "gateway"
    DATA_CENTER = "data-center"

    @property
    def label(self) -> str:
        return {
            Deployment.CLOUD: "Cloud",
            Deployment.GATEWAY: "Cloud (API gateway)",
            Deployment.DATA_CENTER: "Data Center",
        }[self]


class AuthKind(enum.Enum):
    """The Authorization scheme: Basic email + API token, or a Bearer access token."""

    BASIC = "basic"
    BEARER = "bearer"


def encoded_forms(*secrets: str) -> tuple[str, ...]:
    """Each of ``secrets`` as it is, percent-encoded as in a link's query, and each of those as a
    JSON string spells it (a token may hold a quote or a backslash; a Basic value a "/", which
    some servers write as "\\/"); longest first, so that a mask replaces the longest first."""
    import json  # here, not at the top: the window's first paint needs no json (about 2 ms)

    forms = set(secrets)
    forms |= {quote(form, safe="") for form in forms}
    escaped = {json.dumps(form)[1:-1] for form in forms}
    forms |= escaped | {form.replace("/", "\\/") for form in escaped}
    return tuple(sorted(forms, key=len, reverse=True))


@dataclass(frozen=True)
class Credentials:
    """A secret held in memory only; its repr never shows the token.

    Construction refuses what cannot travel in an HTTP header: a token with a space, a line
    break or a non-ASCII character is a paste mistake, and sending it would make the HTTP
    library quote the whole header value in its error message. It refuses a token too short to
    be masked in what servers echo, too. The messages never repeat it.
    """

    kind: AuthKind
    token: str = field(repr=False)
    user: str | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise InvalidInput("The token is empty.")
        if len(self.token) < MASKABLE_LENGTH:
            # Refused rather than sent, as it could not be masked where it comes back (see
            # MASKABLE_LENGTH); so every form secret_forms() gives is long enough to mask.
            raise InvalidInput(
                f"The token is too short to be a Confluence token (fewer than {MASKABLE_LENGTH} "
                "characters; API tokens and personal access tokens are much longer). Check "
                "that you copied the whole token."
            )
        if not all("!" <= c <= "~" for c in self.token):
            raise InvalidInput(
                "The token contains a space, a line break or a character that is not plain "
                "ASCII; copy it again from Atlassian's token page."
            )
        if self.user is not None and (
            ":" in self.user
            or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in self.user)
        ):
            raise InvalidInput("The email or user name contains a ':' or a control character.")

    def secret_forms(self) -> tuple[str, ...]:
        """Every form in which the secret travels, longest first, for masking server echoes
        (see gui/confluence/redaction.py): the token, and for Basic the value with and without
        its "=" padding, each in every encoding ``encoded_forms`` gives.

        The Authorization header is no form of its own: it is the scheme, a space and one of
        these, so an echoed header reads "Bearer [redacted]", as the log's mask writes it."""
        plain = {self.token}
        if self.kind is AuthKind.BASIC:
            value = self.authorization_header().split(" ", 1)[1]
            plain |= {value, value.rstrip("=")}
        return encoded_forms(*plain)

    @classmethod
    def for_token(cls, token: str, user: str | None = None) -> Credentials:
        """Basic when a user (email) is given, Bearer otherwise: the CLI's rule."""
        return cls(AuthKind.BASIC if user else AuthKind.BEARER, token, user or None)

    def authorization_header(self) -> str:
        if self.kind is AuthKind.BASIC:
            pair = f"{self.user or ''}:{self.token}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return "Bearer " + self.token

    def __str__(self) -> str:
        who = f" for {self.user}" if self.user else ""
        return f"{self.kind.value} credentials{who}"


@dataclass(frozen=True)
class SiteAddress:
    """A normalised site base URL (the API root is ``base_url + '/rest/api'``)."""

    base_url: str
    deployment: Deployment
    cloud_id: str | None = None

    @property
    def api_root(self) -> str:
        return self.base_url + "/rest/api"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def is_plain_http(self) -> bool:
        return self.base_url.startswith("http://")

    @property
    def is_loopback(self) -> bool:
        """True when the host is this machine, so plain http:// does not expose the token.

        Only the name ``localhost`` (with or without its root dot) and IP literals in 127.0.0.0/8,
        ``::1`` or ``::ffff:127.x.y.z`` count. A name like ``127.evil.example`` is a DNS name that
        anyone can register. Names under ``.localhost`` do not count either: RFC 6761 reserves
        them for loopback, but glibc without systemd-resolved sends them to the network's DNS
        server, which may answer with any address.
        """
        host = self.host
        if host in {"localhost", "localhost."}:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            # Includes spellings such as "127.1" that the resolver would accept: those simply
            # ask for the plain-http confirmation.
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            # Python before 3.13 does not call ::ffff:127.0.0.1 loopback.
            return ip.ipv4_mapped.is_loopback
        return ip.is_loopback

    def task_url(self, task_id: str) -> str:
        return f"{self.api_root}/longtask/{task_id}"


@dataclass(frozen=True)
class SiteConfig:
    """Everything about a site except its secret, which travels separately as Credentials."""

    site_id: str
    name: str
    address: SiteAddress
    auth_kind: AuthKind = AuthKind.BEARER
    user: str | None = None
    discover: bool = False
    ca_bundle: str | None = None

    @property
    def base_url(self) -> str:
        return self.address.base_url


def gateway_address(site: SiteAddress, cloud_id: str) -> SiteAddress:
    """The API-gateway base of the Cloud site at ``site`` that has this cloudId.

    An Atlassian host goes through Atlassian's gateway; any other host (the demo, a test server)
    plays the gateway itself. Raises InvalidInput for a cloudId that is not one.
    """
    if not _CLOUD_ID.fullmatch(cloud_id):
        raise InvalidInput("A cloudId is made of letters, digits and '-'.")
    host = site.host
    if host.endswith(".atlassian.net") or host == GATEWAY_HOST:
        root = f"https://{GATEWAY_HOST}"
    else:
        parts = urlsplit(site.base_url)
        root = f"{parts.scheme}://{parts.netloc}"
    return SiteAddress(f"{root}/ex/confluence/{cloud_id}/wiki", Deployment.GATEWAY, cloud_id)


def normalise_site_url(text: str) -> SiteAddress:
    """Turn what a user typed or pasted into the site base the REST API hangs under.

    ``acme.atlassian.net`` becomes ``https://acme.atlassian.net/wiki``; a Data Center context path
    is kept; the gateway form ``https://api.atlassian.com/ex/confluence/<cloudId>/wiki`` is
    recognised; anything below the base (``/rest/api/...``, ``/spaces/...``) is cut off.

    Anything else raises InvalidInput, whatever the text: the authority is read here rather than
    by ``urlsplit``, which raises ValueError on some broken IPv6 literals, ignores text after one
    on others (depending on the Python patch release) and reads ``\\`` differently from browsers.
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput(
            "Enter the address of your Confluence site, e.g. https://acme.atlassian.net"
        )
    if any(c.isspace() for c in raw):
        raise InvalidInput("A site address cannot contain spaces (in a path, write %20).")
    hidden = next((c for c in raw if unicodedata.category(c)[0] in "CZ"), None)
    if hidden is not None:
        # Such as U+202E, which shows the rest of the host name reversed.
        raise InvalidInput(
            f"A site address cannot contain invisible characters (it has U+{ord(hidden):04X})."
        )
    if "\\" in raw:
        # Browsers read a backslash as "/", urlsplit as part of the authority: "https://a\@b/"
        # is host "a" to one and "b" to the other (whose answer would get the token).
        raise InvalidInput("A site address cannot contain a backslash (\\); use / instead.")

    if not _SCHEME.match(raw):
        if _OTHER_SCHEME.match(raw):
            raise InvalidInput("That is not a web address: a site address starts with https://")
        raw = "https://" + raw
    typed_scheme, _, rest = raw.partition("://")
    scheme = typed_scheme.lower()
    if scheme not in {"http", "https"}:
        raise InvalidInput(
            f"A site address starts with https:// or http:// (got {typed_scheme[:20]}://)"
        )
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    path = re.split(r"[?#]", rest[len(authority) :], maxsplit=1)[0]
    host, port = _host_and_port(authority)
    if any(segment in {".", ".."} for segment in unquote(path).split("/")):
        raise InvalidInput("A site address cannot contain /./ or /../ in its path.")

    netloc = f"[{host}]" if ":" in host else host
    if port is not None and (scheme, port) not in {("https", 443), ("http", 80)}:
        netloc += f":{port}"

    if host == GATEWAY_HOST:
        match = _GATEWAY_PATH.fullmatch(path)
        if not match:
            raise InvalidInput(
                "An api.atlassian.com address must look like "
                "https://api.atlassian.com/ex/confluence/<cloudId>/wiki"
            )
        cloud_id = match.group("cloud_id")
        base = urlunsplit((scheme, netloc, f"/ex/confluence/{cloud_id}/wiki", "", ""))
        return SiteAddress(base, Deployment.GATEWAY, cloud_id)

    if host.endswith(".atlassian.net"):
        # Cloud serves Confluence under /wiki whatever else the user pasted.
        return SiteAddress(urlunsplit((scheme, netloc, "/wiki", "", "")), Deployment.CLOUD)

    base_path = _BELOW_BASE.sub("", path.rstrip("/")).rstrip("/")
    return SiteAddress(urlunsplit((scheme, netloc, base_path, "", "")), Deployment.DATA_CENTER)


def _mapped_host(host: str) -> str:
    """A non-ASCII host name as IDNA (UTS 46) maps it, which is how it goes on the wire:
    fullwidth letters (U+FF45...) are ASCII ones, an ideographic full stop (U+3002) a dot."""
    import idna  # only for such names: its mapping tables are large

    try:
        mapped = idna.uts46_remap(host, std3_rules=True, transitional=False)
        idna.encode(mapped)
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidInput(f"{host[:40]!r} is not a valid host name ({error}).") from None
    return mapped


def _host_and_port(authority: str) -> tuple[str, int | None]:
    """The lowercased host and the port of ``host[:port]`` or ``[IPv6][:port]``."""
    if "@" in authority:
        raise InvalidInput(
            "Leave the user name and password out of the address (the part before @): "
            "credentials go in the Email and Token fields, never in the URL."
        )
    if authority.startswith("["):
        literal, bracket, after = authority[1:].partition("]")
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            bracket = ""
        if not bracket or "[" in after or "]" in after:
            raise InvalidInput(_BAD_IPV6)
        if after and not after.startswith(":"):
            raise InvalidInput(
                "Only a port may follow an IPv6 address, e.g. https://[2001:db8::1]:8443"
            )
        host, port_text = literal.lower(), after[1:]
    else:
        host, _, port_text = authority.partition(":")
        host = _mapped_host(host) if not host.isascii() else host.lower()
        if "[" in host or "]" in host:
            raise InvalidInput(_BAD_IPV6)
        if not host:
            raise InvalidInput("That site address has no host name")
        if not all(c in "-._" or unicodedata.category(c)[0] in "LMN" for c in host):
            raise InvalidInput(
                f"A host name is made of letters, digits, '-' and '.' (got {host[:40]!r})."
            )
    if not port_text:
        # "host:" has an empty port, which URLs read as the default one.
        return host, None
    # At most five digits before int(): a port of 5,000 digits would hit int()'s own limit.
    if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5):
        raise InvalidInput(_BAD_PORT)
    if not 0 < int(port_text) < 65536:
        raise InvalidInput(_BAD_PORT)
    return host, int(port_text)
