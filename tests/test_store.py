"""The store keeps sites, tasks, history and preferences across restarts, and survives damage."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from gui.confluence.site import AuthKind, SiteConfig, normalise_site_url
from gui.platform.store import Store, default_store_path
from gui.platform.store_schema import (
    MAX_HISTORY,
    MAX_STOPPED,
    FinishedTask,
    Preferences,
    StoppedTask,
    WatchedTask,
)


def _site(site_id: str = "site-1") -> SiteConfig:
    return SiteConfig(
        site_id=site_id,
        name="Acme",
        address=normalise_site_url("acme.atlassian.net"),
        auth_kind=AuthKind.BASIC,
        user="me@example.com",
        discover=True,
        ca_bundle="/etc/ssl/corp.pem",
    )


def test_everything_saved_comes_back_after_a_restart() -> None:
    store = Store()
    store.put_site(_site())
    store.watch("site-1", "111")
    store.watch("site-1", "222", discovered=True)
    running = WatchedTask("site-1", "222", "running", "Copying", "Copy", 40)
    failed = FinishedTask("site-1", "111", "failed", "Delete space", "Lock failed")
    store.remember_poll([], [running], [failed])
    store.set_preferences(Preferences(poll_interval=2.5).with_notify("gone", False))

    again = Store()

    assert again.problem is None
    assert again.sites == [_site()]
    assert [(t.task_id, t.phase, t.percent, t.discovered) for t in again.tasks] == [
        ("222", "running", 40, True)
    ]
    assert again.history[0].summary == "Lock failed"
    assert again.preferences.poll_interval == 2.5
    assert not again.preferences.notifies("gone")
    assert again.preferences.notifies("failed")


def test_removing_a_site_stops_its_tasks_but_keeps_its_history() -> None:
    store = Store()
    store.put_site(_site("site-1"))
    store.put_site(_site("site-2"))
    store.watch("site-1", "1")
    store.watch("site-2", "2")
    store.remember_poll([], [], [FinishedTask("site-1", "9", "succeeded")])

    store.remove_site("site-1")

    again = Store()
    assert [s.site_id for s in again.sites] == ["site-2"]
    assert [t.task_id for t in again.tasks] == ["2"]
    assert [h.task_id for h in again.history] == ["9"]


def test_a_poll_of_many_tasks_is_saved_once_and_keeps_what_the_user_stopped_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store()
    store.put_site(_site())
    restored = [WatchedTask("site-1", str(n), "waiting", added_at=1.0) for n in range(1000)]
    store.remember_poll(restored, [], [])
    store.unwatch("site-1", "7")  # stopped by the user while the poll was in flight
    saves: list[int] = []
    real_save = store.save
    monkeypatch.setattr(store, "save", lambda: saves.append(1) or real_save())

    polled = [replace(task, phase="running", percent=5, added_at=0.0) for task in restored]
    store.remember_poll([], polled, [FinishedTask("site-1", "3", "succeeded")])

    assert saves == [1]
    again = Store()
    assert len(again.tasks) == 998
    assert "7" not in {t.task_id for t in again.tasks}
    assert {(t.phase, t.percent, t.added_at) for t in again.tasks} == {("running", 5, 1.0)}
    assert [h.task_id for h in again.history] == ["3"]


def test_a_task_the_user_stopped_stays_stopped_after_a_restart_until_watched_again() -> None:
    store = Store()
    store.put_site(_site("site-1"))
    store.put_site(_site("site-2"))
    store.watch("site-1", "7", discovered=True)
    store.watch("site-2", "8")
    store.unwatch("site-1", "7")
    store.unwatch("site-2", "8")

    again = Store()
    assert again.tasks == []
    assert {(t.site_id, t.task_id) for t in again.stopped} == {("site-1", "7"), ("site-2", "8")}

    again.watch("site-1", "7")
    again.remove_site("site-2")
    assert [(t.task_id, t.discovered) for t in Store().tasks] == [("7", False)]
    assert Store().stopped == []


def test_only_the_newest_stops_are_kept() -> None:
    store = Store()
    store.put_site(_site())
    for n in range(MAX_STOPPED + 1):
        store.state.stopped.append(StoppedTask("site-1", str(n)))
    store.unwatch("site-1", "newest")
    assert len(Store().stopped) == MAX_STOPPED
    assert Store().stopped[-1].task_id == "newest"


def test_new_site_ids_never_repeat_an_existing_one() -> None:
    store = Store()
    store.put_site(_site("site-2"))
    first = store.new_site_id()
    store.put_site(_site(first))
    assert first != "site-2"
    assert store.new_site_id() not in {"site-2", first}


def test_history_keeps_only_the_newest_entries() -> None:
    store = Store()
    store.state.history = [FinishedTask("s", str(n), "succeeded") for n in range(MAX_HISTORY)]
    store.remember_poll([], [], [FinishedTask("s", "newest", "failed")])
    assert len(store.history) == MAX_HISTORY
    assert store.history[-1].task_id == "newest"
    assert store.history[0].task_id == "1"


@pytest.mark.parametrize(
    "content",
    [
        b'{"schema": 1, "sites": [{"site_id": "s"',  # cut off mid-write by an old tool
        b"\xff\xfe garbage",
        b'{"schema": 99, "sites": []}',
        b'{"schema": 1, "sites": [{"site_id": "s", "name": "x", "base_url": "u", '
        b'"auth_kind": "kerberos"}]}',
        b"[]",
    ],
)
def test_a_damaged_store_is_set_aside_and_the_app_starts_empty(
    content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = default_store_path()
    path.write_bytes(content)

    with caplog.at_level(logging.WARNING):
        store = Store()

    assert store.sites == []
    assert store.problem is not None and "kept in" in store.problem
    assert store.set_aside is not None and store.set_aside.read_bytes() == content
    assert store.set_aside.name.startswith("store.json.corrupt-")
    assert any("moved it to" in r.getMessage() for r in caplog.records)
    # The next save writes a fresh store and leaves the set-aside copy alone.
    store.put_site(_site())
    assert Store().sites == [_site()]
    assert store.set_aside.read_bytes() == content


def test_a_store_from_a_newer_field_set_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    data = {
        "schema": 1,
        "tasks": [{"site_id": "s", "task_id": "1", "colour": "blue"}],
        "preferences": {"poll_interval": 3},
    }
    path.write_text(json.dumps(data))
    store = Store(path)
    assert store.problem is None
    assert store.tasks[0].task_id == "1"
    assert store.preferences.poll_interval == 3.0


def test_the_store_file_is_private_to_the_user() -> None:
    store = Store()
    store.put_site(_site())
    assert store.path.stat().st_mode & 0o077 == 0
