"""Keyrings kept in memory, for tests: the edge we do not own, faked only there."""

from __future__ import annotations

import threading

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


class PromptingKeyring(MemoryKeyring):
    """A Secret Service showing its unlock prompt: every read waits until ``answer()`` (the user
    answered the prompt). ``reads`` lists each read as (account, thread name), in order.

    A read still waiting after ``give_up_s`` fails as a dismissed prompt does, so a test of code
    that waits for it on the GUI thread fails instead of hanging.
    """

    def __init__(self, give_up_s: float = 10.0) -> None:
        super().__init__()
        self.give_up_s = give_up_s
        self.reads: list[tuple[str, str]] = []
        self.waiting = threading.Semaphore(0)  # released once per read that began to wait
        self.waiting_now = 0  # reads waiting for the answer at this moment
        self._answered = threading.Event()

    def answer(self) -> None:
        """The user answers the prompt: every read waiting, and every later one, goes on."""
        self._answered.set()

    def wait_for_read(self, timeout: float = 5.0) -> bool:
        """Whether a(nother) read began within ``timeout`` seconds."""
        return self.waiting.acquire(timeout=timeout)

    def get_password(self, service: str, username: str) -> str | None:
        self.reads.append((username, threading.current_thread().name))
        self.waiting_now += 1
        self.waiting.release()
        try:
            if not self._answered.wait(self.give_up_s):
                raise keyring.errors.InitError("Prompt dismissed")
        finally:
            self.waiting_now -= 1
        return super().get_password(service, username)
