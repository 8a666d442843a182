"""The agent's server: a thread of ``run`` answering requests on the socket (:mod:`.protocol`).

Each connection gets its own short-lived thread (at most :data:`MAX_CLIENTS` at once; more are told
the daemon is busy): one request line is read (within :data:`READ_TIMEOUT`), the peer checked (:mod:`.peer`:
our uid, root, the allowed group; nothing it sent is parsed otherwise), the request dispatched by its ``op`` through
:data:`OPS`, and one reply written. A handler takes the request and a :class:`Context` (the
:class:`Source` of credentials, the peer) and returns the reply's fields; it refuses with
:class:`Refused` (one line, never a token). Another op is one entry of :data:`OPS`, in its own module.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..platform.accounts import user_name
from . import directory, peer, protocol

logger = logging.getLogger(__name__)

READ_TIMEOUT = 5.0  # seconds a client has to send its request line
MAX_CLIENTS = 64  # connections served at once
USERNAME = "aws"  # the user name CodeArtifact's clients send with the token


class Refused(Exception):
    """A request the daemon will not answer; the message (one line, without secrets) is the reply's error."""


@dataclass(frozen=True)
class Answer:
    """A live token and what it is for (the ``credentials`` reply)."""

    domain: str
    owner: str
    region: str
    token: str = field(repr=False)
    expires_at: float  # seconds since the epoch
    username: str = USERNAME


class Source(Protocol):
    """Where the server gets credentials: the daemon's live tokens (``service.credentials``)."""

    def credentials(self, query: protocol.Query) -> Answer: ...


@dataclass(frozen=True)
class Context:
    source: Source
    peer: peer.Peer


Handler = Callable[[dict[str, Any], Context], dict[str, Any]]


def _credentials(request: dict[str, Any], context: Context) -> dict[str, Any]:
    try:
        query = protocol.query(request)
    except protocol.ProtocolError as e:
        raise Refused(str(e)) from None
    answer = context.source.credentials(query)
    return protocol.ok(
        domain=answer.domain,
        owner=answer.owner,
        region=answer.region,
        username=answer.username,
        token=answer.token,
        expires_at=answer.expires_at,
    )


def _ping(request: dict[str, Any], context: Context) -> dict[str, Any]:
    return protocol.ok()


def _environment(request: dict[str, Any], context: Context) -> dict[str, Any]:
    from .environment import handle  # exec's op, in its own module

    return handle(request, context)


#: the ops, by name
OPS: dict[str, Handler] = {"credentials": _credentials, "ping": _ping, "environment": _environment}


def answer(line: bytes, context: Context) -> dict[str, Any]:
    """The reply to one request line."""
    try:
        request = protocol.decode(line)
    except protocol.ProtocolError as e:
        return protocol.failure(str(e))
    op = request.get("op")
    handler = OPS.get(op) if isinstance(op, str) else None
    if handler is None:
        return protocol.failure(f"unknown op {op!r}; expected one of: {', '.join(sorted(OPS))}")
    try:
        return handler(request, context)
    except Refused as e:
        return protocol.failure(str(e))
    except Exception:
        logger.exception("agent: internal error answering %s (please report this bug)", op)
        return protocol.failure("internal error in the daemon (see its log)")


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False


class AgentServer:
    """The socket at ``path``, served from its own thread once :meth:`start` ed."""

    def __init__(self, path: Path, source: Source, group: str | None = None, euid: int | None = None) -> None:
        self.path, self.source, self.group = path, source, group
        self.euid = os.geteuid() if euid is None else euid
        self.gid = directory.group_id(group)
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._bound: os.stat_result | None = None

    def start(self) -> AgentServer:
        """Bind (the directory checked, a stale socket replaced) and serve; :class:`directory.SocketError` when unsafe."""
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.handle(self.request)

        server = _Server(str(self.path), Handler, bind_and_activate=False)
        try:
            self._bound = directory.bind(server.socket, self.path, self.gid)
            server.server_activate()
        except BaseException:
            server.server_close()
            raise
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.5,), name="agent", daemon=True)
        self._thread.start()
        logger.info("agent: serving credentials on %s", self.path)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._bound is not None:
            directory.remove(self.path, self._bound)
        self._server = None

    def handle(self, conn: socket.socket) -> None:
        """One connection: check the peer, read one request, write one reply."""
        if not self._slots.acquire(blocking=False):
            self._reply(conn, protocol.failure("the daemon is busy; try again"))
            return
        try:
            try:
                who: peer.Peer | None = peer.of(conn)
            except (OSError, ValueError) as e:
                logger.warning("agent: refused a connection: cannot tell who it is from (%s)", e)
                who = None
            try:  # read first, whoever it is: a client still sending when we close would miss the reply
                line = protocol.read_line(conn, time.monotonic() + READ_TIMEOUT)
            except (protocol.ProtocolError, OSError) as e:
                self._reply(conn, protocol.failure(str(e) if isinstance(e, protocol.ProtocolError) else "read failed"))
                return
            if who is None:
                self._reply(conn, protocol.failure("the daemon cannot tell who is asking"))
            elif not peer.allowed(who, self.euid, self.gid):
                logger.warning("agent: refused %s (pid %s): %s", _who(who), who.pid, self._who_may())
                self._reply(conn, protocol.failure(f"refused: {self._who_may()}"))
            else:
                self._reply(conn, answer(line, Context(self.source, who)))
        finally:
            self._slots.release()

    def _who_may(self) -> str:
        users = "root" if self.euid == 0 else f"{_who(peer.Peer(self.euid))} and root"
        return f"only {users} may ask" + (f", and members of group {self.group}" if self.group else "")

    @staticmethod
    def _reply(conn: socket.socket, message: dict[str, Any]) -> None:
        try:
            conn.settimeout(READ_TIMEOUT)
            conn.sendall(protocol.encode(message))
        except OSError:
            pass  # the client left; nothing to tell anyone


def _who(p: peer.Peer) -> str:
    name = user_name(p.uid)
    return name if name == f"uid {p.uid}" else f"{name} (uid {p.uid})"
