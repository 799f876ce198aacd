"""Starts the real app (``gui.cli.main``) with the benchmark's window hook, and nothing else.

    python tests/benchmarks/app_probe.py --demo

The hook (shown_hook.py) is installed on the app's own QApplication by wrapping
``gui.app._application``, so the app carries no benchmark code; with CTT_BENCH_STALL_REPORT set,
stall_hook.py also records the GUI thread's longest stall. With CTT_BENCH_SITE set to JSON
``{"url": ..., "token": ..., "tasks": [ids]}``, ``--demo`` watches those tasks on a simulated
Confluence run by the benchmark in another process instead of starting its own showcase, so the
server's work is not counted as the app's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gui.app
from gui.cli import main


def _hook_application() -> None:
    original = gui.app._application

    def hooked() -> Any:
        app = original()
        from shown_hook import ShownHook

        app._bench_hook = ShownHook(app)  # type: ignore[attr-defined]
        stall_report = os.environ.get("CTT_BENCH_STALL_REPORT", "")
        if stall_report:
            from stall_hook import StallHook

            stall = StallHook(app, stall_report)
            app._bench_hook.shown.connect(stall.start)  # type: ignore[attr-defined]
            app._bench_stall = stall  # type: ignore[attr-defined]
        return app

    gui.app._application = hooked


class _External:
    """Stands in for the in-process server: the benchmark owns and stops the real one."""

    def stop(self) -> None:
        return None


def _use_external_site(text: str) -> None:
    import json  # here: the app's own start must not find json loaded by the probe

    import gui.app_demo as app_demo
    from gui.confluence.site import AuthKind, Credentials, Deployment, SiteAddress, SiteConfig
    from gui.demo.scenario import DemoScenario

    spec = json.loads(text)

    def start_demo(speed: float = 1.0) -> Any:
        site = SiteConfig(
            app_demo.DEMO_CLOUD_SITE,
            "Bench",
            SiteAddress(spec["url"] + "/wiki", Deployment.CLOUD),
            auth_kind=AuthKind.BASIC,
            user=app_demo.DEMO_USER_EMAIL,
            discover=bool(spec.get("discover", False)),
        )
        credentials = Credentials(AuthKind.BASIC, spec["token"], app_demo.DEMO_USER_EMAIL)
        return app_demo.DemoSession(
            _External(),  # type: ignore[arg-type]
            DemoScenario(list(spec["tasks"]), []),
            sites=[(site, credentials)],
            watched=[(site.site_id, task_id) for task_id in spec["tasks"]],
        )

    app_demo.start_demo = start_demo


if __name__ == "__main__":
    _hook_application()
    site = os.environ.get("CTT_BENCH_SITE", "")
    if site:
        _use_external_site(site)
    sys.exit(main(sys.argv[1:]))
