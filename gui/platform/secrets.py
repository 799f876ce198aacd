"""Site tokens in the operating system's keyring, read once per run and then held in memory.

Each token is filed under the app's service name with the site id as the account. Every way the
keyring can fail becomes one of three errors that tell the user what to do; there is never a
fallback to a file. Without any keyring the user may keep a token for this run only.

The backends are not ours, and beside keyring's own errors they let through whatever the library
under them raises: D-Bus and socket errors from the Secret Service backend, dbus-python's
DBusException from KWallet's, ctypes and OS errors on macOS and Windows, a third-party backend's
anything. So each call to the keyring catches every Exception and translates it here, at the
edge; one odd backend must not take start-up or a dialog down with it.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING

from gui import APP_NAME
from gui.confluence.errors import InvalidInput
from gui.confluence.site import Credentials, SiteConfig
from gui.platform.logging_setup import register_secret

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

SERVICE = APP_NAME


def _keyring() -> ModuleType:
    """keyring, imported on first use: with its Secret Service backend it pulls in jeepney,
    secretstorage and cryptography (about 10 MB), which a run that reads no token never needs."""
    import keyring
    import keyring.backends.fail
    import keyring.errors

    return keyring


class SecretsError(Exception):
    """The keyring could not do what we asked; ``str()`` says what the user can do."""


class NoKeyringError(SecretsError):
    """There is no keyring at all: install one, or keep the token for this session only."""


class KeyringLocked(SecretsError):
    """The keyring is locked or its unlock prompt was dismissed: pause the site, retry later."""


class KeyringFailed(SecretsError):
    """The keyring answered with an error we cannot classify; retrying later may help."""


def current_backend() -> keyring.backend.KeyringBackend:
    """The keyring backend, or keyring's failing one when choosing it blew up: a
    ``PYTHON_KEYRING_BACKEND`` or keyringrc naming a backend that does not import must read as
    "no keyring", not crash the app."""
    module = _keyring()
    try:
        backend: keyring.backend.KeyringBackend = module.get_keyring()
    except Exception as error:  # a backend's import or set-up can raise anything (see above)
        log.warning("The configured keyring backend could not be loaded: %s", error)
        fallback: keyring.backend.KeyringBackend = module.backends.fail.Keyring()
        module.set_keyring(fallback)
        return fallback
    return backend


def _install_hint() -> str:
    if sys.platform.startswith("linux"):
        return (
            "Install and start a Secret Service keyring such as gnome-keyring or KWallet "
            "(with its Secret Service support), then restart the app"
        )
    if sys.platform == "darwin":
        return "The macOS Keychain could not be reached; check Keychain Access"
    return "The Windows Credential Manager could not be reached"


def _translate(error: BaseException, doing: str) -> SecretsError:
    keyring = _keyring()
    if isinstance(error, keyring.errors.NoKeyringError):
        return NoKeyringError(
            f"No keyring is available to {doing}. {_install_hint()}, "
            "or keep the token for this session only (you will be asked again next time)."
        )
    if isinstance(error, keyring.errors.KeyringLocked | keyring.errors.InitError):
        return KeyringLocked(
            f"The keyring is locked or its unlock prompt was dismissed, so the app could not "
            f"{doing}. Unlock your keyring and try again; nothing was deleted."
        )
    # Only the error's type: its text comes from a library we do not own and may hold anything.
    return KeyringFailed(
        f"The keyring reported an error while trying to {doing} ({type(error).__name__}). "
        "Nothing was deleted; check that your keyring is running and unlocked, then try again."
    )


class Secrets:
    """The one place tokens come from: the keyring, or memory for session-only tokens.

    Safe to share between threads: the saved sites' tokens are read on a thread of their own
    (gui/platform/token_reader.py) while the dialogs save and forget on the GUI thread.
    """

    # Limitation: keyring calls block the calling thread. The dialogs call it on the GUI thread
    # (saving, forgetting, and reading an edited site's token), so a Secret Service unlock prompt
    # there holds the window until the user answers. Reads happen once per run.

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._lock = threading.Lock()  # guards the three below, never held over a keyring call
        self._tokens: dict[str, str | None] = {}
        self._session_only: set[str] = set()
        # Per site, how often its token was saved, kept or forgotten: a read that began before
        # one of those must not put its older answer in memory.
        self._changes: dict[str, int] = {}

    def keyring_problem(self) -> NoKeyringError | None:
        """A NoKeyringError when no real keyring backend is installed, without touching it."""
        keyring = _keyring()
        if isinstance(current_backend(), keyring.backends.fail.Keyring):
            problem = _translate(keyring.errors.NoKeyringError(), "store tokens")
            assert isinstance(problem, NoKeyringError)
            return problem
        return None

    def token(self, site_id: str) -> str | None:
        """The site's token, or None when none is stored; the keyring is asked once per run."""
        with self._lock:
            if site_id in self._tokens:
                return self._tokens[site_id]
            changes = self._changes.get(site_id, 0)
        try:
            token = _keyring().get_password(self.service, site_id) or None
        except Exception as error:  # every backend failure, translated (see the module doc)
            # Not cached: the next call asks the keyring again (it may be unlocked by then).
            log.warning("Keyring read for site %s failed: %s", site_id, type(error).__name__)
            raise _translate(error, "read the token") from None
        if token:
            register_secret(token)
        with self._lock:
            if self._changes.get(site_id, 0) != changes:
                # Saved, kept or forgotten (in a dialog) while the keyring answered: newer.
                return self._tokens.get(site_id)
            self._tokens[site_id] = token
        return token

    def in_memory(self, site_id: str) -> bool:
        """Whether ``token()`` answers from memory, without asking the keyring."""
        with self._lock:
            return site_id in self._tokens

    def store(self, site_id: str, token: str) -> None:
        """Save a token in the keyring (and memory); raises SecretsError, keeping nothing."""
        register_secret(token)
        try:
            _keyring().set_password(self.service, site_id, token)
        except Exception as error:  # every backend failure, translated (see the module doc)
            log.warning("Keyring write for site %s failed: %s", site_id, type(error).__name__)
            raise _translate(error, "save the token") from None
        with self._lock:
            self._tokens[site_id] = token
            self._changed(site_id)
            self._session_only.discard(site_id)
        log.info("Token for site %s saved in the keyring", site_id)

    def keep_for_session(self, site_id: str, token: str) -> None:
        """Hold a token in memory only, for when there is no keyring; gone when the app quits."""
        register_secret(token)
        with self._lock:
            self._tokens[site_id] = token
            self._changed(site_id)
            self._session_only.add(site_id)
        log.info("Token for site %s kept for this session only", site_id)

    def is_session_only(self, site_id: str) -> bool:
        with self._lock:
            return site_id in self._session_only

    def forget(self, site_id: str) -> None:
        """Remove a site's token from memory and the keyring (a missing entry is fine)."""
        with self._lock:
            self._tokens.pop(site_id, None)
            self._changed(site_id)
            if site_id in self._session_only:
                self._session_only.discard(site_id)
                return
        keyring = _keyring()
        try:
            keyring.delete_password(self.service, site_id)
        except keyring.errors.PasswordDeleteError:
            log.debug("No keyring entry to delete for site %s", site_id)
        except Exception as error:  # every backend failure, translated (see the module doc)
            log.warning("Keyring delete for site %s failed: %s", site_id, type(error).__name__)
            raise _translate(error, "delete the token") from None

    def _changed(self, site_id: str) -> None:
        """Count a newer word on the site's token than any read under way; the caller holds
        the lock."""
        self._changes[site_id] = self._changes.get(site_id, 0) + 1

    def credentials_for(self, site: SiteConfig) -> Credentials | None:
        """The site's Credentials, or None without a token; raises SecretsError on failure."""
        token = self.token(site.site_id)
        if token is None:
            return None
        try:
            credentials = Credentials(site.auth_kind, token, site.user)
        except InvalidInput as error:
            raise KeyringFailed(
                f"The token saved for {site.name} cannot be used: {error} "
                "Enter it again in Settings."
            ) from None
        register_secret(credentials)  # its Basic forms too, now that the site says how it is sent
        return credentials
