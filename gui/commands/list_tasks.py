"""``list``: the active tasks of one site, as a table or as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from gui.commands.connect import SetupError, for_error, read_credentials, site_option
from gui.commands.exit_codes import ExitCode
from gui.commands.output import bar, elapsed_text, plain_text, write
from gui.commands.watch_lines import line_for_status
from gui.confluence.client import ConfluenceClient
from gui.confluence.errors import ConfluenceError


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print every active task of ``--site``; exit as ``watch`` would on a failed request."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        credentials = read_credentials(args)
        site = site_option(args)
    except SetupError as error:
        write(err, f"{error}\n")
        return ExitCode.USAGE
    assert site is not None  # argparse requires --site for this command

    timeout = (min(5.0, args.request_timeout), args.request_timeout)
    with ConfluenceClient(site, credentials, timeout=timeout) as client:
        try:
            tasks = client.list_active_tasks()
        except ConfluenceError as error:
            write(err, f"{plain_text(str(error))}\n")
            return for_error(error)

    lines = [line_for_status(task, site.base_url) for task in tasks]
    if args.json:
        write(out, "".join(json.dumps(line.to_json()) + "\n" for line in lines))
        return ExitCode.OK
    if not lines:
        write(out, f"No active tasks on {site.base_url}\n")
        return ExitCode.OK
    id_width = max(4, *(len(plain_text(line.task)) for line in lines))
    title_width = max(5, *(len(plain_text(line.title)) for line in lines))
    rows = [f"{'TASK':<{id_width}}  {'TITLE':<{title_width}}  {'PROGRESS':<27}  ELAPSED  MESSAGE"]
    for line in lines:
        rows.append(
            f"{plain_text(line.task):<{id_width}}  {plain_text(line.title):<{title_width}}  "
            f"{bar(line.percent)} {line.percent:3d}%  {elapsed_text(line.elapsed_ms):>7}  "
            f"{plain_text(line.message)}"
        )
    write(out, "\n".join(rows) + "\n")
    return ExitCode.OK
