"""The real app against a real gnome-keyring whose login keyring is locked.

Reading the saved site's token brings up the Secret Service's unlock prompt: gcr-prompter, a real
window on the X server, which waits for the user. Meanwhile the app's window goes on (it answers
a second start, closing it quits); once the prompt is answered, the token read on the app's
keyring thread reaches the poller and the site is polled.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from running_app import WAIT, RunningApp
from x11_close import request_close

from gui.confluence.site import SiteConfig, normalise_site_url
from gui.demo import DemoTask
from gui.platform.logging_setup import log_file_path
from gui.platform.store import Store

if TYPE_CHECKING:
    from tests.desktop.conftest import LockedKeyring

pytestmark = pytest.mark.desktop

PROMPT_TITLE = "Unlock Login Keyring"
# From closing the window to the process's end, while the prompt still waits (about 0.1 s).
AT_ONCE_SECONDS = 3.0


@pytest.fixture
def locked_keyring(
    locked_secret_service: Callable[[dict[str, str]], LockedKeyring], demo: Any
) -> LockedKeyring:
    """A real Secret Service that holds the demo site's token, its login keyring locked."""
    return locked_secret_service({"site-1": demo.token})


def save_site_with_a_task(demo: Any) -> str:
    """The demo site as site-1 (its token is in the keyring), watching one task; its id."""
    store = Store()
    store.put_site(SiteConfig("site-1", "Demo DC", normalise_site_url(demo.dc_base)))
    store.set_preferences(replace(store.preferences, poll_interval=1.0))
    task_id = demo.add_task(DemoTask(kind="export_space", dialect="dc", duration=1000))
    store.watch("site-1", task_id)
    return task_id


def start(env: dict[str, str], output: Path, *args: str) -> RunningApp:
    with output.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gui", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return RunningApp(proc, output, log_file_path())


@pytest.fixture
def running() -> Iterator[list[RunningApp]]:
    """The apps a test started; each is killed at the end if it still runs."""
    apps: list[RunningApp] = []
    yield apps
    for app in apps:
        if app.proc.poll() is None:
            app.proc.kill()
        app.proc.wait(timeout=10)


def prompt_windows() -> set[str]:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{PROMPT_TITLE}$"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return set(found.stdout.split())


def wait_for_new_prompt(before: set[str], app: RunningApp) -> str:
    """The unlock prompt that came up since ``before`` was taken (the app asked the keyring)."""
    deadline = time.monotonic() + WAIT
    while not (new := prompt_windows() - before):
        if time.monotonic() > deadline or app.proc.poll() is not None:
            pytest.fail(f"no {PROMPT_TITLE!r} prompt came up\n{app.describe()}")
        time.sleep(0.05)
    return new.pop()


def answer_prompt(window: str, password: str) -> None:
    """Type the keyring's password into the prompt and press Enter, as the user would."""
    for command in (
        ["windowfocus", "--sync", window],
        ["type", "--window", window, password],
        ["key", "--window", window, "Return"],
    ):
        subprocess.run(["xdotool", *command], check=True, timeout=10)


def test_while_the_unlock_prompt_waits_the_app_answers_and_once_answered_polls_the_site(
    locked_keyring: LockedKeyring, demo: Any, tmp_path: Path, running: list[RunningApp]
) -> None:
    task_id = save_site_with_a_task(demo)
    before = prompt_windows()
    app = start(locked_keyring.env, tmp_path / "app.txt", "--exit-when-done")
    running.append(app)
    prompt = wait_for_new_prompt(before, app)
    prompt_seen = time.monotonic()
    app.wait_for_window(visible=True)

    # A second start asks the first for its window: only a first whose loop runs hears it.
    second = start(locked_keyring.env, tmp_path / "second.txt")
    running.append(second)
    assert second.proc.wait(timeout=WAIT) == 0, second.describe()
    app.wait_for_log(re.compile("Another start asked for the window"))
    assert demo.requests == [], "nothing may be sent before the token is there"

    # Long enough a wait that the app logs it, from the thread that read the keyring.
    time.sleep(max(0.0, prompt_seen + 1.5 - time.monotonic()))
    answer_prompt(prompt, locked_keyring.password)
    app.wait_for_log(
        re.compile(r"\[keyring-reader\] Site site-1: the keyring took [\d.]+ s to answer")
    )
    deadline = time.monotonic() + WAIT
    while not any(task_id in record.path and record.status == 200 for record in demo.requests):
        assert time.monotonic() < deadline, f"the site was never polled\n{app.describe()}"
        time.sleep(0.05)
    demo.advance(1001)  # the task ends: the app quits as asked once it has seen that
    assert app.proc.wait(timeout=WAIT) == 0, app.describe()
    assert "Every watched task has ended" in app.log_text()
    assert demo.token not in app.log_text() + app.output.read_text(errors="replace")


def test_closing_the_window_while_the_unlock_prompt_waits_ends_the_app_at_once(
    locked_keyring: LockedKeyring, demo: Any, tmp_path: Path, running: list[RunningApp]
) -> None:
    save_site_with_a_task(demo)
    before = prompt_windows()
    app = start(locked_keyring.env, tmp_path / "app.txt")
    running.append(app)
    wait_for_new_prompt(before, app)
    window = app.wait_for_window(visible=True)
    assert window is not None

    closed_at = time.monotonic()
    request_close(window)  # no tray on this desktop: closing the window quits
    try:
        status = app.proc.wait(timeout=AT_ONCE_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {AT_ONCE_SECONDS} s after its window was closed")

    assert status == 0, app.describe()
    assert time.monotonic() - closed_at < AT_ONCE_SECONDS
    assert "Quitting (status 0)" in app.log_text()
    assert "Traceback" not in app.output.read_text(errors="replace"), app.describe()
    assert demo.requests == []
