"""The token goes to one site only: a task URL naming another site than ``--site``, task URLs on
several servers, or ``--site`` given twice are refused before any request is sent."""

from __future__ import annotations

import pytest
from cli_helpers import Answer, clock, hostile_server, run_cli, site

from gui.cli import main
from gui.commands.connect import warn_if_insecure
from gui.confluence.site import normalise_site_url
from gui.demo import DemoConfluence, DemoTask, ManualClock

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]


@pytest.mark.parametrize("command", ["get", "watch"])
def test_task_url_on_another_host_than_site_is_refused_and_gets_no_token(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, command: str
) -> None:
    with hostile_server(Answer(status=404), host="127.0.0.2") as (origin, received):
        url = f"{origin}/wiki/rest/api/longtask/1179649"
        run = run_cli(capsys, clock, command, "--site", site.cloud_base, url)
    assert run.code == 2
    assert "not on --site" in run.err and "nothing was sent" in run.err
    assert received == []
    assert site.requests == []


def test_task_url_on_another_site_of_the_same_server_than_site_is_refused(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10, dialect="dc"))
    url = f"{site.dc_base}/rest/api/longtask/{task}"
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, url)
    assert run.code == 2
    assert site.dc_base in run.err and site.cloud_base in run.err
    assert site.requests == []


def test_task_url_on_the_site_given_is_watched(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    # Spelled differently from the URL (upper-case scheme, trailing slash), yet the same site.
    spelled = site.cloud_base.replace("http://", "HTTP://") + "/"
    url = f"{site.cloud_base}/rest/api/longtask/{task}"
    run = run_cli(capsys, clock, "watch", "--json", "--site", spelled, url, task)
    assert run.code == 0, run.err
    assert run.states(task)[-1] == "succeeded"


def test_task_urls_on_two_servers_without_site_are_refused(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    with hostile_server(Answer(status=404), host="127.0.0.2") as (origin, received):
        urls = [
            f"{site.cloud_base}/rest/api/longtask/{task}",
            f"{origin}/wiki/rest/api/longtask/1179649",
        ]
        run = run_cli(capsys, clock, "watch", *urls)
    assert run.code == 2
    assert "another server" in run.err and "127.0.0.2" in run.err
    assert received == []
    assert site.requests == []


def test_site_given_twice_is_refused_with_the_reason(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    run = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "1", "--site", site.dc_base, "2"
    )
    assert run.code == 2
    assert "--site can be given once" in run.err
    assert "unrecognized" not in run.err
    assert site.requests == []


def test_watch_help_says_the_token_goes_to_one_site(capsys: Capsys) -> None:
    with pytest.raises(SystemExit):
        main(["watch", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "The token belongs to one site" in out
    assert "without --site every task URL must be on the same server" in out


@pytest.mark.parametrize(
    ("site_url", "warned"),
    [
        ("http://127.evil.example/wiki", True),
        ("http://wiki.localhost/wiki", True),
        ("http://wiki.example.org", True),
        ("http://127.0.0.1:8090/wiki", False),
        ("http://localhost.:8090/wiki", False),
        ("http://[::ffff:127.0.0.1]:8090/wiki", False),
        ("https://127.evil.example/wiki", False),
    ],
)
def test_plain_http_warning_is_for_every_host_but_this_machine(site_url: str, warned: bool) -> None:
    assert (warn_if_insecure(normalise_site_url(site_url)) is not None) == warned


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (("--site", "https://[::1", "5"), "--site: That site address has a malformed IPv6"),
        # Loopback hosts on a closed port: should the refusal regress, nothing leaves here.
        (("--site", "https://me:pw@127.0.0.1:9", "5"), "never in the URL"),
        (("https://[::1/rest/api/longtask/5",), "TASK: That site address has a malformed IPv6"),
        (("https://127.0.0.1:9\\@127.0.0.2:9/rest/api/longtask/5",), "backslash"),
    ],
)
def test_an_unusable_site_address_is_refused_before_any_request(
    clock: ManualClock,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    hint: str,
) -> None:
    monkeypatch.setenv("CONFLUENCE_TOKEN", "tok-12345678")
    run = run_cli(capsys, clock, "watch", *argv)
    assert run.code == 2
    assert hint in run.err
    assert "Traceback" not in run.err


def test_bare_id_beside_task_urls_of_one_site_is_watched_on_that_site(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    first, second, bare = (site.add_task(DemoTask(duration=4)) for _ in range(3))
    urls = [f"{site.cloud_base}/rest/api/longtask/{task}" for task in (first, second)]
    run = run_cli(capsys, clock, "watch", "--json", bare, *urls)
    assert run.code == 0, run.err
    assert {line["task"] for line in run.json_lines()} == {first, second, bare}


def test_bare_id_beside_task_urls_of_two_sites_of_one_server_asks_which(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    cloud = site.add_task(DemoTask(duration=4))
    dc = site.add_task(DemoTask(duration=4, dialect="dc"))
    urls = [
        f"{site.cloud_base}/rest/api/longtask/{cloud}",
        f"{site.dc_base}/rest/api/longtask/{dc}",
    ]
    run = run_cli(capsys, clock, "watch", *urls, "1179651")
    assert run.code == 2
    assert "Task 1179651: which site?" in run.err
    assert site.requests == []
