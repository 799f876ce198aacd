"""What the store keeps, and how each record becomes JSON and back. Never a token: a site's
secret lives in the keyring (gui/platform/secrets.py) and is not a field of anything here."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from gui.confluence.site import AuthKind, Deployment, SiteAddress, SiteConfig

SCHEMA_VERSION = 1
NOTIFICATION_KINDS = ("succeeded", "failed", "sign-in", "gone")
MAX_HISTORY = 500
# Limitation: only the newest stops are kept; a task stopped longer ago than that many others is
# found again by discovery after a restart, if it still runs.
MAX_STOPPED = 500


class StoreFormatError(ValueError):
    """The stored JSON does not have the shape this version of the app writes."""


@dataclass(frozen=True)
class WatchedTask:
    """A task being watched, with what we last knew of it so a restart shows it at once."""

    site_id: str
    task_id: str
    phase: str = "waiting"
    summary: str = ""
    title: str = ""
    percent: int | None = None
    discovered: bool = False
    added_at: float = 0.0


@dataclass(frozen=True)
class FinishedTask:
    """A task that ended (succeeded, failed or gone), kept in the history until cleared."""

    site_id: str
    task_id: str
    outcome: str
    title: str = ""
    summary: str = ""
    finished_at: float = 0.0
    percent: int | None = None
    elapsed_ms: int = 0  # the server's elapsed time at the end


@dataclass(frozen=True)
class StoppedTask:
    """A task the user stopped watching: discovery passes it over until it is added by id."""

    site_id: str
    task_id: str
    stopped_at: float = 0.0


@dataclass(frozen=True)
class Preferences:
    """The global settings: how often to poll, which notifications to show, start on login."""

    poll_interval: float = 5.0
    discovery_interval: float = 60.0
    notify: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(NOTIFICATION_KINDS, True))
    start_on_login: bool = False

    def notifies(self, kind: str) -> bool:
        return self.notify.get(kind, True)

    def with_notify(self, kind: str, enabled: bool) -> Preferences:
        return replace(self, notify={**self.notify, kind: enabled})


@dataclass
class StoreState:
    """Everything persisted, as one value that is written in one atomic step."""

    sites: list[SiteConfig] = field(default_factory=list)
    tasks: list[WatchedTask] = field(default_factory=list)
    history: list[FinishedTask] = field(default_factory=list)
    preferences: Preferences = field(default_factory=Preferences)
    stopped: list[StoppedTask] = field(default_factory=list)


def state_to_json(state: StoreState) -> dict[str, Any]:
    """The whole state as plain JSON data, with the schema version first."""
    prefs = state.preferences
    return {
        "schema": SCHEMA_VERSION,
        "sites": [_site_to_json(site) for site in state.sites],
        "tasks": [vars(task).copy() for task in state.tasks],
        "history": [vars(item).copy() for item in state.history],
        "stopped": [vars(item).copy() for item in state.stopped],
        "preferences": {
            "poll_interval": prefs.poll_interval,
            "discovery_interval": prefs.discovery_interval,
            "notify": dict(prefs.notify),
            "start_on_login": prefs.start_on_login,
        },
    }


def state_from_json(data: Any) -> StoreState:
    """Parse what ``state_to_json`` wrote; missing optional fields take their defaults."""
    if not isinstance(data, dict):
        raise StoreFormatError("the store is not a JSON object")
    version = data.get("schema")
    if version != SCHEMA_VERSION:
        raise StoreFormatError(f"schema version {version!r}, this app reads {SCHEMA_VERSION}")
    try:
        return StoreState(
            sites=[_site_from_json(item) for item in _list(data, "sites")],
            tasks=[WatchedTask(**_record(item, WatchedTask)) for item in _list(data, "tasks")],
            history=[
                FinishedTask(**_record(item, FinishedTask)) for item in _list(data, "history")
            ],
            preferences=_preferences_from_json(data.get("preferences") or {}),
            # Absent from files written before it existed: nothing was stopped then.
            stopped=[StoppedTask(**_record(item, StoppedTask)) for item in _list(data, "stopped")],
        )
    except (TypeError, ValueError, KeyError) as error:
        raise StoreFormatError(f"a stored record is malformed: {error}") from None


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise StoreFormatError(f"'{key}' is not a list")
    return value


def _record(item: Any, kind: type) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise StoreFormatError(f"a {kind.__name__} entry is not an object")
    # Fields a newer version added are dropped rather than refused: the rest is still valid.
    known = {f.name for f in fields(kind)}
    record = {key: value for key, value in item.items() if key in known}
    for key in ("site_id", "task_id"):
        if not isinstance(record.get(key), str):
            raise StoreFormatError(f"a {kind.__name__} entry has no {key}")
    return record


def _site_to_json(site: SiteConfig) -> dict[str, Any]:
    return {
        "site_id": site.site_id,
        "name": site.name,
        "base_url": site.address.base_url,
        "deployment": site.address.deployment.value,
        "cloud_id": site.address.cloud_id,
        "auth_kind": site.auth_kind.value,
        "user": site.user,
        "discover": site.discover,
        "ca_bundle": site.ca_bundle,
    }


def _site_from_json(item: Any) -> SiteConfig:
    if not isinstance(item, dict):
        raise StoreFormatError("a site entry is not an object")
    for key in ("site_id", "name", "base_url"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise StoreFormatError(f"a site entry has no {key}")
    return SiteConfig(
        site_id=item["site_id"],
        name=item["name"],
        address=SiteAddress(
            base_url=item["base_url"],
            deployment=Deployment(item.get("deployment", Deployment.DATA_CENTER.value)),
            cloud_id=item.get("cloud_id") or None,
        ),
        auth_kind=AuthKind(item.get("auth_kind", AuthKind.BEARER.value)),
        user=item.get("user") or None,
        discover=bool(item.get("discover", False)),
        ca_bundle=item.get("ca_bundle") or None,
    )


def _preferences_from_json(item: Any) -> Preferences:
    if not isinstance(item, dict):
        raise StoreFormatError("'preferences' is not an object")
    defaults = Preferences()
    notify = dict(defaults.notify)
    stored = item.get("notify") or {}
    if not isinstance(stored, dict):
        raise StoreFormatError("'preferences.notify' is not an object")
    notify.update({str(kind): bool(on) for kind, on in stored.items()})
    return Preferences(
        poll_interval=float(item.get("poll_interval", defaults.poll_interval)),
        discovery_interval=float(item.get("discovery_interval", defaults.discovery_interval)),
        notify=notify,
        start_on_login=bool(item.get("start_on_login", defaults.start_on_login)),
    )
