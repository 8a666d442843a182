"""The agent's wire protocol (fixed; see ``docs/agent.md``): one request per connection.

The client sends ONE JSON object on one ``\\n``-ended line of at most :data:`MAX_LINE` bytes; the
server answers ONE JSON object on one line and closes. Every object carries ``"v": 1``. A request
names its ``op``; a reply says ``"ok": true`` with the op's fields, or ``"ok": false`` with a
one-line ``error`` that never holds a token. Standard library only (the client imports it).

Ops: ``credentials`` (by ``url``, or by ``domain`` and an optional ``owner``; an optional
``timeout`` in seconds bounds a refresh), and ``ping`` (an addition: ``{"v": 1, "ok": true}`` while
a daemon serves; ``status`` uses it).
"""

from __future__ import annotations

import json
import math
import socket
import time
from dataclasses import dataclass
from typing import Any

VERSION = 1
MAX_LINE = 64 * 1024  # bytes of one request or reply, its newline included
DEFAULT_TIMEOUT = 10.0  # seconds a client waits unless it says otherwise
MAX_TIMEOUT = 120.0  # seconds: the longest a server lets one request hold a refresh


class ProtocolError(Exception):
    """A request or reply that breaks the protocol; the message is one line, without secrets."""


@dataclass(frozen=True)
class Query:
    """A ``credentials`` request: by ``url``, or by ``domain`` (and ``owner``); ``timeout`` in seconds."""

    url: str | None = None
    domain: str | None = None
    owner: str | None = None
    timeout: float = DEFAULT_TIMEOUT


def encode(message: dict[str, Any]) -> bytes:
    """One message as it goes on the wire: compact JSON and a newline."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode() + b"\n"


def decode(line: bytes, what: str = "request") -> dict[str, Any]:
    """A message off the wire: a JSON object of protocol version 1."""
    if len(line) > MAX_LINE:
        raise ProtocolError(f"the {what} is longer than {MAX_LINE} bytes")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ProtocolError(f"the {what} is not one line of JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"the {what} is not a JSON object")
    if message.get("v") != VERSION:
        raise ProtocolError(f'the {what} is not of protocol version {VERSION} (expected "v": {VERSION})')
    return message


def read_line(sock: socket.socket, deadline: float, what: str = "request") -> bytes:
    """One ``\\n``-ended line from ``sock`` by ``deadline`` (a :func:`time.monotonic` time); the
    other end closing first ends it too (a reply without its newline)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProtocolError(f"no whole {what} in time")
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise ProtocolError(f"no whole {what} in time") from None
        if not chunk:
            if not chunks:
                raise ProtocolError(f"no {what}: the other end closed the connection")
            return b"".join(chunks)
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunks.append(chunk[: newline + 1])
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_LINE:
            raise ProtocolError(f"the {what} is longer than {MAX_LINE} bytes")


def query(request: dict[str, Any]) -> Query:
    """The ``credentials`` request's fields, checked."""
    url, domain, owner = (request.get(k) for k in ("url", "domain", "owner"))
    for name, value in (("url", url), ("domain", domain), ("owner", owner)):
        if value is not None and (not isinstance(value, str) or not value or len(value) > 4096):
            raise ProtocolError(f"{name!r} should be a non-empty string")
    if url is None and domain is None:
        raise ProtocolError("a credentials request names a 'url' or a 'domain'")
    return Query(url, domain, owner, timeout(request))


def timeout(request: dict[str, Any]) -> float:
    """The request's ``timeout`` (seconds), at most :data:`MAX_TIMEOUT`; :data:`DEFAULT_TIMEOUT` without one."""
    value = request.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ProtocolError("'timeout' should be a positive number of seconds")
    return min(float(value), MAX_TIMEOUT)


def ok(**fields: Any) -> dict[str, Any]:
    return {"v": VERSION, "ok": True, **fields}


def failure(error: str) -> dict[str, Any]:
    """A refusal; ``error`` is made one line."""
    return {"v": VERSION, "ok": False, "error": " ".join(error.split())[:1000]}
