"""``emit()``: Signal.emit that survives a reference-counting bug of PySide6 6.12.0 on Python 3.11.

PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without owning a reference to it, so
every emit from Python takes one reference away from ``True``. On Python 3.11, where ``True`` is
not immortal, a long-running app reaches zero after some thousands of emits and CPython aborts
("bool_dealloc: deallocating True or False"). A poller emits on every cycle, so it would crash
within hours. This module measures once whether the running PySide6 has the bug and, if so,
gives the reference back after each emit. On sound versions it is a plain emit.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)

_PROBES = 8


class _Probe(QObject):
    ping = Signal()


def _emit_loses_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    # Measure, then repair what the probe itself took; other threads could blur the count, so
    # only an exact loss of one per emit counts as the bug.
    if lost == _PROBES:
        for _ in range(_PROBES):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        return True
    return False


_BROKEN = _emit_loses_a_reference()
if _BROKEN:
    log.info("This PySide6 drops a reference on every emit; compensating")


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, giving back the reference a broken PySide6 takes from the result."""
    # The stubs say None; the runtime returns whether the signal went out.
    result: object = signal.emit(*args)  # type: ignore[func-returns-value]
    if _BROKEN and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
