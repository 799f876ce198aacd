"""Reading the store's JSON back, trusting nothing in it: the file may have been edited by hand,
written by another version or damaged, and a wrong type that got through would break the app far
from here (a text percent fails every repaint of the table, a poll interval of 0 floods the site).

The whole file is refused (StoreFormatError) only when it is not this app's store at all. Below
that, what cannot be used is left out, a detail that is only shown is reset, and a value that
can be brought into shape (an interval out of range, an address below the site base) is, each
with a ``problems`` line saying what and why; the caller keeps a copy of the file as it was.
Each record's fields are read by gui/platform/store_fields.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from gui.confluence.errors import InvalidInput
from gui.confluence.plain_text import shortened
from gui.confluence.site import AuthKind, Deployment, SiteAddress, SiteConfig, normalise_site_url
from gui.confluence.task import MAX_ELAPSED_MS
from gui.platform.store_fields import RecordFields, Unusable, is_finite_real, is_real
from gui.platform.store_schema import (
    DISCOVERY_INTERVAL_RANGE,
    MAX_STOPPED,
    NOTIFICATION_KINDS,
    POLL_INTERVAL_RANGE,
    SCHEMA_VERSION,
    FinishedTask,
    Preferences,
    StoppedTask,
    StoreState,
    WatchedTask,
)

log = logging.getLogger(__name__)

_SITE_NUMBER = re.compile(r"^site-(\d{1,9})(?:-[0-9a-f]+)?$")
# Timestamps beyond this are nobody's (285,000 years after 1970); the app does float arithmetic
# on them, which a number of 400 digits would overflow. Elapsed times are capped as the server's
# are (MAX_ELAPSED_MS).
_MAX_TIMESTAMP = 2**53
# How much of a stored address a problem line repeats.
_ADDRESS_SHOWN = 80


class StoreFormatError(ValueError):
    """The stored JSON is not this app's store (not an object, or another schema version)."""


@dataclass
class ReadResult:
    """The state that could be read, and what had to be left out or changed on the way."""

    state: StoreState
    problems: list[str] = field(default_factory=list)


def state_from_json(data: Any) -> ReadResult:
    """Parse what ``state_to_json`` wrote; missing optional fields take their defaults."""
    if not isinstance(data, dict):
        raise StoreFormatError("the store is not a JSON object")
    version = data.get("schema")
    if version != SCHEMA_VERSION:
        raise StoreFormatError(f"schema version {version!r}, this app reads {SCHEMA_VERSION}")
    problems: list[str] = []
    sites, dropped_sites = _sites(_list(data, "sites", problems), problems)
    known = {site.site_id for site in sites}
    state = StoreState(
        sites=sites,
        tasks=_tasks(_list(data, "tasks", problems), known, dropped_sites, problems),
        history=_history(_list(data, "history", problems), problems),
        preferences=_preferences(data.get("preferences", {}), problems),
        # Absent from files written before it existed: nothing was stopped then.
        stopped=_stopped(_list(data, "stopped", problems), known, problems),
    )
    state.next_site_number = _next_site_number(data.get("next_site_number"), data)
    for problem in problems:
        log.warning("Saved settings: %s", problem)
    return ReadResult(state, problems)


_LIST_LABELS = {
    "sites": "the list of sites",
    "tasks": "the list of watched tasks",
    "history": "the finished-task history",
    "stopped": "the list of tasks you stopped watching",
}


def _list(data: dict[str, Any], key: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{_LIST_LABELS[key]} is not a list and was left out")
        return []
    return value


# Records


def _sites(items: list[Any], problems: list[str]) -> tuple[list[SiteConfig], set[str]]:
    """The usable sites, and the ids of those left out (their tasks go with them)."""
    # Limitation: the token of a site left out stays in the keyring under its old id; the site
    # added again gets a new id and asks for the token anew.
    sites: list[SiteConfig] = []
    dropped: set[str] = set()
    for number, item in enumerate(items, 1):
        label = _site_label(item, number)
        notes: list[str] = []  # only told for a site that is kept
        try:
            site = _site(item, label, notes)
        except Unusable as why:
            problems.append(f"{label} was left out: {why}; add it again in Settings")
            if isinstance(item, dict) and isinstance(item.get("site_id"), str):
                dropped.add(item["site_id"])
            continue
        if any(other.site_id == site.site_id for other in sites):
            problems.append(f"{label} was left out: another site has the same id")
            continue
        sites.append(site)
        problems.extend(notes)
    return sites, dropped


def _site_label(item: Any, number: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"the site '{name[:60]}'" if isinstance(name, str) and name else f"site {number}"


def _site(item: Any, label: str, problems: list[str]) -> SiteConfig:
    """A site is used whole or not at all: each field decides where the token goes and how.

    The address is the site base that the stored text stands for, as Settings would have saved
    it (a hand-edited ``acme.atlassian.net/wiki/spaces/X`` has no scheme and could never be
    polled); when that differs from the stored text, a problem line says so. How the site is
    hosted and its cloudId are kept as stored (Settings lets the user choose them against what
    the address says) and taken from the address only when the file has none.
    """
    fields = RecordFields(item)
    stored_url = fields.text("base_url", required=True)
    try:
        typed = normalise_site_url(stored_url)
    except InvalidInput as error:
        raise Unusable(f"its address is not usable ({error})") from None
    auth_kind = fields.choice("auth_kind", AuthKind, AuthKind.BEARER)
    user = fields.optional_text("user")
    if auth_kind is AuthKind.BASIC and not user:
        raise Unusable("it signs in with an email and API token but has no email")
    site = SiteConfig(
        site_id=fields.text("site_id", required=True),
        name=fields.text("name", required=True),
        address=SiteAddress(
            base_url=typed.base_url,
            deployment=fields.choice("deployment", Deployment, typed.deployment),
            cloud_id=fields.optional_text("cloud_id") or typed.cloud_id,
        ),
        auth_kind=auth_kind,
        user=user if auth_kind is AuthKind.BASIC else None,
        discover=fields.flag("discover", False),
        ca_bundle=fields.optional_text("ca_bundle"),
    )
    if typed.base_url != stored_url:
        problems.append(
            f"the address of {label} is now {shortened(typed.base_url, _ADDRESS_SHOWN)} "
            f"(it was {shortened(stored_url, _ADDRESS_SHOWN)})"
        )
    return site


def _tasks(
    items: list[Any], known: set[str], dropped_sites: set[str], problems: list[str]
) -> list[WatchedTask]:
    tasks: list[WatchedTask] = []
    seen: set[tuple[str, str]] = set()
    left_with_site = 0
    for number, item in enumerate(items, 1):
        keyed = _task_record(item, f"watched task {number}", problems)
        if keyed is None:
            continue
        fields, site_id, task_id = keyed
        if site_id not in known:
            if site_id in dropped_sites:
                left_with_site += 1
            else:
                problems.append(f"watched task {task_id} was left out: its site is not saved")
            continue
        if (site_id, task_id) in seen:
            problems.append(f"watched task {task_id} was listed twice; the second was left out")
            continue
        seen.add((site_id, task_id))
        task = WatchedTask(
            site_id,
            task_id,
            phase=fields.text("phase", "waiting"),
            summary=fields.text("summary"),
            title=fields.text("title"),
            percent=fields.percent("percent"),
            discovered=fields.flag("discovered", False),
            added_at=fields.number("added_at", 0.0, 0.0, _MAX_TIMESTAMP),
        )
        tasks.append(task)
        _reset_note(fields, f"watched task {task_id}", problems)
    if left_with_site:
        problems.append(f"{left_with_site} watched task(s) of the sites left out were left out too")
    return tasks


def _history(items: list[Any], problems: list[str]) -> list[FinishedTask]:
    history: list[FinishedTask] = []
    for number, item in enumerate(items, 1):
        try:
            fields = RecordFields(item, lenient=True)
            task = FinishedTask(
                fields.text("site_id", required=True),
                fields.text("task_id", required=True),
                fields.text("outcome", required=True),
                title=fields.text("title"),
                summary=fields.text("summary"),
                finished_at=fields.number("finished_at", 0.0, 0.0, _MAX_TIMESTAMP),
                percent=fields.percent("percent"),
                elapsed_ms=int(fields.number("elapsed_ms", 0, 0, MAX_ELAPSED_MS)),
                result_url=_web_address(fields.optional_text("result_url")),
            )
        except Unusable as why:
            problems.append(f"finished task {number} was left out of the history: {why}")
            continue
        history.append(task)
        _reset_note(fields, f"finished task {task.task_id}", problems)
    return history


def _stopped(items: list[Any], known: set[str], problems: list[str]) -> list[StoppedTask]:
    stopped: list[StoppedTask] = []
    for number, item in enumerate(items, 1):
        keyed = _task_record(item, f"stopped task {number}", problems)
        if keyed is None:
            continue
        fields, site_id, task_id = keyed
        if site_id in known:  # a stop on a site no longer saved has nothing to pass over
            at = fields.number("stopped_at", 0.0, 0.0, _MAX_TIMESTAMP)
            stopped.append(StoppedTask(site_id, task_id, at))
    return stopped[-MAX_STOPPED:]


def _task_record(
    item: Any, label: str, problems: list[str]
) -> tuple[RecordFields, str, str] | None:
    """A task's record with its site and task ids, or None (and a problem line) without them:
    only what is shown of a task may be wrong, never which task it is."""
    try:
        fields = RecordFields(item, lenient=True)
        return fields, fields.text("site_id", required=True), fields.text("task_id", required=True)
    except Unusable as why:
        problems.append(f"{label} was left out: {why}")
        return None


def _reset_note(fields: RecordFields, label: str, problems: list[str]) -> None:
    if fields.reset:
        problems.append(f"{label} is shown without its {', '.join(fields.reset)} (not valid)")


# Preferences


def _preferences(item: Any, problems: list[str]) -> Preferences:
    defaults = Preferences()
    if not isinstance(item, dict):
        problems.append("the preferences are not a record; the defaults are used")
        return defaults
    notify = dict(defaults.notify)
    stored = item.get("notify", {})
    if isinstance(stored, dict):
        for kind, enabled in stored.items():
            if kind in NOTIFICATION_KINDS and isinstance(enabled, bool):
                notify[kind] = enabled
            elif kind in NOTIFICATION_KINDS:
                problems.append(f"the notification setting '{kind}' is not on or off; it is on")
    else:
        problems.append("the notification settings are not a record; every kind is on")
    start_on_login = item.get("start_on_login", defaults.start_on_login)
    if not isinstance(start_on_login, bool):
        problems.append("'start on login' is not on or off; it is off")
        start_on_login = defaults.start_on_login
    return Preferences(
        poll_interval=_interval(
            item.get("poll_interval", defaults.poll_interval),
            "checking running tasks every",
            defaults.poll_interval,
            POLL_INTERVAL_RANGE,
            problems,
        ),
        discovery_interval=_interval(
            item.get("discovery_interval", defaults.discovery_interval),
            "looking for new tasks every",
            defaults.discovery_interval,
            DISCOVERY_INTERVAL_RANGE,
            problems,
        ),
        notify=notify,
        start_on_login=start_on_login,
    )


def _interval(
    value: Any, label: str, default: float, limits: tuple[float, float], problems: list[str]
) -> float:
    """A number of seconds within what Settings allows: outside values are brought to the
    nearest limit, anything that is not a finite number becomes the default."""
    low, high = limits
    if not is_finite_real(value):
        problems.append(f"{label} {_shown(value)} is not a number of seconds; now {default:g} s")
        return default
    if not low <= value <= high:
        kept = low if value < low else high
        problems.append(
            f"{label} {_shown(value)} s is outside {low:g} to {high:g} s; now {kept:g} s"
        )
        return kept
    return float(value)


def _next_site_number(stored: Any, data: dict[str, Any]) -> int:
    """The stored counter, but never below one past any site id the file mentions anywhere (a
    store from before the counter, or one edited by hand)."""
    highest = 0
    for key in ("sites", "tasks", "history"):
        items = data.get(key)
        for item in items if isinstance(items, list) else []:
            site_id = item.get("site_id") if isinstance(item, dict) else None
            match = _SITE_NUMBER.match(site_id) if isinstance(site_id, str) else None
            if match:
                highest = max(highest, int(match.group(1)))
    if stored is not None and not (is_real(stored) and isinstance(stored, int) and stored > 0):
        log.warning("Saved settings: next_site_number %s is not a count; counting anew", stored)
        stored = None
    return max(stored or 1, highest + 1)


def _shown(value: Any) -> str:
    """A stored value as the user may recognise it, cut short (it may be huge)."""
    return shortened(repr(value) if isinstance(value, str) else str(value), 24)


def _web_address(text: str | None) -> str | None:
    """A stored result link, kept only when it is a web address (the window opens it)."""
    return text if text is not None and text.startswith(("https://", "http://")) else None
