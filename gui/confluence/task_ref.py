"""What a user pastes to watch a task: a bare id, a task URL, or the body of a 202 answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from gui.confluence.errors import InvalidInput
from gui.confluence.site import SiteAddress, normalise_site_url

_TASK_PATH = re.compile(r"(?P<prefix>.*?)/rest/api/longtask/(?P<id>[^/?#\s]+)/?", re.DOTALL)
_BARE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
EXPECTED = (
    "Paste a task id (e.g. 1234567), a task URL "
    "(https://acme.atlassian.net/wiki/rest/api/longtask/1234567) "
    'or the JSON answer that started the task ({"id": "...", "links": {...}}).'
)


@dataclass(frozen=True)
class TaskRef:
    """A task to watch; ``site`` is known only when the user pasted a full URL."""

    task_id: str
    site: SiteAddress | None = None


def parse_task_ref(text: str) -> TaskRef:
    """Understand a pasted id, URL or 202 body; raise InvalidInput saying what was expected.

    InvalidInput is the only exception, whatever the text: the Add task dialog calls this on
    every keystroke, inside a Qt slot, and shows the message.
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput("Nothing pasted. " + EXPECTED)
    if raw.startswith("{"):
        return _from_started_answer(raw)
    return _from_link(raw)


def _from_link(raw: str) -> TaskRef:
    """A bare id, a task URL or a path (``/wiki/rest/api/longtask/<id>``)."""
    if "://" in raw:
        return _from_url(raw)
    if raw.startswith("/"):
        match = _TASK_PATH.fullmatch(_without_query(raw))
        if match:
            return TaskRef(_checked_id(unquote(match.group("id"))))
        raise InvalidInput("That path is not a task path. " + EXPECTED)
    if _BARE_ID.fullmatch(raw):
        return TaskRef(raw)
    raise InvalidInput("That is not a task id. " + EXPECTED)


def _from_url(raw: str) -> TaskRef:
    # The site part goes to normalise_site_url as typed, so both read the authority one way
    # (urlsplit would raise ValueError on a broken IPv6 literal before it got there).
    match = _TASK_PATH.fullmatch(_without_query(raw))
    if not match:
        raise InvalidInput(
            "That URL does not point at a task (…/rest/api/longtask/<id>). " + EXPECTED
        )
    task_id = _checked_id(unquote(match.group("id")))
    return TaskRef(task_id, normalise_site_url(match.group("prefix")))


def _without_query(link: str) -> str:
    return re.split(r"[?#]", link, maxsplit=1)[0]


def _from_started_answer(raw: str) -> TaskRef:
    import json  # here, not at the top: the window's first paint needs no json (about 2 ms)

    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: a few thousand nested brackets exhaust the parser's stack.
        raise InvalidInput("That looks like JSON but does not parse. " + EXPECTED) from None
    if not isinstance(payload, dict):
        raise InvalidInput("That JSON is not an object. " + EXPECTED)
    task_id = payload.get("id")
    links = payload.get("links") or payload.get("_links") or {}
    status = links.get("status") if isinstance(links, dict) else None
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        task_id = str(task_id)
    if isinstance(task_id, str) and task_id.strip():
        # links.status is relative to the context path (on Cloud it lacks /wiki), so only the
        # id is trusted; the poll URL is built from the configured site.
        return TaskRef(_checked_id(task_id.strip()))
    if isinstance(status, str) and status.strip():
        # A link, never another JSON body: no answer nests one in its links.
        return _from_link(status.strip())
    raise InvalidInput("That JSON has no task id. " + EXPECTED)


def _checked_id(task_id: str) -> str:
    # fullmatch: with match, "$" would let a trailing "\n" (from "%0A") through.
    if not _BARE_ID.fullmatch(task_id):
        raise InvalidInput(f"'{task_id[:40]}' is not a valid task id. " + EXPECTED)
    return task_id
