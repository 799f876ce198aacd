"""``watch`` against the simulated Confluence: outcomes, exit statuses, formats, task forms."""

from __future__ import annotations

import json
import socket

import pytest
from cli_helpers import JSON_FIELDS, TOKEN, assert_no_secret, clock, run_cli, site

from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]


def test_task_that_runs_to_its_end_exits_0(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", task)
    assert run.code == 0, run.err
    assert run.states(task)[-1] == "succeeded"
    assert run.json_lines()[-1]["percent"] == 100
    assert_no_secret(run, site)


def test_failing_task_exits_1_and_says_why(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(
        DemoTask(duration=10, outcome="failure", fail_at=40, error="Space is locked")
    )
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, task)
    assert run.code == 1
    assert "Space is locked" in run.err
    assert "FAILED" in run.out.splitlines()[-1]


def test_wrong_token_exits_2_after_a_single_request(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", "wrong-" + TOKEN)
    first = site.add_task(DemoTask(duration=10))
    second = site.add_task(DemoTask(duration=10))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", first, second)
    assert run.code == 2
    assert len(site.requests) == 1
    assert run.states(first) == ["auth-failed"] and run.states(second) == ["auth-failed"]
    assert "refused the credentials" in run.err
    for secret in ("wrong-" + TOKEN, TOKEN):
        assert secret not in run.out + run.err


def test_task_that_stays_not_found_exits_3(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", "999999")
    assert run.code == 3
    assert run.states("999999") == ["gone"]
    gone = run.json_lines()[-1]
    assert "404" in gone["message"]
    # Gone only after several 404s spanning time, never on the first one.
    assert len(site.requests) >= 3
    assert site.requests[-1].time - site.requests[0].time >= 30


def test_task_that_vanishes_midway_exits_3(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=100, vanish_at=10))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", task)
    assert run.code == 3
    assert run.states(task)[0] == "running" and run.states(task)[-1] == "gone"


def test_site_that_cannot_be_reached_exits_4_after_the_give_up_time(
    clock: ManualClock, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", TOKEN)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = clock()
    run = run_cli(capsys, clock, "watch", "--site", f"http://127.0.0.1:{port}", "--json", "1")
    assert run.code == 4
    assert run.states("1") == ["unreachable"]
    assert "Could not connect" in run.err
    assert clock() - started >= 60  # the default --give-up


def test_timeout_with_task_still_running_exits_5(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=1000))
    started = clock()
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--timeout", "20", task)
    assert run.code == 5
    assert "Timed out after 20 s with 1 task(s) still running" in run.err
    assert 20 <= clock() - started < 25


def test_json_lines_carry_exactly_the_promised_fields_once_per_change(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=20, kind="delete_space", progress=[(5, 30), (12, 60)]))
    run = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--json", "--interval", "1", task
    )
    lines = run.json_lines()
    assert all(set(line) == JSON_FIELDS for line in lines)
    assert [line["percent"] for line in lines] == [0, 30, 60, 100]
    assert lines[0]["title"] == "Delete space"
    assert lines[0]["site"] == site.cloud_base
    assert lines[-1]["state"] == "succeeded" and lines[-1]["elapsed_ms"] == 20000
    assert all(isinstance(line["elapsed_ms"], int) for line in lines)


def test_plain_output_prints_one_line_per_change_without_terminal_codes(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=20, progress=[(5, 30), (12, 60)]))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--interval", "1", task)
    lines = run.out.splitlines()
    assert len(lines) == 4
    assert "\x1b" not in run.out
    assert " 30%" in lines[1] and "done" in lines[-1]


def test_task_url_names_the_site(site: DemoConfluence, clock: ManualClock, capsys: Capsys) -> None:
    task = site.add_task(DemoTask(duration=10, dialect="dc"))
    url = f"{site.dc_base}/rest/api/longtask/{task}"
    run = run_cli(capsys, clock, "watch", "--json", url)
    assert run.code == 0, run.err
    assert run.json_lines()[-1]["site"] == site.dc_base


def test_body_of_the_202_answer_is_accepted_as_task(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    started = json.dumps({"id": task, "links": {"status": f"/rest/api/longtask/{task}"}})
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", started)
    assert run.code == 0, run.err
    assert run.json_lines()[-1]["task"] == task


def test_task_without_a_site_is_refused_with_a_hint(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(capsys, clock, "watch", "12345")
    assert run.code == 2
    assert "--site" in run.err
    assert site.requests == []


def test_basic_auth_with_user_and_bearer_without(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    basic = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--user", site.user_email, task
    )
    assert basic.code == 0, basic.err
    wrong_user = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--user", "x@example.com", task
    )
    assert wrong_user.code == 2
    # Data Center takes personal access tokens as Bearer only: Basic is refused there.
    dc_task = site.add_task(DemoTask(duration=10, dialect="dc"))
    bearer = run_cli(capsys, clock, "watch", "--site", site.dc_base, dc_task)
    assert bearer.code == 0, bearer.err
    basic_on_dc = run_cli(
        capsys, clock, "watch", "--site", site.dc_base, "--user", site.user_email, dc_task
    )
    assert basic_on_dc.code == 2
    for run in (basic, wrong_user, bearer, basic_on_dc):
        assert_no_secret(run, site)


def test_token_from_the_variable_token_env_names(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONFLUENCE_TOKEN")
    monkeypatch.setenv("WIKI_PAT", TOKEN)
    task = site.add_task(DemoTask(duration=10))
    run = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--token-env", "WIKI_PAT", task
    )
    assert run.code == 0, run.err


def test_tasks_on_two_sites_are_watched_together(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    cloud = site.add_task(DemoTask(duration=10))
    dc = site.add_task(DemoTask(duration=30, dialect="dc"))
    urls = [
        f"{site.cloud_base}/rest/api/longtask/{cloud}",
        f"{site.dc_base}/rest/api/longtask/{dc}",
    ]
    run = run_cli(capsys, clock, "watch", "--json", *urls)
    assert run.code == 0, run.err
    assert run.states(cloud)[-1] == "succeeded" and run.states(dc)[-1] == "succeeded"


# Precedence: 2 > 4 > 3 > 1 > 5 > 0


def test_credentials_refused_on_one_site_outrank_success_on_another(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    cloud = site.add_task(DemoTask(duration=10))
    dc = site.add_task(DemoTask(duration=10, dialect="dc"))
    urls = [
        f"{site.cloud_base}/rest/api/longtask/{cloud}",
        f"{site.dc_base}/rest/api/longtask/{dc}",
    ]
    run = run_cli(capsys, clock, "watch", "--json", "--user", site.user_email, *urls)
    assert run.code == 2
    assert run.states(cloud)[-1] == "succeeded" and run.states(dc) == ["auth-failed"]


def test_missing_task_outranks_a_failed_one(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    failing = site.add_task(DemoTask(duration=10, outcome="failure", fail_at=50))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, failing, "424242")
    assert run.code == 3


def test_failed_task_outranks_a_timeout(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    failing = site.add_task(DemoTask(duration=5, outcome="failure", fail_at=50))
    endless = site.add_task(DemoTask(duration=1000))
    run = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--timeout", "30", failing, endless
    )
    assert run.code == 1


def test_interrupt_exits_130_without_a_traceback(site: DemoConfluence, capsys: Capsys) -> None:
    from gui.cli import main
    from gui.commands.watch import Pacer

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    task = site.add_task(DemoTask(duration=100))
    code = main(
        ["watch", "--site", site.cloud_base, task], pacer=Pacer(now=site.clock, sleep=interrupted)
    )
    _out, err = capsys.readouterr()
    assert code == 130
    assert "Traceback" not in err and "Interrupted" in err


def test_task_never_found_reads_not_found_yet_not_running(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    argv = ["watch", "--site", site.cloud_base, "--interval", "1", "--timeout", "5", "424242"]
    plain = run_cli(capsys, clock, *argv)
    assert plain.code == 5
    (line,) = plain.out.splitlines()
    assert "not found yet" in line and "404 " in line and "running" not in line
    as_json = run_cli(capsys, clock, *argv, "--json")
    assert as_json.states("424242") == ["running"]  # the JSON states stay as documented


def test_site_answering_nonsense_reads_gave_up_with_the_reason(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=1000))
    site.set_fault(Fault(kind="not_json"))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--give-up", "5", task)
    assert run.code == 4
    last = run.out.splitlines()[-1]
    assert "GAVE UP" in last and "not JSON" in last and "UNREACHABLE" not in last
