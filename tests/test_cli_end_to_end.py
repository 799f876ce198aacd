"""The real ``confluence-task-tray`` program in a subprocess, against a real-time demo site."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import TOKEN, secret_forms

from gui.demo import DemoConfluence, DemoTask

ENTRY_POINT = Path(sys.executable).with_name("confluence-task-tray")
PROGRAM = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "gui"]


@pytest.fixture
def live_site() -> Iterator[DemoConfluence]:
    """A demo on the real clock: the subprocess sleeps for real between polls."""
    server = DemoConfluence(token=TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _env(token: str = TOKEN) -> dict[str, str]:
    return {**os.environ, "CONFLUENCE_TOKEN": token}


def _run(*argv: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PROGRAM, *argv], env=_env(token), capture_output=True, text=True, timeout=30, check=False
    )


def test_watch_of_a_task_to_its_end_exits_0(live_site: DemoConfluence) -> None:
    task = live_site.add_task(DemoTask(duration=0.6))
    done = _run("watch", "--site", live_site.cloud_base, "--interval", "0.2", "--json", task)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["state"] == "succeeded"


def test_failing_task_exits_1(live_site: DemoConfluence) -> None:
    task = live_site.add_task(DemoTask(duration=0.4, outcome="failure", fail_at=50))
    done = _run("watch", "--site", live_site.cloud_base, "--interval", "0.2", task)
    assert done.returncode == 1, done.stderr


def test_wrong_token_exits_2_after_one_request_and_leaks_nothing(
    live_site: DemoConfluence,
) -> None:
    task = live_site.add_task(DemoTask(duration=30))
    wrong = "wrong-" + TOKEN
    done = _run("-v", "watch", "--site", live_site.cloud_base, "--json", task, token=wrong)
    assert done.returncode == 2
    assert len(live_site.requests) == 1
    assert "DEBUG" in done.stderr  # -v really logged
    for secret in [wrong, *secret_forms(live_site, wrong)]:
        assert secret not in done.stdout + done.stderr


def test_ctrl_c_exits_130_without_a_traceback(live_site: DemoConfluence) -> None:
    task = live_site.add_task(DemoTask(duration=60))
    process = subprocess.Popen(
        [*PROGRAM, "watch", "--site", live_site.cloud_base, "--interval", "0.2", task],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # the first progress line: the watch is under way
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in err


def test_demo_server_prints_a_site_and_token_that_list_accepts() -> None:
    server = subprocess.Popen(
        [*PROGRAM, "demo-server", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        details = json.loads(server.stdout.readline())
        listed = _run("list", "--site", details["cloud_site"], "--json", token=details["token"])
        assert listed.returncode == 0, listed.stderr
        ids = {json.loads(line)["task"] for line in listed.stdout.splitlines()}
        assert ids and ids <= set(details["cloud_task_ids"])
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=10)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert server.returncode == 0
