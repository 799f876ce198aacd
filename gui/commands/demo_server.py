"""``demo-server``: the simulated Confluence, served until Ctrl-C (options belong to gui.demo)."""

from __future__ import annotations

import argparse
import sys

from gui.commands.exit_codes import OutputError


def run(args: argparse.Namespace) -> int:
    """Hand the words after ``demo-server`` to the demo's own command line."""
    from gui.demo.cli import serve_forever_cli

    try:
        return serve_forever_cli(list(args.demo_args))
    except BrokenPipeError:
        raise
    except OSError as error:
        # Only printing where it runs can raise this (a failure to listen is reported inside).
        raise OutputError(sys.stdout, error.strerror or str(error)) from error
