"""``watch``: follow tasks on one or more sites until each has ended, then exit with a status a
script can branch on (see ``gui.commands.exit_codes`` for the codes and their precedence)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from gui.commands.connect import (
    SetupError,
    Target,
    read_credentials,
    resolve_targets,
    site_option,
    warn_if_insecure,
)
from gui.commands.exit_codes import ExitCode, worst
from gui.commands.output import LiveBlock, TaskLine, plain_text, renderer_for, write
from gui.commands.watch_lines import line_for_view
from gui.confluence.client import ConfluenceClient
from gui.confluence.site import Credentials, SiteAddress
from gui.polling.states import PollPolicy, SiteEvent, SiteState
from gui.polling.tracker import SiteTracker

log = logging.getLogger(__name__)

# Give-up rule for a site that answers nothing usable (no connection, 5xx, not Confluence): it
# must have failed for --give-up seconds in a row AND over at least this many attempts, so that
# one long timeout or a single restart of the server never ends a watch.
GIVE_UP_MIN_ATTEMPTS = 3
MIN_REMOTE_INTERVAL = 1.0


@dataclass(frozen=True)
class Pacer:
    """Where the watch gets its time: the real clock, or a manual one a test advances."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] = time.sleep


@dataclass
class _Unreadable:
    """A task whose answers cannot be read while its site answers the others."""

    since: float
    attempts: int = 0


@dataclass
class _Site:
    """One site being watched: its engine and how long it (or one of its tasks) has failed to
    answer usefully."""

    address: SiteAddress
    tracker: SiteTracker
    failed_attempts: int = 0
    gave_up: bool = False
    task_ids: list[str] = field(default_factory=list)
    unreadable: dict[str, _Unreadable] = field(default_factory=dict)
    given_up_tasks: set[str] = field(default_factory=set)

    @property
    def done(self) -> bool:
        if self.gave_up or self.tracker.due_at() is None:
            return True
        open_ids = {view.task_id for view in self.tracker.tasks() if not view.phase.ended}
        return open_ids <= self.given_up_tasks


def run(
    args: argparse.Namespace,
    *,
    pacer: Pacer | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Watch every TASK until it ends, ``--timeout`` passes or a site must be given up."""
    pacer = pacer or Pacer()
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        credentials = read_credentials(args)
        targets = resolve_targets(args.tasks, site_option(args))
    except SetupError as error:
        write(err, f"{error}\n")
        return ExitCode.USAGE

    with contextlib.ExitStack() as stack:
        sites = _start_sites(targets, credentials, args, pacer, stack, err)
        return _Watch(sites, args, pacer, out, err).run()


def _start_sites(
    targets: list[Target],
    credentials: Credentials,
    args: argparse.Namespace,
    pacer: Pacer,
    stack: contextlib.ExitStack,
    err: TextIO,
) -> list[_Site]:
    timeout = (min(5.0, args.request_timeout), args.request_timeout)
    sites: dict[str, _Site] = {}
    for target in targets:
        base = target.site.base_url
        if base not in sites:
            warning = warn_if_insecure(target.site)
            if warning:
                write(err, warning + "\n")
            client = stack.enter_context(
                ConfluenceClient(target.site, credentials, timeout=timeout)
            )
            tracker = SiteTracker(base, client, _policy(args, target.site, err), clock=pacer.now)
            sites[base] = _Site(target.site, tracker)
        site = sites[base]
        if target.task_id not in site.task_ids:
            site.task_ids.append(target.task_id)
            site.tracker.watch(target.task_id)
    return list(sites.values())


def _policy(args: argparse.Namespace, site: SiteAddress, err: TextIO) -> PollPolicy:
    interval = args.interval
    if interval < MIN_REMOTE_INTERVAL and not site.is_loopback:
        # Sub-second polling is for local test sites; a real server shares its capacity.
        write(err, f"{site.host}: polling every {MIN_REMOTE_INTERVAL:g} s at the fastest.\n")
        interval = MIN_REMOTE_INTERVAL
    return PollPolicy(
        interval=interval,
        # Back off from the poll interval, and never wait much past the give-up point.
        backoff_base=max(interval, 1.0),
        backoff_cap=max(interval, min(60.0, args.give_up / 2)),
    )


class _Watch:
    """The loop: sleep until the next site is due, poll it, show what changed, decide the end."""

    def __init__(
        self, sites: list[_Site], args: argparse.Namespace, pacer: Pacer, out: TextIO, err: TextIO
    ) -> None:
        self._sites = sites
        self._args = args
        self._pacer = pacer
        self._err = err
        self._renderer = renderer_for(out, args.json, getattr(args, "verbose", False))
        self._live = isinstance(self._renderer, LiveBlock)
        self._started = pacer.now()
        self._deadline = None if args.timeout is None else self._started + args.timeout

    def run(self) -> int:
        timed_out = False
        self._renderer.update(self._lines())
        while True:
            due = [(site.tracker.due_at(), site) for site in self._sites if not site.done]
            if not due:
                break
            next_at = min(when for when, _ in due if when is not None)
            if self._deadline is not None and next_at > self._deadline:
                self._pacer.sleep(max(0.0, self._deadline - self._pacer.now()))
                timed_out = True
                break
            self._pacer.sleep(max(0.0, next_at - self._pacer.now()))
            now = self._pacer.now()
            for when, site in due:
                if when is not None and when <= now:
                    self._poll(site)
            self._renderer.update(self._lines())

        lines = self._lines()
        self._renderer.finish(lines)
        code = worst([self._exit_code(line, timed_out) for line in lines])
        self._explain(code, lines)
        return code

    def _poll(self, site: _Site) -> None:
        for event in site.tracker.poll():
            if isinstance(event, SiteEvent):
                self._note(site, event)
        tracker = site.tracker
        if tracker.state is SiteState.UNREACHABLE:
            site.failed_attempts += 1
            since = tracker.unreachable_since
            lasted = 0.0 if since is None else self._pacer.now() - since
            if lasted >= self._args.give_up and site.failed_attempts >= GIVE_UP_MIN_ATTEMPTS:
                site.gave_up = True
                log.warning(
                    "Giving up on %s after %.0f s and %d failed attempts",
                    site.address.host,
                    lasted,
                    site.failed_attempts,
                )
        elif tracker.state is SiteState.OK:
            site.failed_attempts = 0
            self._check_unreadable(site)

    def _check_unreadable(self, site: _Site) -> None:
        """The same give-up rule as a site's, for each task whose own answers are nonsense."""
        now = self._pacer.now()
        for task_id in site.task_ids:
            view = site.tracker.task(task_id)
            if view is None or view.phase.ended or not view.last_error:
                site.unreadable.pop(task_id, None)
                continue
            record = site.unreadable.setdefault(task_id, _Unreadable(now))
            record.attempts += 1
            lasted = now - record.since
            if lasted >= self._args.give_up and record.attempts >= GIVE_UP_MIN_ATTEMPTS:
                if task_id not in site.given_up_tasks:
                    log.warning("Giving up on task %s of %s", task_id, site.address.host)
                site.given_up_tasks.add(task_id)

    def _note(self, site: _Site, event: SiteEvent) -> None:
        # Passing trouble is news for a person but not a change of any task: in the live block it
        # shows beside the task, otherwise on stderr so stdout keeps one line per task change.
        if self._live or event.state not in (SiteState.UNREACHABLE, SiteState.RATE_LIMITED):
            return
        wait = f"; next try in {event.retry_in:.0f} s" if event.retry_in is not None else ""
        write(self._err, f"{site.address.host}: {plain_text(event.reason)}{wait}\n")

    def _lines(self) -> list[TaskLine]:
        lines = []
        for site in self._sites:
            tracker = site.tracker
            for task_id in site.task_ids:
                view = tracker.task(task_id)
                if view is not None:
                    gave_up = site.gave_up or task_id in site.given_up_tasks
                    lines.append(
                        line_for_view(
                            view, site.address.base_url, tracker.state, tracker.reason, gave_up
                        )
                    )
        return lines

    def _exit_code(self, line: TaskLine, timed_out: bool) -> ExitCode:
        code = _EXIT_OF_STATE.get(line.state)
        if code is not None:
            return code
        # Still running when the loop ended: only a timeout ends a watch that way.
        return ExitCode.TIMEOUT if timed_out else ExitCode.UNREACHABLE

    def _explain(self, code: ExitCode, lines: list[TaskLine]) -> None:
        if code is ExitCode.TIMEOUT:
            running = sum(1 for line in lines if _EXIT_OF_STATE.get(line.state) is None)
            write(
                self._err,
                f"Timed out after {self._args.timeout:g} s with {running} task(s) still running.\n",
            )
            return
        shown: set[str] = set()
        for line in lines:
            if _EXIT_OF_STATE.get(line.state) is not code or code is ExitCode.OK:
                continue
            # A site's refusal is one reason for all its tasks; a task's failure is its own.
            per_site = line.state in ("auth-failed", "unreachable")
            text = line.message if per_site else f"{line.title} {line.task}: {line.message}"
            if text not in shown:
                shown.add(text)
                write(self._err, plain_text(text) + "\n")


# Limitation: a task that stays 404 exits 3 without asking /rest/api/user/current whether a Data
# Center site took the token for an anonymous user (which also answers 404); the message says
# "or these credentials may not see it", but does not prove which.
_EXIT_OF_STATE = {
    "succeeded": ExitCode.OK,
    "failed": ExitCode.TASK_FAILED,
    "gone": ExitCode.NOT_FOUND,
    "auth-failed": ExitCode.CREDENTIALS,
    "unreachable": ExitCode.UNREACHABLE,
}
