"""The log of requests the demo received, so tests can count them and measure their spacing."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """One request to the simulated Confluence API (control endpoints are not recorded).

    ``time`` is the server clock at arrival, ``real_time`` the monotonic clock at arrival (for
    spacing measured in real seconds even under a ManualClock). ``status`` is 0 when the fault
    dropped the connection. ``dialect`` is "cloud", "dc", "gateway" or None off the API.
    """

    time: float
    method: str
    path: str
    query: str
    status: int
    authorized: bool
    real_time: float
    dialect: str | None
    fault: str | None

    def to_json(self) -> dict[str, Any]:
        """The record as plain data for the control endpoint."""
        return asdict(self)


class RequestLog:
    """A thread-safe, append-only list of RequestRecord that tests read as snapshots."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Add one record."""
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of every record so far, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
