"""The Kubernetes stand-in's HTTP plumbing: the threaded server (TLS optional), the handler that
hands each request to an *answerer* and sends back its :data:`Response`, or carries out a
:class:`~.kube_access.Fault` (waits, then answers its code or closes the connection unanswered),
and the bodies as the API server reads them (JSON, YAML for apply, kubectl's protobuf).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import kube_objects, kube_proto
from .kube_access import Fault
from .kube_objects import JSON, ApiError, status
from .standin import _Server

Response = tuple[int, dict[str, str], bytes]
#: (method, request target, headers, body) -> the answer
Answerer = Callable[[str, str, Any, bytes], "Response | Fault"]
REASONS = {409: "Conflict", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}
UNSUPPORTED = status(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json, "
    "application/yaml, application/json-patch+json, application/merge-patch+json, "
    "application/strategic-merge-patch+json, application/apply-patch+yaml",
)


def answer(code: int, body: JSON) -> Response:
    return code, {"Content-Type": "application/json", "Audit-Id": secrets.token_hex(8)}, json.dumps(body).encode()


def readable(content_type: str) -> bool:
    """Bodies the stand-in reads: JSON, YAML and kubectl's protobuf (not CBOR)."""
    return not content_type or any(t in content_type for t in ("json", "yaml", kube_proto.CONTENT_TYPE))


def decode(body: bytes, content_type: str) -> Any:
    """A request body as JSON data (None: no body; the bytes themselves when unreadable, which
    the verb then refuses as not an object)."""
    if not body:
        return None
    try:
        if content_type.startswith(kube_proto.CONTENT_TYPE):
            return kube_proto.decode(body)
        return kube_objects.decode_body(body, content_type)
    except ApiError:
        return body


def manager_of(user_agent: str) -> str:
    """The manager the API server names after a client that gave none: its User-Agent up to ``/``."""
    return user_agent.split("/", 1)[0].strip() or "unknown"


class Server(_Server):
    answerer: Answerer

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that refused the certificate or hung up during the handshake is not news."""
        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return
        super().handle_error(request, client_address)


def serve(host: str, port: int, answerer: Answerer, context: ssl.SSLContext | None) -> Server:
    """A server bound to (host, port), not yet serving; TLS with ``context``."""
    server = Server((host, port), Handler)
    server.daemon_threads = True
    server.answerer = answerer
    if context is not None:
        # the handshake happens on the handler's thread, at its first read, not in accept()
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "kube-standin"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        assert isinstance(self.server, Server)  # noqa: S101 - narrows the type: only a Server makes handlers
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.server.answerer(method, self.path, self.headers, body)
        except Exception as e:  # the stand-in must answer, even when it has a bug
            reply = answer(500, status(500, "InternalError", f"stand-in bug: {type(e).__name__}: {e}"))
        if isinstance(reply, Fault):
            time.sleep(reply.delay)
            if reply.code is None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            reply = answer(reply.code, status(reply.code, REASONS.get(reply.code, "InternalError"), "injected fault"))
        code, headers, payload = reply
        self.send_response(code)
        for name, value in {**headers, "Content-Length": str(len(payload))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # requests carry tokens in headers only
        pass


def start(server: Server) -> None:
    """Serve on a daemon thread until ``server.shutdown()``."""
    threading.Thread(target=server.serve_forever, args=(0.05,), name="kube-standin", daemon=True).start()
