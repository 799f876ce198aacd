"""Shared pieces of the benchmarks: the figure format, child-process environment, process probes.

Every benchmark prints one line per figure, ``name: value unit (baseline B, ratio R, goal G: met)``,
and ends with one JSON line ``{"benchmark": ..., "figures": [...]}`` that tests/benchmarks/run.py
collects. Goals are reported, never asserted: timing on a shared machine flakes.

Children (the app and the baseline alike) may write and read compiled bytecode, kept in one
private folder for the whole benchmark run (``PYTHONPYCACHEPREFIX``): an installed app, wheel or
frozen, always starts from compiled bytecode, while the checkout's editable install and a sandbox
that sets ``PYTHONDONTWRITEBYTECODE`` would make every start compile the app's sources again.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = sys.executable
BASELINE_SCRIPT = HERE / "baseline_app.py"
PROBE_SCRIPT = HERE / "app_probe.py"

# Environment variables the probe and the baseline read (see shown_hook.py).
REPORT_VARIABLE = "CTT_BENCH_REPORT"
QUIT_AFTER_VARIABLE = "CTT_BENCH_QUIT_AFTER"
SITE_VARIABLE = "CTT_BENCH_SITE"

# The bytecode folder of this benchmark run, made on first use; TemporaryDirectory removes it
# when the interpreter exits.
_BYTECODE: list[tempfile.TemporaryDirectory[str]] = []


def bytecode_cache() -> str:
    """The folder every child of this run compiles into and loads from."""
    if not _BYTECODE:
        _BYTECODE.append(tempfile.TemporaryDirectory(prefix="ctt-bench-pyc-"))
    return _BYTECODE[0].name


@dataclass
class Figure:
    """One measured figure; ``goal_met`` is None when the figure has no goal."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    goal_met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        parts = []
        if self.baseline is not None:
            parts.append(f"baseline {_number(self.baseline)} {self.unit}")
            ratio = self.ratio
            if ratio is not None:
                parts.append(f"ratio {ratio:.2f}")
        if self.goal:
            verdict = "" if self.goal_met is None else (": met" if self.goal_met else ": NOT MET")
            parts.append(f"goal {self.goal}{verdict}")
        suffix = f" ({', '.join(parts)})" if parts else ""
        return f"{self.name}: {_number(self.value)} {self.unit}{suffix}"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def report(benchmark: str, figures: Sequence[Figure], mode: str) -> None:
    """Print each figure's line, then the one JSON line the runner parses."""
    for figure in figures:
        print(figure.line(), flush=True)
    payload = {
        "benchmark": benchmark,
        "mode": mode,
        "figures": [figure.to_json() for figure in figures],
    }
    print(json.dumps(payload), flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """Offscreen Qt, no session bus, a private home: a child can touch nothing of the user's.

    Bytecode is written to and read from this run's shared cache (see the module docstring).
    """
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = bytecode_cache()
    env.update(
        HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        DBUS_SESSION_BUS_ADDRESS="disabled:",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


class Child:
    """A benchmark subprocess (the app probe or the baseline) that reports when it is shown."""

    def __init__(self, argv: Sequence[str], *, quit_after: float, **extra_env: str) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="ctt-bench-")
        home = Path(self._home.name)
        self.report_path = home / "shown.txt"
        self._stderr_path = home / "stderr.txt"
        env = child_env(
            home,
            **{REPORT_VARIABLE: str(self.report_path), QUIT_AFTER_VARIABLE: str(quit_after)},
            **extra_env,
        )
        self.started = time.time()
        # A file, not a pipe: a chatty child must never block on a full pipe mid-measurement.
        with self._stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [PYTHON, *argv],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=home,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_shown(self, timeout: float = 60.0) -> float:
        """Seconds from process start to the first window exposed, as the child reported it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.report_path.exists():
                text = self.report_path.read_text().strip()
                if text:
                    return float(text) - self.started
            if self.process.poll() is not None:
                raise RuntimeError(f"child exited ({self.process.returncode}): {self._stderr()}")
            time.sleep(0.005)
        raise RuntimeError("child showed no window in time")

    def finish(self, timeout: float = 30.0) -> int:
        """Wait for the child's own exit (it quits by itself); kill it if it does not."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if code != 0:
            print(f"(child exited {code}: {self._stderr()})", file=sys.stderr)
        self._home.cleanup()
        return code

    def _stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace")[-2000:]


def baseline_child(quit_after: float, *args: str, **env: str) -> Child:
    return Child([str(BASELINE_SCRIPT), *args], quit_after=quit_after, **env)


def polling_floor_child(quit_after: float, url: str, token: str) -> Child:
    """The recipes' floor: the bare baseline plus a QThread GETting ``url`` every 2 s."""
    return baseline_child(quit_after, "--poll", url, "--every", "2", CTT_BENCH_TOKEN=token)


def app_child(quit_after: float, *args: str, **env: str) -> Child:
    return Child([str(PROBE_SCRIPT), *args], quit_after=quit_after, **env)
