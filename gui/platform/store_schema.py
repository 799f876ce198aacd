"""What the store keeps, and how each record becomes JSON (reading it back, with every field
checked, is gui/platform/store_reading.py). Never a token: a site's secret lives in the keyring
(gui/platform/secrets.py) and is not a field of anything here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from gui.confluence.site import SiteConfig
from gui.polling.states import MAX_STOPPED as MAX_STOPPED  # the poller keeps as many stops

SCHEMA_VERSION = 1
NOTIFICATION_KINDS = ("succeeded", "failed", "sign-in", "gone")
MAX_HISTORY = 500
# What the Settings dialog offers, in seconds; a stored value outside is brought inside on load
# (0 would poll without pause, NaN would stop the poller's timer).
POLL_INTERVAL_RANGE = (1.0, 600.0)
DISCOVERY_INTERVAL_RANGE = (10.0, 3600.0)


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
    result_url: str | None = None  # where the result is (a copied page tree), when it was told


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
    # The number of the next new site's id. Ids are never handed out twice: a token left in the
    # keyring, or any record of a removed site, must not pass to a site added later.
    next_site_number: int = 1


def state_to_json(state: StoreState) -> dict[str, Any]:
    """The whole state as plain JSON data, with the schema version first."""
    prefs = state.preferences
    return {
        "schema": SCHEMA_VERSION,
        "next_site_number": state.next_site_number,
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
