"""Notices when the computer woke from sleep or the network came back, so polling resumes at once.

Two signs, each optional: the wall clock jumping ahead of the monotonic clock (on Linux the
monotonic clock stands still during suspend; any platform shows a jump when the clock is reset),
and Qt's QNetworkInformation reporting the network reachable again where a backend exists.
QtNetwork is loaded only then, a second after the start: the window's first paint does not wait
for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger(__name__)

_NETWORK_WATCH_DELAY_MS = 1000


class WakeMonitor(QObject):
    """Emits ``woke(reason)`` after a clock jump or when the network becomes reachable."""

    woke = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        check_ms: int = 15_000,
        jump_threshold: float = 20.0,
        watch_network: bool = True,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._wall, self._monotonic = wall, monotonic
        self._threshold = jump_threshold
        self._offset = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.check_clock)
        self._watch_network = watch_network
        self._network_timer = QTimer(self)
        self._network_timer.setSingleShot(True)
        self._network_timer.setInterval(_NETWORK_WATCH_DELAY_MS)
        self._network_timer.timeout.connect(self._watch_network_now)
        self._network: QNetworkInformation | None = None
        self._reachability: QNetworkInformation.Reachability | None = None

    def start(self) -> None:
        self._offset = self._wall() - self._monotonic()
        self._timer.start()
        if self._watch_network and self._network is None:
            # Loading Qt's network-status plugin takes a few milliseconds that the app's start
            # (its window's first paint) should not wait for; nobody sleeps in the first second.
            self._network_timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._network_timer.stop()
        if self._network is not None:
            self._network.reachabilityChanged.disconnect(self.on_reachability)
            self._network = None

    def _watch_network_now(self) -> None:
        if self._network is not None:
            return
        self._network = _load_network_information()
        if self._network is not None:
            self._reachability = self._network.reachability()
            self._network.reachabilityChanged.connect(self.on_reachability)

    def check_clock(self) -> None:
        """Compare the clocks now; called by the timer, and by tests with fake clocks."""
        offset = self._wall() - self._monotonic()
        jump = offset - self._offset
        self._offset = offset
        if abs(jump) >= self._threshold:
            self.woke.emit(f"The clock jumped by {jump:+.0f} s (sleep, wake or a clock change)")

    def on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        previous, self._reachability = self._reachability, reachability
        if reachability == previous:
            return
        log.info("Network reachability: %s", reachability.name)
        if _online(reachability) and not _online(previous):
            self.woke.emit(f"The network is back ({reachability.name})")


def _online(reachability: QNetworkInformation.Reachability | None) -> bool:
    from PySide6.QtNetwork import QNetworkInformation  # loaded: the value came from it

    return reachability in (
        QNetworkInformation.Reachability.Online,
        QNetworkInformation.Reachability.Site,
    )


def _load_network_information() -> QNetworkInformation | None:
    """Qt's network information, or None where no backend works (then only the clock helps)."""
    from PySide6.QtNetwork import QNetworkInformation

    if not QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability):
        log.info("No network-status backend; relying on the clock check to notice a wake-up")
        return None
    info = QNetworkInformation.instance()
    if info is None:
        return None
    log.info("Watching network reachability through Qt's %s backend", info.backendName())
    return info
