"""Masking our own credentials in what a server sends back, before anything else sees it.

A server, a proxy in front of it or a plugin may paste the request's Authorization header into
an answer (a debug echo, an error page, a sign-in link). Whatever the client hands up is shown,
stored, logged and notified, so one mask per site, built from every form of its credentials,
is applied where answers enter the program (the client) and again where alerts are built. The
log and the command line's output go through one more, built from every credential registered
with gui/platform/logging_setup.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gui.confluence.task import TaskStatus

if TYPE_CHECKING:
    from gui.confluence.site import Credentials

REDACTED = "[redacted]"


class SecretMask:
    """Replaces every form (``Credentials.secret_forms()``) of the credentials it was built
    from by ``[redacted]``; built from nothing, it changes nothing."""

    # Limitation: only the forms in which the secret travels (and their percent-encoding and
    # JSON string escaping) are found; a server that transforms it otherwise (\\u escapes of
    # plain letters, another encoding, a token cut in pieces) is not caught.

    def __init__(
        self, credentials: Credentials | None = None, *, forms: Iterable[str] = ()
    ) -> None:
        """A mask for every form of ``credentials``, and for each of ``forms`` as it is (the
        log's mask: the forms of every secret registered so far)."""
        every = set(forms)
        if credentials is not None:
            every.update(credentials.secret_forms())
        self.forms = tuple(sorted(every, key=len, reverse=True))

    def text(self, text: str) -> str:
        """``text`` with every form masked, longest first, so that no shorter form (a Basic value
        without its padding) leaves a piece of a longer one behind."""
        for secret in self.forms:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def data(self, body: bytes) -> bytes:
        """Like ``text``, for a body not decoded yet."""
        for secret in self.forms:
            body = body.replace(secret.encode(), REDACTED.encode())
        return body

    def excerpt(self, body: bytes, length: int) -> str:
        """The start of ``body`` as text, masked before it is cut, so that a secret that
        straddles the cut leaves no piece behind."""
        longest = len(self.forms[0]) if self.forms else 0
        return self.text(body[: length + longest].decode("utf-8", "replace"))[:length]

    def json(self, value: Any) -> Any:
        """A decoded JSON value with every string in it masked, object keys included.

        Changes the containers in place (they are the client's own, fresh from the decoder) and
        walks them with a list rather than recursion, so no nesting the decoder accepted can
        overflow the stack here.
        """
        if not self.forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        pending = [value] if isinstance(value, dict | list) else []
        while pending:
            container = pending.pop()
            if isinstance(container, list):
                for index, item in enumerate(container):
                    if isinstance(item, str):
                        container[index] = self.text(item)
                    elif isinstance(item, dict | list):
                        pending.append(item)
                continue
            masked_keys = False
            for key, item in container.items():
                if isinstance(item, str):
                    container[key] = self.text(item)
                elif isinstance(item, dict | list):
                    pending.append(item)
                masked_keys = masked_keys or self.text(key) != key
            if masked_keys:
                entries = [(self.text(key), item) for key, item in container.items()]
                container.clear()
                container.update(entries)
        return value

    def task(self, task: TaskStatus) -> TaskStatus:
        """``task`` with the texts parsing put together masked, such as a translation whose
        "{0}" was filled from its args: the answer held the pieces apart, so ``json`` could not
        see them whole. Its ``raw`` fields are the answer's, which ``json`` has masked."""
        if not self.forms:
            return task
        return dataclasses.replace(
            task,
            task_id=self.text(task.task_id),
            title=self.text(task.title),
            message=self.text(task.message),
            errors=tuple(self.text(error) for error in task.errors),
            result_url=self.text(task.result_url) if task.result_url is not None else None,
            name_key=self.text(task.name_key) if task.name_key is not None else None,
            status_key=self.text(task.status_key) if task.status_key is not None else None,
        )
