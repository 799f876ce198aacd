"""The Confluence domain: sites, credentials, the HTTP client and the task model. No Qt here.

The client is imported on first use: it pulls in requests (about 0.1 s), which the desktop app's
start-up and every module that only needs a SiteConfig or a TaskStatus should not pay for. Task
references are too: the desktop app reads one only from the Add task dialog, and their module
costs its start about 1 ms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gui.confluence.errors import (
    ConfluenceError,
    CredentialsRejected,
    InvalidInput,
    MalformedTask,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
)
from gui.confluence.task import TaskState, TaskStatus, parse_task

if TYPE_CHECKING:
    from gui.confluence.client import ConfluenceClient, CurrentUser, RawAnswer
    from gui.confluence.site import (
        AuthKind,
        Credentials,
        Deployment,
        SiteAddress,
        SiteConfig,
        normalise_site_url,
    )
    from gui.confluence.task_ref import TaskRef, parse_task_ref

# The names imported on first use, and the module each comes from.
_ON_FIRST_USE = {
    "ConfluenceClient": "client",
    "CurrentUser": "client",
    "RawAnswer": "client",
    "TaskRef": "task_ref",
    "parse_task_ref": "task_ref",
    "AuthKind": "site",
    "Credentials": "site",
    "Deployment": "site",
    "SiteAddress": "site",
    "SiteConfig": "site",
    "normalise_site_url": "site",
}


def __getattr__(name: str) -> Any:
    if name in _ON_FIRST_USE:
        module = importlib.import_module(f"{__name__}.{_ON_FIRST_USE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuthKind",
    "ConfluenceClient",
    "ConfluenceError",
    "Credentials",
    "CredentialsRejected",
    "CurrentUser",
    "Deployment",
    "InvalidInput",
    "MalformedTask",
    "NotConfluence",
    "RateLimited",
    "RawAnswer",
    "ServerTrouble",
    "SiteAddress",
    "SiteConfig",
    "SiteUnreachable",
    "TaskNotFound",
    "TaskRef",
    "TaskState",
    "TaskStatus",
    "normalise_site_url",
    "parse_task",
    "parse_task_ref",
]
