"""The command line's words: every command, option and help text, and the errors argparse gives
turned into our own exit path. Standard library only, like the entry point that imports it."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gui import APP_ID, __version__

_REFUSED_OPTION_TEXT = (
    "refusing --token: a token on the command line is visible to every user of this machine "
    "in the process list and is kept in your shell history. Put it in an environment variable "
    "instead (CONFLUENCE_TOKEN by default, or name another one with --token-env NAME)."
)


class CommandLineError(Exception):
    """A command line we will not run, with the reason to print."""


class _RefuseToken(argparse.Action):
    """``--token`` exists only to explain why it is refused; its value is never echoed."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        raise CommandLineError(_REFUSED_OPTION_TEXT)


class _Once(argparse.Action):
    """An option that may be given once: a second ``--site`` or ``--user`` would otherwise
    silently replace the first, and the token would go to a place or an account the user did
    not mean. ``reason`` is said when it is given twice."""

    def __init__(
        self, option_strings: Sequence[str], dest: str, *, reason: str, **kwargs: Any
    ) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.reason = reason

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        given = f"_given_{self.dest}"
        if getattr(namespace, given, False):
            raise CommandLineError(
                f"{parser.prog}: {option_string} can be given once. {self.reason}"
            )
        setattr(namespace, given, True)
        setattr(namespace, self.dest, values)


# A mistyped command is worth showing; anything else in that place may be a pasted secret.
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)'")
_COMMAND_LIKE = re.compile(r"^[a-z][a-z-]{0,19}$")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors go through our own exit path instead of ``sys.exit``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        match = _INVALID_CHOICE.search(message)
        if match and not _COMMAND_LIKE.match(match.group(1)):
            message = "unknown command (not repeated here, in case it is a secret); see --help"
        raise CommandLineError(f"{self.prog}: {message}")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        words = list(sys.argv[1:] if args is None else args)
        # The demo parses its own options (and its own --help): hand it every word after its name.
        # Global options take no values, so the first plain word is the command.
        command_at = next((i for i, word in enumerate(words) if not word.startswith("-")), None)
        demo_args: list[str] = []
        if command_at is not None and words[command_at] == "demo-server":
            words, demo_args = words[: command_at + 1], words[command_at + 1 :]
        parsed, extra = self.parse_known_args(words, namespace)
        command = getattr(parsed, "command", None)
        if command == "demo-server":
            parsed.demo_args = demo_args
            # -v means the same after the command as before it (the demo's parser lists it too).
            if any(word in ("-v", "--verbose") for word in demo_args):
                parsed.verbose = True
        if extra:
            # argparse would echo every stray word, and one of them may be a pasted secret.
            prog = f"{self.prog} {command}" if command else self.prog
            options = [word.split("=", 1)[0] for word in extra if word.startswith("-")]
            if options:
                problem = f"unrecognized arguments: {' '.join(options)}"
            else:
                problem = "more values than the command takes"
            raise CommandLineError(
                f"{prog}: {problem} (values are not repeated here, in case one is a secret); "
                "see --help"
            )
        return parsed


def _add_connection_options(parser: argparse.ArgumentParser, *, site_required: bool) -> None:
    parser.add_argument(
        "--site",
        action=_Once,
        reason="The token belongs to one site: watch the tasks of another site in a separate run.",
        required=site_required,
        metavar="URL",
        help="the site as you open it in a browser, e.g. https://acme.atlassian.net"
        + ("" if site_required else " (not needed when TASK is a full task URL)"),
    )
    parser.add_argument(
        "--user",
        action=_Once,
        reason="The token belongs to one account: give the email it was made for.",
        metavar="EMAIL",
        help="sign in with Basic auth as this email (Cloud API token); without it: Bearer token",
    )
    parser.add_argument(
        "--token-env",
        action=_Once,
        reason="The token is read from one variable.",
        default="CONFLUENCE_TOKEN",
        metavar="NAME",
        help="environment variable holding the token (default: %(default)s)",
    )
    parser.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    parser.add_argument(
        "--request-timeout",
        type=_seconds(0.1, 600),
        default=15.0,
        metavar="S",
        help="seconds to wait for one answer before counting the site unreachable "
        "(default: %(default)s)",
    )


_WEEK = 7 * 24 * 3600.0


def _seconds(low: float, high: float, *, above_low: bool = False) -> Callable[[str], float]:
    """An argparse type for a finite number of seconds within bounds (inf and nan refused)."""
    lower = f"more than {_number(low)}" if above_low else f"from {_number(low)}"
    wanted = f"a number of seconds {lower} up to {_number(high)}{_in_days(high)}"

    def parse(text: str) -> float:
        # The value is not echoed: a misplaced word on a command line may be a pasted secret.
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"takes {wanted}") from None
        too_low = value <= low if above_low else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(f"takes {wanted}")
        return value

    return parse


def _number(value: float) -> str:
    """A bound as people write it: 2592000, not 2.592e+06; 0.1 stays 0.1."""
    return str(int(value)) if value == int(value) else f"{value:g}"


def _in_days(seconds: float) -> str:
    days = seconds / _DAY
    return f" ({_number(days)} days)" if seconds >= _DAY and days == int(days) else ""


_DAY = 24 * 3600.0


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; abbreviations are off so ``--tok`` cannot mean ``--token-env``.

    Given the ``argv`` it will parse, and that names no command and asks for no help (the desktop
    app's start), the parser leaves the commands out: it parses that line just the same, about
    4 ms sooner, which the window's first paint would otherwise wait for.
    """
    parser = _Parser(
        prog=APP_ID,
        description="Watch Confluence long-running tasks from the tray or the command line. "
        "Without a command, starts the desktop app.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"{APP_ID} {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    parser.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    parser.add_argument("--demo", action="store_true", help="app: watch a built-in demo site")
    parser.add_argument("--minimized", action="store_true", help="app: start in the tray only")
    parser.add_argument(
        "--exit-when-done", action="store_true", help="app: quit once every watched task ended"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if argv is not None and _only_app_options(argv):
        return parser

    watch = commands.add_parser(
        "watch",
        help="follow tasks until they end",
        description="Follow tasks until every one has ended.\n" + _SITE_HELP + _EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_connection_options(watch, site_required=False)
    watch.add_argument(
        "--interval", type=_seconds(0.1, 3600), default=2.0, metavar="S",
        help="seconds between polls while tasks run (default: %(default)s)",
    )  # fmt: skip
    watch.add_argument(
        "--timeout", type=_seconds(0, 30 * 24 * 3600, above_low=True), metavar="S",
        help="give up after this many seconds with tasks still running (exit 5)",
    )  # fmt: skip
    watch.add_argument(
        "--give-up", type=_seconds(1, _WEEK), default=60.0, metavar="S",
        help="exit 4 once a site has failed to give a usable answer for this many seconds in a "
        "row, over at least 3 attempts (default: %(default)s)",
    )  # fmt: skip
    watch.add_argument("--json", action="store_true", help="one JSON object per line per change")
    watch.add_argument(
        "tasks", nargs="+", metavar="TASK",
        help="a task id, a task URL (.../rest/api/longtask/<id>) or the JSON answer that "
        "started the task",
    )  # fmt: skip

    listing = commands.add_parser(
        "list",
        help="show the active tasks of a site",
        description="Show the tasks --site is running now: title, progress, elapsed time and\n"
        "message, as a table or with --json as one JSON object per line.\n" + _LIST_EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_connection_options(listing, site_required=True)
    listing.add_argument("--json", action="store_true", help="one JSON object per line per task")

    get = commands.add_parser(
        "get",
        help="show one raw answer, like curl",
        description="GET one task and print the status, the body and, on an error, the\n"
        "headers with every credential removed.\n" + _GET_EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_connection_options(get, site_required=False)
    get.add_argument("task", metavar="TASK", help="a task id, task URL or 202 answer")

    commands.add_parser(
        "demo-server",
        help="run the simulated Confluence on this machine ([--port N], see demo-server --help)",
        add_help=False,
        allow_abbrev=False,
    )
    diagnose = commands.add_parser(
        "diagnose",
        help="show which keyring backend this machine offers (to tell why tokens cannot be saved)",
        allow_abbrev=False,
    )
    for sub in (watch, listing, get, diagnose):
        # SUPPRESS keeps a -v given before the command from being reset by the subcommand.
        sub.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
        )
    return parser


def _only_app_options(argv: Sequence[str]) -> bool:
    """No command (nothing that is not an option: the top level's options take no value) and no
    help asked for, also not within a cluster of short options such as ``-vh``."""
    for arg in argv:
        if not arg.startswith("-") or arg in ("-", "--help"):
            return False
        if not arg.startswith("--") and "h" in arg:
            return False
    return True


_SITE_HELP = """
which site: --site URL, or the site in a task URL. The token belongs to one site, so it is sent
to one server only: a task URL on another site than --site is refused, and without --site every
task URL must be on the same server (scheme, host and port). Watch other sites in another run.
"""

# Said by every command, after its own statuses: these three replace whatever it would give.
_COMMON_EXIT_HELP = """\
and, overriding every status above:
  74   the output could not be written (a full disk, standard output closed)
  130  interrupted (Ctrl-C)
  141  the output was closed early (as by | head)
"""

_EXIT_HELP = (
    """
exit status (when several apply, the first in this list wins):
  2    the site rejected the credentials (or the token variable is missing, or the
       command line is refused)
  4    a site could not be reached, or kept answering something that is not Confluence
  3    a task was not found (404 that persisted)
  1    a task failed
  5    --timeout passed while tasks still ran
  0    every task succeeded
"""
    + _COMMON_EXIT_HELP
    + """
A 404 that clears up, 429 and 503 with Retry-After, and short network trouble never end a watch:
it waits as the site asks and goes on. Only trouble lasting --give-up seconds (over at least 3
attempts) gives exit 4; rate limiting never counts toward it (bound it with --timeout).
The token is read from the environment variable --token-env names, never from the command line.
"""
)

_LIST_EXIT_HELP = (
    """
exit status:
  0    the list was shown (a task that cannot be read is left out, and a list whose pages
       never move on is cut short, each with a warning on stderr)
  2    the site rejected the credentials (or the token variable is missing, or the
       command line is refused)
  4    the site could not be reached, was rate limiting, or sent no readable list
"""
    + _COMMON_EXIT_HELP
)

_GET_EXIT_HELP = (
    """
exit status:
  0    200 with a JSON body
  2    401 or 403, a redirect, or a 200 web page (most likely a sign-in page); or the
       token variable is missing, or the command line is refused
  3    404
  4    anything else: 429, 5xx, a 200 that is not JSON, no answer at all
"""
    + _COMMON_EXIT_HELP
)
