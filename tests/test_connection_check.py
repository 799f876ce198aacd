""" "Test connection" says who the site thinks you are, or exactly what is wrong."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool

from gui.demo import Fault
from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.views.settings_connection import CHECK_TIMEOUT, ConnectionReport
from gui.views.settings_site_dialog import SiteDialog


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
