"""The Qt binding the project runs on survives a long-running poller's worth of signals."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


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


def test_the_app_keeps_no_module_source_in_memory_and_still_tells_pyside_users_apart(
    tmp_path: Path,
) -> None:
    # PySide6 reads every imported module's source to see whether it "uses PySide6", and
    # linecache keeps it all; the app swaps in a check that reads no source.
    (tmp_path / "qt_user.py").write_text("from PySide6.QtCore import QObject\n")
    (tmp_path / "plain.py").write_text("import json\n")
    script = textwrap.dedent(
        """
        import json, linecache, sys
        sys.path.insert(0, sys.argv[1])
        import PySide6.QtCore
        feature = sys.modules["shibokensupport.feature"]
        import plain
        premise = plain.__file__ in linecache.cache
        linecache.clearcache()
        del sys.modules["plain"], feature.pyside_feature_dict["plain"]

        from gui.platform.qt_imports import lighten_pyside_imports
        replaced = lighten_pyside_imports()
        import plain, qt_user
        kept = [m.__file__ for m in (plain, qt_user) if m.__file__ in linecache.cache]
        flags = feature.pyside_feature_dict
        print(json.dumps([premise, replaced, kept, flags["qt_user"], flags["plain"]]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-800:]
    premise, replaced, kept, qt_user, plain = json.loads(done.stdout)
    if not premise:
        pytest.skip(
            "this PySide6 no longer reads module sources: gui/platform/qt_imports.py can go"
        )
    assert replaced
    assert kept == [], "no module's source is kept"
    assert (qt_user, plain) == (0, -1), "PySide6 users are still told apart"
