""" "Test connection" says who the site thinks you are, or exactly what is wrong."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool

from gui.confluence import checks
from gui.confluence.checks import CHECK_TIMEOUT, ConnectionReport
from gui.confluence.errors import SiteUnreachable
from gui.demo import DemoTask, Fault
from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.views.settings_site_dialog import SiteDialog

RETRY_WORDS = ("try again", "trying again", "will retry")


def run_check(qtbot: Any, url: str, token: str, user: str | None = None) -> ConnectionReport:
    dialog = SiteDialog(Store(), Secrets())
    qtbot.addWidget(dialog)
    dialog.form.url.setText(url)
    if user:
        dialog.form.auth_kind.setCurrentIndex(dialog.form.auth_kind.findData("basic"))
        dialog.form.user.setText(user)
    dialog.form.token.setText(token)
    with qtbot.waitSignal(dialog.connectionTested, timeout=20_000) as tested:
        dialog.test_button.click()
        assert not dialog.test_button.isEnabled()  # the answer comes later, off this thread
    report: ConnectionReport = tested.args[0]
    assert dialog.test_result.text().endswith(report.text)
    assert token not in report.text
    return report


def test_a_good_token_names_the_demo_user(qtbot: Any, demo: Any) -> None:
    report = run_check(qtbot, demo.cloud_base, demo.token, demo.user_email)
    assert report.ok
    assert "Signed in as Demo User" in report.text
    assert "task list is readable" in report.text


def test_a_data_center_personal_token_works_too(qtbot: Any, demo: Any) -> None:
    report = run_check(qtbot, demo.dc_base, demo.token)
    assert report.ok and "Demo User" in report.text


def test_a_refused_token_is_named(qtbot: Any, demo: Any) -> None:
    report = run_check(qtbot, demo.cloud_base, "wrong-token-123", demo.user_email)
    assert not report.ok
    assert report.text.startswith("Credentials refused")
    assert "401" in report.text and "API token" in report.text


@pytest.mark.parametrize(
    ("fault", "named"),
    [
        ("login_page", "Sign-in page instead of data"),
        ("redirect", "Redirected to a sign-in page"),
        ("unauthorized", "Credentials refused"),
    ],
)
def test_a_misbehaving_site_is_named(qtbot: Any, demo: Any, fault: str, named: str) -> None:
    demo.set_fault(Fault(kind=fault))
    report = run_check(qtbot, demo.cloud_base, demo.token, demo.user_email)
    assert not report.ok
    assert report.text.startswith(named), report.text


def test_an_answer_that_is_not_confluence_is_named(qtbot: Any, demo: Any) -> None:
    demo.set_fault(Fault(kind="not_json"))
    report = run_check(qtbot, demo.dc_base, demo.token)
    assert not report.ok
    assert report.text.startswith("Not a Confluence REST API at this address")


def test_an_unreachable_host_is_named(qtbot: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = run_check(qtbot, f"http://127.0.0.1:{port}/confluence", "tok-123456")
    assert not report.ok
    assert report.text.startswith("Unreachable")
    assert "Check the address" in report.text


def test_closing_the_dialog_cuts_a_check_that_waits_on_a_silent_host(qtbot: Any) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    dialog = SiteDialog(Store(), Secrets())
    qtbot.addWidget(dialog)
    dialog.form.url.setText(f"http://127.0.0.1:{listener.getsockname()[1]}/confluence")
    dialog.form.token.setText("token-for-a-silent-host")
    answers: list[ConnectionReport] = []
    dialog.connectionTested.connect(answers.append)
    dialog.test_button.click()
    connection, _ = listener.accept()
    # Well before the check's read timeout, which would end it (and close the connection) too.
    connection.settimeout(CHECK_TIMEOUT[1] / 2)

    try:
        dialog.reject()
        while connection.recv(1024):  # the request, then the end of the connection
            pass
        assert QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()
        assert answers == [], "a cut check still reported to the closed dialog"
    finally:
        connection.close()
        listener.close()


def assert_no_promise_to_retry(report: ConnectionReport) -> None:
    """A one-off check retries nothing, so it must not say it will."""
    assert not any(words in report.text.lower() for words in RETRY_WORDS), report.text


@pytest.mark.parametrize("where", ["fault", "wrong context path"])
def test_a_404_for_who_am_i_says_the_address_is_not_a_confluence_api(
    qtbot: Any, demo: Any, where: str
) -> None:
    url = demo.dc_base
    if where == "fault":
        demo.set_fault(Fault(kind="not_found"))
    else:
        url = demo.url + "/wiki-typo"

    report = run_check(qtbot, url, demo.token)

    assert not report.ok
    assert report.text.startswith("Not a Confluence REST API at this address: "), report.text
    assert "404 for /rest/api/user/current" in report.text
    assert "Check the site address" in report.text
    assert "no such task" not in report.text


def test_fields_of_the_wrong_type_are_named_as_such(qtbot: Any, demo: Any) -> None:
    demo.set_fault(Fault(kind="wrong_types"))

    report = run_check(qtbot, demo.dc_base, demo.token)

    assert not report.ok
    assert report.text.startswith("Signed in as Demo User"), report.text
    assert "A field of the wrong type: " in report.text
    assert "field 'percentageComplete' should be a number" in report.text
    assert "Not a Confluence REST API" not in report.text


def test_one_unreadable_task_leaves_the_list_readable_and_is_named(qtbot: Any, demo: Any) -> None:
    demo.add_task(DemoTask(dialect="dc", duration=1000))
    spoiled = demo.add_task(DemoTask(dialect="dc", duration=1000))
    demo.set_fault(Fault(kind="wrong_types", task_id=spoiled))

    report = run_check(qtbot, demo.dc_base, demo.token)

    assert report.ok, report.text
    assert "The task list is readable (1 active task). 1 more could not be read" in report.text
    assert f"A field of the wrong type: Task {spoiled}: field 'percentageComplete'" in report.text


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (
            Fault(kind="rate_limited", retry_after=30),
            "is rate limiting requests and asks to wait 30 s.",
        ),
        (Fault(kind="server_error"), "is having trouble (500 Internal Server Error)."),
        (Fault(kind="server_error", status=503, retry_after=5), "is having trouble (503 "),
    ],
)
def test_a_busy_site_is_named_without_promising_a_retry(
    qtbot: Any, demo: Any, fault: Fault, said: str
) -> None:
    demo.set_fault(fault)

    report = run_check(qtbot, demo.dc_base, demo.token)

    assert not report.ok
    assert report.text.startswith("Site busy: "), report.text
    assert said in report.text
    assert_no_promise_to_retry(report)


@pytest.fixture
def short_check_timeouts(monkeypatch: pytest.MonkeyPatch) -> tuple[float, float]:
    """Connect and read timeouts of a fraction of a second, so a test need not wait 5 s."""
    timeouts = (0.4, 0.6)
    monkeypatch.setattr(checks, "CHECK_TIMEOUT", timeouts)
    return timeouts


def test_a_read_timeout_names_the_read_timeout(
    qtbot: Any, demo: Any, short_check_timeouts: tuple[float, float]
) -> None:
    demo.set_fault(Fault(kind="slow", delay=3))

    report = run_check(qtbot, demo.dc_base, demo.token)

    assert not report.ok
    assert report.text.startswith("Unreachable: "), report.text
    assert "did not answer within 0.6 s" in report.text
    assert_no_promise_to_retry(report)


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose listen queue is full: the kernel leaves new connections unanswered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    waiting = []
    for _ in range(8):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        waiting.append(client)
    probe = socket.socket()
    probe.settimeout(0.2)
    try:
        probe.connect(("127.0.0.1", port))
    except TimeoutError:
        pass
    else:
        pytest.skip("this system answers connections beyond a full listen queue")
    finally:
        probe.close()
    yield port
    for client in [*waiting, listener]:
        client.close()


def test_a_connect_timeout_names_the_connect_timeout(
    qtbot: Any, unanswered_port: int, short_check_timeouts: tuple[float, float]
) -> None:
    report = run_check(qtbot, f"http://127.0.0.1:{unanswered_port}/confluence", "tok-123456")

    assert not report.ok
    assert report.text.startswith("Unreachable: "), report.text
    assert "did not accept a connection within 0.4 s" in report.text
    assert "0.6 s" not in report.text
    assert_no_promise_to_retry(report)


def test_a_cloud_id_look_up_that_times_out_names_the_timeout_without_promising_a_retry(
    short_check_timeouts: tuple[float, float],
) -> None:
    listener = socket.socket()  # accepts connections (the kernel does) and never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with pytest.raises(SiteUnreachable) as caught:
            checks.lookup_cloud_id(f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        listener.close()

    said = str(caught.value)
    assert "did not answer within 0.6 s" in said
    assert not any(words in said.lower() for words in RETRY_WORDS), said
