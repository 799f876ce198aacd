"""Human titles for task names and status keys, which Confluence sends as i18n keys."""

from __future__ import annotations

import re

# Matched against the i18n key without case; first hit wins. Keys differ between Cloud and Data
# Center releases, so match on the distinctive part rather than the whole key.
_KNOWN_TASKS: tuple[tuple[str, str], ...] = (
    ("removespace", "Delete space"),
    ("deletespace", "Delete space"),
    ("copypagehierarchy", "Copy page hierarchy"),
    ("copypagetree", "Copy page hierarchy"),
    ("removepagetree", "Delete page tree"),
    ("deletepagetree", "Delete page tree"),
    ("pagetree", "Delete page tree"),
    ("archive", "Archive pages"),
    ("importspace", "Import space"),
    ("restore", "Import space"),
    ("import", "Import space"),
    ("exportspace", "Export space"),
    ("export", "Export space"),
    ("reindex", "Rebuild search index"),
)
_NOISE_SEGMENTS = {"com", "atlassian", "confluence", "action", "actions", "name", "task", "tasks"}
_NOISE_SUFFIXES = ("LongRunningTask", "Action", "Task")


def task_title(key: str | None, translation: str | None = None) -> str:
    """A short title such as "Delete space" for a task name key; readable even for unknown keys."""
    if translation and translation.strip():
        return translation.strip()
    if not key:
        return "Long-running task"
    # The class-like segment ("ExportSpaceAction") is the most telling; package names such as
    # "importexport" would otherwise match the wrong task.
    segments = [s for s in key.split(".") if s]
    specific = [s for s in segments if any(c.isupper() for c in s)]
    for candidate in (*specific, key):
        lowered = candidate.lower().replace("-", "").replace("_", "")
        for needle, title in _KNOWN_TASKS:
            if needle in lowered:
                return title
    return _humanise_key(key)


def _humanise_key(key: str) -> str:
    segments = [s for s in re.split(r"[.\s]+", key) if s and s.lower() not in _NOISE_SEGMENTS]
    if not segments:
        return "Long-running task"
    # The most specific segment is usually the class name, e.g. "FrobnicateSpaceAction".
    word = max(segments, key=lambda s: (any(c.isupper() for c in s), len(s)))
    for suffix in _NOISE_SUFFIXES:
        if word.endswith(suffix) and word != suffix:
            word = word[: -len(suffix)]
    return humanise_words(word) or "Long-running task"


def humanise_words(text: str) -> str:
    """``STATUS_COPYING_PAGES`` or ``copyingPages`` becomes "Copying pages"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ").replace("-", " ")
    words = spaced.split()
    if not words:
        return ""
    sentence = " ".join(words).lower()
    return sentence[0].upper() + sentence[1:]


def status_key_text(key: str) -> str:
    """A status key such as ``ERROR_LOCK_FAILED`` as a sentence, without its level prefix."""
    words = key.split("_")
    if len(words) > 1 and words[0] in {"STATUS", "ERROR", "WARN", "INFO"}:
        words = words[1:]
    return humanise_words("_".join(words))
