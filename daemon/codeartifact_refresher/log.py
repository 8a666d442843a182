"""Logging set-up, with a last line of defence against printing a token.

Tokens are never passed to a logger on purpose; :func:`forget_later` registers each live token
anyway, and :class:`RedactingFormatter` replaces any that slip into a formatted line (message,
exception text or traceback) with ``<redacted>``. Only the most recent few are remembered.
"""
from __future__ import annotations

import collections
import logging
import sys
from urllib.parse import quote

REDACTED = "<redacted>"
_secrets: collections.deque[str] = collections.deque(maxlen=32)


def forget_later(secret: str) -> None:
    """Remember ``secret`` (and its URL-quoted form) so that it is redacted from every log line."""
    for form in {secret, quote(secret, safe="")}:
        if form and form not in _secrets:
            _secrets.append(form)


def redact(text: str, extra=()) -> str:
    for secret in sorted({*_secrets, *extra}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    root = logging.getLogger("codeartifact_refresher")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
