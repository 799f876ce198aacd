"""The ``confluence-task-tray`` command: the desktop app by default, or one of the subcommands.

Start-up stays cheap: this module imports only the standard library; Qt and requests are
imported by the subcommand (or the app) that needs them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from gui import APP_ID
from gui.commands.arguments import CommandLineError, build_parser
from gui.commands.exit_codes import ExitCode, OutputError

if TYPE_CHECKING:
    from gui.commands.watch import Pacer

log = logging.getLogger(__name__)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record, not at set-up."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass  # always the current sys.stderr

    def format(self, record: logging.LogRecord) -> str:
        from gui.commands.output import printable

        # Records quote server text: on a terminal its control characters must stay inert.
        return printable(super().format(record))


_console: logging.Handler | None = None


def setup_logging(verbose: bool, *, log_file: bool = True) -> None:
    """Log to stderr: everything with ``-v``, otherwise errors only (the commands print their own
    messages for what a user must act on, so warnings would say the same thing twice).

    Every entry point goes through here, so the rotating log file and stderr both mask every
    secret registered later (``register_secret``) and whatever looks like an Authorization value.
    Without ``log_file`` the caller opens the file itself (the desktop app, once its window is up).
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

    if not log_file:
        return
    try:
        add_log_file(verbose, console=False)
    except OSError as error:
        log.warning("No log file (%s); logging to stderr only", error)


def main(argv: Sequence[str] | None = None, *, pacer: Pacer | None = None) -> int:
    """Run the command line; returns the exit status instead of calling ``sys.exit``.

    ``pacer`` replaces the clock ``watch`` waits on (tests drive it with the demo's clock).
    """
    _replace_unencodable()
    if sys.stderr is None:
        # Started with stderr closed (2>&-): what would be said there goes nowhere instead.
        sys.stderr = open(os.devnull, "w")
    try:
        try:
            line = sys.argv[1:] if argv is None else list(argv)
            args = build_parser(line).parse_args(line)
        except CommandLineError as error:
            _say(f"{error}\n")
            return ExitCode.USAGE
        if args.command is not None and sys.stdout is None:
            # Started with stdout closed (>&-): every command's answer would be lost.
            _say(f"{APP_ID} {args.command}: cannot write the output: standard output is closed.\n")
            return ExitCode.OUTPUT_ERROR
        setup_logging(args.verbose, log_file=args.command is not None)
        try:
            return _dispatch(args, pacer)
        except KeyboardInterrupt:
            _say("Interrupted.\n")
            return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): nothing more can be said, and saying it as a traceback
        # would only look like a crash.
        _discard_closed_output()
        return ExitCode.BROKEN_PIPE
    except OutputError as error:
        # A full disk or a stream closed under us: not a task's outcome, so not exit 1.
        where = "standard error" if error.stream is sys.stderr else "standard output"
        _say(f"{APP_ID}: cannot write to {where}: {error.reason}\n")
        _discard_closed_output()
        return ExitCode.OUTPUT_ERROR


def _say(text: str, stream: TextIO | None = None) -> None:
    """Print through the one masking path (imported late: the entry point starts cheap).

    To stderr, best effort: when even stderr cannot be written, there is no one left to tell.
    """
    from gui.commands.output import write

    if stream is not None:
        write(stream, text)
        return
    try:
        write(sys.stderr, text)
    except OutputError:
        pass


def _replace_unencodable() -> None:
    """Keep the terminal's encoding but never crash on a character it lacks (server text)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _discard_closed_output() -> None:
    """Point the closed or failing stdout (and stderr, when it fails too) at /dev/null, so the
    flush at exit finds somewhere to put what is still buffered instead of failing again."""
    closed = [sys.stdout] + ([] if _flushes(sys.stderr) else [sys.stderr])
    for stream in closed:
        try:
            fileno = stream.fileno()
        except (AttributeError, OSError, ValueError):
            continue  # not a real file (a test's capture): nothing of it is flushed at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fileno)
        os.close(devnull)


def _flushes(stream: TextIO | None) -> bool:
    try:
        if stream is not None:
            stream.flush()
    except (OSError, ValueError):
        return False
    return True


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

        report = diagnostics.report_lines(diagnostics.diagnose_keyring())
        _say("\n".join(report) + "\n", sys.stdout)
        return 0
    if args.command == "demo-server":
        from gui.commands import demo_server

        return demo_server.run(args)
    return _run_app(args)


def _run_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("gui.app") is None:
        _say(
            "The desktop app is not part of this build yet; use a command such as "
            f"'{APP_ID} watch' (see '{APP_ID} --help').\n"
        )
        return ExitCode.USAGE
    app = importlib.import_module("gui.app")
    return int(app.run(args))


if __name__ == "__main__":
    sys.exit(main())
