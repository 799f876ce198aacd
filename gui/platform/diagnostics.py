"""A read-only look at how this build stores secrets, for ``confluence-task-tray diagnose``.

The frozen app cannot run ``python -c``, so this is how a smoke test (or a user filing a bug)
learns whether the bundle found keyring's backends: PyInstaller builds have lost the entry-point
metadata keyring discovers them through before.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from importlib import metadata

import keyring
import keyring.backend
import keyring.errors

from gui import APP_NAME
from gui.platform.secrets import current_backend

log = logging.getLogger(__name__)

# Backends that exist only to say "there is no keyring".
_PLACEHOLDER_BACKENDS = ("keyring.backends.fail.", "keyring.backends.null.")


@dataclass(frozen=True)
class KeyringDiagnosis:
    """Which keyring backend this process would use and whether a lookup through it works."""

    chosen: str
    viable: tuple[str, ...]
    plugins: tuple[str, ...]
    lookup_error: str | None

    @property
    def usable(self) -> bool:
        """A real secret store, and a lookup through it did not fail."""
        return self.lookup_error is None and not self.chosen.startswith(_PLACEHOLDER_BACKENDS)


def _class_path(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def diagnose_keyring() -> KeyringDiagnosis:
    """Find the backend and look up an entry nobody stores: it never writes a secret.

    Limitation: a Secret Service that has no keyring yet (gnome-keyring on a fresh account)
    answers the look-up with its "choose a password for the new keyring" prompt, and this
    command waits for it (the desktop app reads its tokens off the GUI thread and does not).
    """
    plugins = tuple(sorted(ep.name for ep in metadata.entry_points(group="keyring.backends")))
    viable = tuple(sorted(_class_path(ring) for ring in keyring.backend.get_all_keyring()))
    backend = current_backend()
    error = None
    try:
        backend.get_password(APP_NAME, "diagnose (never stored)")
    except keyring.errors.KeyringError as exc:
        error = f"{type(exc).__name__}: {_without_plaintext_advice(str(exc))}"
        log.info("keyring lookup failed during diagnosis: %s", error)
    except Exception as exc:  # a backend we do not own may raise anything
        # Only the type, as the app itself says it: the text may hold anything, a token too.
        error = f"{type(exc).__name__} (raised by the keyring backend; its message is not shown)"
        log.info("keyring lookup failed during diagnosis: %s", error)
    return KeyringDiagnosis(_class_path(backend), viable, plugins, error)


# keyring's own "no backend" message ends in install advice that includes keyrings.alt, whose
# backends keep secrets in a file: the opposite of what this app promises. advice() replaces it.
_PLAINTEXT_ADVICE = (
    "keyrings.alt",
    "non-recommended backends",
    "3rd party backend",
    "pypi.org/project/keyring",
)


def _without_plaintext_advice(message: str) -> str:
    """keyring's error message without its sentences that point to a plaintext backend."""
    sentences = [part.strip() for part in message.replace(";", ".").split(". ")]
    kept = [text for text in sentences if text and not any(w in text for w in _PLAINTEXT_ADVICE)]
    return ". ".join(text.rstrip(".") for text in kept) + "." if kept else message


def advice(diagnosis: KeyringDiagnosis) -> str | None:
    """What to do when tokens cannot be saved; None when the keyring works."""
    if diagnosis.usable:
        return None
    if sys.platform == "darwin":
        where = "check that the login Keychain is unlocked (Keychain Access)"
    elif sys.platform == "win32":
        where = "check that the Windows Credential Manager service runs"
    else:
        where = (
            "install and start a Secret Service provider such as gnome-keyring or KWallet "
            "(with its Secret Service support), then log in again"
        )
    return (
        f"To save tokens, {where}. Without a keyring (as on a headless machine) the app keeps "
        "a token in memory for the session only and asks again next time; it never writes "
        "one to a file."
    )


def report_lines(diagnosis: KeyringDiagnosis) -> list[str]:
    """The diagnosis as ``key: value`` lines, stable for scripts and tests to read."""
    lines = [
        f"keyring backend: {diagnosis.chosen}",
        f"keyring usable: {'yes' if diagnosis.usable else 'no'}",
        f"keyring viable backends: {', '.join(diagnosis.viable) or '(none)'}",
        f"keyring plugins: {', '.join(diagnosis.plugins) or '(none)'}",
        f"keyring lookup error: {diagnosis.lookup_error or '(none)'}",
    ]
    what_to_do = advice(diagnosis)
    if what_to_do:
        lines.append(f"keyring advice: {what_to_do}")
    return lines
