"""A site that echoes the caller's credentials back in its task answers (the demo's
``echo_credentials`` fault): no form of them gets past the client, so none reaches the store, a
notification, the details pane or a log."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from secret_helpers import leaks
from views_helpers import fast_controller, load_saved

from gui.confluence import ConfluenceClient, Credentials, TaskStatus, normalise_site_url
from gui.confluence.site import AuthKind, SiteConfig
from gui.demo import DemoConfluence, DemoTask, Fault
from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.platform.store_schema import Preferences
from gui.polling.states import Phase
from gui.views import details_pane


def every_text(task: TaskStatus) -> str:
    """Everything a TaskStatus carries, the raw answer included, as one string."""
    return repr(dataclasses.astuple(task)) + repr(task.raw)


@pytest.mark.parametrize("user", ["basic", "bearer"])
def test_a_task_answer_that_echoes_the_credentials_hands_up_none_of_them(
    demo: DemoConfluence, user: str
) -> None:
    failing = demo.add_task(DemoTask(kind="export_space", outcome="failure", duration=10))
    running = demo.add_task(DemoTask(kind="export_space", duration=1000))
    demo.advance(20)
    demo.set_fault(Fault("echo_credentials"))
    credentials = Credentials.for_token(demo.token, demo.user_email if user == "basic" else None)
    with ConfluenceClient(normalise_site_url(demo.cloud_base), credentials) as client:
        ended = client.get_task(failing)
        listed = client.list_active_tasks()
        me = client.current_user()

    assert ended.state.ended and ended.errors and ended.result_url
    assert [task.task_id for task in listed] == [running]
    assert all(r.fault == "echo_credentials" for r in demo.requests)
    for task in (ended, *listed):
        assert "[redacted]" in task.title and "[redacted]" in task.message
        assert not leaks(every_text(task), demo)
    assert "[redacted]" in ended.failure_reason and not leaks(ended.failure_reason, demo)
    assert "[redacted]" in me.display_name and not leaks(repr(me), demo)


def test_a_site_that_echoes_the_credentials_gets_them_into_no_file_and_no_alert(
    qtbot: Any, demo: DemoConfluence, isolated_home: Path
) -> None:
    store = Store()
    site = SiteConfig(
        "site-1",
        "Demo Cloud",
        normalise_site_url(demo.cloud_base),
        auth_kind=AuthKind.BASIC,
        user=demo.user_email,
    )
    store.put_site(site)
    store.set_preferences(Preferences(poll_interval=1.0))  # the shortest Settings allows
    Secrets().store(site.site_id, demo.token)
    failing = demo.add_task(DemoTask(kind="export_space", outcome="failure", duration=10))
    running = demo.add_task(DemoTask(kind="export_space", duration=1000))
    demo.set_fault(Fault("echo_credentials"))

    app = fast_controller(qtbot)
    alerts: list[Any] = []
    app.alertRaised.connect(alerts.append)
    app.start()
    saved = load_saved(app)
    for task_id in (failing, running):
        saved.store.watch(site.site_id, task_id)
        app.watch(site.site_id, task_id)
    qtbot.waitUntil(lambda: len(app.window.model.tasks()) == 2, timeout=5000)
    qtbot.waitUntil(
        lambda: all(view.status is not None for view in app.window.model.tasks()), timeout=5000
    )
    demo.advance(20)  # the failing task ends
    qtbot.waitUntil(lambda: len(saved.store.history) == 1, timeout=5000)
    qtbot.waitUntil(lambda: len(alerts) == 1, timeout=5000)
    views = app.window.model.tasks()
    shown = [details_pane.details_text(view, site.name, None) for view in views]
    app.quit(0)
    QCoreApplication.processEvents()

    written = {
        path: path.read_text("utf-8", "replace")
        for path in isolated_home.rglob("*")
        if path.is_file()
    }
    assert any(path.name == "store.json" for path in written)
    assert {
        str(path): leaks(text, demo) for path, text in written.items() if leaks(text, demo)
    } == {}
    assert "[redacted]" in next(t for p, t in written.items() if p.name == "store.json")
    assert alerts[0].target == (site.site_id, failing) and "[redacted]" in alerts[0].title
    assert not leaks(f"{alerts[0].title} {alerts[0].body}", demo)
    assert [view.phase for view in views if view.task_id == failing] == [Phase.FAILED]
    assert not [leaks(text, demo) for text in shown if leaks(text, demo)]
