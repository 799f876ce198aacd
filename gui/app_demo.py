"""``--demo``: the simulated Confluence started in this process, with two demo sites.

One Cloud site whose tasks progress, fail and vanish over about a minute, and one Data Center
site whose token is refused. The credentials live in memory only: they are handed to the poller
and never reach the keyring, the store or a log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from gui.confluence.site import AuthKind, Credentials, Deployment, SiteAddress, SiteConfig
from gui.demo import DEMO_USER_EMAIL, DemoConfluence
from gui.demo.scenario import REFUSED_TOKEN, DemoScenario, demo_scenario
from gui.polling.states import PollPolicy

log = logging.getLogger(__name__)

DEMO_CLOUD_SITE = "demo-cloud"
DEMO_REFUSED_SITE = "demo-refused"


class SiteWatcher(Protocol):
    """What the demo needs of the app (gui.views.controller.AppController): a Protocol, so
    this module stays importable without the widgets."""

    def add_site(self, site: SiteConfig, credentials: Credentials | None) -> None: ...

    def watch(self, site_id: str, task_id: str) -> None: ...


@dataclass
class DemoSession:
    """A running demo server and what the app should configure and watch on it."""

    server: DemoConfluence
    scenario: DemoScenario
    sites: list[tuple[SiteConfig, Credentials]] = field(default_factory=list)
    watched: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, controller: SiteWatcher) -> None:
        """Show and poll every demo site in ``controller`` and watch the showcase's tasks."""
        for site, credentials in self.sites:
            controller.add_site(site, credentials)
        for site_id, task_id in self.watched:
            controller.watch(site_id, task_id)

    def stop(self) -> None:
        self.server.stop()


def demo_policy(speed: float = 1.0) -> PollPolicy:
    """Quicker than the defaults so the one-minute showcase shows every outcome in time."""
    return PollPolicy(
        interval=2.0 / speed,
        discovery_interval=30.0 / speed,
        gone_after_count=3,
        gone_after_seconds=8.0 / speed,
        backoff_base=2.0 / speed,
        stall_after=120.0 / speed,
    )


def start_demo(speed: float = 1.0) -> DemoSession:
    """Start the simulated Confluence on loopback (real time) and seed the showcase."""
    server = DemoConfluence().start()
    scenario = demo_scenario(server, speed=speed)
    cloud = SiteConfig(
        DEMO_CLOUD_SITE,
        "Demo Cloud",
        SiteAddress(server.cloud_base, Deployment.CLOUD),
        auth_kind=AuthKind.BASIC,
        user=DEMO_USER_EMAIL,
    )
    refused = SiteConfig(
        DEMO_REFUSED_SITE,
        "Demo Data Center",
        SiteAddress(server.dc_base, Deployment.DATA_CENTER),
        auth_kind=AuthKind.BEARER,
        discover=True,  # the refusal shows on the first look at the task list
    )
    session = DemoSession(
        server,
        scenario,
        sites=[
            (cloud, Credentials(AuthKind.BASIC, server.token, DEMO_USER_EMAIL)),
            (refused, Credentials(AuthKind.BEARER, REFUSED_TOKEN)),
        ],
        watched=[(DEMO_CLOUD_SITE, task_id) for task_id in scenario.cloud_task_ids],
    )
    log.info("Demo Confluence running at %s with %d tasks", server.url, len(session.watched))
    return session
