"""Every kind of answer from a Confluence site that a user acts on differently.

Each class carries a message that says what went wrong and what to do next. Messages never
contain a credential: they are built from the status, the host and short excerpts of what the
server said, which Confluence never fills with the caller's token.
"""

from __future__ import annotations


class ConfluenceError(Exception):
    """Base class: something kept us from reading a task.

    ``message`` says what went wrong and what to do, ``status`` is the HTTP status when an answer
    came, ``detail`` the start of its body (with our credentials masked). ``retrying`` says what
    polling does about it ("Will try again."), empty when it is not worth trying again.

    ``str()`` is ``message`` and then ``retrying``: what polling shows, since it does try again. A
    check that asks once (Test connection, the ``get`` and ``list`` commands) shows ``message``.
    """

    def __init__(
        self, message: str, *, status: int | None = None, detail: str = "", retrying: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.retrying = retrying

    def __str__(self) -> str:
        return f"{self.message} {self.retrying}" if self.retrying else self.message


class CredentialsRejected(ConfluenceError):
    """The site refused who we said we are: 401, a gateway scope mismatch, a sign-in page or
    a redirect to an identity provider. Polling must stop until the credentials change."""


class TaskNotFound(ConfluenceError):
    """404 for a task: no such task, or the caller may not see it, or a Data Center node that
    has not heard of it yet. Only repeated 404s over some time mean it is gone."""


class RateLimited(ConfluenceError):
    """429: the site asks us to slow down; ``retry_after`` is the delay it named, if any."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int = 429,
        detail: str = "",
        retrying: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail, retrying=retrying)
        self.retry_after = retry_after


class ServerTrouble(ConfluenceError):
    """5xx: the site is having trouble; worth trying again later, after ``retry_after`` if set."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        retry_after: float | None = None,
        detail: str = "",
        retrying: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail, retrying=retrying)
        self.retry_after = retry_after


class NotConfluence(ConfluenceError):
    """The answer is not what Confluence sends: not JSON, malformed, wrong field types, too
    big, or an unexpected status. Usually a wrong site URL or a proxy in the way."""


class MalformedTask(NotConfluence):
    """A task object whose fields have the wrong types; the message names the field.

    ``task_id`` is the id the object gave, when it had one: then the answer speaks of that task,
    and only that task is unreadable, not the site."""

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.task_id = task_id


class SiteUnreachable(ConfluenceError):
    """No answer at all: DNS failure, refused connection, timeout or a TLS error."""


class InvalidInput(ValueError):
    """Text typed by the user (a site URL, a task reference) that we cannot use, with why."""
