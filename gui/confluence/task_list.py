"""Reading a site's list of active tasks page by page, and when to stop following its pages.

Offset paging while tasks come and go can list a task twice, and a careless server can name the
same next page for ever: the reader keeps each task once and stops at a list that does not move
on, saying why, rather than asking again and again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gui.confluence.errors import MalformedTask, NotConfluence, TaskNotFound
from gui.confluence.site import SiteAddress
from gui.confluence.task import TaskStatus

log = logging.getLogger(__name__)

MAX_PAGES = 200  # a guard against a server whose "next" link never ends

# (start, limit) -> the decoded answer for that page
PageFetcher = Callable[[int, int], Any]


def read_active_tasks(
    address: SiteAddress,
    fetch_page: PageFetcher,
    parse: Callable[[Any], TaskStatus],
    page_size: int,
    on_malformed: Callable[[MalformedTask], None] | None = None,
    on_incomplete: Callable[[str], None] | None = None,
) -> list[TaskStatus]:
    """Every task the list of ``address`` holds, asking ``fetch_page`` for each page and reading
    each item with ``parse``; see ``ConfluenceClient.list_active_tasks`` for the rules."""
    tasks: list[TaskStatus] = []
    seen: set[str] = set()
    unreadable: list[MalformedTask] = []
    start = 0
    previous_next: str | None = None
    stopped: str | None = None
    for _ in range(MAX_PAGES):
        try:
            payload = fetch_page(start, page_size)
        except TaskNotFound as error:
            raise NotConfluence(
                f"{address.base_url} has no Confluence task list (404). "
                "Check the site address: on Cloud it ends in /wiki.",
                status=404,
            ) from error
        results, size, limit, has_next, next_link = _page(payload)

        fresh = 0
        for item in results:
            try:
                task = parse(item)
            except MalformedTask as problem:
                if on_malformed is None:
                    raise
                unreadable.append(problem)
                fresh += 1
                continue
            if task.task_id not in seen:
                seen.add(task.task_id)
                tasks.append(task)
                fresh += 1

        # A server that sends `_links` names the next page when there is one; only without
        # them does a full page suggest more (and cost one empty request at the end).
        more = has_next if has_next is not None else size >= limit
        if not results or not more:
            break
        stopped = _stuck(next_link, previous_next, size, fresh)
        if stopped:
            break
        previous_next = next_link
        start += size
    else:
        stopped = f"it still had more after {MAX_PAGES} pages"

    if stopped:
        log.warning("Stopped following the task list of %s: %s", address.host, stopped)
        if on_incomplete is not None:
            on_incomplete(
                f"Stopped reading the task list of {address.host}: {stopped}. "
                "The list shown may be incomplete."
            )
    if unreadable and not tasks:
        raise unreadable[0]
    if on_malformed is not None:
        for bad in unreadable:
            on_malformed(bad)
    return tasks


def _stuck(next_link: str | None, previous_next: str | None, size: int, fresh: int) -> str | None:
    """Why a page that says there is more would never lead anywhere new, or None."""
    if next_link is not None and next_link == previous_next:
        return "it names the same next page again"
    if size <= 0:
        return "its page size of 0 would never move on"
    if not fresh:
        return "a page held only tasks already listed"
    return None


def _page(payload: Any) -> tuple[list[Any], int, int, bool | None, str | None]:
    """A list page's items, size, limit, whether `_links` names a next page (None without
    `_links`) and that next link as text."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise NotConfluence("The task list answer has no 'results' list")
    results = payload["results"]
    size = payload.get("size", len(results))
    limit = payload.get("limit", len(results) or 1)
    links = payload.get("_links")
    has_next = bool(links.get("next")) if isinstance(links, dict) else None
    next_link = str(links["next"]) if has_next and isinstance(links, dict) else None
    if not isinstance(size, int) or not isinstance(limit, int) or limit <= 0:
        raise NotConfluence("The task list answer has a malformed 'size' or 'limit'")
    return results, size, limit, has_next, next_link
