"""Every form of a demo site's credentials that a leak could take, for tests that look for one
in output, files, logs and alerts."""

from __future__ import annotations

import base64
from urllib.parse import quote

from gui.confluence.site import AuthKind, Credentials
from gui.demo import DemoConfluence


def secret_forms(server: DemoConfluence, token: str | None = None) -> list[str]:
    """``token`` (the server's own by default) with the server's user, in every form worth
    looking for: bare, ``user:token``, Basic-encoded with and without its "=" padding, both
    Authorization headers, each percent-encoded; and whatever Credentials.secret_forms() masks
    (JSON escapes among them).

    The first forms are worked out here, not by the app, so a form the app forgot to mask is
    still looked for; the app's own list is added so that no form it masks goes unchecked.
    """
    token = server.token if token is None else token
    pair = f"{server.user_email}:{token}"
    basic = base64.b64encode(pair.encode()).decode()
    forms = [token, pair, basic, basic.rstrip("="), f"Basic {basic}", f"Bearer {token}"]
    forms += [quote(form, safe="") for form in forms]
    for credentials in (
        Credentials(AuthKind.BASIC, token, server.user_email),
        Credentials(AuthKind.BEARER, token),
    ):
        forms += credentials.secret_forms()
    return list(dict.fromkeys(forms))


def leaks(text: str, server: DemoConfluence, token: str | None = None) -> list[str]:
    """The forms of the credentials found in ``text``."""
    return [form for form in secret_forms(server, token) if form in text]
