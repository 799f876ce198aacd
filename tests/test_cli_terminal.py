"""What ``watch`` and ``list`` put on a terminal: a live block that fits the screen in rows and in
display columns (wide CJK characters take two), server text that cannot reorder what is read,
and numbers a hostile server sends kept within reason."""

from __future__ import annotations

import io
import json
import re

import pytest
from cli_helpers import TOKEN, Answer, clock, hostile_server, run_cli, site
from wcwidth import wcswidth

from gui.commands.arguments import build_parser
from gui.commands.output import LiveBlock, TaskLine, elapsed_text, printable
from gui.commands.watch import Pacer
from gui.commands.watch import run as run_watch
from gui.confluence.plain_text import display_text
from gui.demo import DemoConfluence, DemoTask, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]
CJK_TITLE = "空間のエクスポート"
CJK_MESSAGE = "ページをエクスポートしています。しばらくお待ちください。" * 2
BIDI = "\u202eevil\u2066x\u2069"


class Terminal(io.StringIO):
    """Output that says it is a terminal, as the watch checks before it draws a live block."""

    def isatty(self) -> bool:
        return True


def _terminal_size(monkeypatch: pytest.MonkeyPatch, rows: int, columns: int) -> None:
    # shutil.get_terminal_size() reads these before it asks the terminal, as terminals set them.
    monkeypatch.setenv("LINES", str(rows))
    monkeypatch.setenv("COLUMNS", str(columns))


def _frames(drawn: str) -> list[list[str]]:
    """The lines of each draw: a draw after the first begins by moving the cursor up."""
    frames = re.split(r"\x1b\[\d+F", drawn)
    return [[line.replace("\x1b[2K", "") for line in frame.split("\n")[:-1]] for frame in frames]


def _line(number: int, state: str, title: str = "Delete space", message: str = "") -> TaskLine:
    return TaskLine(str(number), "https://x", state, 50, 65000, title, message)


def test_live_block_never_draws_more_lines_than_the_terminal_has_rows_less_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal_size(monkeypatch, rows=12, columns=80)
    lines = [_line(n, "running" if n % 10 == 0 else "succeeded") for n in range(30)]
    terminal = Terminal()
    block = LiveBlock(terminal)
    block.update(lines)
    block.update(lines)
    first, second = _frames(terminal.getvalue())
    assert len(first) == len(second) == 11
    assert terminal.getvalue().count("\x1b[11F") == 1  # the redraw backs up over exactly that
    # The open tasks are shown first, the room left goes to ended ones, all in their own order;
    # the rest are counted on the last line.
    assert [row.split()[2] for row in first[:-1]] == ["0", *map(str, range(1, 8)), "10", "20"]
    assert first[-1] == "… and 20 more tasks (20 done)"


def test_live_block_counts_the_tasks_it_has_no_room_for_by_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal_size(monkeypatch, rows=5, columns=80)
    states = ["succeeded"] * 4 + ["running"] * 6 + ["failed"] * 2 + ["gone"]
    terminal = Terminal()
    LiveBlock(terminal).update([_line(n, state) for n, state in enumerate(states)])
    (frame,) = _frames(terminal.getvalue())
    assert len(frame) == 4
    assert frame[-1] == "… and 10 more tasks (3 running, 4 done, 2 failed, 1 not found)"


def test_live_block_ends_with_every_task_once_when_the_watch_is_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal_size(monkeypatch, rows=6, columns=80)
    lines = [_line(n, "running") for n in range(12)]
    terminal = Terminal()
    block = LiveBlock(terminal)
    block.update(lines)
    block.finish([_line(n, "succeeded") for n in range(12)])
    last = _frames(terminal.getvalue())[-1]
    assert [row.split()[2] for row in last] == [str(n) for n in range(12)]


def test_live_block_cuts_wide_characters_by_display_width_not_by_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal_size(monkeypatch, rows=24, columns=80)
    terminal = Terminal()
    LiveBlock(terminal).update([_line(1, "running", CJK_TITLE, CJK_MESSAGE), _line(2, "running")])
    (frame,) = _frames(terminal.getvalue())
    assert len(frame) == 2
    assert all(wcswidth(row) <= 79 for row in frame)
    assert frame[0].startswith(CJK_TITLE) and frame[0].endswith("…")
    assert wcswidth(frame[0]) >= 77  # cut where the room ends, not at half of it


def test_watch_on_a_small_terminal_keeps_its_block_on_the_screen(
    site: DemoConfluence, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _terminal_size(monkeypatch, rows=12, columns=80)
    monkeypatch.setenv("CONFLUENCE_TOKEN", TOKEN)
    tasks = [site.add_task(DemoTask(kind="delete_space", duration=6 + n % 5)) for n in range(30)]
    args = build_parser().parse_args(["watch", "--site", site.cloud_base, *tasks])
    terminal, err = Terminal(), io.StringIO()
    code = run_watch(args, pacer=Pacer(now=clock, sleep=clock.advance), out=terminal, err=err)
    assert code == 0, err.getvalue()
    *redrawn, last = _frames(terminal.getvalue())
    assert len(redrawn) > 2
    assert all(len(frame) <= 11 for frame in redrawn)
    assert all(frame[-1].startswith("… and 20 more tasks") for frame in redrawn)
    assert [row.split()[2] for row in last] == tasks  # the end: every task, once


def test_list_aligns_a_wide_title_by_display_width(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    body = {
        "results": [
            {"id": "1", "name": {"translation": CJK_TITLE}, "percentageComplete": 10},
            {"id": "2", "name": {"translation": "Export"}, "percentageComplete": 20},
        ],
        "start": 0,
        "limit": 100,
        "size": 2,
    }
    answer = Answer(headers={"Content-Type": "application/json"}, body=json.dumps(body).encode())
    with hostile_server(answer) as (origin, _received):
        run = run_cli(capsys, clock, "list", "--site", f"{origin}/wiki")
    assert run.code == 0, run.err
    _head, first, second = run.out.splitlines()
    assert wcswidth(first[: first.index("[")]) == wcswidth(second[: second.index("[")])


def test_bidi_controls_in_server_text_never_reach_the_terminal(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100, outcome="failure", fail_at=5, error="Err" + BIDI))
    clock.advance(200)
    runs = [
        run_cli(capsys, clock, "watch", "--site", site.cloud_base, task),
        run_cli(capsys, clock, "get", "--site", site.cloud_base, task),
    ]
    assert runs[0].code == 1 and "Errevilx" in runs[0].out + runs[0].err
    assert "\\u202e" in runs[1].out  # get spells it out, as it does escape sequences
    for run in runs:
        assert "\u202e" not in run.out + run.err and "\u2066" not in run.out + run.err


def test_bidi_controls_in_a_listed_task_never_reach_the_terminal(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    body = {
        "results": [{"id": "1", "name": {"translation": "Title" + BIDI}, "messages": []}],
        "size": 1,
        "limit": 100,
    }
    answer = Answer(headers={"Content-Type": "application/json"}, body=json.dumps(body).encode())
    with hostile_server(answer) as (origin, _received):
        run = run_cli(capsys, clock, "list", "--site", f"{origin}/wiki")
    assert run.code == 0, run.err
    assert "Titleevilx" in run.out
    assert "\u202e" not in run.out and "\u2066" not in run.out and "\u2069" not in run.out


@pytest.mark.parametrize(
    ("elapsed_ms", "shown"),
    [
        (65_000, "1:05"),
        (3_723_000, "1:02:03"),
        (9_999 * 3_600_000, "9999:00:00"),
        (10_000 * 3_600_000, "more than 10000 h"),
        (10**30, "more than 10000 h"),
    ],
)
def test_elapsed_time_beyond_any_real_task_is_capped(elapsed_ms: int, shown: str) -> None:
    assert elapsed_text(elapsed_ms) == shown


def test_printable_spells_out_exactly_what_the_window_would_not_show_as_it_is() -> None:
    every = "".join(chr(code) for code in range(0x10000))

    def spelled(char: str) -> str:
        code = ord(char)
        if char in "\n\t" or display_text(char) == char:
            return char
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    assert printable(every) == "".join(spelled(char) for char in every)
    assert printable("a\x1b[2J\r\nb\u202ec\td") == "a\\x1b[2J\\x0d\nb\\u202ec\td"
