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
import selectors
import socket
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


class AgentServer:
    """The socket at ``path``, served from its own thread once :meth:`start` ed. The thread sleeps
    in ``select`` until a client connects or :meth:`stop` wakes it: no periodic wake-ups (a laptop's
    idle daemon stays idle)."""

    def __init__(self, path: Path, source: Source, group: str | None = None, euid: int | None = None) -> None:
        self.path, self.source, self.group = path, source, group
        self.euid = os.geteuid() if euid is None else euid
        self.gid = directory.group_id(group)
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._sock: socket.socket | None = None
        self._wake: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        self._bound: os.stat_result | None = None

    def start(self) -> AgentServer:
        """Bind (the directory checked, a stale socket replaced) and serve; :class:`directory.SocketError` when unsafe."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._bound = directory.bind(sock, self.path, self.gid)
            sock.listen(MAX_CLIENTS)
        except BaseException:
            sock.close()
            raise
        self._sock, self._wake = sock, os.pipe()
        self._thread = threading.Thread(target=self._serve, name="agent", daemon=True)
        self._thread.start()
        logger.info("agent: serving credentials on %s", self.path)
        return self

    def stop(self) -> None:
        if self._sock is None or self._wake is None or self._thread is None:
            return
        os.write(self._wake[1], b"x")
        self._thread.join(5)
        for fd in self._wake:
            os.close(fd)
        self._sock.close()
        if self._bound is not None:
            directory.remove(self.path, self._bound)
        self._sock = self._wake = self._thread = None

    def _serve(self) -> None:
        """Accept until :meth:`stop`; each connection on a thread of its own."""
        assert self._sock is not None and self._wake is not None  # noqa: S101 - started
        with selectors.DefaultSelector() as selector:
            selector.register(self._sock, selectors.EVENT_READ)
            selector.register(self._wake[0], selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj == self._wake[0]:
                        return
                    try:
                        conn, _ = self._sock.accept()
                    except OSError:
                        continue  # the client left already
                    threading.Thread(target=self._serve_one, args=(conn,), name="agent-client", daemon=True).start()

    def _serve_one(self, conn: socket.socket) -> None:
        with conn:
            self.handle(conn)

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
                reply = answer(line, Context(self.source, who))
                logger.debug("agent: %s (pid %s): %s", _who(who), who.pid, reply.get("error") or "answered")
                self._reply(conn, reply)
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
