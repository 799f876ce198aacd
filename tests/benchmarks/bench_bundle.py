"""The frozen bundle's size and start time, against the same app started from the venv.

    .venv/bin/python tests/benchmarks/bench_bundle.py [--build] [--runs N] [--short]

Uses dist/confluence-task-tray (``--build`` runs packaging/build.sh first; without a build it
reports nothing and exits 0, so tests/benchmarks/run.py can run it anywhere). Prints:
- the unpacked size of the app folder (goal: under 140 MB) and of the release archive;
- process start to ``--version`` printed, frozen vs venv (the interpreter and CLI floor);
- process start to the main window shown with ``--demo``, frozen vs venv, when an X server and
  xdotool are available (run under ``xvfb-run -a``); else the whole offscreen
  ``--demo --exit-when-done`` run at a high demo speed.
Each figure is the median of several runs, frozen and venv alternating so that a busy moment of
the machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Figure, child_env, median, report  # noqa: E402

from gui import APP_ID, APP_NAME, __version__  # noqa: E402

APP_DIR = ROOT / "dist" / APP_ID
FROZEN = [str(APP_DIR / APP_ID)]
_SCRIPT = Path(sys.executable).with_name(APP_ID)
VENV = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "gui"]
SIZE_GOAL_MB = 140
WINDOW_TIMEOUT = 30.0


def folder_megabytes(folder: Path) -> tuple[float, int]:
    """Apparent size in MB (10^6 bytes) and file count; symlinks count as links, not targets."""
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total / 1e6, count


def _env(**extra: str) -> dict[str, str]:
    """A private home per run, so no run sees the settings or single-instance socket of another."""
    home = Path(tempfile.mkdtemp(prefix="ctt-bench-bundle-", dir=_SCRATCH))
    return child_env(home, **extra)


_SCRATCH: str | None = None  # set by main() to a folder removed at exit


def time_until_exit(argv: Sequence[str], env: dict[str, str]) -> float:
    """Seconds from starting ``argv`` until it exits (it must exit 0)."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - start


def _window_visible(pid: int) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", f"^{APP_NAME}$"],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def x_server_ready(timeout: float = 10.0) -> bool:
    """Wait for the X server to accept clients: xvfb-run can hand over before Xvfb listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True, check=False)
        if probe.returncode == 0:
            return True
        time.sleep(0.1)
    return False


class DisplayRefused(RuntimeError):
    """The X server turned a client away; seen now and then with Xvfb under rapid restarts."""


def time_until_window(argv: Sequence[str], env: dict[str, str]) -> float:
    """Seconds from starting ``argv`` until its main window is mapped; retried if X refused."""
    for _ in range(2):
        try:
            return _time_until_window_once(argv, env)
        except DisplayRefused as refused:
            print(f"(retrying: {refused})")
    return _time_until_window_once(argv, env)


def _time_until_window_once(argv: Sequence[str], env: dict[str, str]) -> float:
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            while not _window_visible(process.pid):
                if process.poll() is not None:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    if "could not connect to display" in tail:
                        raise DisplayRefused(f"{argv[0]} could not connect to the X server")
                    raise RuntimeError(f"{argv[0]} exited with {process.returncode}:\n{tail}")
                if time.perf_counter() - start > WINDOW_TIMEOUT:
                    raise RuntimeError(f"{argv[0]} showed no window within {WINDOW_TIMEOUT} s")
                time.sleep(0.02)  # each probe is an X connection: keep the server unhurried
            return time.perf_counter() - start
        finally:
            process.kill()
            process.wait()


def compare(label: str, measure: Callable[[Sequence[str]], float], runs: int) -> Figure:
    """Alternate frozen and venv runs; the frozen median, with the venv median as baseline."""
    frozen: list[float] = []
    venv: list[float] = []
    measure(FROZEN)  # first runs warm the page cache; they are not counted
    measure(VENV)
    for _ in range(runs):
        frozen.append(measure(FROZEN))
        venv.append(measure(VENV))
    return Figure(f"{label}, frozen (baseline: venv)", median(frozen), "s", baseline=median(venv))


def main() -> int:
    global _SCRATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="run packaging/build.sh first")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per side (default 7)")
    parser.add_argument("--short", action="store_true", help="CI form: 3 runs per side")
    args = parser.parse_args()
    runs = 3 if args.short else args.runs
    mode = "short" if args.short else "full"

    if args.build:
        subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], check=True)
    if not Path(FROZEN[0]).is_file():
        print(f"no build at {APP_DIR}: nothing to measure (bash packaging/build.sh, or --build)")
        report("bundle", [], mode)
        return 0

    size, files = folder_megabytes(APP_DIR)
    figures = [
        Figure(f"bundle unpacked ({files} files)", size, "MB", goal=f"< {SIZE_GOAL_MB} MB",
               goal_met=size < SIZE_GOAL_MB),
    ]  # fmt: skip
    for archive in sorted(APP_DIR.parent.glob(f"{APP_ID}-{__version__}-*.tar.gz")):
        figures.append(Figure(f"archive {archive.name}", archive.stat().st_size / 1e6, "MB"))

    def version(cmd: Sequence[str]) -> float:
        return time_until_exit([*cmd, "--version"], _env())

    def window(cmd: Sequence[str]) -> float:
        return time_until_window([*cmd, "--demo"], _env(QT_QPA_PLATFORM="xcb"))

    def demo_run(cmd: Sequence[str]) -> float:
        return time_until_exit([*cmd, "--demo", "--exit-when-done"], _env(CTT_DEMO_SPEED="50"))

    with tempfile.TemporaryDirectory(prefix="ctt-bench-bundle-") as scratch:
        _SCRATCH = scratch
        figures.append(compare("start to --version printed", version, runs))
        if os.environ.get("DISPLAY") and shutil.which("xdotool") and x_server_ready():
            figures.append(compare("start to --demo window shown (xcb)", window, runs))
        else:
            print("(no X server or xdotool: timing the whole offscreen demo run instead)")
            figures.append(compare("--demo --exit-when-done offscreen", demo_run, runs))
    report("bundle", figures, mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
