"""Output that cannot be written (a full disk, stdout closed) ends a command with exit 74 and one
line on stderr: never a traceback, never exit 1, which a script would read as a failed task."""

from __future__ import annotations

import os
import subprocess

import pytest
from cli_helpers import PROGRAM, TOKEN, live_site

from gui.demo import DemoConfluence, DemoTask

__all__ = ["live_site"]  # a fixture, used by name

DEV_FULL = "/dev/full"
needs_dev_full = pytest.mark.skipif(not os.path.exists(DEV_FULL), reason="no /dev/full here")


def _run_with_stdout(stdout: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The program with stdout redirected as a shell would: ``>/dev/full`` or ``>&-``."""
    redirect = ">&-" if stdout == "closed" else f">{stdout}"
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", *PROGRAM, *argv],
        env={**os.environ, "CONFLUENCE_TOKEN": TOKEN},
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )


def _commands(site: DemoConfluence, task: str) -> dict[str, list[str]]:
    return {
        "watch": ["watch", "--site", site.cloud_base, "--interval", "0.1", task],
        "watch --json": ["watch", "--json", "--site", site.cloud_base, "--interval", "0.1", task],
        "get": ["get", "--site", site.cloud_base, task],
        "list": ["list", "--site", site.cloud_base],
        "diagnose": ["diagnose"],
    }


@needs_dev_full
@pytest.mark.parametrize("command", ["watch", "watch --json", "get", "list", "diagnose"])
def test_a_full_disk_exits_74_with_one_line_and_no_traceback(
    live_site: DemoConfluence, command: str
) -> None:
    task = live_site.add_task(DemoTask(duration=0.3))
    done = _run_with_stdout(DEV_FULL, *_commands(live_site, task)[command])
    assert done.returncode == 74, done.stderr
    assert done.stderr == (
        "confluence-task-tray: cannot write to standard output: No space left on device\n"
    )


@pytest.mark.parametrize("command", ["watch", "get", "list"])
def test_a_closed_stdout_exits_74_before_any_request(
    live_site: DemoConfluence, command: str
) -> None:
    task = live_site.add_task(DemoTask(duration=0.3))
    done = _run_with_stdout("closed", *_commands(live_site, task)[command])
    assert done.returncode == 74, done.stderr
    assert "standard output is closed" in done.stderr and "Traceback" not in done.stderr
    assert live_site.requests == []


@needs_dev_full
def test_demo_server_that_cannot_print_where_it_runs_exits_74() -> None:
    done = _run_with_stdout(DEV_FULL, "demo-server", "--port", "0", "--empty")
    assert done.returncode == 74, done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


def test_a_closed_stderr_does_not_keep_a_watch_from_its_result(live_site: DemoConfluence) -> None:
    task = live_site.add_task(DemoTask(duration=0.3))
    argv = ["watch", "--json", "--site", live_site.cloud_base, "--interval", "0.1", task]
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", *PROGRAM, *argv],
        env={**os.environ, "CONFLUENCE_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert '"state": "succeeded"' in done.stdout
