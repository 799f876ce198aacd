"""Tokens live in the keyring, are read once per run, and every keyring failure says what to do."""

from __future__ import annotations

import threading
from collections.abc import Callable

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring_helpers import NO_REPLY, DBusException, PromptingKeyring

from gui import APP_NAME
from gui.confluence.site import AuthKind, SiteConfig, normalise_site_url
from gui.platform.logging_setup import mask_secrets
from gui.platform.secrets import (
    KeyringFailed,
    KeyringLocked,
    NoKeyringError,
    Secrets,
)


class CountingKeyring(keyring.backend.KeyringBackend):
    """Counts reads, and raises ``error`` (when set) from every call, like a real backend."""

    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.error: Exception | None = None
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        if self.error:
            raise self.error
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.error:
            raise self.error
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.error:
            raise self.error
        self.passwords.pop((service, username))


@pytest.fixture
def backend() -> CountingKeyring:
    counting = CountingKeyring()
    keyring.set_keyring(counting)
    return counting


def test_a_stored_token_is_filed_under_the_app_name_and_the_site_id(memory_keyring) -> None:
    Secrets().store("site-1", "tok-123456")
    assert memory_keyring.passwords == {(APP_NAME, "site-1"): "tok-123456"}
    assert Secrets().token("site-1") == "tok-123456"


def test_the_keyring_is_read_once_per_run(backend: CountingKeyring) -> None:
    backend.passwords[(APP_NAME, "site-1")] = "tok-123456"
    secrets = Secrets()
    assert secrets.token("site-1") == "tok-123456"
    assert secrets.token("site-1") == "tok-123456"
    assert secrets.token("site-2") is None
    assert secrets.token("site-2") is None
    assert backend.reads == 2


def test_credentials_follow_the_sites_kind_and_user(memory_keyring) -> None:
    secrets = Secrets()
    secrets.store("site-1", "tok-123456")
    site = SiteConfig(
        "site-1", "Acme", normalise_site_url("acme.atlassian.net"), AuthKind.BASIC, "me@x.org"
    )
    credentials = secrets.credentials_for(site)
    assert credentials is not None
    assert (credentials.kind, credentials.user, credentials.token) == (
        AuthKind.BASIC,
        "me@x.org",
        "tok-123456",
    )
    assert "tok-123456" not in repr(credentials)


def test_the_basic_form_of_a_sites_credentials_is_masked_in_the_log(memory_keyring) -> None:
    secrets = Secrets()
    secrets.store("site-1", "keyring-basic-token-77")
    site = SiteConfig(
        "site-1", "Acme", normalise_site_url("acme.atlassian.net"), AuthKind.BASIC, "kb@x.org"
    )
    credentials = secrets.credentials_for(site)
    assert credentials is not None
    basic = credentials.authorization_header().split(" ", 1)[1]
    assert mask_secrets(f"a proxy echoed {basic}") == "a proxy echoed [redacted]"


def test_no_keyring_says_what_to_install_and_offers_the_session(failing_keyring) -> None:
    secrets = Secrets()
    assert isinstance(secrets.keyring_problem(), NoKeyringError)
    with pytest.raises(NoKeyringError) as raised:
        secrets.store("site-1", "tok-123456")
    message = str(raised.value)
    assert "gnome-keyring" in message and "KWallet" in message
    assert "this session only" in message
    assert "tok-123456" not in message

    secrets.keep_for_session("site-1", "tok-123456")
    assert secrets.token("site-1") == "tok-123456"
    assert secrets.is_session_only("site-1")
    secrets.forget("site-1")  # a session-only token has no keyring entry to delete
    assert not secrets.is_session_only("site-1")


@pytest.mark.parametrize(
    "error", [keyring.errors.InitError("Prompt dismissed"), keyring.errors.KeyringLocked("locked")]
)
def test_a_locked_keyring_asks_to_unlock_and_is_asked_again_later(
    backend: CountingKeyring, error: Exception
) -> None:
    backend.passwords[(APP_NAME, "site-1")] = "tok-123456"
    backend.error = error
    secrets = Secrets()
    with pytest.raises(KeyringLocked, match="Unlock your keyring"):
        secrets.token("site-1")

    backend.error = None  # the user unlocked it
    assert secrets.token("site-1") == "tok-123456"
    assert backend.passwords  # nothing was deleted


def test_an_unexpected_keyring_error_keeps_everything(backend: CountingKeyring) -> None:
    backend.passwords[(APP_NAME, "site-1")] = "tok-123456"
    backend.error = keyring.errors.PasswordSetError("backend exploded")
    with pytest.raises(KeyringFailed, match="Nothing was deleted"):
        Secrets().store("site-1", "new-token-999")
    assert backend.passwords[(APP_NAME, "site-1")] == "tok-123456"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda secrets: secrets.store("site-1", "tok-new-654321"), "tok-new-654321"),
        (lambda secrets: secrets.keep_for_session("site-1", "tok-new-654321"), "tok-new-654321"),
        (lambda secrets: secrets.forget("site-1"), None),
    ],
    ids=["stored", "kept for the session", "forgotten"],
)
def test_a_token_changed_while_the_keyring_is_read_is_not_undone_by_the_older_answer(
    change: Callable[[Secrets], None], expected: str | None
) -> None:
    """The saved sites' tokens are read on a thread of their own while a dialog may save one."""
    prompting = PromptingKeyring()
    prompting.passwords[(APP_NAME, "site-1")] = "tok-old-123456"
    keyring.set_keyring(prompting)
    secrets = Secrets()
    answers: list[str | None] = []
    reader = threading.Thread(target=lambda: answers.append(secrets.token("site-1")))
    reader.start()
    assert prompting.wait_for_read()

    change(secrets)
    prompting.answer()
    reader.join(timeout=5)

    assert answers == [expected]
    assert secrets.token("site-1") == expected
    assert secrets.in_memory("site-1")


def test_forgetting_a_site_removes_its_keyring_entry(memory_keyring) -> None:
    secrets = Secrets()
    secrets.store("site-1", "tok-123456")
    secrets.forget("site-1")
    secrets.forget("site-1")  # already gone: fine
    assert memory_keyring.passwords == {}
    assert secrets.token("site-1") is None


@pytest.mark.parametrize(
    "error",
    [
        DBusException(NO_REPLY),
        RuntimeError("backend bug"),
        ValueError("bad answer"),
    ],
)
def test_an_error_keyring_does_not_know_becomes_one_the_user_can_act_on(
    backend: CountingKeyring, error: Exception
) -> None:
    backend.passwords[(APP_NAME, "site-1")] = "tok-123456"
    backend.error = error
    secrets = Secrets()

    for attempt in (
        lambda: secrets.token("site-1"),
        lambda: secrets.store("site-1", "new-token-999"),
        lambda: secrets.forget("site-1"),
    ):
        with pytest.raises(KeyringFailed) as raised:
            attempt()
        message = str(raised.value)
        assert type(error).__name__ in message and "try again" in message
        assert str(error) not in message, "a foreign library's text is not shown"

    assert backend.passwords == {(APP_NAME, "site-1"): "tok-123456"}
    backend.error = None
    assert secrets.token("site-1") == "tok-123456", "a failed read is not remembered"
