"""The desktop app run from a test's script in a process of its own, for tests of how it ends."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def app_script(script: str, stderr: Path, **popen: Any) -> Iterator[subprocess.Popen[str]]:
    """``python -c script``, its stderr written to ``stderr``; killed if it still runs when the
    block is left (a test that failed), so no app outlives its test."""
    with stderr.open("w") as errors:
        app = subprocess.Popen([sys.executable, "-c", script], stderr=errors, text=True, **popen)
        try:
            yield app
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
