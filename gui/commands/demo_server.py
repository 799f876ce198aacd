"""``demo-server``: the simulated Confluence, served until Ctrl-C (options belong to gui.demo)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Hand the words after ``demo-server`` to the demo's own command line."""
    from gui.demo.cli import serve_forever_cli

    return serve_forever_cli(list(args.demo_args))
