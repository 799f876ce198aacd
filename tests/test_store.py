"""The store keeps sites, tasks, history and preferences across restarts, and survives damage."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest
from store_helpers import write_store

from gui.confluence.site import AuthKind, SiteConfig, normalise_site_url
from gui.confluence.task import MAX_ELAPSED_MS
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


def test_removing_a_site_drops_its_tasks_and_its_history() -> None:
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
    assert again.history == []


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


def test_a_disk_that_refuses_is_not_written_again_by_every_poll(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store()
    store.put_site(_site())
    store.watch("site-1", "1")
    store.remember_poll([], [WatchedTask("site-1", "1", "running", percent=1)], [])
    # A directory where the temporary file goes: the disk refuses every save, even as root.
    store.path.with_name(f".{store.path.name}.tmp").mkdir()
    store.watch("site-1", "2")
    assert store.unsaved

    with caplog.at_level(logging.DEBUG, logger="gui.platform.store"):
        for percent in range(2, 50):  # polls that only move the percent
            store.remember_poll([], [WatchedTask("site-1", "1", "running", percent=percent)], [])
        tries = sum("cannot save" in record.getMessage() for record in caplog.records)
        store.remember_poll([], [], [FinishedTask("site-1", "1", "succeeded")])
        tries_after_news = sum("cannot save" in record.getMessage() for record in caplog.records)

    assert (tries, tries_after_news) == (0, 1)
    store.path.with_name(f".{store.path.name}.tmp").rmdir()
    assert store.save()
    again = Store()
    assert [t.task_id for t in again.tasks] == ["2"]
    assert [h.task_id for h in again.history] == ["1"]


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
        b"[]",
        b'{"schema": 1, "tasks": [' * 50_000,  # nested deeper than Python's recursion limit
        b'{"schema": 1, "next_site_number": ' + b"9" * 5000 + b"}",  # past int's digit limit
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
        "sites": [{"site_id": "s", "name": "S", "base_url": "https://s.example.org", "v": 2}],
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


def test_a_removed_site_id_is_never_reused() -> None:
    store = Store()
    first, second = store.new_site_id(), store.new_site_id()
    store.put_site(_site(first))
    store.put_site(_site(second))
    store.remove_site(second)  # the last one: its number was the highest taken

    assert store.new_site_id() not in {first, second}
    assert Store().new_site_id() not in {first, second}, "forgotten after a restart"


def test_a_store_from_before_the_site_counter_never_reuses_an_id_it_mentions() -> None:
    site = {"site_id": "site-1", "name": "A", "base_url": "https://a.example.org"}
    old_history = {"site_id": "site-7", "task_id": "1", "outcome": "failed"}
    write_store(sites=[site], history=[old_history])

    store = Store()

    assert store.problem is None
    assert store.new_site_id().startswith("site-8-")


GOOD_SITE = {"site_id": "site-1", "name": "Good", "base_url": "https://good.example.org"}


@pytest.mark.parametrize(
    ("bad_site", "why"),
    [
        ({"user": 5, "auth_kind": "basic"}, "its user is not text"),
        ({"ca_bundle": 5}, "its ca_bundle is not text"),
        ({"discover": "yes"}, "its discover is not true or false"),
        ({"auth_kind": "kerberos"}, "its auth_kind is not one of basic, bearer"),
        ({"auth_kind": "basic"}, "has no email"),
        ({"base_url": "javascript:alert(1)"}, "its address is not usable"),
        ({"name": ["x"]}, "its name is missing or not text"),
    ],
)
def test_a_site_that_cannot_be_used_is_left_out_and_the_file_kept_as_it_was(
    bad_site: dict[str, object], why: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad = {"site_id": "site-2", "name": "Bad", "base_url": "https://bad.example.org", **bad_site}
    path = write_store(
        sites=[GOOD_SITE, bad],
        tasks=[
            {"site_id": "site-1", "task_id": "1", "phase": "running"},
            {"site_id": "site-2", "task_id": "2", "phase": "running"},
        ],
    )
    original = path.read_bytes()

    with caplog.at_level(logging.WARNING):
        store = Store()

    assert [site.site_id for site in store.sites] == ["site-1"]
    assert [task.task_id for task in store.tasks] == ["1"]
    assert store.problem is not None and why in store.problem
    assert "Everything else was loaded" in store.problem
    assert store.set_aside is not None and store.set_aside.read_bytes() == original
    assert str(store.set_aside) in store.problem
    assert any(why in record.getMessage() for record in caplog.records)
    # Nothing is overwritten until the next save, which writes what was loaded.
    assert path.read_bytes() == original
    store.save()
    again = Store()
    assert again.problem is None and [site.site_id for site in again.sites] == ["site-1"]
    assert store.set_aside.read_bytes() == original


def test_a_stored_address_is_read_as_the_site_base_it_stands_for() -> None:
    pasted = {"site_id": "site-2", "name": "Pasted", "base_url": "acme.atlassian.net/wiki/spaces/X"}
    write_store(sites=[GOOD_SITE, pasted])

    store = Store()

    site = store.site("site-2")
    assert site is not None
    assert site.address == normalise_site_url("https://acme.atlassian.net/wiki")
    told = "is now https://acme.atlassian.net/wiki (it was acme.atlassian.net/wiki/spaces/X)"
    assert store.problem is not None and f"the address of the site 'Pasted' {told}" in store.problem
    store.save()
    assert Store().problem is None and Store().sites == store.sites


def test_a_store_whose_copy_cannot_be_kept_is_left_alone_and_the_app_saves_beside_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_store(sites=[GOOD_SITE, {"site_id": "site-2"}])
    original = path.read_bytes()
    monkeypatch.setattr(time, "strftime", lambda _format: "20250101T000000")
    # A directory where the copy's temporary file goes: the copy fails, even as root.
    path.with_name(".store.json.before-repair-20250101T000000.tmp").mkdir()

    store = Store()

    assert [site.site_id for site in store.sites] == ["site-1"]
    assert store.path == path.with_name("store.json.new-20250101T000000")
    assert store.problem is not None
    assert f"{path} is left as it was, and the app saves to {store.path} for now" in store.problem
    store.watch("site-1", "1")
    assert path.read_bytes() == original
    assert [t.task_id for t in Store(store.path).tasks] == ["1"]


@pytest.mark.parametrize(
    ("field", "value", "read_as"),
    [
        ("percent", "ten", None),
        ("percent", 250, None),
        ("percent", True, None),
        ("elapsed_ms", "long", 0),
        ("elapsed_ms", -5, 0),
        ("elapsed_ms", 10**400, 0),
        ("elapsed_ms", MAX_ELAPSED_MS + 1, 0),  # longer than a century: what no server says
        ("title", ["x"], ""),
        ("summary", {"a": 1}, ""),
        ("finished_at", float("nan"), 0.0),
    ],
)
def test_a_finished_task_with_a_wrong_detail_is_kept_without_it(
    field: str, value: object, read_as: object
) -> None:
    entry = {"site_id": "site-1", "task_id": "h", "outcome": "succeeded", "percent": 100}
    write_store(sites=[GOOD_SITE], history=[{**entry, field: value}])

    store = Store()

    assert [(item.task_id, getattr(item, field)) for item in store.history] == [("h", read_as)]
    assert store.problem is not None and f"finished task h is shown without its {field}" in (
        store.problem
    )


def test_a_watched_task_with_wrong_details_is_still_watched() -> None:
    task = {"site_id": "site-1", "task_id": "1", "phase": 3, "percent": "half", "added_at": "now"}
    write_store(sites=[GOOD_SITE], tasks=[task, {"site_id": "site-1"}, "junk", "junk"])

    store = Store()

    assert [(t.task_id, t.phase, t.percent, t.added_at) for t in store.tasks] == [
        ("1", "waiting", None, 0.0)
    ]
    assert store.problem is not None
    assert "watched task 1 is shown without its phase, percent, added_at" in store.problem
    assert "watched task 2 was left out: its task_id is missing" in store.problem
    assert "and 1 more (see the log)" in store.problem  # the last junk entry


@pytest.mark.parametrize(
    ("stored", "read_as"),
    [
        (0, 1.0),
        (-5, 1.0),
        (1e-9, 1.0),
        (1e9, 600.0),
        (float("nan"), 5.0),
        (float("inf"), 5.0),
        ("5", 5.0),
        (True, 5.0),
        (10**400, 600.0),
    ],
)
def test_a_stored_poll_interval_is_brought_within_what_settings_allows(
    stored: object, read_as: float
) -> None:
    # Python's json writes NaN and Infinity, and reads them back, as JavaScript does not.
    write_store(preferences={"poll_interval": stored, "discovery_interval": 1})

    store = Store()

    assert store.preferences.poll_interval == read_as
    assert store.preferences.discovery_interval == 10.0
    assert store.problem is not None and f"now {read_as:g} s" in store.problem


def test_wrong_notification_settings_fall_back_to_on() -> None:
    write_store(preferences={"notify": {"gone": False, "failed": "no"}, "start_on_login": 1})
    store = Store()
    assert not store.preferences.notifies("gone")
    assert store.preferences.notifies("failed")
    assert store.preferences.start_on_login is False
    assert store.problem is not None and "'failed' is not on or off" in store.problem

    write_store(preferences={"notify": ["x"]})
    assert Store().preferences.notify == Preferences().notify


def test_a_store_that_reads_whole_is_not_copied() -> None:
    store = Store()
    store.put_site(_site())
    store.watch("site-1", "1")
    store.set_preferences(Preferences(poll_interval=1.0, discovery_interval=10.0))

    again = Store()

    assert again.problem is None and again.set_aside is None
    assert [p.name for p in again.path.parent.iterdir()] == ["store.json"]


def test_a_file_where_the_settings_folder_belongs_leaves_the_app_running_in_memory() -> None:
    folder = default_store_path(create=False).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")

    store = Store()  # no traceback

    assert store.sites == []
    assert store.problem is not None and "could not be read" in store.problem
    site = SiteConfig("site-1", "Docs", normalise_site_url("https://docs.example.com"))
    store.put_site(site)  # kept in memory; the save is refused
    assert [kept.site_id for kept in store.sites] == ["site-1"] and store.unsaved
    assert folder.read_text() == "not a folder"  # nothing of the user's is touched
