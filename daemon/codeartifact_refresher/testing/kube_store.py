"""The Kubernetes stand-in's storage: Secrets and Leases by namespace and name, and the verbs.

Each verb takes the request's decoded parts and returns the answer's JSON or raises
:class:`~.kube_objects.ApiError`: ``get``, ``list``, ``create`` (POST), ``update`` (PUT, optimistic
concurrency on ``metadata.resourceVersion``), ``patch`` (server-side apply, JSON merge and
strategic merge patches, which are the same for these two kinds, and JSON patch) and ``delete``.
``resourceVersion`` is one counter for the whole store, as etcd's revision is. A *manager* is the
field manager a write is recorded under: the ``fieldManager`` parameter, else the User-Agent up
to its first ``/``, as the API server does (``kubectl-create``, ``OpenAPI-Generator``...).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import kube_checks, kube_fields, kube_objects, kube_patch
from .kube_fields import Entry
from .kube_objects import JSON, LEASE, ApiError, Kind, bad_request, not_found

APPLY = "application/apply-patch+yaml"
MERGE_PATCHES = ("application/merge-patch+json", "application/strategic-merge-patch+json")
JSON_PATCH = "application/json-patch+json"
_PATCH_TYPES = (
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, "
    "application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
)
_CLIENT_METADATA = ("name", "namespace", "labels", "annotations", "ownerReferences", "finalizers", "generateName")


@dataclass
class Stored:
    obj: JSON  # without managedFields
    entries: list[Entry] = field(default_factory=list)

    def render(self) -> JSON:
        out = copy.deepcopy(self.obj)
        out["metadata"]["managedFields"] = [e.render() for e in self.entries]
        return out


@dataclass(frozen=True)
class Request:
    """One write's parts: the kind, namespace and name from the URL, the query, who sends it."""

    kind: Kind
    namespace: str
    name: str | None
    query: dict[str, str]
    manager: str
    body: Any = None
    content_type: str = ""

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def strict(self) -> bool:
        return self.query.get("fieldValidation", "").lower() == "strict"


@dataclass(frozen=True)
class Outcome:
    """A write's answer: the HTTP code, the object sent back, and what the store now holds
    (None: nothing was written, a dry run)."""

    code: int
    body: JSON
    written: JSON | None


class Store:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.objects: dict[tuple[str, str, str], Stored] = {}  # (resource, namespace, name)
        self.revision = 0

    def get(self, kind: Kind, namespace: str, name: str) -> JSON:
        with self.lock:
            return self._existing(kind, namespace, name).render()

    def list_all(self, kind: Kind, namespace: str, query: dict[str, str] | None = None) -> JSON:
        """The kind's objects in ``namespace`` that match the query's ``labelSelector`` (equality
        and existence terms) and ``fieldSelector`` (``metadata.name``)."""
        matches = kube_patch.selector((query or {}).get("labelSelector", ""), (query or {}).get("fieldSelector", ""))
        with self.lock:
            items = [s.render() for (r, ns, _), s in sorted(self.objects.items())
                     if (r, ns) == (kind.resource, namespace) and matches(s.obj)]  # fmt: skip
            return {"kind": f"{kind.name}List", "apiVersion": kind.api_version,
                    "metadata": {"resourceVersion": str(self.revision)}, "items": items}  # fmt: skip

    def create(self, request: Request) -> Outcome:
        kind, obj = request.kind, self._body_object(request)
        name = str(obj["metadata"].get("name") or "")
        if not name:
            raise kube_objects.invalid(kind, "", [("FieldValueRequired", "metadata.name",
                                                   "Required value: name or generateName is required")])  # fmt: skip
        with self.lock:
            new = kube_objects.normalise(kind, obj)
            kube_checks.check(kind, new, request.strict)
            if (kind.resource, request.namespace, name) in self.objects:
                raise kube_objects.already_exists(kind, name)
            entries = kube_fields.update([], kind, None, new, request.manager, self._now())
            return self._commit(request, name, None, new, entries, 201)

    def update(self, request: Request) -> Outcome:
        kind, obj = request.kind, self._body_object(request)
        name = str(request.name)
        with self.lock:
            current = self._existing(kind, request.namespace, name)
            wanted = obj["metadata"].get("resourceVersion")
            if wanted and wanted != current.obj["metadata"]["resourceVersion"]:
                raise kube_objects.stale(kind, name)
            new = kube_objects.normalise(kind, obj)
            kube_checks.check(kind, new, request.strict, current.obj)
            entries = kube_fields.update(current.entries, kind, current.obj, new, request.manager, self._now())
            return self._commit(request, name, current, new, entries, 200)

    def patch(self, request: Request, may_create: Callable[[], None]) -> Outcome:
        """A patch; ``may_create`` raises when the sender may not create the object an apply would."""
        if request.content_type == APPLY:
            return self._apply(request, may_create)
        kind, name = request.kind, str(request.name)
        with self.lock:
            current = self._existing(kind, request.namespace, name)
            if request.content_type in MERGE_PATCHES:
                if not isinstance(request.body, dict):
                    raise bad_request("a merge patch must be a JSON object")
                patched = kube_patch.merge_patch(current.render(), request.body)
            elif request.content_type == JSON_PATCH:
                patched = kube_patch.json_patch(current.render(), request.body)
            else:
                raise ApiError(kube_objects.status(415, "UnsupportedMediaType", _PATCH_TYPES))
            wanted = (patched.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != current.obj["metadata"]["resourceVersion"]:
                raise kube_objects.stale(kind, name)
            new = kube_objects.normalise(kind, self._client_part(patched))
            kube_checks.check(kind, new, request.strict, current.obj)
            entries = kube_fields.update(current.entries, kind, current.obj, new, request.manager, self._now())
            return self._commit(request, name, current, new, entries, 200)

    def _apply(self, request: Request, may_create: Callable[[], None]) -> Outcome:
        kind, name = request.kind, str(request.name)
        manager = request.query.get("fieldManager")
        if not manager:
            raise bad_request("PATCH /apply: fieldManager is required for apply requests")
        config = self._body_object(request)
        if request.strict:
            kube_checks.check_known(kind, config)
        if config.get("apiVersion") != kind.api_version or config.get("kind") != kind.name:
            raise bad_request(f"apply requests need apiVersion {kind.api_version!r} and kind {kind.name!r} in the body")
        if kind is LEASE:
            config = kube_objects.normalise(kind, config)
        force = request.query.get("force", "").lower() == "true"
        with self.lock:
            current = self.objects.get((kind.resource, request.namespace, name))
            wanted = config["metadata"].get("resourceVersion")
            if wanted and (current is None or wanted != current.obj["metadata"]["resourceVersion"]):
                raise kube_objects.stale(kind, name)  # a resourceVersion in an apply is a precondition
            if current is None:
                may_create()
            entries = current.entries if current else []
            applied = kube_fields.apply(
                kind, current.obj if current else None, entries, config, manager, force, self._now()
            )
            new = kube_objects.normalise(kind, self._client_part(applied.obj))
            kube_checks.check(kind, new, request.strict, current.obj if current else None)
            return self._commit(request, name, current, new, applied.entries, 200 if current else 201)

    def delete(self, request: Request) -> Outcome:
        kind, name = request.kind, str(request.name)
        preconditions = (request.body or {}).get("preconditions") or {} if isinstance(request.body, dict) else {}
        with self.lock:
            current = self._existing(kind, request.namespace, name)
            meta = current.obj["metadata"]
            if any(preconditions.get(k) not in (None, meta[k]) for k in ("resourceVersion", "uid")):
                raise kube_objects.stale(kind, name)
            if not request.dry_run:
                del self.objects[(kind.resource, request.namespace, name)]
            details = {"name": name, "group": kind.group, "kind": kind.resource, "uid": meta["uid"]}
            body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
            return Outcome(200, body, None if request.dry_run else current.render())

    # -- helpers ---------------------------------------------------------------------------------

    def _existing(self, kind: Kind, namespace: str, name: str) -> Stored:
        stored = self.objects.get((kind.resource, namespace, name))
        if stored is None:
            raise not_found(kind, name)
        return stored

    def _now(self) -> str:
        return kube_objects.timestamp(self.clock())

    def _body_object(self, request: Request) -> JSON:
        """The object a create, update or apply sends, checked against the URL."""
        obj = request.body
        kind = request.kind
        if not isinstance(obj, dict):
            raise bad_request(f"the body must be a {kind.name} object")
        if obj.get("kind") not in (None, kind.name) or obj.get("apiVersion") not in (None, kind.api_version):
            raise bad_request(f"the API version in the data ({obj.get('apiVersion')}) does not match the expected API "
                              f"version ({kind.api_version}) or its kind ({obj.get('kind')}) is not {kind.name}")  # fmt: skip
        meta: JSON = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
        if meta.get("namespace") not in (None, "", request.namespace):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if request.name is not None and meta.get("name") not in (None, request.name):
            raise bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                              f"({request.name})")  # fmt: skip
        if request.name is not None:
            meta = {**meta, "name": request.name}
        return {**obj, "metadata": meta}

    @staticmethod
    def _client_part(obj: JSON) -> JSON:
        out = {k: v for k, v in obj.items() if k != "metadata"}
        out["metadata"] = {k: v for k, v in (obj.get("metadata") or {}).items() if k in _CLIENT_METADATA}
        return out

    def _commit(
        self, request: Request, name: str, current: Stored | None, new: JSON, entries: list[Entry], code: int
    ) -> Outcome:
        kind = request.kind
        meta = {k: v for k, v in new.get("metadata", {}).items() if k in _CLIENT_METADATA and v is not None}
        if current is not None:
            kept = current.obj["metadata"]
            meta.update(uid=kept["uid"], creationTimestamp=kept["creationTimestamp"])
        else:
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=kube_objects.timestamp(self.clock()))
        meta.update(name=name, namespace=request.namespace)
        revision = self.revision + 1
        meta["resourceVersion"] = str(revision)
        kept_fields = {k: v for k, v in new.items() if k in kind.fields}  # unknown fields are dropped, as the API does
        obj = {"apiVersion": kind.api_version, "kind": kind.name, **kept_fields}
        obj["metadata"] = meta
        stored = Stored(obj, entries)
        if request.dry_run:
            return Outcome(code, stored.render(), None)
        self.revision = revision
        self.objects[(kind.resource, request.namespace, name)] = stored
        return Outcome(code, stored.render(), stored.render())
