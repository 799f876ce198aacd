"""A tiny app for the desktop tests: shows alerts through Notifier, reports the click.

    python tests/desktop/notifier_probe.py '[{"kind": ..., "title": ..., "target": ...}]'

Prints ``ready`` once the alerts are handed over, then ``activated <target as JSON>`` for the first
click and exits 0; exits 3 if no click comes within 20 seconds.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QCoreApplication, QTimer

from gui.platform.notifications import Notifier
from gui.polling.alerts import Alert, AlertKind


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    notifier = Notifier()

    def on_activated(target: object) -> None:
        shown = list(target) if isinstance(target, tuple) else target
        print("activated", json.dumps(shown), flush=True)
        app.exit(0)

    notifier.activated.connect(on_activated)
    for item in json.loads(sys.argv[1]):
        target = tuple(item["target"]) if isinstance(item["target"], list) else item["target"]
        notifier.show(Alert(AlertKind(item["kind"]), item["title"], item["body"], target))
    print("ready", flush=True)
    QTimer.singleShot(20_000, lambda: app.exit(3))
    status = app.exec()
    notifier.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
