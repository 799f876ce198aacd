"""Options a hostile or careless command line gives: numbers out of range, help texts, errors that
could echo a secret, and server text that could drive the terminal."""

from __future__ import annotations

import argparse
import json

import pytest
from cli_helpers import TOKEN, Answer, assert_no_secret, clock, hostile_server, run_cli, site

from gui.cli import main
from gui.demo import DemoConfluence, DemoTask, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--interval", "inf"),
        ("--interval", "1e308"),
        ("--interval", "nan"),
        ("--interval", "0"),
        ("--interval", "-1"),
        ("--interval", "0.01"),
        ("--request-timeout", "inf"),
        ("--request-timeout", "601"),
        ("--request-timeout", "0"),
        ("--timeout", "0"),
        ("--timeout", "-5"),
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--give-up", "0.5"),
        ("--give-up", "inf"),
        ("--give-up", "ten"),
    ],
)
def test_number_out_of_range_is_refused_before_any_request(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, option: str, value: str
) -> None:
    task = site.add_task(DemoTask(duration=10))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, f"{option}={value}", task)
    assert run.code == 2
    assert f"argument {option}: takes a number of seconds" in run.err
    assert site.requests == []


@pytest.mark.parametrize(
    ("option", "value"),
    [("--interval", "0.1"), ("--interval", "3600"), ("--give-up", "1"), ("--timeout", "1e5")],
)
def test_number_at_a_bound_is_accepted(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, option: str, value: str
) -> None:
    task = site.add_task(DemoTask(duration=2))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, option, value, task)
    assert run.code == 0, run.err


def test_list_help_describes_the_command(capsys: Capsys) -> None:
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    out = capsys.readouterr().out
    assert "Show the tasks --site is running now" in out


def test_watch_help_has_no_stray_line_break_before_the_exit_statuses(capsys: Capsys) -> None:
    with pytest.raises(SystemExit):
        main(["watch", "--help"])
    out = capsys.readouterr().out
    assert " \n" not in out
    assert "\n\nexit status (when several apply" in out
    assert "141" in out


@pytest.mark.parametrize("command", ["watch", "list", "get"])
def test_help_says_that_74_130_and_141_override_every_other_exit_status(
    capsys: Capsys, command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    statuses = out[out.index("exit status") :]
    own, overriding = statuses.split("and, overriding every status above:\n", 1)
    assert "\n  2 " in own and "74" not in own
    assert overriding.startswith("  74   the output could not be written")
    assert "\n  130  interrupted" in overriding and "\n  141  the output was closed" in overriding


def test_a_secret_typed_where_the_command_belongs_is_not_echoed(capsys: Capsys) -> None:
    assert main([TOKEN, "watch"]) == 2
    out, err = capsys.readouterr()
    assert "unknown command" in err
    assert TOKEN not in out + err


def test_a_mistyped_command_is_named(capsys: Capsys) -> None:
    assert main(["wach", "1"]) == 2
    assert "invalid choice: 'wach'" in capsys.readouterr().err


def test_an_authorization_value_in_a_command_line_error_is_masked(capsys: Capsys) -> None:
    assert main(["watch", "--interval", f"Bearer {TOKEN}"]) == 2
    _out, err = capsys.readouterr()
    assert "--interval" in err and TOKEN not in err


def test_get_spells_out_control_characters_of_a_hostile_answer(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    # Escape sequences that would clear the screen and retitle the terminal window.
    answer = Answer(
        status=500,
        reason="Oops\x1b]0;owned\x07",
        headers={"X-Trace": "\x1b[2Jcleared", "Content-Type": "text/plain"},
        body=b"\x1b[31mred\x1b[0m\r\nline two\n\x9b1m",
    )
    with hostile_server(answer) as (origin, received):
        run = run_cli(capsys, clock, "get", f"{origin}/wiki/rest/api/longtask/7")
    assert received == [f"Bearer {TOKEN}"]  # the URL named this site: it gets the token
    assert run.code == 4
    assert "\x1b" not in run.out + run.err and "\x07" not in run.out and "\r" not in run.out
    assert "\\x1b[2Jcleared" in run.out and "\\x1b[31mred" in run.out
    assert "line two" in run.out
    assert_no_secret(run, site)


def test_get_masks_a_token_the_server_echoes(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    answer = Answer(
        status=400, reason="Bad", headers={"X-Echo": TOKEN}, body=f"you sent {TOKEN}".encode()
    )
    with hostile_server(answer) as (origin, _received):
        run = run_cli(capsys, clock, "get", f"{origin}/wiki/rest/api/longtask/7")
    assert run.code == 4
    assert "X-Echo:" in run.out and "you sent" in run.out
    assert_no_secret(run, site)


@pytest.mark.parametrize("command", ["list", "watch"])
def test_server_text_in_errors_and_logs_cannot_drive_the_terminal(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, command: str
) -> None:
    answer = Answer(
        status=401,
        reason="Unauthorized",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"statusCode": 401, "message": "\x1b]0;owned\x07\x1b[2Jnot you"}).encode(),
    )
    with hostile_server(answer) as (origin, _received):
        argv = ["--site", f"{origin}/wiki"] + (["1"] if command == "watch" else [])
        run = run_cli(capsys, clock, "-v", command, *argv)
    assert run.code == 2
    assert "not you" in run.err
    assert "\x1b" not in run.out + run.err and "\x07" not in run.out + run.err


@pytest.mark.parametrize("token", ["abcdefgh\nijklmnop", "tök€n-long-enough", "with space-0123"])
def test_a_token_that_cannot_travel_in_a_header_exits_2_without_echo(
    token: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", token)
    code = main(["get", "--site", "http://127.0.0.1:9/wiki", "1"])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot be used" in captured.err
    for part in token.split():
        assert part not in captured.out + captured.err


# Who signs in: --user


def test_user_given_twice_is_refused_like_site(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    argv = ["--site", site.cloud_base, "--user", "a@example.com", "--user", "b@example.com", "1"]
    run = run_cli(capsys, clock, "watch", *argv)
    assert run.code == 2
    assert "confluence-task-tray watch: --user can be given once" in run.err
    assert site.requests == []


def test_empty_user_is_refused_rather_than_taken_for_bearer(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base, "--user", "")
    assert run.code == 2
    assert "--user is empty" in run.err and "Bearer" in run.err
    assert site.requests == []


def test_an_email_with_a_colon_is_blamed_on_the_email_not_the_token(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base, "--user", "a:b@x")
    assert run.code == 2
    assert run.err.startswith("--user: The email or user name contains a ':'")
    assert "token" not in run.err.lower()


# Messages about the command line itself


def test_range_message_gives_whole_seconds_and_days(capsys: Capsys) -> None:
    assert main(["watch", "--timeout", "0", "1"]) == 2
    assert "more than 0 up to 2592000 (30 days)" in capsys.readouterr().err
    assert main(["watch", "--give-up", "0", "1"]) == 2
    assert "from 1 up to 604800 (7 days)" in capsys.readouterr().err
    assert main(["watch", "--interval", "0", "1"]) == 2
    assert "from 0.1 up to 3600\n" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["watch", "--bogus", "1"], "unrecognized arguments: --bogus"),
        (["get", "1", "2"], "more values than the command takes"),
        (["diagnose", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_an_unrecognized_argument_is_reported_under_the_command_it_was_given_to(
    capsys: Capsys, argv: list[str], words: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"confluence-task-tray {argv[0]}: {words}")


def test_a_bad_task_reference_says_which_task_argument_it_was(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "1", "not a task!", "3")
    assert run.code == 2
    assert run.err.startswith("TASK 2 of 3: That is not a task id.")
    assert "not a task!" not in run.err


@pytest.mark.parametrize("command", ["diagnose", "demo-server"])
def test_verbose_after_any_command_means_what_it_means_before(command: str) -> None:
    from gui.commands.arguments import build_parser

    assert build_parser().parse_args([command, "-v"]).verbose is True
    assert build_parser().parse_args(["-v", command]).verbose is True
    assert build_parser().parse_args([command]).verbose is False


@pytest.mark.parametrize(
    "line",
    [
        [],
        ["--demo"],
        ["-v", "--minimized", "--exit-when-done"],
        ["--demo", "--bogus"],
        ["-x"],
        ["--version"],
        ["-vh"],
        ["--help"],
        ["-"],
        ["--token"],
        ["--demo", "watch", "--site", "https://example.atlassian.net", "1"],
        ["bogus"],
    ],
)
def test_the_parser_built_for_a_line_parses_it_as_the_whole_parser_does(
    line: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The app's start builds the parser without the commands when its line names none.
    from gui.commands.arguments import CommandLineError, build_parser

    def parse(parser: argparse.ArgumentParser) -> tuple[object, str, str]:
        try:
            outcome: object = vars(parser.parse_args(line))
        except SystemExit as leaving:
            outcome = ("exit", leaving.code)
        except CommandLineError as error:
            outcome = ("refused", str(error))
        printed = capsys.readouterr()
        return outcome, printed.out, printed.err

    assert parse(build_parser(line)) == parse(build_parser())
