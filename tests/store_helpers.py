"""Writes the store file by hand, for tests of what the app makes of a file it did not write."""

from __future__ import annotations

import json
from pathlib import Path

from gui.platform.store import default_store_path


def write_store(**parts: object) -> Path:
    """Write a schema-1 store file with ``parts`` (sites=[...], tasks=[...], ...); its path."""
    path = default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema": 1, **parts}))
    return path
