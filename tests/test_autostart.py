"""Start on login: exactly one entry when enabled, none when disabled, valid for the desktop."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gui.platform import autostart
from gui.platform.autostart import AutostartError, LaunchAgentAutostart, XdgAutostart

APP = "/home/someone/.local/opt/confluence-task-tray/confluence-task-tray"


def _entries(config_home: Path) -> list[Path]:
    return sorted((config_home / "autostart").glob("*"))


def _validate(path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate is not installed (apt: desktop-file-utils)")
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_enabling_writes_one_autostart_entry_in_xdg_config_home(isolated_home: Path) -> None:
    entry = XdgAutostart([APP, "--minimized"])
    entry.enable()

    config_home = isolated_home / ".config"
    assert _entries(config_home) == [config_home / "autostart" / "confluence-task-tray.desktop"]
    assert entry.is_enabled()
    assert f"Exec={APP} --minimized\n" in entry.path.read_text()


def test_enabling_twice_still_leaves_one_entry(isolated_home: Path) -> None:
    entry = XdgAutostart([APP, "--minimized"])
    entry.enable()
    entry.enable()
    assert len(_entries(isolated_home / ".config")) == 1


def test_disabling_removes_the_entry_and_tolerates_none(isolated_home: Path) -> None:
    entry = XdgAutostart([APP, "--minimized"])
    entry.set_enabled(True)
    entry.set_enabled(False)
    assert _entries(isolated_home / ".config") == []
    assert not entry.is_enabled()
    entry.disable()


def test_autostart_entry_passes_desktop_file_validate(isolated_home: Path) -> None:
    entry = XdgAutostart(["/opt/My Apps/confluence-task-tray", "--minimized"])
    entry.enable()
    _validate(entry.path)


def test_exec_quotes_spaces_and_reserved_characters() -> None:
    exec_value = autostart.desktop_exec(["/opt/My $Apps/100%/ctt", "--minimized"])
    # In the file, the spec's \$ inside quotes is written \\$ (string escaping doubles it).
    assert exec_value == '"/opt/My \\\\$Apps/100%%/ctt" --minimized'


def test_unwritable_config_dir_raises_an_autostart_error(isolated_home: Path) -> None:
    blocked = isolated_home / "blocked"
    blocked.write_text("a file where the config directory should be")
    with pytest.raises(AutostartError, match="Could not write"):
        XdgAutostart([APP], config_home=blocked).enable()


def test_launch_command_from_a_virtualenv_is_its_script_minimized() -> None:
    command = autostart.launch_command()
    assert command[-1] == "--minimized"
    assert Path(command[0]).parent == Path(sys.executable).parent


def test_launch_command_of_the_frozen_app_is_the_app_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    binary = tmp_path / "confluence-task-tray"
    binary.touch()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(binary))
    assert autostart.launch_command() == [str(binary), "--minimized"]


def test_launch_agent_plist_runs_the_app_at_login(tmp_path: Path) -> None:
    agent = LaunchAgentAutostart([APP, "--minimized"], home=tmp_path)
    agent.enable()
    agent.enable()

    plists = list((tmp_path / "Library" / "LaunchAgents").iterdir())
    assert plists == [agent.path]
    content = plistlib.loads(agent.path.read_bytes())
    assert content["ProgramArguments"] == [APP, "--minimized"]
    assert content["RunAtLoad"] is True
    agent.disable()
    assert not agent.is_enabled()


def test_linux_gets_the_xdg_mechanism() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("checks the Linux choice")
    assert isinstance(autostart.for_this_platform(), XdgAutostart)
