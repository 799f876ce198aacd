"""The saved sites' tokens are read off the GUI thread: while a keyring prompt waits for the user,
the window goes on, every site and its tasks are listed and say what they wait for, and quitting
(Quit, Ctrl-C, SIGTERM) does not wait for the keyring. Once it answers, each site is polled with
the tasks it had; a keyring that refuses still pauses the site with its reason."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from app_process import app_script
from keyring_helpers import PromptingKeyring
from PySide6.QtCore import QTimer
from views_helpers import save_demo_site, start_app, until_tokens_read

from gui import APP_NAME
from gui.confluence.site import SiteConfig
from gui.demo import DemoTask
from gui.platform.logging_setup import log_file_path
from gui.platform.store import Store
from gui.platform.store_schema import FinishedTask
from gui.polling.states import Phase, SiteState
from gui.views.controller import AppController
from gui.views.saved_sites import READING_TOKEN_REASON, SavedSites
from gui.views.task_model import Column

__all__ = ["start_app"]  # a fixture, used by name

TESTS = Path(__file__).resolve().parent
StartApp = Callable[..., tuple[AppController, SavedSites]]
# Quitting's own budget is a fraction of this (tests/test_quit_while_hanging.py); a read that
# was waited for would never end at all.
AT_ONCE_SECONDS = 3.0


@pytest.fixture
def prompting() -> Iterator[PromptingKeyring]:
    """The keyring shows its prompt on every read until the test calls ``answer()``."""
    backend = PromptingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.answer()  # whatever still waits goes on, so that no thread outlives the test


def test_while_the_keyring_prompt_waits_the_window_goes_on_and_the_site_says_so(
    qtbot: Any, start_app: StartApp, demo: Any, prompting: PromptingKeyring
) -> None:
    site = save_demo_site(demo)
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=1000))
    Store().watch(site.site_id, task_id)
    turns_while_waiting: list[float] = []
    timer = QTimer()
    timer.timeout.connect(
        lambda: turns_while_waiting.append(time.monotonic()) if prompting.waiting_now else None
    )
    timer.start(10)

    app, saved = start_app()
    assert prompting.wait_for_read()
    qtbot.waitUntil(lambda: len(turns_while_waiting) >= 5, timeout=2000)

    assert [listed.site_id for listed in app.window.sites()] == [site.site_id]
    line = app.window.site_status.line(site.site_id)
    assert line is not None and line.state is SiteState.PAUSED
    assert line.reason == READING_TOKEN_REASON
    assert "Reading the token from the keyring…" in app.window.site_status.label_text(site.site_id)
    app._batch.flush()
    model = app.window.model
    assert [view.task_id for view in model.tasks()] == [task_id]
    assert model.index(0, Column.MESSAGE).data() == f"Site paused: {READING_TOKEN_REASON}"
    assert saved.reading_tokens()
    assert demo.requests == [], "nothing may be sent before the token is there"

    prompting.answer()
    qtbot.waitUntil(lambda: line.state is SiteState.OK, timeout=5000)
    qtbot.waitUntil(lambda: model.task(0).phase is Phase.RUNNING, timeout=5000)
    answer = model.task(0).last_answer
    assert answer is not None and answer.ok
    assert not saved.reading_tokens()
    assert prompting.reads == [(site.site_id, "keyring-reader")], "read off the GUI thread"


def test_sites_are_read_one_at_a_time_in_their_order_and_none_of_their_tasks_is_lost(
    qtbot: Any, start_app: StartApp, demo: Any, prompting: PromptingKeyring
) -> None:
    site_ids = ["site-3", "site-1", "site-2"]  # the store's order, which is not the ids'
    watched: dict[str, str] = {}
    for number, site_id in enumerate(site_ids):
        save_demo_site(demo, site_id, f"Demo {number}")
    store = Store()
    for site_id in site_ids:
        watched[site_id] = demo.add_task(DemoTask(kind="delete_space", dialect="dc", duration=600))
        store.watch(site_id, watched[site_id])
    store.remember_poll(
        [],
        [],
        [FinishedTask("site-1", "1179649", "succeeded", title="Copy page hierarchy")],
    )

    app, saved = start_app()
    assert prompting.wait_for_read()
    qtbot.wait(100)  # time for a second read to begin, if reads overlapped

    assert prompting.reads == [("site-3", "keyring-reader")]
    assert [site.site_id for site in app.window.sites()] == site_ids
    for site_id in site_ids:
        line = app.window.site_status.line(site_id)
        assert line is not None and line.reason == READING_TOKEN_REASON
    app._batch.flush()
    shown = {view.task_id: view.phase for view in app.window.model.tasks()}
    assert shown == {
        "1179649": Phase.SUCCEEDED,
        **{task: Phase.WAITING for task in watched.values()},
    }

    prompting.answer()
    until_tokens_read(qtbot, saved)
    assert [account for account, _thread in prompting.reads] == site_ids
    model = app.window.model
    qtbot.waitUntil(
        lambda: all(
            view.phase is Phase.RUNNING
            for view in model.tasks()
            if view.task_id in watched.values()
        ),
        timeout=5000,
    )
    assert {view.key for view in model.tasks()} == {
        ("site-1", "1179649"),
        *watched.items(),
    }
    assert [site.site_id for site in app.window.sites()] == site_ids


def test_quit_does_not_wait_for_a_keyring_prompt_and_nothing_is_polled_after_it(
    qtbot: Any, start_app: StartApp, demo: Any, prompting: PromptingKeyring
) -> None:
    save_demo_site(demo)
    app, saved = start_app()
    assert prompting.wait_for_read()

    started = time.monotonic()
    app.quit(0)
    seconds = time.monotonic() - started

    assert seconds < 0.5, f"Quit took {seconds:.2f} s"
    prompting.answer()  # answered after all, while the app ends
    qtbot.wait(200)
    assert app.service.site_ids() == []
    assert demo.requests == []
    assert not saved.keyring_retry_pending()


def save_site_with_a_task(demo: Any) -> SiteConfig:
    site = save_demo_site(demo)
    Store().watch(site.site_id, demo.add_task(DemoTask(dialect="dc", duration=600)))
    return site


def test_retry_sign_in_while_the_keyring_still_prompts_asks_it_only_once(
    qtbot: Any, start_app: StartApp, demo: Any, prompting: PromptingKeyring
) -> None:
    site = save_site_with_a_task(demo)
    prompting.give_up_s = 0.0  # the first prompt is dismissed at once
    app, saved = start_app()
    until_tokens_read(qtbot, saved)
    line = app.window.site_status.line(site.site_id)
    assert line is not None and line.state is SiteState.PAUSED and "dismissed" in line.reason
    assert saved.keyring_retry_pending()
    prompting.give_up_s = 10.0
    prompting.wait_for_read()  # the dismissed read counted once

    app.actions.retry_sign_in.trigger()  # the prompt comes up again, and waits
    assert prompting.wait_for_read()
    assert line.reason == READING_TOKEN_REASON and not saved.keyring_retry_pending()
    app.actions.retry_sign_in.trigger()  # impatient: the read under way is the one that counts
    prompting.answer()

    qtbot.waitUntil(lambda: line.state is SiteState.OK, timeout=5000)
    assert len(prompting.reads) == 2
    assert not saved.keyring_retry_pending()


def test_a_token_saved_in_settings_while_the_keyring_prompts_is_used_at_once(
    qtbot: Any, start_app: StartApp, demo: Any, prompting: PromptingKeyring
) -> None:
    site = save_site_with_a_task(demo)
    prompting.passwords[(APP_NAME, site.site_id)] = "stale-token-from-an-old-run"
    app, saved = start_app()
    assert prompting.wait_for_read()

    saved.secrets.keep_for_session(site.site_id, demo.token)  # what Settings does, then:
    saved._add_site(site.site_id)

    line = app.window.site_status.line(site.site_id)
    assert line is not None
    qtbot.waitUntil(lambda: line.state is SiteState.OK, timeout=5000)
    assert not saved.reading_tokens(), "the answer still to come is no longer wanted"
    prompting.answer()
    qtbot.wait(300)
    assert line.state is SiteState.OK
    assert {record.status for record in demo.requests} == {200}


# The real app in a process of its own, with a keyring whose prompt nobody ever answers.
APP_WITH_A_PROMPT_NOBODY_ANSWERS = """
import pathlib, sys, threading
sys.path.insert(0, {tests!r})
import keyring
from keyring_helpers import MemoryKeyring


class Prompting(MemoryKeyring):
    def get_password(self, service, username):
        pathlib.Path({marker!r}).touch()
        threading.Event().wait()


keyring.set_keyring(Prompting())
from gui.cli import main

sys.exit(main([]))
"""


@pytest.mark.parametrize(("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_app_at_once_while_a_keyring_prompt_waits(
    demo: Any, tmp_path: Path, number: int, status: int
) -> None:
    save_demo_site(demo)
    marker = tmp_path / "reading"
    script = APP_WITH_A_PROMPT_NOBODY_ANSWERS.format(tests=str(TESTS), marker=str(marker))
    stderr = tmp_path / "stderr.txt"
    with app_script(script, stderr) as app:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert app.poll() is None, "the app ended before it read the keyring"
            assert time.monotonic() < deadline, "the app never read the keyring"
            time.sleep(0.02)
        app.send_signal(number)
        try:
            ended = app.wait(timeout=AT_ONCE_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {AT_ONCE_SECONDS} s after signal {number}")
    errors = stderr.read_text()

    assert ended == status, errors
    assert "Traceback" not in errors and "QThread" not in errors, errors
    assert f"Quitting (status {status})" in log_file_path().read_text(encoding="utf-8")
