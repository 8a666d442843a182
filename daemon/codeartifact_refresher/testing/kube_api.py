"""A local stand-in for the slice of the Kubernetes API that the Secret output and leader election
use, for the tests: core v1 Secrets and ``coordination.k8s.io/v1`` Leases (get, list, create,
update, delete, server-side apply and the other patches; see :mod:`.kube_store`), discovery and
OpenAPI v3 (:mod:`.kube_discovery`), spoken over HTTP as the real API server speaks it, so that
the official Python client and ``kubectl`` drive it unchanged.

A *user* is who a request comes from: each has a bearer token, which
:meth:`KubeStandIn.write_kubeconfig` writes into a kubeconfig; a request without a known token
is answered 401. A user given *rules* with :meth:`KubeStandIn.allow` may do only what they allow
(a verb on a resource, optionally limited to names, as an RBAC Role's ``resourceNames``): the rest
is 403 Forbidden, worded as the API words it. Every write is recorded in :attr:`KubeStandIn.writes`
(a :class:`Write`), and every change of a Lease in its history (:meth:`KubeStandIn.lease_history`);
:meth:`KubeStandIn.inject` makes the next requests fail (an error status, or no answer at all).
Namespaces must exist (``default`` does; :meth:`KubeStandIn.add_namespace`).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import os
import re
import secrets
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import kube_discovery, kube_objects, kube_proto, kube_table, kube_tls
from .kube_objects import JSON, KINDS, LEASE, ApiError, Kind, status
from .kube_store import Outcome, Request, Store
from .standin import _Server

Response = tuple[int, dict[str, str], bytes]
_RESOURCE = re.compile(
    r"^/(?P<gv>api/v1|apis/coordination\.k8s\.io/v1)/namespaces/(?P<ns>[^/]+)/(?P<resource>[a-z]+)(?:/(?P<name>[^/]+))?/?$"
)
_NAMESPACE = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/?$")
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True)
class Write:
    """One write the stand-in accepted (a dry run is not one)."""

    time: float  # time.monotonic() when it was made
    verb: str  # create | update | patch | apply | delete
    kind: str  # Secret | Lease
    namespace: str
    name: str
    user: str
    field_manager: str
    resource_version: str  # the object's after the write (a deleted object's last one)


@dataclass(frozen=True)
class LeaseChange:
    """A Lease as one write left it."""

    time: float  # time.monotonic()
    user: str
    resource_version: str
    spec: JSON  # None when the write deleted it
    deleted: bool = False


@dataclass(frozen=True)
class Rule:
    verb: str  # get | list | create | update | patch | delete | *
    resource: str  # secrets | leases | *
    names: frozenset[str]  # empty: any name


@dataclass
class Fault:
    code: int | None  # None: no answer; the connection is closed after ``delay``
    delay: float
    verb: str | None
    resource: str | None

    def matches(self, verb: str, resource: str | None) -> bool:
        return self.verb in (None, verb) and self.resource in (None, resource)


class KubeStandIn:
    """The server. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.time, tls: bool = True
    ) -> None:
        self.host, self.port = host, port
        self.tls = tls
        self.certificate: kube_tls.Certificate | None = None
        self.store = Store(clock)
        self.namespaces = {"default"}
        self.writes: list[Write] = []
        self.requests: collections.Counter[str] = collections.Counter()  # "VERB resource" (discovery: "GET /path")
        self._leases: dict[tuple[str, str], list[LeaseChange]] = collections.defaultdict(list)
        self._tokens: dict[str, str] = {}  # token -> user
        self._rules: dict[str, list[Rule]] = {}
        self._faults: collections.deque[Fault] = collections.deque()
        self._lock = threading.Lock()
        self._server: _KubeServer | None = None

    # -- set-up -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def token(self, user: str) -> str:
        """``user``'s bearer token (made on first use)."""
        with self._lock:
            for token, owner in self._tokens.items():
                if owner == user:
                    return token
            token = f"{user}.{secrets.token_urlsafe(16)}"
            self._tokens[token] = user
            return token

    def write_kubeconfig(
        self, path: str | os.PathLike[str], user: str = "replica-a", namespace: str = "default"
    ) -> Path:
        """A kubeconfig (0600) whose current context is ``user`` in ``namespace`` at this server."""
        config = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "standin", "cluster": self._cluster()}],
            "users": [{"name": user, "user": {"token": self.token(user)}}],
            "contexts": [{"name": f"{user}@standin", "context": {"cluster": "standin", "user": user, "namespace": namespace}}],
            "current-context": f"{user}@standin",
        }  # fmt: skip
        target = Path(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(config, stream, indent=2)
        return target

    def _cluster(self) -> JSON:
        if self.certificate is None:
            if self.tls:
                raise RuntimeError("start the stand-in before writing a kubeconfig: its certificate is made then")
            return {"server": self.url}
        return {"server": self.url, "certificate-authority-data": base64.b64encode(self.certificate.pem).decode()}

    def add_namespace(self, name: str) -> None:
        self.namespaces.add(name)

    def allow(self, user: str, verb: str, resource: str, names: Iterable[str] = ()) -> None:
        """Let ``user`` do ``verb`` (``*``: any) on ``resource`` (``secrets``, ``leases``, ``*``),
        limited to ``names`` when given. A user with any rule may do nothing else."""
        with self._lock:
            self._rules.setdefault(user, []).append(Rule(verb, resource, frozenset(names)))

    def inject(
        self, times: int = 1, code: int | None = 500, delay: float = 0.0, verb: str | None = None,
        resource: str | None = None,
    ) -> None:  # fmt: skip
        """Make the next ``times`` requests for ``verb`` (get, list, create, update, patch, delete;
        None: any) on ``resource`` (None: any, discovery too) answer ``code`` as a Status after
        ``delay`` seconds, or, with ``code=None``, not answer at all: the connection is closed
        after ``delay``, as a client's timeout would see it."""
        with self._lock:
            self._faults.extend(Fault(code, delay, verb, resource) for _ in range(times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- what happened ------------------------------------------------------------------------------

    def secret(self, namespace: str, name: str) -> JSON | None:
        """The Secret as stored, its ``data`` decoded into strings (None: there is none)."""
        obj = self._object(KINDS["secrets"], namespace, name)
        if obj is not None:
            obj["data"] = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        return obj

    def lease(self, namespace: str, name: str) -> JSON | None:
        return self._object(LEASE, namespace, name)

    def lease_history(self, namespace: str, name: str) -> list[LeaseChange]:
        with self._lock:
            return list(self._leases[(namespace, name)])

    def writes_to(self, kind: str, namespace: str, name: str) -> list[Write]:
        with self._lock:
            return [w for w in self.writes if (w.kind, w.namespace, w.name) == (kind, namespace, name)]

    def _object(self, kind: Kind, namespace: str, name: str) -> JSON | None:
        try:
            return self.store.get(kind, namespace, name)
        except ApiError:
            return None

    # -- serving ------------------------------------------------------------------------------------

    def start(self) -> KubeStandIn:
        server = _KubeServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        if self.tls:
            self.certificate = kube_tls.make(self.host)
            # the handshake happens on the handler's thread, at its first read, not in accept()
            server.socket = self.certificate.context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        server.kube = self
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), name="kube-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            self._server = None

    def __enter__(self) -> KubeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Response | Fault:
        """The answer to one request (a :class:`Fault` when it is to go unanswered or wait)."""
        parts = urlsplit(target)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        user = self._user(headers.get("Authorization", ""))
        if user is None:
            return _answer(401, status(401, "Unauthorized", "Unauthorized"))
        match = _RESOURCE.match(path)
        kind = KINDS.get(match["resource"]) if match else None
        verb = _VERBS.get(method, "get" if match is None or match["name"] else "list")
        fault = self._fault(verb, kind.resource if kind else None)
        if fault is not None:
            return fault
        if match is None:
            return self._other(method, path)
        if kind is None or not _served_by(kind, match["gv"]):
            return _answer(404, status(404, "NotFound", "the server could not find the requested resource"))
        self.requests[f"{verb} {kind.resource}"] += 1
        if body and not _is_text(headers.get("Content-Type", "")):
            return _answer(415, _UNSUPPORTED)
        request = Request(kind, match["ns"], match["name"], query, query.get("fieldManager") or
                          _agent(headers.get("User-Agent", "")), _decode(body, headers), headers.get("Content-Type", ""))  # fmt: skip
        try:
            return self._serve(verb, user, request, headers.get("Accept", ""))
        except ApiError as e:
            return _answer(e.code, e.status)

    def _serve(self, verb: str, user: str, request: Request, accept: str) -> Response:
        kind = request.kind
        self._authorize(user, verb, kind, request.name, request.namespace)
        if request.namespace not in self.namespaces:
            raise ApiError(status(404, "NotFound", f'namespaces "{request.namespace}" not found',
                                  {"name": request.namespace, "kind": "namespaces"}))  # fmt: skip
        if verb in ("get", "list"):
            return self._read(verb, request, accept)
        if verb == "create":
            outcome = self.store.create(request)
        elif verb == "update":
            outcome = self.store.update(request)
        elif verb == "patch":
            outcome = self.store.patch(
                request, lambda: self._authorize(user, "create", kind, request.name, request.namespace)
            )
        else:
            outcome = self.store.delete(request)
        self._record(verb, user, request, outcome)
        return _answer(outcome.code, outcome.body)

    def _read(self, verb: str, request: Request, accept: str) -> Response:
        kind, namespace = request.kind, request.namespace
        if verb == "get":
            found = self.store.get(kind, namespace, str(request.name))
            listed = {"items": [found], "metadata": found["metadata"]}
        else:
            found = listed = self.store.list_all(kind, namespace)
        if not kube_table.wants_table(accept):
            return _answer(200, found)
        revision = str(listed["metadata"]["resourceVersion"])
        return _answer(200, kube_table.table(kind, listed["items"], revision, self.store.clock()))

    def _other(self, method: str, path: str) -> Response:
        self.requests[f"{method} {path}"] += 1
        namespace = _NAMESPACE.match(path)
        if method == "GET" and namespace:
            name = namespace["ns"]
            if name not in self.namespaces:
                return _answer(
                    404, status(404, "NotFound", f'namespaces "{name}" not found', {"name": name, "kind": "namespaces"})
                )
            return _answer(200, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
                                 "status": {"phase": "Active"}})  # fmt: skip
        document = kube_discovery.document(path, f"{self.host}:{self.port}") if method == "GET" else None
        if document is None:
            return _answer(404, status(404, "NotFound", "the server could not find the requested resource"))
        return _answer(200, document)

    def _user(self, authorization: str) -> str | None:
        if not authorization.startswith("Bearer "):
            return None
        with self._lock:
            return self._tokens.get(authorization[7:].strip())

    def _fault(self, verb: str, resource: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(verb, resource):
                    self._faults.remove(fault)
                    return fault
        return None

    def _authorize(self, user: str, verb: str, kind: Kind, name: str | None, namespace: str) -> None:
        with self._lock:
            rules = self._rules.get(user)
        if rules is None or any(
            r.verb in (verb, "*") and r.resource in (kind.resource, "*") and (not r.names or name in r.names)
            for r in rules
        ):
            return
        what = f'{kube_objects.qualified(kind)} "{name}"' if name else kube_objects.qualified(kind)
        message = (f'{what} is forbidden: User "{user}" cannot {verb} resource "{kind.resource}" in API group '
                   f'"{kind.group}" in the namespace "{namespace}"')  # fmt: skip
        details = {"group": kind.group, "kind": kind.resource, **({"name": name} if name else {})}
        raise ApiError(status(403, "Forbidden", message, details))

    def _record(self, verb: str, user: str, request: Request, outcome: Outcome) -> None:
        if outcome.written is None and verb != "delete":
            return
        if request.dry_run:
            return
        shown = outcome.written if outcome.written is not None else outcome.body
        meta = shown.get("metadata") or {}
        name = str(request.name or meta.get("name") or shown.get("details", {}).get("name"))
        is_apply = verb == "patch" and request.content_type == "application/apply-patch+yaml"
        now = time.monotonic()
        write = Write(now, "apply" if is_apply else verb, request.kind.name, request.namespace, name, user,
                      request.manager, str(meta.get("resourceVersion", "")))  # fmt: skip
        with self._lock:
            self.writes.append(write)
            if request.kind is LEASE:
                deleted = verb == "delete"
                spec = {} if deleted else dict(shown.get("spec") or {})
                self._leases[(request.namespace, name)].append(
                    LeaseChange(now, user, write.resource_version, spec, deleted)
                )


def _served_by(kind: Kind, group_version: str) -> bool:
    return group_version == (f"apis/{kind.api_version}" if kind.group else f"api/{kind.version}")


def _agent(user_agent: str) -> str:
    """The manager the API server names after a client that gave none: its User-Agent up to ``/``."""
    return user_agent.split("/", 1)[0].strip() or "unknown"


def _decode(body: bytes, headers: Any) -> Any:
    if not body:
        return None
    content_type = headers.get("Content-Type", "")
    try:
        if content_type.startswith(kube_proto.CONTENT_TYPE):
            return kube_proto.decode(body)
        return kube_objects.decode_body(body, content_type)
    except ApiError:
        return body  # refused by the verb, which expects an object


_UNSUPPORTED = status(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json, "
    "application/yaml, application/json-patch+json, application/merge-patch+json, "
    "application/strategic-merge-patch+json, application/apply-patch+yaml",
)


def _is_text(content_type: str) -> bool:
    """Bodies the stand-in reads: JSON, YAML and kubectl's protobuf (not CBOR)."""
    return not content_type or any(t in content_type for t in ("json", "yaml", kube_proto.CONTENT_TYPE))


def _answer(code: int, body: JSON) -> Response:
    return code, {"Content-Type": "application/json", "Audit-Id": secrets.token_hex(8)}, json.dumps(body).encode()


class _KubeServer(_Server):
    kube: KubeStandIn

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that refused the certificate or hung up during the handshake is not news."""
        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
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
        assert isinstance(self.server, _KubeServer)  # noqa: S101 - narrows the type: only a _KubeServer makes handlers
        kube = self.server.kube
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            answer = kube.handle(method, self.path, self.headers, body)
        except Exception as e:  # the stand-in must answer, even when it has a bug
            answer = _answer(500, status(500, "InternalError", f"stand-in bug: {type(e).__name__}: {e}"))
        if isinstance(answer, Fault):
            time.sleep(answer.delay)
            if answer.code is None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return
            answer = _answer(
                answer.code, status(answer.code, _REASONS.get(answer.code, "InternalError"), "injected fault")
            )
        code, headers, payload = answer
        self.send_response(code)
        for name, value in {**headers, "Content-Length": str(len(payload))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # requests carry tokens in headers only
        pass


_REASONS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout", 409: "Conflict"}
