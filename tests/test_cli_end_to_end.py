"""The real ``confluence-task-tray`` program in a subprocess, against a real-time demo site."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from cli_helpers import PROGRAM, TOKEN, live_site
from secret_helpers import secret_forms

from gui.demo import DemoConfluence, DemoTask

__all__ = ["live_site"]  # a fixture, used by name


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


@contextlib.contextmanager
def _demo_server(*argv: str, env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """``demo-server --json`` in its own process: its connection details, then Ctrl-C, exit 0."""
    server = subprocess.Popen(
        [*PROGRAM, "demo-server", "--port", "0", "--json", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=10)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert server.returncode == 0


def test_demo_server_prints_a_site_and_token_that_list_accepts() -> None:
    with _demo_server() as details:
        listed = _run("list", "--site", details["cloud_site"], "--json", token=details["token"])
        assert listed.returncode == 0, listed.stderr
        ids = {json.loads(line)["task"] for line in listed.stdout.splitlines()}
        assert ids and ids <= set(details["cloud_task_ids"])


@pytest.mark.parametrize(
    ("task", "token_ok", "code"),
    [({"duration": 1}, True, 0), ({"duration": 1, "outcome": "failure"}, True, 1), ({}, False, 2)],
)
def test_demo_server_and_watch_in_their_own_processes_end_as_the_readme_says(
    task: dict[str, object], token_ok: bool, code: int
) -> None:
    with _demo_server() as details:
        base = details["cloud_site"].rsplit("/wiki", 1)[0]
        request = urllib.request.Request(
            f"{base}/_demo/tasks", data=json.dumps(task).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            task_id = json.loads(answer.read())["id"]
        token = details["token"] if token_ok else "not-the-demo-token"
        done = _run(
            "watch", "--site", details["cloud_site"], "--interval", "0.3", task_id, token=token
        )
        assert done.returncode == code, done.stderr
        if not token_ok:
            with urllib.request.urlopen(f"{base}/_demo/requests", timeout=10) as answer:
                log = json.loads(answer.read())["requests"]
                asked = [r for r in log if r["path"].endswith(f"/{task_id}")]
            assert len(asked) == 1, "a refused token is sent once"


@pytest.mark.parametrize("json_output", [False, True])
def test_closed_output_pipe_exits_141_quietly(live_site: DemoConfluence, json_output: bool) -> None:
    task = live_site.add_task(DemoTask(duration=30))
    json_flag = ["--json"] if json_output else []
    argv = ["watch", "--site", live_site.cloud_base, "--interval", "0.1", *json_flag, task]
    process = subprocess.Popen(
        [*PROGRAM, *argv], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # as `| head -1` does after its line
        err = process.stderr.read()
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err


def test_output_an_ascii_terminal_cannot_show_is_replaced_not_a_crash(
    live_site: DemoConfluence,
) -> None:
    task = live_site.add_task(
        DemoTask(duration=0.3, outcome="failure", fail_at=50, error="Échec « DÉMO » ✗")
    )
    done = subprocess.run(
        [*PROGRAM, "watch", "--site", live_site.cloud_base, "--interval", "0.1", task],
        env={**_env(), "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"?chec" in done.stdout and b"?chec" in done.stderr


def test_demo_server_takes_its_token_from_the_variable_token_env_names() -> None:
    token = "demo-kept-across-restarts-42"
    env = {**os.environ, "DEMO_TOKEN": token}
    for _restart in range(2):
        with _demo_server("--empty", "--token-env", "DEMO_TOKEN", env=env) as details:
            assert details["token"] == token
            listed = _run("list", "--site", details["cloud_site"], token=token)
            assert listed.returncode == 0, listed.stderr


def test_demo_server_without_the_named_variable_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEMO_TOKEN"}
    done = subprocess.run(
        [*PROGRAM, "demo-server", "--token-env", "DEMO_TOKEN"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "DEMO_TOKEN is not set" in done.stderr
