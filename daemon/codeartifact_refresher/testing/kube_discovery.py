"""What the Kubernetes stand-in says about itself: the version, API discovery and OpenAPI v3.

*Discovery* is the legacy (unaggregated) form every client understands: ``/api`` lists the core
versions, ``/apis`` the groups, ``/api/v1`` and ``/apis/GROUP/VERSION`` their resources. A client
asking for aggregated discovery (``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList``)
gets the legacy answer with ``Content-Type: application/json`` and falls back, as it does against
an older server. The *OpenAPI v3* documents (``/openapi/v3`` and one per group version) carry
minimal schemas written for the stand-in (Secret, Lease, ObjectMeta, Status) with the
``x-kubernetes-group-version-kind`` kubectl looks up, and the paths whose write operations take
the ``fieldValidation`` parameter: finding it, kubectl leaves validation to the server
(``fieldValidation=Strict``) instead of validating against schemas itself.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .kube_objects import JSON, KINDS, LEASE, SECRET, Kind

VERSION: JSON = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.0-standin", "gitCommit": "0" * 40,
    "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
    "platform": "linux/amd64",
}  # fmt: skip
VERBS = ["create", "delete", "get", "list", "patch", "update"]


def prefix(kind: Kind) -> str:
    """The URL prefix of a kind's group version: ``api/v1``, ``apis/coordination.k8s.io/v1``."""
    return f"apis/{kind.api_version}" if kind.group else f"api/{kind.version}"


def group_versions() -> dict[str, list[Kind]]:
    """Each group version's URL prefix and its kinds."""
    found: dict[str, list[Kind]] = {}
    for kind in KINDS.values():
        found.setdefault(prefix(kind), []).append(kind)
    return found


def document(path: str, address: str) -> JSON | None:
    """The discovery or OpenAPI document at ``path`` (None: not one of them)."""
    path = path.rstrip("/")
    if path == "/version":
        return VERSION
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}  # fmt: skip
    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(LEASE)]}
    if path == "/openapi/v3":
        return {"paths": {start: {"serverRelativeURL": f"/openapi/v3/{start}?hash={_hash(start)}"}
                          for start in group_versions()}}  # fmt: skip
    for start, kinds in group_versions().items():
        if path == f"/{start}":
            return _resources(kinds)
        if path == f"/openapi/v3/{start}":
            return openapi(start, kinds)
    return None


def _group(kind: Kind) -> JSON:
    version = {"groupVersion": kind.api_version, "version": kind.version}
    return {"name": kind.group, "versions": [version], "preferredVersion": version}


def _resources(kinds: list[Kind]) -> JSON:
    listed = [{"name": k.resource, "singularName": k.name.lower(), "namespaced": True, "kind": k.name,
               "verbs": VERBS, "storageVersionHash": hashlib.sha256(k.resource.encode()).hexdigest()[:12]} for k in kinds]  # fmt: skip
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": kinds[0].api_version, "resources": listed}


def _hash(start: str) -> str:
    """A group version document's hash, as the index gives it (clients cache by it)."""
    kinds = group_versions().get(start, [])
    return hashlib.sha512(json.dumps(openapi(start, kinds) if kinds else start).encode()).hexdigest()[:32].upper()


# -- OpenAPI v3 -----------------------------------------------------------------------------------

_REF = "#/components/schemas/"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1"


def _ref(name: str) -> JSON:
    return {"allOf": [{"$ref": _REF + name}]}


def _string(description: str, fmt: str | None = None) -> JSON:
    schema: JSON = {"type": "string", "description": description}
    if fmt:
        schema["format"] = fmt
    return schema


def schema_name(kind: Kind) -> str:
    return f"io.k8s.api.{kind.group.split('.')[0] or 'core'}.{kind.version}.{kind.name}"


def _kind_schema(kind: Kind) -> JSON:
    properties: JSON = {
        "apiVersion": _string("APIVersion"),
        "kind": _string("Kind"),
        "metadata": _ref(f"{_META}.ObjectMeta"),
    }
    if kind is SECRET:
        properties["data"] = {"type": "object", "additionalProperties": _string("base64 value", "byte")}
        properties["stringData"] = {"type": "object", "additionalProperties": _string("value, write-only")}
        properties["type"] = _string("the Secret's type (Opaque by default)")
        properties["immutable"] = {"type": "boolean"}
    else:
        properties["spec"] = _ref("io.k8s.api.coordination.v1.LeaseSpec")
    return {"type": "object", "description": f"{kind.name} (the stand-in's minimal schema)", "properties": properties,
            "x-kubernetes-group-version-kind": [kind.gvk()]}  # fmt: skip


def _schemas(kinds: list[Kind]) -> JSON:
    labels = {"type": "object", "additionalProperties": {"type": "string", "default": ""}, "x-kubernetes-map-type": "granular"}  # fmt: skip
    schemas: JSON = {
        f"{_META}.ObjectMeta": {"type": "object", "properties": {
            "name": _string("name"), "namespace": _string("namespace"), "uid": _string("uid"),
            "resourceVersion": _string("resourceVersion"), "creationTimestamp": _string("time", "date-time"),
            "labels": labels, "annotations": labels,
            "managedFields": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        }},
        f"{_META}.Status": {"type": "object", "properties": {"message": _string("message"), "reason": _string("reason"),
                            "code": {"type": "integer", "format": "int32"}},
                            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Status"}]},
    }  # fmt: skip
    for kind in kinds:
        schemas[schema_name(kind)] = _kind_schema(kind)
        schemas[schema_name(kind) + "List"] = {"type": "object", "properties": {
            "items": {"type": "array", "items": _ref(schema_name(kind))}}}  # fmt: skip
    if LEASE in kinds:
        micro = _string("MicroTime", "date-time")
        integer = {"type": "integer", "format": "int32"}
        schemas["io.k8s.api.coordination.v1.LeaseSpec"] = {"type": "object", "properties": {
            "holderIdentity": _string("holder"), "leaseDurationSeconds": integer, "acquireTime": micro,
            "renewTime": micro, "leaseTransitions": integer}}  # fmt: skip
    return schemas


def _operation(kind: Kind, verb: str, action: str, body: bool) -> JSON:
    parameters: list[JSON] = [
        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}}
    ]
    parameters.append({"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}})
    if action == "patch":
        parameters.append({"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}})
    operation: JSON = {"operationId": f"{verb}{kind.name}", "parameters": parameters, "x-kubernetes-action": action,
                       "x-kubernetes-group-version-kind": kind.gvk(),
                       "responses": {"200": {"content": {"application/json": {"schema": _ref(schema_name(kind))}}}}}  # fmt: skip
    if body:
        types = ["application/apply-patch+yaml", "application/merge-patch+json", "application/strategic-merge-patch+json",
                 "application/json-patch+json"] if action == "patch" else ["*/*"]  # fmt: skip
        operation["requestBody"] = {"content": {t: {"schema": _ref(schema_name(kind))} for t in types}}
    return operation


def openapi(start: str, kinds: list[Kind]) -> JSON:
    paths: JSON = {}
    for kind in kinds:
        collection = f"/{start}/namespaces/{{namespace}}/{kind.resource}"
        paths[collection] = {"post": _operation(kind, "createNamespaced", "post", True),
                             "get": _operation(kind, "listNamespaced", "list", False)}  # fmt: skip
        paths[collection + "/{name}"] = {
            "get": _operation(kind, "readNamespaced", "get", False),
            "put": _operation(kind, "replaceNamespaced", "put", True),
            "patch": _operation(kind, "patchNamespaced", "patch", True),
            "delete": _operation(kind, "deleteNamespaced", "delete", False),
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (stand-in)", "version": VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": _schemas(kinds)}}  # fmt: skip


def dumps(document: Any) -> bytes:
    return json.dumps(document).encode()
