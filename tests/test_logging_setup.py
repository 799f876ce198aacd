"""The log file rotates in the log directory and never shows a token or Authorization value."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from gui.confluence.redaction import REDACTED
from gui.confluence.site import MASKABLE_LENGTH, AuthKind, Credentials
from gui.platform.logging_setup import (
    hold_early_records,
    mask_secrets,
    register_secret,
    setup_logging,
    stop_logging,
)
from gui.platform.paths import log_dir


@pytest.fixture
def app_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    stop_logging()
    root.setLevel(level)


def test_logs_go_to_a_file_in_the_log_directory(app_logging: None) -> None:
    path = setup_logging(verbose=True)
    logging.getLogger("gui.test").debug("polled %s", "site-1")
    assert path.parent == log_dir()
    assert "polled site-1" in path.read_text()


def test_what_is_logged_before_the_file_opens_goes_in_first_and_masked(
    app_logging: None,
) -> None:
    # The app opens its log file once its window is up; its start is logged all the same.
    hold_early_records(verbose=False)
    log = logging.getLogger("gui.test")
    register_secret("early-s3cr3t-token")
    log.info("starting with early-s3cr3t-token")
    log.debug("a detail only -v keeps")
    log.warning("no tray")
    path = setup_logging()
    log.info("after the file opened")

    lines = path.read_text().splitlines()
    assert [line.split(" gui.test [MainThread] ")[1] for line in lines] == [
        f"starting with {REDACTED}",
        "no tray",
        "after the file opened",
    ]
    assert "early-s3cr3t-token" not in path.read_text()
    setup_logging()
    assert path.read_text().count("no tray") == 1  # handed over once, not at every set-up


def test_calling_setup_twice_does_not_double_the_lines(app_logging: None) -> None:
    setup_logging()
    path = setup_logging()
    logging.getLogger("gui.test").warning("once")
    assert path.read_text().count("once") == 1


def test_a_registered_token_never_reaches_the_log_file(app_logging: None) -> None:
    path = setup_logging(verbose=True)
    register_secret("s3cr3t-token-value")
    log = logging.getLogger("gui.test")
    log.info("sending %s to the site", "s3cr3t-token-value")
    try:
        raise RuntimeError("failed with s3cr3t-token-value")
    except RuntimeError:
        log.exception("request failed")
    text = path.read_text()
    assert "s3cr3t-token-value" not in text
    assert "[redacted]" in text and "request failed" in text


@pytest.mark.parametrize(
    "line",
    [
        "headers {'Authorization': 'Bearer abc.def-ghi'}",
        "Authorization: Basic ZW1haWw6dG9rZW4=",
        'sent "authorization": "xyz-unregistered"',
        "retrying with Bearer eyJhbGciOiJIUzI1NiJ9.payload",
    ],
)
def test_anything_like_an_authorization_value_is_masked(line: str) -> None:
    masked = mask_secrets(line)
    for secret in ("abc.def-ghi", "ZW1haWw6dG9rZW4=", "xyz-unregistered", "eyJhbGciOiJIUzI1NiJ9"):
        assert secret not in masked
    assert "[redacted]" in masked


def test_ordinary_text_about_authentication_is_left_alone() -> None:
    text = "acme.atlassian.net refused the credentials (401). Use basic auth or a bearer token."
    assert mask_secrets(text) == text


def test_every_form_of_registered_credentials_is_masked(app_logging: None) -> None:
    credentials = Credentials(AuthKind.BASIC, 'log"form\\token-42', "log-forms@example.com")
    register_secret(credentials)
    basic = credentials.authorization_header().split(" ", 1)[1]
    escaped = json.dumps(credentials.token)[1:-1]
    percent = quote(credentials.authorization_header(), safe="")
    # The Basic value alone, a header as a link's query spells it, the token as JSON spells it.
    text = f"value={basic} link=?auth={percent} body={{'token': \"{escaped}\"}}"
    masked = mask_secrets(text)
    for form in (basic, percent, escaped, credentials.token, "log-forms"):
        assert form not in masked
    assert (
        masked == f"value={REDACTED} link=?auth=Basic%20{REDACTED} body={{'token': \"{REDACTED}\"}}"
    )


def test_a_bare_token_is_masked_as_json_spells_it_too() -> None:
    token = 'bare"token\\from-the-keyring'
    register_secret(token)
    masked = mask_secrets(json.dumps({"echo": token}))
    assert token not in masked and json.dumps(token)[1:-1] not in masked
    assert json.loads(masked) == {"echo": REDACTED}


@pytest.mark.parametrize("short", ["purple", "seven77"])
def test_a_token_shorter_than_maskable_is_not_masked_in_ordinary_words(short: str) -> None:
    # The one floor (site.MASKABLE_LENGTH): such a token is refused before it is sent anyway.
    assert len(short) < MASKABLE_LENGTH
    register_secret(short)
    assert mask_secrets(f"a {short} line") == f"a {short} line"
