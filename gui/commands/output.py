"""How ``watch`` and ``list`` show tasks: a live redrawn block on a terminal, one plain line per
change otherwise, or one JSON object per line per change."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, replace
from typing import Protocol, TextIO

from wcwidth import wcwidth

from gui.commands.exit_codes import OutputError
from gui.confluence.plain_text import ELLIPSIS, NOT_SHOWN_AS_IS, display_text
from gui.platform.logging_setup import mask_secrets

BAR_WIDTH = 20
STATES = ("running", "succeeded", "failed", "gone", "auth-failed", "unreachable")
WAITING = "waiting"  # watched but not answered yet: shown live, never printed as a change


@dataclass(frozen=True)
class TaskLine:
    """What the command line knows about one task right now; ``state`` is one of STATES."""

    task: str
    site: str
    state: str
    percent: int
    elapsed_ms: int
    title: str
    message: str
    note: str = ""  # passing trouble (rate limited, retrying) shown to people, not in JSON
    label: str = ""  # what people read instead of the state's word (JSON keeps ``state``)

    def to_json(self) -> dict[str, object]:
        """The fields ``--json`` promises, in a stable order."""
        return {
            "task": self.task,
            "site": self.site,
            "state": self.state,
            "percent": self.percent,
            "elapsed_ms": self.elapsed_ms,
            "title": self.title,
            "message": self.message,
        }

    def change_key(self) -> tuple[str, int, str, str]:
        # Elapsed time moves on every answer; only what a person would call news counts.
        return (self.state, self.percent, self.title, self.message)


class Renderer(Protocol):
    """Receives the whole set of task lines after every poll, and once more at the end."""

    def update(self, lines: list[TaskLine]) -> None: ...

    def finish(self, lines: list[TaskLine]) -> None: ...


def plain_text(text: str) -> str:
    """Server text made safe for a terminal on one line: the window's rules (control characters
    made inert, bidi overrides and isolates dropped), then runs of white space made one space."""
    return " ".join(display_text(text).split())


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# One str.translate table, so a 2 MB body from ``get`` is one pass, not a call per character.
_SPELLED_OUT = {ord(char): _escaped(char) for char in NOT_SHOWN_AS_IS if char not in "\n\t"}


def printable(text: str) -> str:
    """Server text kept whole (lines and tabs) for ``get`` and logs, with every character the
    window would not show as it is (controls, bidi overrides) spelled out as ``\\xNN`` or
    ``\\uNNNN``, so it can neither drive the terminal nor reorder what is read."""
    return text.translate(_SPELLED_OUT)


def write(stream: TextIO | None, text: str) -> None:
    """Every line the command line prints goes through here, so a secret is masked in it.

    A closed pipe stays a BrokenPipeError (the entry point exits 141 for it); any other failure
    to write becomes an OutputError, so no caller mistakes it for a failed task.
    """
    if stream is None:
        # Python sets sys.stdout to None when the program starts with that descriptor closed.
        raise OutputError(stream, "the stream is closed")
    try:
        stream.write(mask_secrets(text))
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:
        # ValueError: "I/O operation on closed file", when the stream object itself was closed.
        reason = getattr(error, "strerror", None) or str(error)
        raise OutputError(stream, reason) from error


# Longer than any task runs; a bigger number is a server's nonsense, and printing all of its
# digits would only push the rest of the line off the screen.
MAX_SHOWN_HOURS = 10_000


def elapsed_text(elapsed_ms: int) -> str:
    """``m:ss`` or ``h:mm:ss``; beyond MAX_SHOWN_HOURS just "more than 10000 h"."""
    seconds = max(0, elapsed_ms) // 1000
    hours, rest = divmod(seconds, 3600)
    if hours >= MAX_SHOWN_HOURS:
        return f"more than {MAX_SHOWN_HOURS} h"
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def _char_width(char: str) -> int:
    # -1 is a character wcwidth cannot size (none should be left after plain_text): count it as
    # one column, so a line is cut too early rather than wrapped.
    width = wcwidth(char)
    return 1 if width < 0 else width


def display_width(text: str) -> int:
    """How many terminal columns ``text`` takes: East Asian wide characters take two."""
    return sum(_char_width(char) for char in text)


def fit_width(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` terminal columns, ending in an ellipsis when cut.

    Cut by display width, not by characters: a line of wide (CJK) characters cut by count would
    still wrap, and a redraw that moves up by lines would then overwrite the wrong rows.
    """
    # Limitation: widths are wcwidth's, character by character; an emoji that a variation
    # selector turns wide may take one column more than counted on some terminals.
    if display_width(text) <= columns:
        return text
    room = columns - _char_width(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        width = _char_width(char)
        if used + width > room:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + ELLIPSIS if columns > 0 else ""


def pad_width(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` terminal columns (a table cell)."""
    return text + " " * max(0, columns - display_width(text))


def bar(percent: int, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(width * percent / 100)))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


_STATE_WORDS = {
    "running": "running",
    "succeeded": "done",
    "failed": "FAILED",
    "gone": "NOT FOUND",
    "auth-failed": "SIGN-IN FAILED",
    # Said of a site given up on, whether it could not be reached or answered nonsense: the
    # message beside it tells which.
    "unreachable": "GAVE UP",
    WAITING: "waiting",
}


def human_line(line: TaskLine, show_site: bool) -> str:
    """One line for a person: title and id, bar, percent, elapsed, state and message."""
    where = f" @ {plain_text(line.site)}" if show_site else ""
    head = f"{plain_text(line.title)} {plain_text(line.task)}{where}"
    state = line.label or _STATE_WORDS.get(line.state, line.state)
    text = (
        f"{head}  {bar(line.percent)} {line.percent:3d}%  {elapsed_text(line.elapsed_ms)}  {state}"
    )
    message = plain_text(line.note or line.message)
    return f"{text}  {message}" if message else text


def json_line(fields: dict[str, object]) -> str:
    """One JSON object and a line break. ``write`` masks it whole: the forms of a registered
    secret include the ones JSON escaping gives (a token with a quote or a backslash)."""
    return json.dumps(fields) + "\n"


def _show_sites(lines: list[TaskLine]) -> bool:
    return len({line.site for line in lines}) > 1


class JsonLines:
    """One JSON object per line for each task whose news changed."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._last: dict[tuple[str, str], tuple[str, int, str, str]] = {}

    def update(self, lines: list[TaskLine]) -> None:
        for line in lines:
            key = (line.site, line.task)
            if line.state != WAITING and self._last.get(key) != line.change_key():
                self._last[key] = line.change_key()
                write(self._out, json_line(line.to_json()))

    def finish(self, lines: list[TaskLine]) -> None:
        self.update([_as_final(line) for line in lines])


class PlainLines:
    """One human line per change, for logs and pipes: nothing is redrawn."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._last: dict[tuple[str, str], tuple[str, int, str, str]] = {}

    def update(self, lines: list[TaskLine]) -> None:
        show_site = _show_sites(lines)
        for line in lines:
            key = (line.site, line.task)
            if line.state != WAITING and self._last.get(key) != line.change_key():
                self._last[key] = line.change_key()
                write(self._out, human_line(line, show_site) + "\n")

    def finish(self, lines: list[TaskLine]) -> None:
        self.update([_as_final(line) for line in lines])


def _as_final(line: TaskLine) -> TaskLine:
    """A task never answered still gets its one line at the end: running as far as a script
    can tell (JSON), still waiting in words for a person."""
    if line.state != WAITING:
        return line
    why = line.note or line.message or "no answer from the site yet"
    return replace(line, state="running", message=why, note="", label=line.label or WAITING)


class LiveBlock:
    """A block of one line per task, redrawn in place on a terminal after every poll.

    The block never takes more than the terminal's rows less one, and no line more than its
    columns less one: a line that wraps, or a block taller than the screen, scrolls away where
    the redraw cannot reach it, and each redraw would leave another copy in the scrollback.
    Tasks that do not fit are counted on the block's last line, the ones still open shown first.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._drawn = 0

    def update(self, lines: list[TaskLine]) -> None:
        size = shutil.get_terminal_size()
        self._draw(lines, max(1, size.columns - 1), max(1, size.lines - 1))

    def finish(self, lines: list[TaskLine]) -> None:
        # The last draw is never redrawn: every task gets its final line, even past the screen.
        size = shutil.get_terminal_size()
        self._draw(lines, max(1, size.columns - 1), max(1, len(lines)))

    def _draw(self, lines: list[TaskLine], width: int, rows: int) -> None:
        show_site = _show_sites(lines)
        shown, hidden = _fit_rows(lines, rows)
        texts = [human_line(line, show_site) for line in shown]
        if hidden:
            texts.append(_hidden_summary(hidden, bool(shown)))
        # Move to the start of the block, then rewrite each line and clear what was left of it;
        # lines left over from a taller block before are cleared too.
        text = f"\x1b[{self._drawn}F" if self._drawn else ""
        text += "".join("\x1b[2K" + fit_width(line, width) + "\n" for line in texts)
        leftover = self._drawn - len(texts)
        if leftover > 0:
            text += "\x1b[2K\n" * leftover + f"\x1b[{leftover}F"
        self._drawn = len(texts)
        write(self._out, text)


_OPEN = ("running", WAITING)


def _fit_rows(lines: list[TaskLine], rows: int) -> tuple[list[TaskLine], list[TaskLine]]:
    """The lines to show in ``rows`` rows (one kept for the count of the rest), in their own
    order, open tasks chosen before ended ones; and the lines left out."""
    if len(lines) <= rows:
        return lines, []
    by_priority = sorted(range(len(lines)), key=lambda i: (lines[i].state not in _OPEN, i))
    chosen = set(by_priority[: rows - 1])
    shown = [line for i, line in enumerate(lines) if i in chosen]
    hidden = [line for i, line in enumerate(lines) if i not in chosen]
    return shown, hidden


def _hidden_summary(hidden: list[TaskLine], after_shown: bool) -> str:
    """ "… and 18 more tasks (3 running, 15 done)": what the block had no room for."""
    counts = Counter("running" if line.state in _OPEN else line.state for line in hidden)
    parts = [f"{counts[state]} {_STATE_WORDS[state].lower()}" for state in STATES if counts[state]]
    noun = "task" if len(hidden) == 1 else "tasks"
    states = ", ".join(parts)
    if after_shown:
        return f"{ELLIPSIS} and {len(hidden)} more {noun} ({states})"
    return f"{len(hidden)} {noun} ({states})"


def renderer_for(out: TextIO, as_json: bool, verbose: bool = False) -> Renderer:
    """JSON lines when asked, a live block on a terminal, plain lines into a pipe or file."""
    if as_json:
        return JsonLines(out)
    # Debug logging writes to the same terminal and would be overdrawn by the live block.
    if out.isatty() and not verbose:
        return LiveBlock(out)
    return PlainLines(out)
