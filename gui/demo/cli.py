"""`confluence-task-tray demo-server` and `python -m gui.demo`: serve the showcase until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from types import FrameType

from gui.confluence.errors import InvalidInput
from gui.confluence.site import Credentials
from gui.demo.clock import ManualClock
from gui.demo.faults import FAULT_KINDS
from gui.demo.scenario import demo_scenario
from gui.demo.server import DemoConfluence


def build_parser() -> argparse.ArgumentParser:
    """The demo server's options, reusable as a subcommand's parser."""
    parser = argparse.ArgumentParser(
        prog="confluence-task-tray demo-server",
        description="Serve a simulated Confluence on 127.0.0.1 with demo tasks.",
        epilog=_CONTROL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=0,
        help="port to listen on, 1 to 65535, or 0 for a free one (default: 0)",
    )
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
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    return parser


_CONTROL_HELP = f"""
control endpoints (no credentials; JSON bodies; for tests and showcases):
  POST   /_demo/tasks           add a task, e.g. {{"kind": "delete_space", "duration": 30}};
                                answers its id
  GET    /_demo/tasks           every task and where it stands
  POST   /_demo/faults          make the site misbehave, e.g. {{"kind": "server_error",
                                "count": 3}}; fields: kind, count, duration, task_id, dialect,
                                endpoint ("task", "list" or "user"), retry_after, delay,
                                status (server_error with status 403 is a refusal)
  GET    /_demo/faults          the faults in force;  DELETE /_demo/faults clears them
  GET    /_demo/requests        every API request received;  DELETE clears the record
  POST   /_demo/clock/advance   {{"seconds": 10}}: move a --manual-clock server's time on

{textwrap.fill("fault kinds: " + ", ".join(FAULT_KINDS), width=78, subsequent_indent="  ")}
"""


def _port(text: str) -> int:
    """A TCP port, or 0 for a free one: anything else is a usage error, not a traceback."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("takes a whole number from 0 to 65535") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("takes a whole number from 0 to 65535")
    return port


_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _token_from_env(name: str) -> str:
    """The demo's token from the variable ``name``: never from the command line, like the client,
    and refused on the client's grounds too (a token no client would send is of no use)."""
    if not _VARIABLE_NAME.match(name):
        raise ValueError("--token-env takes the NAME of an environment variable, not a token.")
    token = os.environ.get(name, "").strip()
    if not token:
        raise ValueError(f"--token-env: the environment variable {name} is not set or empty.")
    try:
        Credentials.for_token(token)
    except InvalidInput as error:
        raise ValueError(f"--token-env: the token in {name} cannot be used: {error}") from None
    return token


def serve_forever_cli(argv: Sequence[str] | None = None) -> int:
    """Start the demo, print where it is and the token to use, serve until Ctrl-C; exit status."""
    args = build_parser().parse_args(argv)
    if args.verbose:
        # Standalone (python -m gui.demo); under confluence-task-tray, logging is set up already.
        logging.basicConfig(level=logging.DEBUG)
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

    try:
        _print_details(server, args.json, cloud_ids, dc_ids)
    except OSError:
        # A full disk or a closed pipe: nobody learns the address, so serving is pointless. The
        # caller says so (confluence-task-tray exits 74, or 141 for the pipe).
        server.stop()
        raise

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


def _print_details(
    server: DemoConfluence, as_json: bool, cloud_ids: list[str], dc_ids: list[str]
) -> None:
    # The token of a local demo is not a secret: printing it is how the user signs in.
    if as_json:
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
        return
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
