"""The app's logging: a rotating file in the log directory, warnings on stderr, and a mask that
keeps tokens and Authorization headers out of both, whatever a log call happens to contain."""

from __future__ import annotations

import logging
import re
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from gui import APP_ID
from gui.platform.paths import log_dir

LOG_FILE_BYTES = 1024 * 1024
LOG_FILE_COUNT = 3
MASK = "[redacted]"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
# An Authorization header, or a scheme + credential however it got into the text.
_AUTH_VALUE = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:basic|bearer)?\s*[^\s\"',}]+"
    r"|\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{16,}"
)
# Shorter strings would mask ordinary words; a real token is far longer.
_MIN_SECRET_LENGTH = 6

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# The handlers setup_logging installed, so a second call replaces them instead of doubling them.
_installed: list[logging.Handler] = []


def register_secret(secret: str) -> None:
    """Mask ``secret`` in every log record from now on (the keyring module calls this)."""
    if len(secret) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(secret)


def mask_secrets(text: str) -> str:
    """``text`` with registered secrets and anything like an Authorization value masked."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return _AUTH_VALUE.sub(_mask_auth, text)


def _mask_auth(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1) + MASK
    return f"{match.group(2)} {MASK}"


class SecretMaskFilter(logging.Filter):
    """Renders each record's message (and traceback) early so secrets in it can be masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_secrets(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


def log_file_path() -> Path:
    """The current log file (older ones carry .1, .2, ... suffixes)."""
    return log_dir() / f"{APP_ID}.log"


def setup_logging(verbose: bool = False, *, console: bool = True) -> Path:
    """Log to a rotating file (debug with ``verbose``, else info) and, with ``console``, warnings
    to stderr (the command line brings its own stderr handler and passes ``console=False``).

    Safe to call again: the handlers this module installed before are replaced, not doubled.
    Returns the log file's path so the UI can offer to open it.
    """
    stop_logging()
    root = logging.getLogger()

    mask = SecretMaskFilter()
    formatter = logging.Formatter(_FORMAT)
    path = log_file_path()
    file_handler = RotatingFileHandler(
        path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_COUNT, encoding="utf-8"
    )
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stderr_handler = logging.StreamHandler(sys.stderr)
        stderr_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        handlers.append(stderr_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(mask)
        root.addHandler(handler)
        _installed.append(handler)

    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs every connection at debug; only useful when chasing a network problem.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose else logging.WARNING)
    return path


def stop_logging() -> None:
    """Remove and close the handlers ``setup_logging`` installed (at exit, and in tests)."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
