"""The Confluence domain: sites, credentials, the HTTP client and the task model. No Qt here."""

from gui.confluence.client import ConfluenceClient, CurrentUser, RawAnswer
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
from gui.confluence.site import (
    AuthKind,
    Credentials,
    Deployment,
    SiteAddress,
    SiteConfig,
    normalise_site_url,
)
from gui.confluence.task import TaskState, TaskStatus, parse_task
from gui.confluence.task_ref import TaskRef, parse_task_ref

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
