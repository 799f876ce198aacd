"""A store being written when the app is killed still loads: the old state or the new, whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from gui.platform.store import Store

# Each save writes a generation number into every record, so a half-written or mixed file
# would show up as records from different generations.
WRITER = """
import sys
from pathlib import Path
from gui.confluence.site import SiteConfig, normalise_site_url
from gui.platform.store import Store
from gui.platform.store_schema import WatchedTask

store = Store(Path(sys.argv[1]))
store.state.sites = [SiteConfig("site-1", "Acme", normalise_site_url("https://acme.example.org"))]
generation = int(store.tasks[0].summary.split()[1]) if store.tasks else 0
while True:
    generation += 1
    store.state.tasks = [
        WatchedTask("site-1", str(n), summary=f"generation {generation} " + "x" * 200)
        for n in range(300)
    ]
    store.save()
    print(generation, flush=True)
"""


def _generation(store: Store) -> int:
    summaries = {task.summary.split(" ")[1] for task in store.tasks}
    assert len(summaries) == 1, "records from different saves were mixed"
    return int(summaries.pop())


def test_killing_the_app_mid_write_leaves_the_previous_or_the_new_state(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    Store(path).save()  # generation 0: no tasks yet
    rng = random.Random(20240611)
    last_seen = 0

    for round_number in range(6):
        progress = tmp_path / f"progress-{round_number}.txt"
        with progress.open("wb") as out:
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=out)
            # Kill only after the writer has saved at least once, at a random moment after.
            deadline = time.monotonic() + 20
            while not progress.read_bytes().strip() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(timeout=10)

        completed = [int(line) for line in progress.read_text().split()]
        assert completed, "the writer never finished a save"
        store = Store(path)
        assert store.problem is None, store.problem
        generation = _generation(store)
        # The last confirmed save, or the one that was being written when the kill came.
        assert completed[-1] <= generation <= completed[-1] + 1
        assert generation > last_seen
        last_seen = generation

    assert not list(tmp_path.glob("store.json.corrupt-*"))
