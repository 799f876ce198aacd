"""The app's memory on disk: sites, watched tasks, finished-task history and preferences.

One JSON file, replaced atomically on every save (write a temp file, fsync, rename), so a crash
or a kill at any moment leaves either the previous or the new state. A file that cannot be read
is moved aside, never deleted, and the app starts with an empty store and a warning; a file with
some records that cannot be used loads the rest, and a copy of it as it was is kept beside it.
A save the disk refuses leaves the change in effect in memory; the next save writes everything.
Nothing here tries again on its own: the next change does, and so does the app's retry timer
(gui/views/saved_sites.py). Used from the GUI thread only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from gui.confluence.site import SiteConfig
from gui.platform.paths import config_dir
from gui.platform.store_reading import StoreFormatError, state_from_json
from gui.platform.store_schema import (
    MAX_HISTORY,
    MAX_STOPPED,
    FinishedTask,
    Preferences,
    StoppedTask,
    StoreState,
    WatchedTask,
    state_to_json,
)

log = logging.getLogger(__name__)

STORE_FILE = "store.json"
# How many of the records left out on load the notice names; the log has them all.
PROBLEMS_NAMED = 3


def default_store_path(*, create: bool = True) -> Path:
    """Where the store lives unless told otherwise (its folder made, unless ``create`` is
    False)."""
    return config_dir(create=create) / STORE_FILE


class Store:
    """Loads the state once, hands out its parts and writes it back after every change.

    ``problem`` is a sentence for the UI when the previous file had to be set aside, or parts
    of it left out (``set_aside`` is where the file as it was went); None when everything
    loaded. ``save_failed`` is called with a sentence for the UI at the first of a spell of
    failed saves (a save that works ends the spell); every failure is logged.
    """

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            try:
                path = default_store_path()
            except OSError as error:
                # Its folder cannot be made (a file in its place, no permission): reading and
                # saving then fail below, each saying so, and the app goes on in memory.
                log.warning("The settings folder cannot be made: %s", error)
                path = default_store_path(create=False)
        self.path = path
        self.problem: str | None = None
        self.set_aside: Path | None = None
        self.save_failed: Callable[[str], None] | None = None
        self.saved_again: Callable[[], None] | None = None  # the first save after failed ones
        self.unsaved = False  # the last save failed: memory holds changes the file does not
        self._kept_in_memory = False  # polls' percents and messages not written yet
        self.state = self._load()

    # Reading

    @property
    def sites(self) -> list[SiteConfig]:
        return list(self.state.sites)

    @property
    def tasks(self) -> list[WatchedTask]:
        return list(self.state.tasks)

    @property
    def history(self) -> list[FinishedTask]:
        return list(self.state.history)

    @property
    def stopped(self) -> list[StoppedTask]:
        return list(self.state.stopped)

    @property
    def preferences(self) -> Preferences:
        return self.state.preferences

    def site(self, site_id: str) -> SiteConfig | None:
        return next((site for site in self.state.sites if site.site_id == site_id), None)

    def new_site_id(self) -> str:
        """An id no site has had, in this store or any other: the keyring entry is filed under
        it, and a store that was reset or set aside must not hand a new site (maybe on another
        host) the token an old one left in the keyring. So the number, which only counts in
        this store, comes with a random part. Each call uses up a number."""
        taken = {site.site_id for site in self.state.sites}
        number = self.state.next_site_number
        while any(site_id.startswith(f"site-{number}-") for site_id in taken):
            number += 1
        self.state.next_site_number = number + 1
        return f"site-{number}-{secrets.token_hex(4)}"

    # Changing

    def put_site(self, site: SiteConfig) -> None:
        """Add a site, or replace the one with the same id, keeping its place in the list."""
        sites = self.state.sites
        for index, existing in enumerate(sites):
            if existing.site_id == site.site_id:
                sites[index] = site
                break
        else:
            sites.append(site)
        self.save()

    def remove_site(self, site_id: str) -> None:
        """Forget a site with its watched tasks and its finished history."""
        self.state.sites = [s for s in self.state.sites if s.site_id != site_id]
        self.state.tasks = [t for t in self.state.tasks if t.site_id != site_id]
        self.state.stopped = [t for t in self.state.stopped if t.site_id != site_id]
        self.state.history = [h for h in self.state.history if h.site_id != site_id]
        self.save()

    def watch(self, site_id: str, task_id: str, *, discovered: bool = False) -> WatchedTask:
        """Watch a task (again, also one the user had stopped); watching one already watched
        changes nothing."""
        stopped = len(self.state.stopped)
        self.state.stopped = [
            t for t in self.state.stopped if (t.site_id, t.task_id) != (site_id, task_id)
        ]
        task = self._find(site_id, task_id)
        if task is None:
            task = WatchedTask(site_id, task_id, discovered=discovered, added_at=time.time())
            self.state.tasks.append(task)
        elif len(self.state.stopped) == stopped:
            return task
        self.save()
        return task

    def remember_poll(
        self,
        added: list[WatchedTask],
        updated: list[WatchedTask],
        finished: list[FinishedTask],
    ) -> None:
        """One poll's news at once, with at most one save (a poll of a thousand restored tasks
        must not write the file a thousand times): tasks newly watched, what watched ones last
        showed, and those that ended, moved to the history.

        An update for a task no longer watched (the user stopped it mid-poll) is dropped; an
        update keeps the task's ``added_at`` and ``discovered``. Saved when a task was added,
        changed phase or ended. A poll that only moved percents or messages is kept in memory
        for the next save, also while the disk refuses: a full fsync'd write of the store on
        every poll of every site would only fail again (the retry timer writes it later).
        """
        dirty = False
        for task in added:
            if self._find(task.site_id, task.task_id) is None:
                self.state.tasks.append(replace(task, added_at=task.added_at or time.time()))
                dirty = True
        index = {(t.site_id, t.task_id): i for i, t in enumerate(self.state.tasks)}
        for task in updated:
            where = index.get((task.site_id, task.task_id))
            if where is None:
                continue
            old = self.state.tasks[where]
            self.state.tasks[where] = replace(
                old, phase=task.phase, summary=task.summary, title=task.title, percent=task.percent
            )
            dirty = dirty or old.phase != task.phase
            self._kept_in_memory = True
        if finished:
            ended = {(item.site_id, item.task_id) for item in finished}
            self.state.tasks = [t for t in self.state.tasks if (t.site_id, t.task_id) not in ended]
            self.state.history = [*self.state.history, *finished][-MAX_HISTORY:]
            dirty = True
        if dirty:
            self.save()

    def _find(self, site_id: str, task_id: str) -> WatchedTask | None:
        return next(
            (t for t in self.state.tasks if t.site_id == site_id and t.task_id == task_id), None
        )

    def unwatch(self, site_id: str, task_id: str) -> None:
        """The user stopped watching a task: gone from the watched list and the history, and
        remembered as stopped, so that a restart (or discovery after it) does not bring it back.
        Watching it again by id undoes that."""
        key = (site_id, task_id)
        kept = [t for t in self.state.stopped if (t.site_id, t.task_id) != key]
        self.state.stopped = [*kept, StoppedTask(site_id, task_id, time.time())][-MAX_STOPPED:]
        self.forget([key])

    def forget(self, keys: list[tuple[str, str]]) -> None:
        """Drop tasks from the watched list and from the history (the user removed or cleared
        them), in one save."""
        gone = set(keys)
        self.state.tasks = [t for t in self.state.tasks if (t.site_id, t.task_id) not in gone]
        self.state.history = [h for h in self.state.history if (h.site_id, h.task_id) not in gone]
        self.save()

    def clear_history(self) -> None:
        self.state.history = []
        self.save()

    def set_preferences(self, preferences: Preferences) -> None:
        self.state.preferences = preferences
        self.save()

    # Disk

    def save(self) -> bool:
        """Write the whole state atomically; False when the disk refused.

        A refusal is never raised: every change is made in memory first, so the app goes on
        with it, and the next save that works writes everything (the app also tries again by
        itself, gui/views/saved_sites.py).
        """
        text = json.dumps(state_to_json(self.state), indent=1, ensure_ascii=False)
        try:
            write_atomically(self.path, text.encode("utf-8"))
        except OSError as error:
            self._report_failed_save(error)
            return False
        self._kept_in_memory = False
        if self.unsaved:
            log.info("Saved settings to %s again", self.path)
            self.unsaved = False
            if self.saved_again is not None:
                self.saved_again()
        return True

    def flush(self) -> bool:
        """Write what memory holds and the file does not (on quit); True when nothing is left
        unwritten."""
        if self._kept_in_memory or self.unsaved:
            return self.save()
        return True

    def _report_failed_save(self, error: OSError) -> None:
        if self.unsaved:
            log.debug("Still cannot save settings to %s: %s", self.path, error)
            return
        self.unsaved = True
        log.warning("Could not save settings to %s: %s", self.path, error)
        if self.save_failed is not None:
            self.save_failed(
                f"Could not save your sites, tasks and settings to {self.path} "
                f"({error.strerror or error}). What you changed is in effect until the app "
                "quits, and the app saves it all as soon as the disk lets it."
            )

    def _load(self) -> StoreState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return StoreState()
        except OSError as error:
            return self._start_empty(f"could not be read ({error.strerror or error})")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            # ValueError besides JSONDecodeError: an integer of more than 4300 digits.
            return self._start_empty("is not valid JSON (damaged)")
        try:
            result = state_from_json(data)
        except StoreFormatError as error:
            return self._start_empty(f"could not be understood: {error}")
        if result.problems:
            self._keep_copy(raw, result.problems)
        return result.state

    def _keep_copy(self, raw: bytes, problems: list[str]) -> None:
        """Some records were left out or reset: keep the file as it was beside the store."""
        named = "; ".join(problems[:PROBLEMS_NAMED])
        if len(problems) > PROBLEMS_NAMED:
            named += f"; and {len(problems) - PROBLEMS_NAMED} more (see the log)"
        aside = self._aside_path("before-repair")
        try:
            write_atomically(aside, raw)
        except OSError as error:
            kept = self._save_beside(f"copy the store {self.path} to {aside}", error)
            self.problem = (
                f"Some of your saved settings could not be used: {named}. Everything else "
                f"was loaded. {kept} is left as it was, and the app saves to {self.path} for now."
            )
            return
        self.set_aside = aside
        self.problem = (
            f"Some of your saved settings could not be used: {named}. Everything else was "
            f"loaded. The file as it was is kept in {aside}."
        )
        log.warning(
            "Store %s: %d record(s) left out or reset; copied it to %s",
            self.path,
            len(problems),
            aside,
        )

    def _save_beside(self, what_failed: str, error: OSError) -> Path:
        """Save to a new file beside the store from now on, and return the store's path: a
        file that could not be copied or moved aside must never be overwritten."""
        kept, self.path = self.path, self._aside_path("new")
        log.warning("Could not %s: %s; saving to %s instead", what_failed, error, self.path)
        return kept

    def _aside_path(self, kind: str) -> Path:
        """A name beside the store that is not taken yet: store.json.<kind>-<time>[-<n>]."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{kind}-{stamp}")
        counter = 1
        while aside.exists():
            counter += 1
            aside = self.path.with_name(f"{self.path.name}.{kind}-{stamp}-{counter}")
        return aside

    def _start_empty(self, why: str) -> StoreState:
        aside = self._aside_path("corrupt")
        try:
            os.replace(self.path, aside)
        except OSError as error:
            kept = self._save_beside(f"move the unreadable store {self.path} aside", error)
            self.problem = (
                f"The file with your saved settings, {kept}, {why} and could not be moved "
                f"aside. The app started with no sites and saves to {self.path} for now."
            )
            return StoreState()
        self.set_aside = aside
        self.problem = (
            f"The file with your saved settings {why}. Its content was kept in {aside} and "
            "the app started with no sites; add them again, or restore that file while the app "
            "is closed."
        )
        log.warning("Store %s %s; moved it to %s and started empty", self.path, why, aside)
        return StoreState()


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that readers see the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # One fixed name: a write killed half-way leaves one stale temp file, which the next
    # save truncates, instead of one more per crash.
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (matters on power loss).
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
