"""The frozen app does real work, and the release archive installs for one user and uninstalls.

Marked ``frozen``: they need the PyInstaller build (see tests/frozen_app.py for when it is built).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from cli_helpers import TOKEN, live_site
from frozen_app import frozen_app, release_archive

from gui import APP_ID, __version__
from gui.demo import DemoConfluence, DemoTask

__all__ = ["live_site"]  # a fixture, used by name

pytestmark = [pytest.mark.frozen, pytest.mark.timeout(900)]


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        argv, env=env or dict(os.environ), capture_output=True, text=True, timeout=timeout
    )


def test_frozen_app_prints_its_version() -> None:
    done = _run([str(frozen_app()), "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{APP_ID} {__version__}"


def test_frozen_watch_follows_a_demo_task_to_success(live_site: DemoConfluence) -> None:
    task = live_site.add_task(DemoTask(duration=0.6))
    env = {**os.environ, "CONFLUENCE_TOKEN": TOKEN}
    argv = ["watch", "--site", live_site.cloud_base, "--interval", "0.2", "--json", task]
    done = _run([str(frozen_app()), *argv], env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["state"] == "succeeded"


def test_frozen_desktop_app_runs_the_demo_offscreen_and_exits_when_done() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CTT_DEMO_SPEED": "20"}
    done = _run([str(frozen_app()), "--demo", "--exit-when-done"], env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_frozen_app_bundles_the_keyring_backends() -> None:
    # No session bus here, so the Secret Service cannot be chosen; what must hold is that the
    # bundle still carries keyring's backend entry points (tests/desktop uses a real keyring).
    env = {**os.environ}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    done = _run([str(frozen_app()), "diagnose"], env=env)
    assert done.returncode == 0, done.stderr
    plugins = _report(done.stdout)["keyring plugins"]
    assert "SecretService" in plugins.split(", ")


def test_bundle_keeps_the_plugins_the_app_needs_and_drops_the_rest() -> None:
    internal = frozen_app().parent / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for needed in (
        "platforms/libqxcb.so",
        "platforms/libqoffscreen.so",
        "imageformats/libqsvg.so",
        "iconengines/libqsvgicon.so",
    ):
        assert (plugins / needed).is_file(), needed
    assert (internal / "resources" / "icons" / "tray-running.svg").is_file()
    assert not (plugins / "platforms" / "libqwayland.so").exists()
    assert not (plugins / "platformthemes" / "libqgtk3.so").exists()
    assert not list(internal.rglob("libQt6Qml*")) and not list(internal.rglob("*.qm"))


def test_install_script_adds_a_valid_menu_entry_and_uninstall_removes_it(tmp_path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate is not installed (apt: desktop-file-utils)")
    with tarfile.open(release_archive()) as archive:
        archive.extractall(tmp_path / "unpacked", filter="tar")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    home = tmp_path / "a home"  # a space, as in real home folders on some machines
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "PREFIX"):
        env.pop(var, None)

    done = _run(["bash", str(unpacked / "install.sh")], env=env)
    assert done.returncode == 0, done.stderr

    installed = home / ".local" / "opt" / APP_ID / APP_ID
    entry = home / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    validated = _run(["desktop-file-validate", str(entry)])
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout
    assert f'Exec="{installed}"\n' in entry.read_text()
    icons = home / ".local" / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (icons / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    command = home / ".local" / "bin" / APP_ID
    assert _run([str(command), "--version"]).stdout.strip() == f"{APP_ID} {__version__}"

    done = _run(["bash", str(unpacked / "install.sh"), "--uninstall"], env=env)
    assert done.returncode == 0, done.stderr
    assert not entry.exists() and not installed.exists() and not command.is_symlink()
    assert not (icons / "scalable" / "apps" / f"{APP_ID}.svg").exists()


def _report(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
