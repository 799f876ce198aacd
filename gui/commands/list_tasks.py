"""``list``: the active tasks of one site, as a table or as JSON lines."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from gui.commands.connect import SetupError, for_error, read_credentials, site_option
from gui.commands.exit_codes import ExitCode
from gui.commands.output import (
    bar,
    display_width,
    elapsed_text,
    json_line,
    pad_width,
    plain_text,
    write,
)
from gui.commands.watch_lines import line_for_status
from gui.confluence.client import ConfluenceClient
from gui.confluence.errors import ConfluenceError, MalformedTask


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print every active task of ``--site``; exit as ``watch`` would on a failed request.

    A listed item that cannot be read is left out with a warning on stderr, and so is the rest
    of a list whose pages never move on: the tasks that could be read are still shown.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        credentials = read_credentials(args)
        site = site_option(args)
    except SetupError as error:
        write(err, f"{error}\n")
        return ExitCode.USAGE
    assert site is not None  # argparse requires --site for this command

    def skipped(problem: MalformedTask) -> None:
        write(err, f"Warning: left out a task that cannot be read: {plain_text(str(problem))}\n")

    def incomplete(reason: str) -> None:
        write(err, f"Warning: {plain_text(reason)}\n")

    timeout = (min(5.0, args.request_timeout), args.request_timeout)
    with ConfluenceClient(site, credentials, timeout=timeout) as client:
        try:
            tasks = client.list_active_tasks(on_malformed=skipped, on_incomplete=incomplete)
        except ConfluenceError as error:
            write(err, f"{plain_text(error.message)}\n")  # asked once: no "Will try again"
            return for_error(error)

    lines = [line_for_status(task, site.base_url) for task in tasks]
    if args.json:
        write(out, "".join(json_line(line.to_json()) for line in lines))
        return ExitCode.OK
    if not lines:
        write(out, f"No active tasks on {site.base_url}\n")
        return ExitCode.OK
    ids = [plain_text(line.task) for line in lines]
    titles = [plain_text(line.title) for line in lines]
    # Padded by display width, so a title in wide (CJK) characters keeps the columns aligned.
    id_width = max(4, *(display_width(text) for text in ids))
    title_width = max(5, *(display_width(text) for text in titles))
    head = f"{pad_width('TASK', id_width)}  {pad_width('TITLE', title_width)}  {'PROGRESS':<27}"
    rows = [f"{head}  ELAPSED  MESSAGE"]
    for line, task_id, title in zip(lines, ids, titles, strict=True):
        rows.append(
            f"{pad_width(task_id, id_width)}  {pad_width(title, title_width)}  "
            f"{bar(line.percent)} {line.percent:3d}%  {elapsed_text(line.elapsed_ms):>7}  "
            f"{plain_text(line.message)}"
        )
    write(out, "\n".join(rows) + "\n")
    return ExitCode.OK
