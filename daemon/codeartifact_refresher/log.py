"""Logging set-up, with a last line of defence against printing a token.

Tokens are never passed to a logger on purpose; :func:`forget_later` registers each live token
anyway, and :class:`RedactingFormatter` replaces any that slip into a formatted line (message,
exception text or traceback) with ``<redacted>``. Only the most recent few are remembered.
"""
from __future__ import annotations

import collections
import json
import logging
import sys
from datetime import datetime, timezone
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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


TEXT, TIMESTAMPED, JSON = "%(levelname)s %(message)s", "%(asctime)s %(levelname)s %(message)s", "json"


def setup(level: int = logging.INFO, stream=None, fmt: str = TEXT) -> None:
    """Send our loggers' lines (and APScheduler's warnings) to ``stream``, redacted, in ``fmt``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == JSON else RedactingFormatter(fmt))
    for name, lvl in (("codeartifact_refresher", level), ("apscheduler", max(level, logging.WARNING))):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(lvl)
        logger.propagate = False
