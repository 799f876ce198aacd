"""What ``list``, ``get`` and ``watch`` make of answers a careless or hostile server sends: a task
list whose pages never move on, an item that cannot be read, a sign-in page, and a token echoed
back in the forms JSON gives it."""

from __future__ import annotations

import argparse
import io
import json

import pytest
from cli_helpers import Answer, assert_no_secret, clock, hostile_server, run_cli, site

from gui.commands.connect import read_credentials
from gui.commands.output import json_line, write
from gui.confluence.site import Credentials
from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]
# Valid in a header, and JSON escapes both the quote and the backslash.
HOSTILE_TOKEN = 'hostile"SECRET\\1234'
HOSTILE_TOKEN_IN_JSON = r"hostile\"SECRET\\1234"
HOSTILE_JSON_TOKEN = 'json"line\\SECRET\\"5678'
HOSTILE_JSON_TOKEN_IN_JSON = r"json\"line\\SECRET\\\"5678"


def _json_answer(payload: object) -> Answer:
    return Answer(headers={"Content-Type": "application/json"}, body=json.dumps(payload).encode())


def _task(task_id: str, message: str = "working") -> dict[str, object]:
    return {
        "id": task_id,
        "name": {"translation": f"Task {task_id}"},
        "percentageComplete": 50,
        "elapsedTime": 1000,
        "messages": [{"translation": message}],
    }


# list: paging that never ends, items that cannot be read


@pytest.mark.parametrize(
    "page",
    [
        # Always the same next link, whatever `start` asks for.
        {"size": 3, "limit": 3, "_links": {"next": "/rest/api/longtask?start=3&limit=3"}},
        # No `_links`, a full page every time: only the repeated tasks give it away.
        {"size": 3, "limit": 3},
        # A size of 0 would never move `start` on.
        {"size": 0, "limit": 3, "_links": {"next": "/rest/api/longtask?start=0"}},
    ],
)
def test_list_of_a_site_whose_pages_never_move_on_stops_and_says_so(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, page: dict[str, object]
) -> None:
    answer = _json_answer({"results": [_task("1"), _task("2"), _task("3")], **page})
    with hostile_server(answer) as (origin, received):
        run = run_cli(capsys, clock, "list", "--site", f"{origin}/wiki", "--json")
    assert run.code == 0, run.err
    assert [line["task"] for line in run.json_lines()] == ["1", "2", "3"]
    assert len(received) <= 2
    assert "Warning: Stopped reading the task list of 127.0.0.1" in run.err
    assert "may be incomplete" in run.err


def test_list_leaves_out_an_unreadable_task_with_a_warning_and_shows_the_rest(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    good = site.add_task(DemoTask(duration=100))
    bad = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="wrong_types", task_id=bad))
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base)
    assert run.code == 0, run.err
    assert [row.split()[0] for row in run.out.splitlines()[1:]] == [good]
    assert "Warning: left out a task that cannot be read" in run.err
    assert "should be a number" in run.err


def test_list_of_nothing_but_unreadable_tasks_exits_4(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    bad = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="wrong_types", task_id=bad))
    run = run_cli(capsys, clock, "list", "--site", site.cloud_base)
    assert run.code == 4
    assert run.out == ""


# get: say why a status line that reads like success is not


def test_get_of_a_sign_in_page_says_why_it_exits_2(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="login_page"))
    run = run_cli(capsys, clock, "get", "--site", site.cloud_base, task)
    assert run.code == 2
    assert "HTTP 200" in run.out
    assert "web page instead of the task's data, most likely a sign-in page" in run.err


def test_get_of_a_200_that_is_not_json_says_why_it_exits_4(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="not_json"))
    run = run_cli(capsys, clock, "get", "--site", site.cloud_base, task)
    assert run.code == 4
    assert "answered 200 but not with JSON" in run.err


# A token in the forms JSON gives it


@pytest.mark.parametrize("command", ["get", "watch --json", "list --json", "watch"])
def test_a_token_with_a_quote_and_a_backslash_is_masked_in_every_output(
    site: DemoConfluence,
    clock: ManualClock,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", HOSTILE_TOKEN)
    echoed = _task("2", f"your token is {HOSTILE_TOKEN} auth=Bearer {HOSTILE_TOKEN}")
    payload = echoed if command.startswith(("get", "watch")) else {"results": [echoed]}
    # The escaped quote also as \u0022, which no mask of the raw body can see.
    body = json.dumps(payload).replace('\\"', "\\u0022", 1).encode()
    answer = Answer(headers={"Content-Type": "application/json"}, body=body)
    name, *flags = command.split()
    with hostile_server(answer) as (origin, received):
        argv = ["--site", f"{origin}/wiki", *flags]
        argv += ["--timeout", "3", "2"] if name == "watch" else ["2"] if name == "get" else []
        run = run_cli(capsys, clock, name, *argv)
    assert received and received[0] == f"Bearer {HOSTILE_TOKEN}"
    assert "your token is [redacted]" in run.out
    for form in (HOSTILE_TOKEN, HOSTILE_TOKEN_IN_JSON):
        assert form not in run.out + run.err
    assert "SECRET" not in run.out + run.err


def test_a_json_line_never_holds_a_token_with_a_quote_and_a_backslash_whatever_reached_it() -> None:
    # As --json prints a line, with nothing before it masking the fields: the credentials the
    # command line read are masked in the encoded line, in the escaped forms JSON gives them.
    args = argparse.Namespace(token_env="HOSTILE_JSON_TOKEN", user="json-line@example.com")
    credentials = read_credentials(args, {"HOSTILE_JSON_TOKEN": HOSTILE_JSON_TOKEN})
    out = io.StringIO()
    header = credentials.authorization_header()
    write(out, json_line({"task": "2", "message": f"echo {HOSTILE_JSON_TOKEN} | {header}"}))
    printed = out.getvalue()
    for form in (HOSTILE_JSON_TOKEN, HOSTILE_JSON_TOKEN_IN_JSON, header.split(" ", 1)[1]):
        assert form not in printed
    assert "SECRET" not in printed
    assert json.loads(printed) == {"task": "2", "message": "echo [redacted] | Basic [redacted]"}


def test_secret_forms_include_each_form_as_json_escapes_it() -> None:
    forms = Credentials.for_token(HOSTILE_TOKEN, "me?@example.com").secret_forms()

    assert HOSTILE_TOKEN_IN_JSON in forms
    # base64 of "me?@example.com:" + the token holds a "/", which PHP-style encoders write "\/".
    assert {
        "bWU/QGV4YW1wbGUuY29tOmhvc3RpbGUiU0VDUkVUXDEyMzQ=",
        r"bWU\/QGV4YW1wbGUuY29tOmhvc3RpbGUiU0VDUkVUXDEyMzQ=",
    } <= set(forms)


@pytest.mark.parametrize("token", ["abc", "12345", "seven77"])
def test_a_token_too_short_to_be_masked_is_refused_before_any_request(
    site: DemoConfluence,
    clock: ManualClock,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", token)
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "1")
    assert run.code == 2
    assert "too short to be a Confluence token" in run.err
    assert token not in run.out + run.err
    assert site.requests == []
    assert_no_secret(run, site)


# get and list ask once: they never say they will try again


@pytest.mark.parametrize("command", ["get", "list"])
def test_a_one_off_command_that_gets_no_answer_in_time_does_not_promise_to_try_again(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, command: str
) -> None:
    task = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="slow", delay=1.0))
    argv = ["--site", site.cloud_base, "--request-timeout", "0.2"]
    run = run_cli(capsys, clock, command, *argv, *([task] if command == "get" else []))
    assert run.code == 4
    assert "did not answer within 0.2 s" in run.err
    assert "try again" not in run.err.lower()
