"""Every benchmark script still imports and parses its options: the suite runs none of them in
full, so without this a renamed module would only surface when someone runs the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS = [*sorted(p.name for p in HERE.glob("bench_*.py")), "run.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_loads(script: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(HERE / script), "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()
