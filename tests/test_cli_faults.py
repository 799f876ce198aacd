"""Every fault the simulated Confluence offers, through ``watch``: the exit status and message it
gives, that passing trouble does not end the watch, and that the token never shows."""

from __future__ import annotations

import itertools
import logging

import pytest
from cli_helpers import TOKEN, assert_no_secret, clock, run_cli, site
from secret_helpers import secret_forms

from gui.commands import connect, output
from gui.demo import FAULT_KINDS, DemoConfluence, DemoTask, Fault, ManualClock
from gui.platform import logging_setup

__all__ = ["clock", "site"]  # fixtures used by name

Capsys = pytest.CaptureFixture[str]

# fault -> (exit status while it lasts, words of the message a user sees)
LASTING = {
    "unauthorized": (2, "refused the credentials"),
    "unauthorized_html": (2, "refused the credentials"),
    "unauthorized_json": (2, "Current user not permitted to use Confluence"),
    "gateway_scope": (2, "FAILURE_CLIENT_SCOPE_CHECK"),
    "login_page": (2, "web page instead of data"),
    "redirect": (2, "redirected to a sign-in page"),
    "not_found": (3, "answered 404"),
    "rate_limited": (5, "rate limiting"),
    "server_error": (4, "having trouble"),
    "malformed_json": (4, "malformed JSON"),
    "wrong_types": (4, "'percentageComplete' should be a number"),
    "not_json": (4, "not JSON"),
    "oversized": (4, "larger than"),
    "slow": (4, "did not answer within"),
    "disconnect": (4, "127.0.0.1"),
    "echo_credentials": (5, "still running"),  # not a failure: the echo must just not show
}


@pytest.fixture(autouse=True)
def without_safety_net(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn off the last-resort masking, so these tests prove no code path lets the token out."""
    monkeypatch.setattr(connect, "register_secret", lambda secret: None)
    monkeypatch.setattr(output, "mask_secrets", lambda text: text)
    monkeypatch.setattr(logging_setup.SecretMaskFilter, "filter", lambda self, record: True)


def test_every_fault_of_the_demo_is_covered() -> None:
    assert set(LASTING) == set(FAULT_KINDS)


@pytest.mark.parametrize("kind", sorted(LASTING))
def test_lasting_fault_ends_the_watch_with_its_status_and_message(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, kind: str
) -> None:
    code, words = LASTING[kind]
    task = site.add_task(DemoTask(duration=1000))
    site.set_fault(Fault(kind=kind, retry_after=30, delay=1.0))
    run = run_cli(
        capsys, clock, "-v", "watch", "--site", site.cloud_base, "--json",
        "--give-up", "5", "--request-timeout", "0.2", "--timeout", "200", task,
    )  # fmt: skip
    assert run.code == code, run.err
    assert words in run.err
    final = run.json_lines()[-1]
    expected_state = {2: "auth-failed", 3: "gone", 4: "unreachable", 5: "running"}[code]
    assert final["state"] == expected_state
    if code == 2:
        assert len(site.requests) == 1
    assert_no_secret(run, site)


# fault -> how long it lasts; none of these may end the watch
PASSING = {
    "not_found": Fault(kind="not_found", count=2),
    "rate_limited": Fault(kind="rate_limited", count=2, retry_after=5),
    "server_error": Fault(kind="server_error", count=2, status=503, retry_after=3),
    "malformed_json": Fault(kind="malformed_json", count=1),
    "not_json": Fault(kind="not_json", count=1),
    "disconnect": Fault(kind="disconnect", count=2),
    "slow": Fault(kind="slow", count=1, delay=0.3),
}


@pytest.mark.parametrize("kind", sorted(PASSING))
def test_passing_trouble_does_not_end_the_watch(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, kind: str
) -> None:
    task = site.add_task(DemoTask(duration=24))
    site.set_fault(PASSING[kind])
    run = run_cli(capsys, clock, "-v", "watch", "--site", site.cloud_base, "--json", task)
    assert run.code == 0, run.err
    assert set(run.states(task)) == {"running", "succeeded"}
    assert any(record.fault == kind for record in site.requests)
    assert_no_secret(run, site)


@pytest.mark.parametrize(("kind", "wait"), [("rate_limited", 30), ("server_error", 10)])
def test_retry_after_is_honoured_between_requests(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, kind: str, wait: float
) -> None:
    task = site.add_task(DemoTask(duration=90))
    site.set_fault(Fault(kind=kind, count=2, retry_after=wait, status=503))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, task)
    assert run.code == 0, run.err
    records = site.requests
    refused = [i for i, record in enumerate(records) if record.fault == kind]
    assert len(refused) == 2
    for index in refused:
        assert records[index + 1].time - records[index].time >= wait
    # Back to the normal pace once the site answers again.
    after = records[refused[-1] + 1 :]
    assert max(b.time - a.time for a, b in itertools.pairwise(after)) < 3
    assert f"next try in {wait}" in run.err


def test_transient_404_never_reports_the_task_gone(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=60))
    site.set_fault(Fault(kind="not_found", count=2))
    run = run_cli(capsys, clock, "watch", "--site", site.cloud_base, "--json", task)
    assert "gone" not in run.states(task)


def test_short_network_blip_is_survived_but_a_long_outage_gives_up(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    options = ("watch", "--site", site.cloud_base, "--json", "--interval", "5", "--give-up", "20")
    task = site.add_task(DemoTask(duration=60))
    site.set_fault(Fault(kind="disconnect", duration=15))
    run = run_cli(capsys, clock, *options, task)
    assert run.code == 0, run.err
    other = site.add_task(DemoTask(duration=60))
    site.set_fault(Fault(kind="disconnect", duration=40))
    run = run_cli(capsys, clock, *options, other)
    assert run.code == 4
    assert run.states(other) == ["unreachable"]


def test_gateway_base_with_bearer_token(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    task = site.add_task(DemoTask(duration=10))
    run = run_cli(capsys, clock, "watch", "--site", site.gateway_base, "--json", task)
    assert run.code == 0, run.err


def test_debug_log_shows_requests_but_never_the_authorization_header(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    task = site.add_task(DemoTask(duration=10))
    site.set_fault(Fault(kind="unauthorized_json", count=1))
    run = run_cli(
        capsys, clock, "-v", "watch", "--site", site.cloud_base, "--user", site.user_email, task
    )
    assert "/rest/api/longtask/" in run.err  # urllib3's request line: debug logging is on
    for secret in secret_forms(site):
        assert secret not in run.err
        assert secret not in caplog.text
    assert TOKEN not in repr(caplog.records)


def test_one_unreadable_task_does_not_keep_the_others_from_ending(
    site: DemoConfluence, clock: ManualClock, capsys: Capsys
) -> None:
    bad = site.add_task(DemoTask(duration=1000))
    good = site.add_task(DemoTask(duration=100))
    site.set_fault(Fault(kind="wrong_types", task_id=bad))
    started = clock()
    run = run_cli(
        capsys, clock, "watch", "--site", site.cloud_base, "--json",
        "--give-up", "30", "--timeout", "500", bad, good,
    )  # fmt: skip
    assert run.code == 4, run.err
    assert run.states(good)[-1] == "succeeded"
    assert run.states(bad)[-1] == "unreachable"
    order = [(line["task"], line["state"]) for line in run.json_lines()]
    assert order.index((bad, "unreachable")) < order.index((good, "succeeded")), (
        "given up on its own while its site still answered"
    )
    assert "'percentageComplete' should be a number" in run.err
    assert clock() - started < 500, (
        "gave up on the unreadable task instead of waiting for --timeout"
    )
    assert_no_secret(run, site)
