"""The Qt binding the project runs on survives a long-running poller's worth of signals."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_many_signal_emits_do_not_crash_the_interpreter() -> None:
    # PySide6 6.12.0 took a reference from True on every emit and CPython aborted after a few
    # thousand; a poller emits on every cycle, so a day of polling would kill the app. The
    # check runs in a subprocess because the failure is an abort, not an exception.
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QObject, Signal

        class Pinger(QObject):
            ping = Signal(object)

        pinger = Pinger()
        received = []
        pinger.ping.connect(received.append)
        before = sys.getrefcount(True)
        for number in range(20_000):
            pinger.ping.emit(number)
        assert len(received) == 20_000
        print(before - sys.getrefcount(True))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "0"
