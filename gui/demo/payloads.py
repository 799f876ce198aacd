"""Task, list and user payloads in each dialect: Cloud, Cloud before 2022, and Data Center."""

from __future__ import annotations

import json
from typing import Any

from gui.demo import kinds
from gui.demo.tasks import TaskSnapshot

DEMO_DISPLAY_NAME = "Demo User"
DEMO_ACCOUNT_ID = "5f1e2d3c4b5a69788796a5b4"
DEMO_USERNAME = "demo"


def _message(text: str) -> dict[str, Any]:
    return {"translation": text, "args": []}


def current_message(snap: TaskSnapshot) -> str:
    """The first message: what the task is doing right now, in words."""
    kind = kinds.KINDS[snap.task.kind]
    if snap.finished:
        return kind.done if snap.successful else snap.task.error_text
    if snap.queued:
        return "Waiting for another task to finish"
    return f"{kind.verb} {snap.items_done} of {snap.task.total_items} {kind.noun}"


def task_payload(snap: TaskSnapshot) -> dict[str, Any]:
    """The task object as its shape sends it, without `_links`."""
    task = snap.task
    if task.shape == "dc":
        return _dc_payload(snap)

    payload: dict[str, Any] = {
        "id": task.id,
        "name": {"key": kinds.KINDS[task.kind].key, "args": []},
        "elapsedTime": snap.elapsed_ms,
        "percentageComplete": snap.percent,
        "successful": snap.successful,
    }
    if task.shape == "cloud":
        payload["finished"] = snap.finished
    elif snap.finished:
        # Without `finished`, clients can only tell the end from 100 %, so old Cloud reported it.
        payload["percentageComplete"] = 100
    payload["messages"] = [_message(current_message(snap))]
    failed = snap.finished and not snap.successful
    payload["errors"] = [_message(task.error_text)] if failed else []
    if task.kind == "copy_page_hierarchy":
        payload["status"] = _copy_status(snap)
        payload["additionalDetails"] = _copy_details(snap)
    return payload


def _dc_payload(snap: TaskSnapshot) -> dict[str, Any]:
    """Data Center: a translated name, no key, no `finished`, `status` or `errors`."""
    task = snap.task
    return {
        "id": task.id,
        "name": {"translation": kinds.KINDS[task.kind].translation},
        "elapsedTime": snap.elapsed_ms,
        "percentageComplete": 100 if snap.finished else snap.percent,
        "successful": snap.successful,
        "messages": [_message(current_message(snap))],
    }


def _copy_status(snap: TaskSnapshot) -> str:
    """Page copies report a JSON-encoded status object inside a string field."""
    if snap.finished:
        key = kinds.COPY_STATUS_DONE if snap.successful else kinds.COPY_STATUS_FAILED
    elif snap.queued:
        key = kinds.COPY_STATUS_QUEUED
    else:
        key = kinds.COPY_STATUS_RUNNING
    args = [str(snap.items_done), str(snap.task.total_items)]
    return json.dumps({"key": key, "args": args})


def copy_destination_id(snap: TaskSnapshot) -> str:
    """A stable id for the new page, derived from the task id."""
    digits = "".join(ch for ch in str(snap.task.id) if ch.isdigit()) or "1"
    return str(900000 + int(digits[-5:]))


def _copy_details(snap: TaskSnapshot) -> dict[str, Any]:
    page_id = copy_destination_id(snap)
    title = snap.task.page_title.replace(" ", "+")
    return {
        "destinationId": page_id,
        "destinationUrl": f"/spaces/{snap.task.space_key}/pages/{page_id}/Copy+of+{title}",
        "totalPageNeedToCopy": snap.task.total_items,
    }


def links(base: str, context: str, self_url: str | None = None) -> dict[str, str]:
    """The `_links` object Confluence attaches to by-id and list answers."""
    result = {"base": base, "context": context}
    if self_url is not None:
        result["self"] = self_url
    return result


def cloud_user(email: str) -> dict[str, Any]:
    """`/rest/api/user/current` on Cloud (and through the gateway)."""
    return {
        "type": "known",
        "accountId": DEMO_ACCOUNT_ID,
        "accountType": "atlassian",
        "email": email,
        "publicName": DEMO_DISPLAY_NAME,
        "displayName": DEMO_DISPLAY_NAME,
        "isExternalCollaborator": False,
    }


def dc_user() -> dict[str, Any]:
    """`/rest/api/user/current` on Data Center: a username and user key, no account id."""
    return {
        "type": "known",
        "username": DEMO_USERNAME,
        "userKey": "8a7f808a6b1c2d3e016b1c2d3e4f0001",
        "displayName": DEMO_DISPLAY_NAME,
    }
