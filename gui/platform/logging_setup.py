"""The app's logging: a rotating file in the log directory, warnings on stderr, and a mask that
keeps tokens and Authorization headers out of both, whatever a log call happens to contain.

The mask is the domain's SecretMask (gui/confluence/redaction.py), built from every credential
registered here, so a log line and a line the command line prints are masked in every form the
client masks in answers; and, for what no one registered, anything shaped like an Authorization
value."""

from __future__ import annotations

import logging
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from gui import APP_ID
from gui.confluence.redaction import REDACTED, SecretMask

if TYPE_CHECKING:
    from gui.confluence.site import Credentials

LOG_FILE_BYTES = 1024 * 1024
LOG_FILE_COUNT = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
# An Authorization header, or a scheme + credential however it got into the text.
_AUTH_VALUE = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:basic|bearer)?\s*[^\s\"',}]+"
    r"|\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{16,}"
)

_registered: set[str] = set()  # every form of every registered secret
_registered_mask = SecretMask()
_registered_lock = threading.Lock()
# The handlers setup_logging installed, so a second call replaces them instead of doubling them.
_installed: list[logging.Handler] = []
_HELD_RECORDS = 1000  # before the log file opens; a start that logs more keeps the first ones


def register_secret(secret: Credentials | str) -> None:
    """Mask ``secret`` in every log record and command-line line from now on, in every form.

    Credentials are masked in each form they travel in (``Credentials.secret_forms()``: the
    header and the Basic value too). A bare token, as the keyring holds it before a site says
    how it is sent, is masked as itself and in each of its encodings (``encoded_forms``).
    """
    from gui.confluence.site import MASKABLE_LENGTH, Credentials, encoded_forms

    if isinstance(secret, Credentials):
        forms = secret.secret_forms()
    elif len(secret) >= MASKABLE_LENGTH:
        forms = encoded_forms(secret)
    else:
        return  # masked, it would garble ordinary words; Credentials refuse such a token anyway
    global _registered_mask
    with _registered_lock:
        if not _registered.issuperset(forms):
            _registered.update(forms)
            _registered_mask = SecretMask(forms=_registered)


def mask_secrets(text: str) -> str:
    """``text`` with registered secrets and anything like an Authorization value masked."""
    return _AUTH_VALUE.sub(_mask_auth, _registered_mask.text(text))


def _mask_auth(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1) + REDACTED
    return f"{match.group(2)} {REDACTED}"


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


class _HeldRecords(logging.Handler):
    """Keeps records, masked, until ``setup_logging`` hands them to the log file."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(SecretMaskFilter())

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < _HELD_RECORDS:
            self.records.append(record)


def hold_early_records(verbose: bool = False) -> None:
    """Keep what is logged from now until ``setup_logging`` opens the file, which writes it first.

    The desktop app calls this at start and opens the file once its window is up.
    """
    stop_logging()
    held = _HeldRecords()
    logging.getLogger().addHandler(held)
    _installed.append(held)
    _set_levels(verbose)


def log_file_path() -> Path:
    """The current log file (older ones carry .1, .2, ... suffixes)."""
    from gui.platform.paths import log_dir  # platformdirs: when the file opens, not at start

    return log_dir() / f"{APP_ID}.log"


def setup_logging(verbose: bool = False, *, console: bool = True) -> Path:
    """Log to a rotating file (debug with ``verbose``, else info) and, with ``console``, warnings
    to stderr (the command line brings its own stderr handler and passes ``console=False``).

    Safe to call again: the handlers this module installed before are replaced, not doubled.
    Returns the log file's path so the UI can offer to open it.
    """
    from logging.handlers import RotatingFileHandler  # see the module docstring

    held = [
        record
        for handler in _installed
        if isinstance(handler, _HeldRecords)
        for record in handler.records
    ]
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

    for record in held:
        if record.levelno >= file_handler.level:
            file_handler.handle(record)
    _set_levels(verbose)
    return path


def _set_levels(verbose: bool) -> None:
    logging.getLogger().setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs every connection at debug; only useful when chasing a network problem.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose else logging.WARNING)


def stop_logging() -> None:
    """Remove and close the handlers ``setup_logging`` installed (at exit, and in tests)."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
