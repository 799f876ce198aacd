"""The settings dialog's checks (gui/confluence/checks.py) run off the GUI thread: "Test
connection" and the cloudId look-up, each handing its result back to the GUI thread.

A check's requests can be cut (``BackgroundCall.cancel()``), and quitting cuts every check in
flight: Qt waits for its thread pool before the process ends, so a check against a host that
never answers would otherwise hold the quit for its whole timeout."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from gui.confluence import checks
from gui.confluence.errors import ConfluenceError, InvalidInput
from gui.confluence.site import Credentials, SiteConfig
from gui.polling.socket_registry import SocketRegistry

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)


def check_connection_in_background(
    site: SiteConfig, credentials: Credentials | None, on_done: Callable[[object], None]
) -> BackgroundCall:
    """Run "Test connection" on Qt's thread pool; ``on_done`` gets its ConnectionReport."""
    return run_in_background(
        lambda registry: checks.check_connection(
            site, credentials, _cuttable_session(registry, site.ca_bundle)
        ),
        on_done,
    )


def lookup_cloud_id_in_background(
    site_text: str, ca_bundle: str | None, on_done: Callable[[object], None]
) -> BackgroundCall:
    """Run the cloudId look-up on Qt's thread pool; ``on_done`` gets the cloudId or the error."""
    return run_in_background(
        lambda registry: checks.lookup_cloud_id(
            site_text, ca_bundle, _cuttable_session(registry, ca_bundle)
        ),
        on_done,
    )


def _cuttable_session(registry: SocketRegistry, ca_bundle: str | None) -> requests.Session:
    # Imported on the check's own thread: it loads requests, which the GUI thread need not.
    from gui.polling.abortable import abortable_session

    return abortable_session(registry, ca_bundle)


class BackgroundCall(QObject):
    """One check on Qt's thread pool. ``done`` brings its result (or the exception it raised)
    to the GUI thread; ``cancel()`` cuts its requests and drops the result."""

    done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.registry = SocketRegistry()
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Safe more than once, and after the check ended."""
        self._cancelled = True
        self.registry.abort()


class _Call(QRunnable):
    def __init__(self, work: Callable[[SocketRegistry], object], call: BackgroundCall) -> None:
        super().__init__()
        self._work = work
        self._call = call

    def run(self) -> None:
        try:
            result: object = self._work(self._call.registry)
        except (ConfluenceError, InvalidInput) as error:
            result = error
        except Exception as error:  # a worker thread must hand every failure back to the GUI
            log.exception("Background check failed")
            result = error
        # Cancelled: nobody waits for the answer, and when the app is quitting the call's Qt
        # object may already be deleted, so emitting would raise in this thread.
        if not self._call.cancelled:
            self._call.done.emit(result)


def run_in_background(
    work: Callable[[SocketRegistry], object], on_done: Callable[[object], None]
) -> BackgroundCall:
    """Run ``work`` on Qt's thread pool and call ``on_done`` in the GUI thread with its result
    (or the exception it raised). ``work`` gets the registry its requests must use, so that
    ``cancel()`` and quitting can cut them. Keep the returned call until ``on_done`` has run."""
    call = BackgroundCall()
    call.done.connect(on_done)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(call.cancel)
    QThreadPool.globalInstance().start(_Call(work, call))
    return call
