"""The saved sites' tokens, read from the keyring on a thread of their own, one site at a time.

A Secret Service may answer a read with a prompt (to unlock the keyring, or on a fresh account to
create one) and hold the call until the user answers it; on the GUI thread that froze the window,
Quit and Ctrl-C with it. Here the GUI thread only asks, and each answer comes back to it as a
queued signal, in the order the sites were asked for.

The thread is one of Python's daemon threads rather than a QThread, so that a read that never
returns is simply left behind when the app quits: nothing waits for it at exit (Qt waits for its
thread pools, and aborts the process when a QThread object that still runs is deleted).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from typing import TypeAlias

from PySide6.QtCore import QObject, Qt, Signal, Slot

from gui.confluence.site import Credentials, SiteConfig
from gui.platform.secrets import Secrets, SecretsError

log = logging.getLogger(__name__)

# The site's credentials, None when it has no token, or why the keyring would not give it.
ReadOutcome: TypeAlias = Credentials | SecretsError | None

# A read that takes longer than this was most likely held by a prompt: worth a line in the log.
_SLOW_READ_S = 1.0


def read_credentials(secrets: Secrets, site: SiteConfig) -> ReadOutcome:
    """``secrets.credentials_for(site)``, with its SecretsError returned instead of raised."""
    try:
        return secrets.credentials_for(site)
    except SecretsError as error:
        return error


class _Answers(QObject):
    """Carries answers from the reading thread to the GUI thread. The thread keeps it alive, so
    an answer that comes after the app let go of its TokenReader has somewhere to go."""

    answered = Signal(str, int, object)  # site id, number of the ask, ReadOutcome


class TokenReader(QObject):
    """Reads sites' credentials off the GUI thread; ``tokenRead`` brings each answer back.

    A site asked for again before its answer came gets the newest answer only.
    """

    tokenRead = Signal(str, object)  # noqa: N815 - site id, ReadOutcome

    def __init__(self, secrets: Secrets, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._secrets = secrets
        self._asks: queue.SimpleQueue[tuple[SiteConfig, int] | None] = queue.SimpleQueue()
        self._numbers = itertools.count(1)
        self._newest: dict[str, int] = {}  # per site still to be answered, its newest ask
        self._stopped = threading.Event()
        self._answers = _Answers()
        self._answers.answered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread: threading.Thread | None = None  # started with the first ask

    def read(self, site: SiteConfig) -> None:
        """Read the site's credentials after those asked for before; ``tokenRead`` tells."""
        if self._stopped.is_set():
            return
        number = next(self._numbers)
        self._newest[site.site_id] = number
        if self._thread is None:
            self._thread = threading.Thread(
                target=_read_each,
                args=(self._secrets, self._asks, self._answers, self._stopped),
                name="keyring-reader",
                daemon=True,
            )
            self._thread.start()
        self._asks.put((site, number))

    def reading(self, site_id: str) -> bool:
        """Whether an answer for the site is still to come."""
        return site_id in self._newest

    def busy(self) -> bool:
        """Whether any answer is still to come."""
        return bool(self._newest)

    def drop(self, site_id: str) -> None:
        """Let go of the answer still to come for the site (its credentials came another way)."""
        self._newest.pop(site_id, None)

    def stop(self) -> None:
        """Read and deliver nothing more. Returns at once, even while a read hangs."""
        self._stopped.set()
        self._newest.clear()
        self._asks.put(None)  # wakes the thread if it waits for an ask, so that it ends

    @Slot(str, int, object)
    def _deliver(self, site_id: str, number: int, outcome: object) -> None:
        if self._stopped.is_set() or self._newest.get(site_id) != number:
            return  # asked for again since, or let go of
        del self._newest[site_id]
        self.tokenRead.emit(site_id, outcome)


def _read_each(
    secrets: Secrets,
    asks: queue.SimpleQueue[tuple[SiteConfig, int] | None],
    answers: _Answers,
    stopped: threading.Event,
) -> None:
    """The reading thread: one ask after the other, until ``stopped``."""
    while (ask := asks.get()) is not None and not stopped.is_set():
        site, number = ask
        started = time.monotonic()
        outcome = read_credentials(secrets, site)
        seconds = time.monotonic() - started
        if seconds > _SLOW_READ_S:
            log.info("Site %s: the keyring took %.1f s to answer", site.site_id, seconds)
        if stopped.is_set():
            return  # quitting: no one is left to take the answer
        answers.answered.emit(site.site_id, number, outcome)
