"""How ``watch`` and ``list`` show tasks: a live redrawn block on a terminal, one plain line per
change otherwise, or one JSON object per line per change."""

from __future__ import annotations

import json
import shutil
import unicodedata
from dataclasses import dataclass, replace
from typing import Protocol, TextIO

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
    """Server text made safe for a terminal: control characters (escape sequences) removed."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(cleaned.split())


def printable(text: str) -> str:
    """Server text kept whole (lines and tabs) for ``get`` and logs, with every other control
    character spelled out as ``\\xNN`` so it cannot move the cursor or retitle the terminal."""
    return "".join(
        f"\\x{ord(c):02x}" if c not in "\n\t" and unicodedata.category(c) == "Cc" else c
        for c in text
    )


def write(stream: TextIO, text: str) -> None:
    """Every line the command line prints goes through here, so a secret is masked in it."""
    stream.write(mask_secrets(text))
    stream.flush()


def elapsed_text(elapsed_ms: int) -> str:
    seconds = max(0, elapsed_ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


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
                write(self._out, json.dumps(line.to_json()) + "\n")

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
    """A block of one line per task, redrawn in place on a terminal after every poll."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._drawn = 0

    def update(self, lines: list[TaskLine]) -> None:
        width = max(40, shutil.get_terminal_size().columns - 1)
        show_site = _show_sites(lines)
        # Move to the start of the block, then rewrite each line and clear what was left of it.
        text = f"\x1b[{self._drawn}F" if self._drawn else ""
        for line in lines:
            text += "\x1b[2K" + human_line(line, show_site)[:width] + "\n"
        self._drawn = len(lines)
        write(self._out, text)

    def finish(self, lines: list[TaskLine]) -> None:
        self.update(lines)


def renderer_for(out: TextIO, as_json: bool, verbose: bool = False) -> Renderer:
    """JSON lines when asked, a live block on a terminal, plain lines into a pipe or file."""
    if as_json:
        return JsonLines(out)
    # Debug logging writes to the same terminal and would be overdrawn by the live block.
    if out.isatty() and not verbose:
        return LiveBlock(out)
    return PlainLines(out)
