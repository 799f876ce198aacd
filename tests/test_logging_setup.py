"""The log file rotates in the log directory and never shows a token or Authorization value."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gui.platform.logging_setup import mask_secrets, register_secret, setup_logging, stop_logging
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
