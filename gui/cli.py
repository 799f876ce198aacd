"""The ``confluence-task-tray`` command: the desktop app by default, or one of the subcommands.

Start-up stays cheap: this module imports only the standard library; Qt and requests are
imported by the subcommand (or the app) that needs them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from gui import APP_ID, __version__
from gui.commands.exit_codes import ExitCode

if TYPE_CHECKING:
    from gui.commands.watch import Pacer

log = logging.getLogger(__name__)

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


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors go through our own exit path instead of ``sys.exit``."""

    def error(self, message: str) -> None:  # type: ignore[override]
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
        if getattr(parsed, "command", None) == "demo-server":
            parsed.demo_args = demo_args
        if extra:
            # argparse would echo every stray word, and one of them may be a pasted secret.
            options = [word.split("=", 1)[0] for word in extra if word.startswith("-")]
            shown = " ".join(options) if options else "values"
            raise CommandLineError(
                f"{self.prog}: unrecognized arguments: {shown} (values are not repeated here, "
                "in case one is a secret); see --help"
            )
        return parsed


def _add_connection_options(parser: argparse.ArgumentParser, *, site_required: bool) -> None:
    parser.add_argument(
        "--site",
        required=site_required,
        metavar="URL",
        help="the site as you open it in a browser, e.g. https://acme.atlassian.net"
        + ("" if site_required else " (not needed when TASK is a full task URL)"),
    )
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        help="sign in with Basic auth as this email (Cloud API token); without it: Bearer token",
    )
    parser.add_argument(
        "--token-env",
        default="CONFLUENCE_TOKEN",
        metavar="NAME",
        help="environment variable holding the token (default: %(default)s)",
    )
    parser.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    parser.add_argument(
        "--request-timeout",
        type=_positive_float,
        default=15.0,
        metavar="S",
        help="seconds to wait for one answer before counting the site unreachable "
        "(default: %(default)s)",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; abbreviations are off so ``--tok`` cannot mean ``--token-env``."""
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

    watch = commands.add_parser(
        "watch",
        help="follow tasks until they end",
        description="Follow tasks until every one has ended. " + _EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_connection_options(watch, site_required=False)
    watch.add_argument(
        "--interval", type=_positive_float, default=2.0, metavar="S",
        help="seconds between polls while tasks run (default: %(default)s)",
    )  # fmt: skip
    watch.add_argument(
        "--timeout", type=_positive_float, metavar="S",
        help="give up after this many seconds with tasks still running (exit 5)",
    )  # fmt: skip
    watch.add_argument(
        "--give-up", type=_positive_float, default=60.0, metavar="S",
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
        "list", help="show the active tasks of a site", allow_abbrev=False
    )
    _add_connection_options(listing, site_required=True)
    listing.add_argument("--json", action="store_true", help="one JSON object per line per task")

    get = commands.add_parser(
        "get",
        help="show one raw answer, like curl",
        description="GET one task and print the status, the body and, on an error, the "
        "headers with every credential removed.",
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
    commands.add_parser(
        "diagnose",
        help="show which keyring backend this machine offers (to tell why tokens cannot be saved)",
        allow_abbrev=False,
    )
    for sub in (watch, listing, get):
        # SUPPRESS keeps a -v given before the command from being reset by the subcommand.
        sub.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
        )
    return parser


_EXIT_HELP = """
exit status (when several apply, the first in this list wins):
  2  the site rejected the credentials (or the token variable is missing)
  4  a site could not be reached, or kept answering something that is not Confluence
  3  a task was not found (404 that persisted)
  1  a task failed
  5  --timeout passed while tasks still ran
  0  every task succeeded
  130  interrupted (Ctrl-C)

A 404 that clears up, 429 and 503 with Retry-After, and short network trouble never end a watch:
it waits as the site asks and goes on. Only trouble lasting --give-up seconds (over at least 3
attempts) gives exit 4; rate limiting never counts toward it (bound it with --timeout).
The token is read from the environment variable --token-env names, never from the command line.
"""


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record, not at set-up."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass  # always the current sys.stderr


_console: logging.Handler | None = None


def setup_logging(verbose: bool) -> None:
    """Log to stderr: everything with ``-v``, otherwise errors only (the commands print their own
    messages for what a user must act on, so warnings would say the same thing twice).

    Every entry point goes through here, so the rotating log file and stderr both mask every
    secret registered later (``register_secret``) and whatever looks like an Authorization value.
    """
    from gui.platform.logging_setup import SecretMaskFilter
    from gui.platform.logging_setup import setup_logging as add_log_file

    global _console
    root = logging.getLogger()
    if _console is not None:
        root.removeHandler(_console)  # main() may run more than once in one process (tests)
    console = _console = _StderrHandler()
    console.setLevel(logging.DEBUG if verbose else logging.ERROR)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console.addFilter(SecretMaskFilter())
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(console)

    try:
        add_log_file(verbose, console=False)
    except OSError as error:
        log.warning("No log file (%s); logging to stderr only", error)


def main(argv: Sequence[str] | None = None, *, pacer: Pacer | None = None) -> int:
    """Run the command line; returns the exit status instead of calling ``sys.exit``.

    ``pacer`` replaces the clock ``watch`` waits on (tests drive it with the demo's clock).
    """
    try:
        args = build_parser().parse_args(argv)
    except CommandLineError as error:
        print(error, file=sys.stderr)
        return ExitCode.USAGE
    setup_logging(args.verbose)
    try:
        return _dispatch(args, pacer)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _dispatch(args: argparse.Namespace, pacer: Pacer | None) -> int:
    if args.command == "watch":
        from gui.commands import watch

        return watch.run(args, pacer=pacer)
    if args.command == "list":
        from gui.commands import list_tasks

        return list_tasks.run(args)
    if args.command == "get":
        from gui.commands import get

        return get.run(args)
    if args.command == "diagnose":
        from gui.platform import diagnostics

        print("\n".join(diagnostics.report_lines(diagnostics.diagnose_keyring())))
        return 0
    if args.command == "demo-server":
        from gui.commands import demo_server

        return demo_server.run(args)
    return _run_app(args)


def _run_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("gui.app") is None:
        print(
            "The desktop app is not part of this build yet; use a command such as "
            f"'{APP_ID} watch' (see '{APP_ID} --help').",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    app = importlib.import_module("gui.app")
    return int(app.run(args))


if __name__ == "__main__":
    sys.exit(main())
