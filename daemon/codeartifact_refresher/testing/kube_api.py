"""A local stand-in for the slice of the Kubernetes API that the Secret output and leader election
use, for the tests: core v1 Secrets and ``coordination.k8s.io/v1`` Leases (get, list, create,
update, delete, server-side apply and the other patches: :mod:`.kube_store`), discovery and
OpenAPI v3 (:mod:`.kube_discovery`), ``kubectl get`` tables (:mod:`.kube_table`), over HTTPS
(:mod:`.kube_tls`) as the real API server speaks it, so that the official Python client and
``kubectl`` drive it unchanged.

A *user* is who a request comes from, known by the bearer token that
:meth:`KubeStandIn.write_kubeconfig` writes; :meth:`KubeStandIn.allow` limits what a user may do,
and :meth:`KubeStandIn.inject` makes the next requests fail (:mod:`.kube_access`). Every write is
recorded (:attr:`KubeStandIn.writes`, :meth:`KubeStandIn.lease_history`: :mod:`.kube_journal`);
:attr:`KubeStandIn.requests` counts the requests served, as ``"VERB resource"`` (``"get secrets"``)
or, for the rest, ``"METHOD /path"``. Namespaces must exist: ``default`` does,
:meth:`KubeStandIn.add_namespace` makes others.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import kube_discovery, kube_http, kube_table, kube_tls
from .kube_access import Access, Fault
from .kube_http import Response, answer
from .kube_journal import Journal, LeaseChange, Write
from .kube_objects import JSON, KINDS, LEASE, SECRET, ApiError, Kind, status
from .kube_store import Request, Store

__all__ = ["KubeStandIn", "LeaseChange", "Write"]

_RESOURCE = re.compile(
    r"^/(?P<gv>api/v1|apis/coordination\.k8s\.io/v1)/namespaces/(?P<ns>[^/]+)/(?P<resource>[a-z]+)(?:/(?P<name>[^/]+))?/?$"
)
_NAMESPACE = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/?$")
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
_NOT_FOUND = status(404, "NotFound", "the server could not find the requested resource")


class KubeStandIn:
    """The server. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.time, tls: bool = True
    ) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.certificate: kube_tls.Certificate | None = None  # made by start()
        self.store = Store(clock)
        self.access = Access()
        self.journal = Journal()
        self.namespaces = {"default"}
        self.requests: collections.Counter[str] = collections.Counter()
        self._server: kube_http.Server | None = None

    # -- set-up -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def token(self, user: str) -> str:
        """``user``'s bearer token."""
        return self.access.token(user)

    def write_kubeconfig(
        self, path: str | os.PathLike[str], user: str = "replica-a", namespace: str = "default"
    ) -> Path:
        """A kubeconfig (0600) whose current context is ``user`` in ``namespace`` at this server,
        trusting its certificate. Call it once the server has started."""
        if self.tls and self.certificate is None:
            raise RuntimeError("start the stand-in before writing a kubeconfig: its certificate is made then")
        cluster: JSON = {"server": self.url}
        if self.certificate is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self.certificate.pem).decode()
        config = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "standin", "cluster": cluster}],
            "users": [{"name": user, "user": {"token": self.token(user)}}],
            "contexts": [{"name": f"{user}@standin", "context": {"cluster": "standin", "user": user, "namespace": namespace}}],
            "current-context": f"{user}@standin",
        }  # fmt: skip
        target = Path(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(config, stream, indent=2)
        return target

    def add_namespace(self, name: str) -> None:
        self.namespaces.add(name)

    def allow(self, user: str, verb: str, resource: str, names: Iterable[str] = ()) -> None:
        """Let ``user`` do ``verb`` (``*``: any) on ``resource`` (``secrets``, ``leases``, ``*``),
        limited to ``names`` when given. A user with any rule may do nothing else."""
        self.access.allow(user, verb, resource, names)

    def inject(
        self, times: int = 1, code: int | None = 500, delay: float = 0.0, verb: str | None = None,
        resource: str | None = None,
    ) -> None:  # fmt: skip
        """Make the next ``times`` requests for ``verb`` (get, list, create, update, patch, delete;
        None: any) on ``resource`` (None: any, discovery too) answer ``code`` as a Status after
        ``delay`` seconds, or, with ``code=None``, not answer at all: the connection is closed
        after ``delay``, as a client's timeout would see it."""
        self.access.inject(Fault(code, delay, verb, resource), times)

    def clear_faults(self) -> None:
        self.access.clear_faults()

    # -- what happened ------------------------------------------------------------------------------

    @property
    def writes(self) -> list[Write]:
        """Every accepted write, oldest first."""
        return list(self.journal.writes)

    def secret(self, namespace: str, name: str) -> JSON | None:
        """The Secret as stored, its ``data`` decoded into strings (None: there is none)."""
        obj = self._object(SECRET, namespace, name)
        if obj is not None:
            obj["data"] = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        return obj

    def lease(self, namespace: str, name: str) -> JSON | None:
        return self._object(LEASE, namespace, name)

    def lease_history(self, namespace: str, name: str) -> list[LeaseChange]:
        return self.journal.lease_history(namespace, name)

    def writes_to(self, kind: str, namespace: str, name: str) -> list[Write]:
        return self.journal.writes_to(kind, namespace, name)

    def _object(self, kind: Kind, namespace: str, name: str) -> JSON | None:
        try:
            return self.store.get(kind, namespace, name)
        except ApiError:
            return None

    # -- serving ------------------------------------------------------------------------------------

    def start(self) -> KubeStandIn:
        if self.tls:
            self.certificate = kube_tls.make(self.host)
        context = self.certificate.context if self.certificate else None
        server = kube_http.serve(self.host, self.port, self.handle, context)
        self.port = server.server_address[1]
        self._server = server
        kube_http.start(server)
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
        """The answer to one request (a :class:`~.kube_access.Fault` when one was injected)."""
        parts = urlsplit(target)
        path = unquote(parts.path)
        user = self.access.user(headers.get("Authorization", ""))
        if user is None:
            return answer(401, status(401, "Unauthorized", "Unauthorized"))
        match = _RESOURCE.match(path)
        kind = KINDS.get(match["resource"]) if match else None
        verb = _VERBS.get(method, "get" if match is None or match["name"] else "list")
        fault = self.access.take_fault(verb, kind.resource if kind else None)
        if fault is not None:
            return fault
        if match is None:
            return self._other(method, path)
        if kind is None or match["gv"] != kube_discovery.prefix(kind):
            return answer(404, _NOT_FOUND)
        self.requests[f"{verb} {kind.resource}"] += 1
        content_type = headers.get("Content-Type", "")
        if body and not kube_http.readable(content_type):
            return answer(415, kube_http.UNSUPPORTED)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        manager = query.get("fieldManager") or kube_http.manager_of(headers.get("User-Agent", ""))
        request = Request(kind, match["ns"], match["name"], query, manager, kube_http.decode(body, content_type), content_type)  # fmt: skip
        try:
            return self._serve(verb, user, request, headers.get("Accept", ""))
        except ApiError as e:
            return answer(e.code, e.status)

    def _serve(self, verb: str, user: str, request: Request, accept: str) -> Response:
        kind, namespace = request.kind, request.namespace
        self.access.authorize(user, verb, kind, request.name, namespace)
        if namespace not in self.namespaces:
            raise ApiError(status(404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"}))  # fmt: skip
        if verb in ("get", "list"):
            return self._read(verb, request, accept)
        if verb == "create":
            outcome = self.store.create(request)
        elif verb == "update":
            outcome = self.store.update(request)
        elif verb == "patch":
            outcome = self.store.patch(
                request, lambda: self.access.authorize(user, "create", kind, request.name, namespace)
            )
        else:
            outcome = self.store.delete(request)
        self.journal.record(verb, user, request, outcome)
        return answer(outcome.code, outcome.body)

    def _read(self, verb: str, request: Request, accept: str) -> Response:
        kind, namespace = request.kind, request.namespace
        if verb == "get":
            found = self.store.get(kind, namespace, str(request.name))
            listed = {"items": [found], "metadata": found["metadata"]}
        else:
            found = listed = self.store.list_all(kind, namespace, request.query)
        if not kube_table.wants_table(accept):
            return answer(200, found)
        revision = str(listed["metadata"]["resourceVersion"])
        return answer(200, kube_table.table(kind, listed["items"], revision, self.store.clock()))

    def _other(self, method: str, path: str) -> Response:
        """A namespace, or discovery and OpenAPI documents."""
        self.requests[f"{method} {path}"] += 1
        namespace = _NAMESPACE.match(path)
        if method == "GET" and namespace:
            name = namespace["ns"]
            if name not in self.namespaces:
                return answer(404, status(404, "NotFound", f'namespaces "{name}" not found', {"name": name, "kind": "namespaces"}))  # fmt: skip
            return answer(200, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "status": {"phase": "Active"}})  # fmt: skip
        document = kube_discovery.document(path, f"{self.host}:{self.port}") if method == "GET" else None
        return answer(404, _NOT_FOUND) if document is None else answer(200, document)
