"""Logging set-up, with a last line of defence against printing a token.

Tokens are never passed to a logger on purpose; :func:`secret` registers a token anyway while
it is in use, and :class:`RedactingFormatter` replaces any that slip into a formatted line
(message, exception text or traceback) with ``<redacted>``. A token is forgotten when its block
ends: nothing here outlives the refresh that needed it.

The rules themselves (which text is a secret, what a control character is) are
:mod:`.redaction`'s; a log line gets its known secrets and URL userinfo rules.

Every message is also kept to *one line*: a string another program supplied (an AWS error message,
a hook's output) cannot start a log line of its own. :func:`one_line` does the same for text that
goes into an error or the state file, and bounds its length.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import sys
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import TextIO
from urllib.parse import quote

from . import redaction
from .redaction import REDACTED as REDACTED  # handed on: what every redacted value becomes

_secrets: collections.Counter[str] = collections.Counter()  # in use now -> how many blocks use it
_lock = threading.Lock()
MAX_LINE = 300  # characters of another program's text shown in one message
MAX_ERROR = 1000  # characters of a whole error message kept (in a report, the state file)


def one_line(text: object, limit: int | None = MAX_LINE) -> str:
    """``text`` as one line: each control character (a newline too) as its escape, such as
    ``\\n``; longer than ``limit`` characters, cut there with "...". Looks at no more than it
    keeps: a string of megabytes costs no more than one of ``limit`` characters."""
    text = str(text)
    if limit is None:
        return redaction.escape_controls(text)
    line = redaction.escape_controls(text[: limit + 1])
    return line if len(line) <= limit else line[: limit - 3] + "..."


@contextlib.contextmanager
def secret(value: str) -> Iterator[None]:
    """Redact ``value`` (and its URL-quoted form) from every log line while the block runs."""
    forms = [f for f in {value, quote(value, safe="")} if f]
    with _lock:
        _secrets.update(forms)
    try:
        yield
    finally:
        with _lock:
            _secrets.subtract(forms)
            for form in forms:
                if _secrets[form] <= 0:
                    del _secrets[form]


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with the tokens in use (:func:`secret`) and ``extra`` redacted."""
    with _lock:
        known = list(_secrets)
    return redaction.redact_known(text, [*known, *extra])


def redact_line(text: str) -> str:
    """A log line redacted: the tokens in use, and every URL's userinfo."""
    return redaction.redact_userinfo(redact(text))


class RedactingFormatter(logging.Formatter):
    """Text lines: the message on one line (a traceback keeps its own lines), then redacted."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = one_line(record.message, limit=None)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return redact_line(super().format(record))


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
        return redact_line(json.dumps(entry, ensure_ascii=False))


TEXT, TIMESTAMPED, JSON = "%(levelname)s %(message)s", "%(asctime)s %(levelname)s %(message)s", "json"


def setup(level: int = logging.INFO, stream: TextIO | None = None, fmt: str = TEXT) -> None:
    """Send our loggers' lines (and APScheduler's warnings) to ``stream``, redacted, in ``fmt``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == JSON else RedactingFormatter(fmt))
    for name, lvl in (("codeartifact_refresher", level), ("apscheduler", max(level, logging.WARNING))):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(lvl)
        logger.propagate = False
