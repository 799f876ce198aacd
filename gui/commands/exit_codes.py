"""Exit statuses of the command line, and which one wins when several apply.

Standard library only: the entry point imports this before it knows which command runs.
"""

from __future__ import annotations

import enum
from typing import TextIO


class ExitCode(enum.IntEnum):
    """What a script calling us can branch on."""

    OK = 0
    TASK_FAILED = 1
    CREDENTIALS = 2  # also a command line we refuse or a missing token variable
    NOT_FOUND = 3
    UNREACHABLE = 4
    TIMEOUT = 5
    # Our own output could not be written (a full disk, stdout closed at start): EX_IOERR of
    # sysexits.h, so a script never reads it as the outcome of a task.
    OUTPUT_ERROR = 74
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # what a shell reports for a process SIGPIPE ended (128 + 13)

    USAGE = 2


class OutputError(Exception):
    """Our output could not be written (a full disk, a closed stream): not a task's outcome,
    so it ends the command with OUTPUT_ERROR whatever the tasks did."""

    def __init__(self, stream: TextIO | None, reason: str) -> None:
        super().__init__(reason)
        self.stream = stream
        self.reason = reason


# Problems with how we watch come first: they mean the outcome of the tasks is unknown, and a
# script should fix its setup before it trusts any result. Among what the tasks did, a definite
# failure says more than a timeout, which says only that nothing was decided yet.
PRECEDENCE = (
    ExitCode.INTERRUPTED,
    ExitCode.CREDENTIALS,
    ExitCode.UNREACHABLE,
    ExitCode.NOT_FOUND,
    ExitCode.TASK_FAILED,
    ExitCode.TIMEOUT,
    ExitCode.OK,
)


def worst(codes: list[ExitCode]) -> ExitCode:
    """The status to exit with when each task (or site) has its own; OK when there are none."""
    for code in PRECEDENCE:
        if code in codes:
            return code
    return ExitCode.OK


def for_status(status: int) -> ExitCode:
    """The status ``get`` exits with for an HTTP status code, mirroring ``watch``."""
    if status == 200:
        return ExitCode.OK
    if status in (401, 403) or 300 <= status < 400:
        return ExitCode.CREDENTIALS
    if status == 404:
        return ExitCode.NOT_FOUND
    return ExitCode.UNREACHABLE
