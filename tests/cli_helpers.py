"""Shared by the tests/test_cli_*.py files: a demo site with a distinctive token, on the manual
clock with a way to run the command line in-process, or on the real clock for the program run in
a subprocess."""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from secret_helpers import leaks

from gui.cli import main
from gui.commands.watch import Pacer
from gui.demo import DemoConfluence, ManualClock

# Distinctive enough that finding it anywhere in the output can only mean it leaked.
TOKEN = "tkn-Zq8x3LmP0w-never-print-me-5Kd9"
# The installed entry point, as a user runs it (python -m gui where it is not installed).
ENTRY_POINT = Path(sys.executable).with_name("confluence-task-tray")
PROGRAM = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "gui"]
JSON_FIELDS = {"task", "site", "state", "percent", "elapsed_ms", "title", "message"}


@dataclass(frozen=True)
class Run:
    """What one command line run gave: exit status, stdout, stderr."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    def states(self, task_id: str) -> list[str]:
        return [line["state"] for line in self.json_lines() if line["task"] == task_id]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def live_site() -> Iterator[DemoConfluence]:
    """A demo on the real clock, for tests that run the program in a subprocess (PROGRAM),
    which sleeps for real between polls; its token is TOKEN."""
    server = DemoConfluence(token=TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def site(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoConfluence]:
    """A demo Confluence on the manual clock whose token is in CONFLUENCE_TOKEN."""
    server = DemoConfluence(clock=clock, token=TOKEN)
    server.start()
    monkeypatch.setenv("CONFLUENCE_TOKEN", TOKEN)
    try:
        yield server
    finally:
        server.stop()


def run_cli(capsys: pytest.CaptureFixture[str], clock: ManualClock, *argv: str) -> Run:
    """``main(argv)`` in this process; waiting advances the demo's clock instead of sleeping."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        code = main(list(argv), pacer=Pacer(now=clock, sleep=clock.advance))
    finally:
        # main() sets up logging as a process would; the next test starts from pytest's own.
        root.setLevel(level)
        root.handlers[:] = handlers
    out, err = capsys.readouterr()
    return Run(code, out, err)


def assert_no_secret(run: Run, server: DemoConfluence, *more: str) -> None:
    """No form of the server's credentials (secret_helpers.secret_forms) in the run's output."""
    for text in (run.out, run.err, *more):
        assert leaks(text, server) == []


@dataclass
class Answer:
    """What a hostile loopback server answers to every GET."""

    status: int = 200
    reason: str = "OK"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@contextlib.contextmanager
def hostile_server(answer: Answer, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """A tiny loopback server giving ``answer`` to everything; yields its origin and the
    Authorization header of every request it received ("" when a request had none)."""
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.headers.get("Authorization", ""))
            self.send_response(answer.status, answer.reason)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            logging.getLogger(__name__).debug("hostile server: " + format, *args)

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
