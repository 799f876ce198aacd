"""Where the app keeps its files: per-user config, data, log, cache and state directories.

Every directory is derived from ``APP_NAME`` through platformdirs, so each platform gets its own
conventions (XDG on Linux, Application Support on macOS, AppData on Windows), and is created
the first time it is asked for.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from gui import APP_NAME


def _dirs(*, create: bool = True) -> platformdirs.PlatformDirs:
    # Read afresh on every call: the XDG variables may change (tests give each test its own home).
    return platformdirs.PlatformDirs(APP_NAME, appauthor=False, ensure_exists=create)


def config_dir(*, create: bool = True) -> Path:
    """Settings the user chose: sites and preferences. ``create=False`` only names the folder
    (for when making it failed)."""
    return _dirs(create=create).user_config_path


def data_dir() -> Path:
    """What the app learnt: watched tasks and the finished-task history."""
    return _dirs().user_data_path


def log_dir() -> Path:
    """The rotating log file."""
    return _dirs().user_log_path


def cache_dir() -> Path:
    """Anything that may be deleted at any time."""
    return _dirs().user_cache_path


def state_dir() -> Path:
    """Runtime state that should survive a restart but is not a setting."""
    return _dirs().user_state_path


def all_dirs() -> list[Path]:
    """Every directory the app may write to, for tests and for "where are my files?" help."""
    return [config_dir(), data_dir(), log_dir(), cache_dir(), state_dir()]
