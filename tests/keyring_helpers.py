"""Keyrings kept in memory, for tests: the edge we do not own, faked only there."""

from __future__ import annotations

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring kept in a dict, so tests can store tokens and look at what was stored."""

    # Below zero: keyring's own discovery never picks this backend by itself.
    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.passwords[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(f"no password for {username!r}") from None


class DBusException(Exception):
    """What dbus-python raises from KWallet's backend: not one of keyring's errors."""


NO_REPLY = "org.freedesktop.DBus.Error.NoReply: Did not receive a reply"


class DBusKeyring(MemoryKeyring):
    """A KWallet that does not answer over D-Bus: every call raises DBusException."""

    def get_password(self, service: str, username: str) -> str | None:
        raise DBusException(NO_REPLY)

    def set_password(self, service: str, username: str, password: str) -> None:
        raise DBusException(NO_REPLY)

    def delete_password(self, service: str, username: str) -> None:
        raise DBusException(NO_REPLY)
