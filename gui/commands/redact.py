"""Defence in depth for the token: whatever a log record or a printed line says, the token's
text is replaced before it reaches a handler or the terminal."""

from __future__ import annotations

import logging

_MASK = "[redacted]"
_secrets: set[str] = set()


def install_redaction(secret: str) -> None:
    """Scrub ``secret`` from every record that reaches the root logger's handlers from now on."""
    if len(secret) < 4:
        return  # masking a very short string would garble ordinary text, and it guards nothing
    _secrets.add(secret)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def redact(text: str) -> str:
    """``text`` with every installed secret masked."""
    for secret in _secrets:
        text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """Renders the message (and any traceback) early so the secret can be masked in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
