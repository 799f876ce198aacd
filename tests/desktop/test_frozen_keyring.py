"""The frozen app finds and uses a real Secret Service (gnome-keyring on the private bus)."""

from __future__ import annotations

import subprocess

import pytest
from frozen_app import frozen_app

pytestmark = [pytest.mark.desktop, pytest.mark.frozen, pytest.mark.timeout(900)]


def test_frozen_app_uses_the_secret_service(secret_service: dict[str, str]) -> None:
    app = frozen_app()
    done = subprocess.run(
        [str(app), "diagnose"], env=secret_service, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "keyring backend: keyring.backends.SecretService.Keyring" in done.stdout
    assert "keyring usable: yes" in done.stdout
