"""``get``: one GET of a task, shown the way curl would, with every credential removed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from gui.commands.connect import (
    SetupError,
    for_error,
    read_credentials,
    resolve_targets,
    site_option,
)
from gui.commands.exit_codes import ExitCode, for_status
from gui.commands.output import plain_text, printable, write
from gui.confluence.client import ConfluenceClient, RawAnswer
from gui.confluence.errors import ConfluenceError


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Fetch the task once; exit 0 on a JSON 200, else the status ``watch`` would give."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        credentials = read_credentials(args)
        (target,) = resolve_targets([args.task], site_option(args))
    except SetupError as error:
        write(err, f"{error}\n")
        return ExitCode.USAGE

    timeout = (min(5.0, args.request_timeout), args.request_timeout)
    with ConfluenceClient(target.site, credentials, timeout=timeout) as client:
        url = client.task_url(target.task_id)
        try:
            answer = client.fetch_raw(url)
        except ConfluenceError as error:
            write(err, f"GET {url}\n{plain_text(str(error))}\n")
            return for_error(error)
    write(out, printable(_describe(answer)))
    return _exit_code(answer)


def _describe(answer: RawAnswer) -> str:
    text = f"GET {answer.url}\nHTTP {answer.status} {answer.reason}".rstrip() + "\n"
    if answer.status != 200:
        text += "".join(f"{name}: {value}\n" for name, value in answer.headers.items())
    text += "\n" + _body_text(answer)
    return text if text.endswith("\n") else text + "\n"


def _body_text(answer: RawAnswer) -> str:
    if not answer.body:
        return "(empty body)\n"
    try:
        return json.dumps(answer.json(), indent=2, ensure_ascii=False) + "\n"
    except (UnicodeDecodeError, ValueError):
        return answer.body.decode("utf-8", "replace")


def _is_json(answer: RawAnswer) -> bool:
    try:
        answer.json()
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def _exit_code(answer: RawAnswer) -> int:
    if answer.status != 200 or _is_json(answer):
        return for_status(answer.status)
    # A 200 that is not JSON is a sign-in page (HTML) or not Confluence at all, as in ``watch``.
    looks_like_page = answer.body.lstrip()[:1] == b"<"
    return ExitCode.CREDENTIALS if looks_like_page else ExitCode.UNREACHABLE
