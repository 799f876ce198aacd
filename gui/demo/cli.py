"""`confluence-task-tray demo-server` and `python -m gui.demo`: serve the showcase until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from gui.demo.clock import ManualClock
from gui.demo.scenario import demo_scenario
from gui.demo.server import DemoConfluence


def build_parser() -> argparse.ArgumentParser:
    """The demo server's options, reusable as a subcommand's parser."""
    parser = argparse.ArgumentParser(
        prog="confluence-task-tray demo-server",
        description="Serve a simulated Confluence on 127.0.0.1 with demo tasks.",
        allow_abbrev=False,
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    parser.add_argument(
        "--empty", action="store_true", help="start without the demo tasks (for tests)"
    )
    parser.add_argument(
        "--manual-clock",
        action="store_true",
        help="freeze time; advance it with POST /_demo/clock/advance (for tests)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the connection details as one JSON line"
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="take the token from this environment variable, so a restarted demo accepts the "
        "token a running watch holds (default: a new token at every start)",
    )
    return parser


_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _token_from_env(name: str) -> str:
    """The demo's token from the variable ``name``: never from the command line, like the client."""
    if not _VARIABLE_NAME.match(name):
        raise ValueError("--token-env takes the NAME of an environment variable, not a token.")
    token = os.environ.get(name, "").strip()
    if not token:
        raise ValueError(f"--token-env: the environment variable {name} is not set or empty.")
    return token


def serve_forever_cli(argv: Sequence[str] | None = None) -> int:
    """Start the demo, print where it is and the token to use, serve until Ctrl-C; exit status."""
    args = build_parser().parse_args(argv)
    try:
        token = _token_from_env(args.token_env) if args.token_env else None
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    server = DemoConfluence(
        clock=ManualClock() if args.manual_clock else None, port=args.port, token=token
    )
    try:
        server.start()
    except OSError as error:
        print(f"Cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    scenario = None if args.empty else demo_scenario(server)
    cloud_ids = scenario.cloud_task_ids if scenario else []
    dc_ids = scenario.dc_task_ids if scenario else []

    # The token of a local demo is not a secret: printing it is how the user signs in.
    if args.json:
        details = {
            "cloud_site": server.cloud_base,
            "dc_site": server.dc_base,
            "gateway_site": server.gateway_base,
            "user": server.user_email,
            "token": server.token,
            "cloud_task_ids": cloud_ids,
            "dc_task_ids": dc_ids,
        }
        print(json.dumps(details), flush=True)
    else:
        lines = [
            "Simulated Confluence running on 127.0.0.1 (Ctrl-C to stop)",
            f"  Cloud site:        {server.cloud_base}",
            f"  Data Center site:  {server.dc_base}",
            f"  Gateway base:      {server.gateway_base}",
            f"  User (Basic auth): {server.user_email}",
            f"  Token:             {server.token}",
            f"  Cloud tasks:       {' '.join(cloud_ids) or '-'}",
            f"  Data Center tasks: {' '.join(dc_ids) or '-'}",
            "Try:",
            f"  CONFLUENCE_TOKEN={server.token} confluence-task-tray watch "
            f"--site {server.cloud_base} {cloud_ids[0] if cloud_ids else '<task id>'}",
        ]
        print("\n".join(lines), flush=True)

    stop = threading.Event()

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_terminate)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    finally:
        server.stop()
    return 0
