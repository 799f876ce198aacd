"""Where the frozen (PyInstaller) build is for the tests marked ``frozen``, building it if asked.

``CTT_BUILD_FROZEN=1`` (implied by ``CI=true``) runs ``packaging/build.sh`` once per pytest run,
about a minute, unless ``dist/`` already holds a build newer than every source file (tests/run.sh
builds before the benchmarks, so the bundle benchmark has something to measure). Otherwise an
existing fresh ``dist/`` build is used, and the tests skip without one.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from pathlib import Path

import pytest

from gui import APP_ID, __version__

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
ARCHIVE = DIST / f"{APP_ID}-{__version__}-linux-{platform.machine()}.tar.gz"
BUILD_TIMEOUT = 600


def _wants_build() -> bool:
    return os.environ.get("CTT_BUILD_FROZEN") == "1" or os.environ.get("CI") == "true"


@functools.cache
def _build() -> str | None:
    """Run the release build once; the error text when it failed, else None."""
    # CTT_DIST / CTT_BUILD_WORK would send the build elsewhere than where the tests look.
    env = {key: value for key, value in os.environ.items() if not key.startswith("CTT_")}
    done = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        return f"packaging/build.sh exited {done.returncode}:\n{done.stderr[-3000:]}"
    return None


def frozen_app() -> Path:
    """The frozen app's executable: built now if asked to, else skip when there is none."""
    binary = DIST / APP_ID / APP_ID
    if _wants_build() and not _fresh(binary, ARCHIVE):
        error = _build()
        if error:
            pytest.fail(error)
    if not binary.is_file():
        pytest.skip("no frozen build: run `bash packaging/build.sh` or set CTT_BUILD_FROZEN=1")
    if not _fresh(binary):
        # An old build would test yesterday's code and fail (or pass) for the wrong reason.
        pytest.skip("dist/ is older than the sources: rebuild, or set CTT_BUILD_FROZEN=1")
    return binary


def _fresh(*built: Path) -> bool:
    """Whether every one of ``built`` exists and is newer than every source file."""
    newest = _newest_source_change()
    return all(path.is_file() and path.stat().st_mtime >= newest for path in built)


def _newest_source_change() -> float:
    sources = [*(ROOT / "gui").rglob("*.py"), *(ROOT / "resources").rglob("*")]
    sources += [*(ROOT / "packaging").iterdir()]
    return max(path.stat().st_mtime for path in sources if path.is_file())


def release_archive() -> Path:
    """The release archive next to the build (same rules as ``frozen_app``)."""
    frozen_app()
    if not ARCHIVE.is_file():
        pytest.skip(f"no {ARCHIVE.name}: run `bash packaging/build.sh`")
    return ARCHIVE
