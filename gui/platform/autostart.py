"""Start on login: one small interface, with the desktop's own mechanism chosen at runtime.

Linux uses an XDG autostart entry, Windows the per-user ``Run`` registry key, macOS a per-user
LaunchAgent. Each entry starts the app with ``--minimized`` so it comes up in the tray.
"""

from __future__ import annotations

import abc
import importlib
import logging
import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from gui import APP_ID, APP_NAME

log = logging.getLogger(__name__)

LAUNCH_AGENT_LABEL = f"org.{APP_ID}"
_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutostartError(Exception):
    """The login entry could not be written or removed; the message says where and why."""


def launch_command() -> list[str]:
    """The command that starts this app at login, in the tray.

    The frozen app starts itself; from a virtual environment (or a pip install) it is the
    ``confluence-task-tray`` script installed next to the interpreter, which keeps working
    without the environment being activated.
    """
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve()), "--minimized"]
    # Not resolved: in a venv the interpreter is a symlink and resolving it leaves the venv.
    script = Path(sys.executable).parent / (APP_ID + (".exe" if os.name == "nt" else ""))
    if script.is_file():
        return [str(script), "--minimized"]
    return [sys.executable, "-m", "gui", "--minimized"]


class Autostart(abc.ABC):
    """Whether the app starts when the user logs in."""

    def __init__(self, command: Sequence[str] | None = None) -> None:
        self.command = list(command) if command is not None else launch_command()

    @abc.abstractmethod
    def is_enabled(self) -> bool:
        """True when the login entry exists."""

    @abc.abstractmethod
    def enable(self) -> None:
        """Create or overwrite the single login entry for this app."""

    @abc.abstractmethod
    def disable(self) -> None:
        """Remove the login entry; nothing happens when there is none."""

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable, for a checkbox."""
        if enabled:
            self.enable()
        else:
            self.disable()


class _FileAutostart(Autostart):
    """An entry that is one file the platform reads at login."""

    path: Path

    @abc.abstractmethod
    def render(self) -> bytes:
        """The file's contents."""

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def enable(self) -> None:
        # Written beside the target and renamed over it, so the entry is never half-written
        # and enabling twice still leaves exactly one file.
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(self.render())
            partial.replace(self.path)
        except OSError as error:
            raise AutostartError(f"Could not write {self.path}: {error.strerror}") from error
        log.info("start on login enabled: %s", self.path)

    def disable(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            raise AutostartError(f"Could not remove {self.path}: {error.strerror}") from error
        log.info("start on login disabled: %s", self.path)


class XdgAutostart(_FileAutostart):
    """``$XDG_CONFIG_HOME/autostart/confluence-task-tray.desktop`` (freedesktop autostart)."""

    def __init__(self, command: Sequence[str] | None = None, config_home: Path | None = None):
        super().__init__(command)
        if config_home is None:
            config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.path = config_home / "autostart" / f"{APP_ID}.desktop"

    def render(self) -> bytes:
        lines = [
            "[Desktop Entry]",
            "Type=Application",
            f"Name={APP_NAME}",
            "Comment=Watch Confluence long-running tasks from the system tray",
            f"Exec={desktop_exec(self.command)}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "StartupNotify=false",
            "X-GNOME-Autostart-enabled=true",
        ]
        return ("\n".join(lines) + "\n").encode()


class LaunchAgentAutostart(_FileAutostart):
    """``~/Library/LaunchAgents/org.confluence-task-tray.plist`` (macOS, read at login)."""

    def __init__(self, command: Sequence[str] | None = None, home: Path | None = None):
        super().__init__(command)
        agents = (home or Path.home()) / "Library" / "LaunchAgents"
        self.path = agents / f"{LAUNCH_AGENT_LABEL}.plist"

    def render(self) -> bytes:
        agent = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": self.command,
            "RunAtLoad": True,
            # Only in the graphical session: a tray app has nothing to do over ssh.
            "LimitLoadToSessionType": "Aqua",
            "ProcessType": "Interactive",
        }
        return plistlib.dumps(agent)


class WindowsRunKeyAutostart(Autostart):
    """A value named after the app under ``HKCU\\...\\CurrentVersion\\Run``."""

    def is_enabled(self) -> bool:
        winreg = importlib.import_module("winreg")
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
                winreg.QueryValueEx(key, APP_NAME)
        except FileNotFoundError:
            return False
        return True

    def enable(self) -> None:
        winreg = importlib.import_module("winreg")
        value = subprocess.list2cmdline(self.command)
        try:
            with winreg.CreateKeyEx(
                winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE
            ) as key:
                winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, value)
        except OSError as error:
            raise AutostartError(f"Could not write the Run registry key: {error}") from error
        log.info("start on login enabled in the Run registry key")

    def disable(self) -> None:
        winreg = importlib.import_module("winreg")
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, APP_NAME)
        except FileNotFoundError:
            return
        except OSError as error:
            raise AutostartError(f"Could not change the Run registry key: {error}") from error
        log.info("start on login disabled in the Run registry key")


def for_this_platform(command: Sequence[str] | None = None) -> Autostart:
    """The autostart mechanism of the desktop this process runs on."""
    if sys.platform == "win32":
        return WindowsRunKeyAutostart(command)
    if sys.platform == "darwin":
        return LaunchAgentAutostart(command)
    return XdgAutostart(command)


# Inside double quotes the Desktop Entry spec reserves these four; outside them, these others
# force quoting. Every "%" must be doubled because Exec field codes start with it.
_QUOTED_ESCAPES = ("\\", '"', "`", "$")  # backslash first: the others add backslashes
_NEEDS_QUOTES = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec(argv: Sequence[str]) -> str:
    """Quote a command for the ``Exec=`` key of a .desktop file."""
    words = []
    for arg in argv:
        word = arg.replace("%", "%%")
        if not word or _NEEDS_QUOTES & set(word):
            for char in _QUOTED_ESCAPES:
                word = word.replace(char, "\\" + char)
            word = f'"{word}"'
        words.append(word)
    # The Exec value is itself a .desktop string, whose own escaping doubles each backslash.
    return " ".join(words).replace("\\", "\\\\")
