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
from gui.confluence.redaction import SecretMask


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
            # Asked once: what polling would do next ("Will try again") is not said.
            write(err, f"GET {url}\n{plain_text(error.message)}\n")
            return for_error(error)
    write(out, printable(_describe(answer, SecretMask(credentials))))
    code = _exit_code(answer)
    why = _why(answer, code, target.site.host)
    if why:
        write(err, why + "\n")
    return code


def _describe(answer: RawAnswer, mask: SecretMask) -> str:
    text = f"GET {answer.url}\nHTTP {answer.status} {answer.reason}".rstrip() + "\n"
    if answer.status != 200:
        text += "".join(f"{name}: {value}\n" for name, value in answer.headers.items())
    text += "\n" + _body_text(answer, mask)
    return text if text.endswith("\n") else text + "\n"


def _body_text(answer: RawAnswer, mask: SecretMask) -> str:
    if not answer.body:
        return "(empty body)\n"
    try:
        value = answer.json()
    except (UnicodeDecodeError, ValueError):
        return answer.body.decode("utf-8", "replace")
    # Masked before it is encoded again: the answer may spell the token with JSON escapes
    # ("\\u0022" for a quote) that no mask of the raw body finds, and encoding it again
    # would escape it once more, past the mask on what is printed.
    return json.dumps(mask.json(value), indent=2, ensure_ascii=False) + "\n"


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
    return ExitCode.CREDENTIALS if _looks_like_page(answer) else ExitCode.UNREACHABLE


def _looks_like_page(answer: RawAnswer) -> bool:
    return answer.body.lstrip()[:1] == b"<"


def _why(answer: RawAnswer, code: int, host: str) -> str:
    """Why a status line that reads like success (200, a redirect) ends with a failure."""
    if code == ExitCode.OK:
        return ""
    if answer.status == 200 and _looks_like_page(answer):
        return (
            f"{host} answered with a web page instead of the task's data, most likely a sign-in "
            "page: check the credentials, or use a token that works without single sign-on."
        )
    if answer.status == 200:
        return f"{host} answered 200 but not with JSON: check the site address."
    if 300 <= answer.status < 400:
        return (
            f"{host} redirected (most likely to a sign-in page): single sign-on does not accept "
            "API calls; use an API or personal access token."
        )
    return ""
