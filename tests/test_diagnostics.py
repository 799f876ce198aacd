"""The keyring diagnosis reports the backend in use and whether a read through it works."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from gui.platform import diagnostics


def test_a_working_keyring_is_reported_usable(memory_keyring: Any) -> None:
    diagnosis = diagnostics.diagnose_keyring()
    assert diagnosis.chosen.endswith("MemoryKeyring")
    assert diagnosis.usable
    assert "keyring usable: yes" in diagnostics.report_lines(diagnosis)


def test_the_diagnosis_never_writes_to_the_keyring(memory_keyring: Any) -> None:
    diagnostics.diagnose_keyring()
    assert memory_keyring.passwords == {}


def test_no_keyring_is_reported_unusable_with_the_reason(failing_keyring: Any) -> None:
    diagnosis = diagnostics.diagnose_keyring()
    assert not diagnosis.usable
    assert diagnosis.lookup_error is not None
    assert diagnosis.lookup_error.startswith("NoKeyringError")


def test_keyring_backend_plugins_are_listed() -> None:
    # The entry points are what a frozen build loses when its metadata is not bundled.
    assert "SecretService" in diagnostics.diagnose_keyring().plugins


def test_a_keyring_backend_that_does_not_load_reads_as_no_keyring() -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "no.such.module.Keyring"}
    done = subprocess.run(
        [sys.executable, "-m", "gui", "diagnose"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "keyring usable: no" in done.stdout
    assert "Traceback" not in done.stderr


def test_no_keyring_advice_names_a_secret_service_never_a_plaintext_file(
    failing_keyring: Any,
) -> None:
    report = "\n".join(diagnostics.report_lines(diagnostics.diagnose_keyring()))
    # keyring's own message suggests keyrings.alt, whose backends keep secrets in a file.
    assert "keyrings.alt" not in report and "non-recommended" not in report
    assert "No recommended backend was available." in report
    if sys.platform.startswith("linux"):
        assert "keyring advice:" in report and "gnome-keyring" in report
    assert "in memory for the session only" in report


def test_a_working_keyring_gets_no_advice(memory_keyring: Any) -> None:
    report = diagnostics.report_lines(diagnostics.diagnose_keyring())
    assert not any(line.startswith("keyring advice:") for line in report)


def test_a_backend_failing_in_its_own_way_is_reported_without_its_message(
    monkeypatch: Any, memory_keyring: Any
) -> None:
    def fail(service: str, user: str) -> str:
        raise RuntimeError("backend broke while holding s3cr3t-token-value")

    monkeypatch.setattr(memory_keyring, "get_password", fail)
    diagnosis = diagnostics.diagnose_keyring()
    report = "\n".join(diagnostics.report_lines(diagnosis))

    assert not diagnosis.usable
    assert "RuntimeError" in report
    assert "s3cr3t-token-value" not in report
