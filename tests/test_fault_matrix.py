"""The fault matrix: every way a site can fail, and what the poller makes of it.

Each row runs the same story on the demo's manual clock: tasks A and B are watched on a healthy
site and polled once; then the fault holds for WINDOW seconds of server time while the tracker
polls whenever it is due; then the fault clears. Columns: the site's ``state`` at the end of the
window; ``n``, how many polls met the fault, and the ``gaps`` in seconds between them (from the
server's request log); every ``alert`` an AlertPolicy raised over the whole story; A's ``phase``
at the end of the window (B, untouched by task-level faults, always stays running); and ``then``,
how the story ends once the fault clears. The policy is the default one without jitter, so counts
and gaps are exact: backoff 5 s doubling to the 300 s cap, tasks polled every 5 s, a task gone
after 3 or more 404s in a row spanning 30 s. Every row also checks that both tasks are still
watched, that no exception escaped ``poll()`` and that nothing was logged at ERROR level (except
the one traceback of the "our bug" row). The demo's ``rate_limited`` always sends Retry-After, so
"429 no RA" is a ``server_error`` with status 429."""

from __future__ import annotations

import itertools
import random
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from test_tls_proxy import https_site  # noqa: F401 - a fixture: loopback HTTPS, private CA

from gui.confluence import ConfluenceClient, Credentials, normalise_site_url
from gui.confluence.task import TaskStatus
from gui.demo import FAULT_KINDS, DemoConfluence, DemoTask, Fault, ManualClock
from gui.polling.alerts import Alert, AlertKind, AlertPolicy
from gui.polling.states import Event, Phase, PollPolicy, SiteState
from gui.polling.tracker import SiteTracker

POLICY = PollPolicy(jitter=0)
WINDOW = 600.0
A, B = "1001", "1002"  # the watched tasks; task-level faults hit A

F, SE, GW = Fault, "server_error", "gateway"
NEEDS, DOWN, LIMIT, OK = (
    SiteState.NEEDS_SIGN_IN,
    SiteState.UNREACHABLE,
    SiteState.RATE_LIMITED,
    SiteState.OK,
)
RUN, GONE, WAIT = Phase.RUNNING, Phase.GONE, Phase.WAITING
SIGN_IN, GONE_A, NO = (AlertKind.SIGN_IN,), (AlertKind.GONE,), ()
BACKOFF = (5, 10, 20, 40, 80, 160)  # then 300: seven failed polls in the window
RA30 = (30, 30, 30, 40, 80, 160)  # Retry-After 30 outranks the shorter early steps
EVERY_5 = (5, 5, 5, 5, 5, 5)
ALL_5 = (5,) * 119  # a poll every 5 s for the whole window: nothing backs off
# How a story ends once the fault clears. SELF: ok again within the backoff cap, tasks carry on;
# RETRY: not one request until the user retries, then ok; ENDED: A ended as gone, the site stays
# ok; CAP: the fault is not lifted in the test, tries go on every 300 s.
SELF, RETRY, ENDED, CAP = "ok by itself", "ok after retry", "task gone", "trying at cap"


@dataclass(frozen=True)
class Case:
    """One row of the matrix; ``fault`` is a demo Fault or the name of an outside failure."""

    name: str
    fault: Fault | str
    state: SiteState
    requests: int
    gaps: tuple[float, ...]
    alerts: tuple[AlertKind, ...]
    phase: Phase
    then: str


# fmt: off
ROWS = [
    # name           fault                               state  n  gaps     alerts   phase then
    ("401 empty",     F("unauthorized"),                  NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("401 html",      F("unauthorized_html"),             NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("401 json",      F("unauthorized_json"),             NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("gateway scope", F("gateway_scope", dialect=GW),     NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("login page",    F("login_page"),                    NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("302 sign-in",   F("redirect"),                      NEEDS, 1, (),      SIGN_IN, RUN,  RETRY),
    ("404 flicker",   F("not_found", count=2, task_id=A), OK,    2, (5,),    NO,      RUN,  SELF),
    ("404 lasting",   F("not_found", task_id=A),          OK,    7, EVERY_5, GONE_A,  GONE, ENDED),
    ("429 RA 3",      F("rate_limited", retry_after=3),   LIMIT, 7, BACKOFF, NO,      RUN,  SELF),
    ("429 RA 30",     F("rate_limited", retry_after=30),  LIMIT, 7, RA30,    NO,      RUN,  SELF),
    ("429 no RA",     F(SE, status=429),                  LIMIT, 7, BACKOFF, NO,      RUN,  SELF),
    ("500",           F(SE, status=500),                  DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("500 RA 30",     F(SE, status=500, retry_after=30),  DOWN,  7, RA30,    NO,      RUN,  SELF),
    ("502",           F(SE, status=502),                  DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("502 RA 30",     F(SE, status=502, retry_after=30),  DOWN,  7, RA30,    NO,      RUN,  SELF),
    ("503",           F(SE, status=503),                  DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("503 RA 30",     F(SE, status=503, retry_after=30),  DOWN,  7, RA30,    NO,      RUN,  SELF),
    ("bad json",      F("malformed_json"),                DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("wrong types",   F("wrong_types"),                   DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("wrong types A", F("wrong_types", task_id=A),        OK,  120, ALL_5,  NO,      RUN,  SELF),
    ("echo creds",    F("echo_credentials"),              OK,  120, ALL_5,  NO,      RUN,  SELF),
    ("not json",      F("not_json"),                      DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("oversized",     F("oversized"),                     DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("slow",          F("slow", delay=0.5),               DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("disconnect",    F("disconnect"),                    DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("port closed",   "server down",                      DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("dns failure",   "dns",                              DOWN,  7, BACKOFF, NO,      RUN,  SELF),
    ("tls untrusted", "tls",                              DOWN,  7, BACKOFF, NO,      WAIT, CAP),
    ("our bug",       "bug",                              DOWN,  7, BACKOFF, NO,      RUN,  SELF),
]
# fmt: on
CASES = [Case(*row) for row in ROWS]

# What the site's reason (shown in the status bar) says for failures that look alike otherwise.
# fmt: off
REASONS = {
    "slow": "did not answer within", "oversized": "larger than", "tls untrusted": "TLS certificate",
    "port closed": "Could not connect", "dns failure": "Could not connect to confluence.invalid",
    "our bug": "Internal error while polling (ZeroDivisionError)",
}
# fmt: on
CLIENT_TIMEOUT = (2.0, 0.15)  # (connect, read): the slow row answers after 0.5 s


@dataclass
class Story:
    """What happened: the alerts raised, and (clock, state) after each poll."""

    tracker: SiteTracker
    clock: ManualClock
    alerts_from: AlertPolicy = field(default_factory=AlertPolicy)
    alerts: list[Alert] = field(default_factory=list)
    polls: list[tuple[float, SiteState]] = field(default_factory=list)

    def feed(self, events: list[Event]) -> None:
        alerts = (self.alerts_from.alert_for(event) for event in events)
        self.alerts += [alert for alert in alerts if alert is not None]

    def poll(self) -> None:
        self.feed(self.tracker.poll())
        self.polls.append((self.clock(), self.tracker.state))

    def run_until(self, until: float) -> None:
        """Poll whenever due before ``until``, then let the clock reach it."""
        while (due := self.tracker.due_at()) is not None and due < until:
            self.clock.advance(max(0.0, due - self.clock()))
            self.poll()
        self.clock.advance(max(0.0, until - self.clock()))

    def polled_between(self, start: float, end: float) -> list[float]:
        return [when for when, _ in self.polls if start <= when < end]

    def phase(self, task_id: str) -> Phase:
        view = self.tracker.task(task_id)
        assert view is not None, f"task {task_id} is no longer watched"
        return view.phase


@dataclass
class Site:
    """The site a row polls: its client, how to break and heal it, and which requests failed."""

    client: ConfluenceClient
    break_it: Callable[[], None] = lambda: None
    heal: Callable[[], None] = lambda: None
    faulty: Callable[[float], list[float]] | None = None  # None: every poll in the window


def spacing(times: list[float]) -> tuple[float, ...]:
    return tuple(round(later - earlier, 6) for earlier, later in itertools.pairwise(times))


def client_for(base: str, token: str) -> ConfluenceClient:
    return ConfluenceClient(
        normalise_site_url(base), Credentials.for_token(token), timeout=CLIENT_TIMEOUT
    )


class BuggyClient(ConfluenceClient):
    """A client with a bug we put there: it raises on every answer while ``broken``."""

    def __init__(self, clock: ManualClock, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock, self.broken, self.raised_at = clock, False, list[float]()

    def get_task(self, task_id: str) -> TaskStatus:
        status = super().get_task(task_id)
        if self.broken:
            self.raised_at.append(self.clock())
            raise ZeroDivisionError("division by zero in the ETA")
        return status


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bool]]:
    """Name resolution for ``confluence.invalid``, switchable; every other name but loopback
    fails the test. A real ``.invalid`` lookup still asks the configured DNS server, so the
    resolver (the operating system's, which we do not own) is replaced at its edge."""
    real = socket.getaddrinfo
    switch = {"up": True}

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name == "confluence.invalid":
            if not switch["up"]:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            name = "127.0.0.1"
        elif name not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"a lookup of {name!r} would leave this machine")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield switch


def open_site(
    case: Case, demo: DemoConfluence, clock: ManualClock, request: pytest.FixtureRequest
) -> Site:
    if isinstance(case.fault, Fault):
        fault = case.fault
        base = demo.gateway_base if fault.dialect == "gateway" else demo.cloud_base
        return Site(
            client_for(base, demo.token),
            break_it=lambda: demo.set_fault(fault),
            heal=demo.clear_faults,
            # One time per poll: a cycle's requests share the manual clock's moment.
            faulty=lambda start: sorted(
                {r.time for r in demo.requests if r.time >= start and r.fault}
            ),
        )
    if case.fault == "server down":
        return Site(client_for(demo.cloud_base, demo.token), demo.stop, demo.start)
    if case.fault == "dns":
        switch = request.getfixturevalue("resolver")
        client = client_for(f"http://confluence.invalid:{demo.port}/wiki", demo.token)

        def break_it() -> None:
            switch.update(up=False)
            client.close()  # a kept-alive connection would never need the name again

        return Site(client, break_it, heal=lambda: switch.update(up=True))
    if case.fault == "tls":
        https_base, _ca = request.getfixturevalue("https_site")
        return Site(client_for(https_base, demo.token))
    buggy = BuggyClient(
        clock, normalise_site_url(demo.cloud_base), Credentials.for_token(demo.token)
    )
    return Site(
        buggy,
        break_it=lambda: setattr(buggy, "broken", True),
        heal=lambda: setattr(buggy, "broken", False),
        faulty=lambda _start: list(buggy.raised_at),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fault_matrix(
    case: Case,
    demo: DemoConfluence,
    demo_clock: ManualClock,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for task_id in (A, B):
        demo.add_task(DemoTask(id=task_id, duration=100_000))
    site = open_site(case, demo, demo_clock, request)
    tracker = SiteTracker("site", site.client, POLICY, clock=demo_clock, rng=random.Random(7))
    story = Story(tracker, demo_clock)
    story.alerts_from.set_site("site", "Demo", Credentials.for_token(demo.token))
    for task_id in (A, B):
        tracker.watch(task_id)
    if case.fault != "tls":  # the only site that never answered well
        story.poll()
        assert tracker.state is OK and story.phase(A) is RUN
        demo_clock.advance(POLICY.interval)

    start = demo_clock()
    site.break_it()
    story.run_until(start + WINDOW)

    assert tracker.state is case.state
    assert (tracker.reason or case.state is OK) and REASONS.get(case.name, "") in tracker.reason
    assert story.phase(A) is case.phase
    assert story.phase(B) is (WAIT if case.fault == "tls" else RUN)
    faulty = site.faulty(start) if site.faulty else story.polled_between(start, start + WINDOW)
    assert len(faulty) == case.requests
    assert spacing(faulty) == case.gaps
    retry_after = case.fault.retry_after if isinstance(case.fault, Fault) else None
    assert all(gap >= (retry_after or 0) for gap in spacing(faulty))

    healed_at = demo_clock()
    site.heal()
    if case.then == CAP:
        story.run_until(start + 2000)
        assert tracker.state is case.state
        assert spacing(story.polled_between(start, start + 2000)) == BACKOFF + (300,) * 5
    else:
        if case.then == RETRY:
            before = len(demo.requests)
            story.run_until(healed_at + 3600)
            assert len(demo.requests) == before, "a refused token was sent again without a retry"
            story.feed(tracker.retry_sign_in())
            healed_at = demo_clock()
        story.run_until(demo_clock() + POLICY.backoff_cap + 2 * POLICY.interval)
        assert tracker.state is OK
        noticed = next(when for when, state in story.polls if when >= healed_at and state is OK)
        assert noticed - healed_at <= POLICY.backoff_cap
        assert story.phase(A) is (GONE if case.then == ENDED else RUN)
        assert story.phase(B) is RUN
    assert [alert.kind for alert in story.alerts] == list(case.alerts)
    assert {view.task_id for view in tracker.tasks()} == {A, B}
    errors = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
    assert len(errors) == (1 if case.fault == "bug" else 0)


def test_the_matrix_covers_every_fault_the_demo_offers() -> None:
    covered = {case.fault.kind for case in CASES if isinstance(case.fault, Fault)}
    assert covered == set(FAULT_KINDS)
