"""``list``, ``get``, the refused ``--token``, the token variable, and how output looks."""

from __future__ import annotations

import io
import json
import logging

import pytest
from cli_helpers import TOKEN, assert_no_secret, clock, run_cli, site

from gui import __version__
from gui.cli import main
from gui.commands.output import LiveBlock, TaskLine
from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]


# The token never comes from the command line


@pytest.mark.parametrize(
    "argv",
    [
        ["watch", "--token", TOKEN, "1"],
        ["watch", f"--token={TOKEN}", "1"],
        ["get", "--site", "https://acme.atlassian.net", "--token", TOKEN, "1"],
        ["--token", TOKEN, "watch", "1"],
    ],
)
def test_token_option_is_refused_with_the_reason_and_not_echoed(
    capsys: Capsys, argv: list[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "refusing --token" in err and "process list" in err and "CONFLUENCE_TOKEN" in err
    assert TOKEN not in out + err


def test_abbreviated_option_is_not_taken_for_token_env(capsys: Capsys) -> None:
    assert main(["watch", "--tok", TOKEN, "1"]) == 2
    out, err = capsys.readouterr()
    assert "unrecognized arguments: --tok" in err
    assert TOKEN not in out + err


def test_missing_token_variable_is_a_clear_error(
    capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONFLUENCE_TOKEN", raising=False)
    assert main(["watch", "--site", "https://acme.atlassian.net", "1"]) == 2
    assert "environment variable CONFLUENCE_TOKEN is not set" in capsys.readouterr().err


def test_token_pasted_as_the_variable_name_is_not_repeated(capsys: Capsys) -> None:
    assert main(["list", "--site", "https://acme.atlassian.net", "--token-env", TOKEN]) == 2
    out, err = capsys.readouterr()
    assert "NAME of an environment variable" in err
    assert TOKEN not in out + err


def test_version_names_the_command(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"confluence-task-tray {__version__}"


def test_verbose_after_the_command_turns_on_debug_logging(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=4))
    run = run_cli(capsys, clock, "watch", "-v", "--site", site.cloud_base, task)
    assert run.code == 0
    assert "DEBUG" in run.err and "/rest/api/longtask/" + task in run.err
    assert_no_secret(run, site)


# list


def test_list_shows_the_active_tasks_as_a_table(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    first = site.add_task(DemoTask(kind="delete_space", duration=100))
    second = site.add_task(DemoTask(kind="archive_pages", duration=100))
    site.add_task(DemoTask(kind="export_space", dialect="dc", duration=100))
    clock.advance(50)
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base)
    assert run.code == 0, run.err
    rows = run.out.splitlines()
    assert rows[0].split()[:3] == ["TASK", "TITLE", "PROGRESS"]
    assert [row.split()[0] for row in rows[1:]] == [first, second]
    assert "Delete space" in rows[1] and "Archive pages" in rows[2]
    assert_no_secret(run, site)


def test_list_as_json_lines(site: DemoConfluence, clock: ManualClock, capsys: Capsys) -> None:
    task = site.add_task(DemoTask(kind="delete_space", duration=100))
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base, "--json")
    (line,) = [json.loads(text) for text in run.out.splitlines()]
    assert line["task"] == task and line["state"] == "running" and line["site"] == site.cloud_base


def test_list_of_an_idle_site_says_so(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "list", "--site", site.dc_base)
    assert run.code == 0
    assert "No active tasks" in run.out


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (Fault(kind="unauthorized"), 2, "refused the credentials"),
        (Fault(kind="login_page"), 2, "web page"),
        (Fault(kind="not_found"), 4, "no Confluence task list"),
        (Fault(kind="rate_limited", retry_after=7), 4, "rate limiting"),
        (Fault(kind="malformed_json"), 4, "malformed JSON"),
    ],
)
def test_list_failure_exits_like_watch(
    site: DemoConfluence,
    clock: ManualClock,
    capsys: Capsys,
    fault: Fault,
    code: int,
    words: str,
) -> None:
    site.set_fault(fault)
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base, "--json")
    assert run.code == code
    assert words in run.err and run.out == ""
    assert_no_secret(run, site)


# get


def test_get_prints_status_and_pretty_body(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100))
    run = run_cli(capsys, clock, "get", "--site", site.cloud_base, task)
    assert run.code == 0, run.err
    head, body = run.out.split("\n\n", 1)
    assert head.splitlines()[1] == "HTTP 200 OK"
    assert json.loads(body)["id"] == task
    assert '\n  "id"' in body  # indented, not one long line
    assert "Content-Type" not in head  # headers only on an error
    assert_no_secret(run, site)


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        (Fault(kind="unauthorized_json"), 2, "HTTP 401 Unauthorized"),
        (Fault(kind="gateway_scope"), 2, "HTTP 401"),
        (Fault(kind="redirect"), 2, "HTTP 302"),
        (Fault(kind="login_page"), 2, "HTTP 200"),
        (Fault(kind="not_found"), 3, "HTTP 404"),
        (Fault(kind="rate_limited", retry_after=7), 4, "HTTP 429"),
        (Fault(kind="server_error", status=503, retry_after=3), 4, "HTTP 503"),
        (Fault(kind="not_json"), 4, "HTTP 200"),
    ],
)
def test_get_on_an_error_shows_status_and_headers_without_credentials(
    site: DemoConfluence,
    clock: ManualClock,
    capsys: Capsys,
    fault: Fault,
    code: int,
    status: str,
) -> None:
    task = site.add_task(DemoTask(duration=100))
    site.set_fault(fault)
    run = run_cli(capsys, clock, "get", "--site", site.cloud_base, "--user", site.user_email, task)
    assert run.code == code
    assert status in run.out
    if not status.startswith("HTTP 200"):
        assert "Content-Type:" in run.out or "Location:" in run.out
    if fault.kind == "rate_limited":
        assert "Retry-After: 7" in run.out
    assert "Authorization" not in run.out
    assert_no_secret(run, site)


def test_get_of_a_task_url_needs_no_site(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100, dialect="dc"))
    run = run_cli(capsys, clock, "get", f"{site.dc_base}/rest/api/longtask/{task}")
    assert run.code == 0, run.err


def test_get_when_the_connection_drops_exits_4(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    site.set_fault(Fault(kind="disconnect"))
    run = run_cli(capsys, clock, "get", "--site", site.cloud_base, "1")
    assert run.code == 4
    assert "127.0.0.1" in run.err
    assert_no_secret(run, site)


# How output looks


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _line(percent: int, message: str = "") -> TaskLine:
    return TaskLine("7", "https://x", "running", percent, 65000, "Delete space", message)


def test_live_block_redraws_in_place() -> None:
    terminal = _Terminal()
    block = LiveBlock(terminal)
    block.update([_line(10), _line(20)])
    first = terminal.getvalue()
    block.update([_line(30), _line(40)])
    redraw = terminal.getvalue()[len(first) :]
    assert redraw.startswith("\x1b[2F")  # back up over the two lines just drawn
    assert redraw.count("\x1b[2K") == 2
    assert "[######--------------]  30%  1:05" in redraw


def test_server_text_cannot_send_terminal_escapes(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    hostile = "locked\x1b]0;owned\x07 by \x1b[31mnobody"
    task = site.add_task(DemoTask(duration=10, outcome="failure", fail_at=50, error=hostile))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, task)
    assert run.code == 1
    assert "\x1b" not in run.out + run.err and "\x07" not in run.out + run.err
    assert "by nobody" not in run.out  # escapes became spaces, text stays readable
    assert "31mnobody" in run.out


def test_a_token_that_reaches_a_log_record_is_masked_on_stderr_and_in_the_log_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gui.cli import setup_logging
    from gui.platform.logging_setup import log_file_path, register_secret

    setup_logging(verbose=False)
    register_secret(TOKEN)
    logging.getLogger("test").error("header was %s", f"Bearer {TOKEN}")
    for handler in logging.getLogger().handlers:
        handler.flush()
    err = capsys.readouterr().err
    assert "header was Bearer [redacted]" in err and TOKEN not in err
    log_text = log_file_path().read_text()
    assert "header was Bearer [redacted]" in log_text and TOKEN not in log_text
