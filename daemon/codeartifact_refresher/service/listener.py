"""A small HTTP listener that idle or slow clients cannot starve: one thread, bounded everything.

Every *connection* is served by the one thread, through a selector: it reads one request (at
most :data:`MAX_REQUEST` bytes, up to the blank line), answers it with ``Connection: close`` and
closes. A connection gets :data:`DEADLINE` seconds from its accept to its last byte sent, then it
is closed, whatever it was doing. At most :data:`MAX_CONNECTIONS` are open at once; one more
closes the oldest first, so a probe, always the newest, is served even while someone holds
hundreds of idle connections open. An error on one connection closes that connection and is
logged at debug level: nothing reaches stderr as a traceback, and no thread is ever started for
a client.

The listener knows nothing of health: ``respond(method, path)`` gives the status, the content
type and the body.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 64  # open at once; one more closes the oldest
DEADLINE = 5.0  # seconds from accept to the last byte of the answer
MAX_REQUEST = 8192  # bytes of request line and headers

Responder = Callable[[str, str], tuple[int, str, str]]  # (method, path) -> (status, content type, body)


@dataclass
class _Connection:
    sock: socket.socket
    opened: float  # monotonic
    received: bytearray = field(default_factory=bytearray)
    answer: bytes = b""  # what is left to send, once the request has been read


class Listener:
    """Serves ``respond`` on ``(address, port)`` from one thread, once :meth:`start` ed."""

    def __init__(
        self,
        address: str,
        port: int,
        respond: Responder,
        *,
        max_connections: int = MAX_CONNECTIONS,
        deadline: float = DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.respond, self.max_connections, self.deadline, self.clock = respond, max_connections, deadline, clock
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._server = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._server.bind((address, port))
            self._server.listen(128)
        except OSError:
            self._server.close()
            raise
        self._server.setblocking(False)
        self.port = self._server.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._server, selectors.EVENT_READ)
        self._stop_r, self._stop_w = socket.socketpair()
        self._selector.register(self._stop_r, selectors.EVENT_READ)
        self._open: dict[socket.socket, _Connection] = {}  # oldest first
        self._thread = threading.Thread(target=self._serve, name="health", daemon=True)

    @property
    def connections(self) -> int:
        return len(self._open)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._stop_w.send(b"x")
        self._thread.join(5)
        for sock in (self._server, self._stop_r, self._stop_w):
            sock.close()

    # -- the listener's thread -------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            while True:
                for key, _ in self._selector.select(self._timeout()):
                    if key.fileobj is self._stop_r:
                        return
                    if key.fileobj is self._server:
                        self._accept()
                    else:
                        self._step(key.data)
                self._expire()
        except Exception as e:  # a bug: the probes go unanswered, which is what they are for
            logger.error("health listener stopped: %s: %s", type(e).__name__, e)
        finally:
            for sock in list(self._open):
                self._close(sock)
            self._selector.close()

    def _timeout(self) -> float | None:
        if not self._open:
            return None
        oldest = next(iter(self._open.values()))
        return max(0.0, oldest.opened + self.deadline - self.clock())

    def _accept(self) -> None:
        try:
            sock, _ = self._server.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:  # out of descriptors, say: make room for the next one
            logger.debug("health: accept failed: %s", e)
            if self._open:
                self._close(next(iter(self._open)))
            return
        while len(self._open) >= self.max_connections:
            self._close(next(iter(self._open)))
        sock.setblocking(False)
        conn = self._open[sock] = _Connection(sock, self.clock())
        self._selector.register(sock, selectors.EVENT_READ, conn)

    def _expire(self) -> None:
        now = self.clock()
        for sock, conn in list(self._open.items()):
            if now - conn.opened < self.deadline:
                break  # the rest are younger
            self._close(sock)

    def _step(self, conn: _Connection) -> None:
        """Read more of ``conn``'s request, or send more of its answer."""
        if conn.sock not in self._open:
            return  # closed earlier in this round, to make room
        try:
            if conn.answer:
                self._send(conn)
            else:
                self._read(conn)
        except OSError as e:
            logger.debug("health: connection dropped: %s", e)
            self._close(conn.sock)

    def _read(self, conn: _Connection) -> None:
        data = conn.sock.recv(4096)
        if not data:
            self._close(conn.sock)
            return
        conn.received += data
        head = _head(bytes(conn.received))
        if head is not None:
            conn.answer = self._answer(head)
        elif len(conn.received) > MAX_REQUEST:
            conn.answer = _response(431, "text/plain; charset=utf-8", "request header too large\n")
        else:
            return
        self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)
        self._send(conn)

    def _answer(self, head: bytes) -> bytes:
        parts = head.split(b"\n", 1)[0].decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return _response(400, "text/plain; charset=utf-8", "bad request\n")
        method, path = parts[0], parts[1].split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return _response(405, "text/plain; charset=utf-8", "only GET and HEAD\n")
        try:
            status, ctype, body = self.respond(method, path)
        except Exception as e:  # a bug in an answer: say so, keep serving the others
            logger.error("health: cannot answer %s: %s: %s", path, type(e).__name__, e)
            status, ctype, body = 500, "text/plain; charset=utf-8", "internal error\n"
        return _response(status, ctype, body, head_only=method == "HEAD")

    def _send(self, conn: _Connection) -> None:
        sent = conn.sock.send(conn.answer)
        conn.answer = conn.answer[sent:]
        if not conn.answer:
            self._close(conn.sock)

    def _close(self, sock: socket.socket) -> None:
        self._open.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()


def _head(received: bytes) -> bytes | None:
    """The request line and headers, once the blank line after them has come; else None."""
    ends = [i for i in (received.find(b"\r\n\r\n"), received.find(b"\n\n")) if i >= 0]
    return received[: min(ends)] if ends else None


def _response(status: int, ctype: str, body: str, head_only: bool = False) -> bytes:
    data = body.encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + (b"" if head_only else data)
