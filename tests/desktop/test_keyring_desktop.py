"""The secrets module against a real Secret Service (gnome-keyring on the private session bus).

Each step runs in its own process, as the app would on two separate runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.desktop

TOKEN = "desktop-token-4f9c2b7e1a"

# The token reaches the children through the environment, never on a command line.
STORE = """
import os
from gui.platform.secrets import Secrets
Secrets().store("site-7", os.environ["CTT_TEST_TOKEN"])
"""

# Compares inside the child so the token is never printed by either process.
READ = """
import os, sys
from gui.platform.secrets import Secrets
secrets = Secrets()
token = secrets.token("site-7")
ok = token == os.environ["CTT_TEST_TOKEN"] and secrets.token("site-missing") is None
sys.exit(0 if ok else 3)
"""

FORGET = """
from gui.platform.secrets import Secrets
Secrets().forget("site-7")
"""

WHAT_BACKEND = """
import keyring
print(type(keyring.get_keyring()).__module__)
"""

NO_KEYRING = """
from gui.platform.secrets import NoKeyringError, Secrets
try:
    Secrets().store("site-7", "x" * 20)
except NoKeyringError as error:
    print(type(error).__name__, "gnome-keyring" in str(error))
"""


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=dict(env, CTT_TEST_TOKEN=TOKEN),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_token_stored_in_one_run_is_read_in_the_next(secret_service: dict[str, str]) -> None:
    backend = run(WHAT_BACKEND, secret_service)
    assert backend.stdout.strip() == "keyring.backends.SecretService", backend.stderr

    stored = run(STORE, secret_service)
    assert stored.returncode == 0, stored.stderr
    read = run(READ, secret_service)
    assert read.returncode == 0, read.stderr

    forgotten = run(FORGET, secret_service)
    assert forgotten.returncode == 0, forgotten.stderr
    assert run(READ, secret_service).returncode == 3
    for result in (stored, read, forgotten):
        assert TOKEN not in result.stdout + result.stderr


def test_without_a_secret_service_the_error_says_what_to_install(
    desktop_env: dict[str, str],
) -> None:
    env = dict(desktop_env, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = run(NO_KEYRING, env)
    assert result.stdout.split() == ["NoKeyringError", "True"], result.stderr
