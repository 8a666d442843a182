"""The objects the Kubernetes stand-in stores, and the ``Status`` errors it answers with.

A *kind* is one of :data:`KINDS` (``Secret`` in the core group, ``Lease`` in
``coordination.k8s.io``), each with its *resource* (the plural in URLs) and *group version*. An
*object* is a JSON dict as the API returns it: ``apiVersion``, ``kind``, ``metadata`` and the
kind's own fields. The server sets ``metadata.uid``, ``resourceVersion``, ``creationTimestamp``
and ``managedFields``; a Secret's ``stringData`` is folded into ``data`` (base64) when it is
written, as the API's conversion does, and never stored. A *Status* is the API's error (or
success) object: ``reason`` and ``code``, and ``details.causes`` for 422 and apply conflicts.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    name: str  # Secret
    resource: str  # secrets
    group: str  # "" for the core group
    version: str
    fields: frozenset[str]  # the top-level fields an object of this kind may have

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def gvk(self) -> JSON:
        return {"group": self.group, "version": self.version, "kind": self.name}


SECRET = Kind("Secret", "secrets", "", "v1", frozenset({"data", "stringData", "type", "immutable"}))
LEASE = Kind("Lease", "leases", "coordination.k8s.io", "v1", frozenset({"spec"}))
KINDS = {kind.resource: kind for kind in (SECRET, LEASE)}
#: a Lease's spec fields (MicroTime ones are kept with microseconds, as the API writes them)
LEASE_SPEC = frozenset(
    {"holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions", "strategy",
     "preferredHolder"}
)  # fmt: skip
MICRO_TIMES = ("acquireTime", "renewTime")
#: what a client may send in metadata (the rest is the server's or ignored)
SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")
MAX_SECRET_BYTES = 1024 * 1024
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")


class ApiError(Exception):
    """An answer other than success: the ``Status`` to send."""

    def __init__(self, status: JSON) -> None:
        super().__init__(status["message"])
        self.status = status

    @property
    def code(self) -> int:
        return int(self.status["code"])


def status(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    """A failure ``Status`` object as the API sends it."""
    body: JSON = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                  "reason": reason, "code": code}  # fmt: skip
    if details is not None:
        body["details"] = details
    return body


def not_found(kind: Kind, name: str) -> ApiError:
    details = {"name": name, "group": kind.group, "kind": kind.resource}
    return ApiError(status(404, "NotFound", f'{qualified(kind)} "{name}" not found', details))


def already_exists(kind: Kind, name: str) -> ApiError:
    details = {"name": name, "group": kind.group, "kind": kind.resource}
    return ApiError(status(409, "AlreadyExists", f'{qualified(kind)} "{name}" already exists', details))


def stale(kind: Kind, name: str) -> ApiError:
    message = (
        f'Operation cannot be fulfilled on {qualified(kind)} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    return ApiError(status(409, "Conflict", message, {"name": name, "group": kind.group, "kind": kind.resource}))


def bad_request(message: str) -> ApiError:
    return ApiError(status(400, "BadRequest", message))


def invalid(kind: Kind, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; ``causes`` are (reason, field, message) as the API words them."""
    listed = [f"{field}: {message}" for _, field, message in causes]
    summary = listed[0] if len(listed) == 1 else "[" + ", ".join(listed) + "]"
    details = {"name": name, "group": kind.group, "kind": kind.name,
               "causes": [{"reason": r, "message": m, "field": f} for r, f, m in causes]}  # fmt: skip
    return ApiError(status(422, "Invalid", f'{kind.name} "{name}" is invalid: {summary}', details))


def qualified(kind: Kind) -> str:
    """How messages name a resource: ``secrets``, ``leases.coordination.k8s.io``."""
    return f"{kind.resource}.{kind.group}" if kind.group else kind.resource


def timestamp(now: float) -> str:
    """``metav1.Time``: seconds, UTC."""
    return datetime.datetime.fromtimestamp(int(now), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> datetime.datetime | None:
    """An RFC 3339 time with its offset (``Z`` or ``+00:00``), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def micro_time(value: object) -> object:
    """``metav1.MicroTime`` as the API writes it back (microseconds, ``Z``); a value that is not
    a time is returned unchanged (:func:`check` refuses it)."""
    parsed = parse_time(value)
    return value if parsed is None else parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_body(body: bytes, content_type: str) -> Any:
    """A request body: JSON, or YAML for ``application/apply-patch+yaml`` (JSON is YAML too)."""
    try:
        return json.loads(body)
    except ValueError:
        if "yaml" not in content_type:
            raise bad_request("the body is not valid JSON") from None
    import yaml  # only for the rare client that sends real YAML

    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as e:
        raise bad_request(f"error decoding YAML: {e}") from None


def normalise(kind: Kind, obj: JSON) -> JSON:
    """The object as it will be stored, without server metadata: ``stringData`` folded into
    ``data``, MicroTimes rewritten, a Secret's ``type`` defaulted."""
    out: JSON = json.loads(json.dumps(obj))
    if kind is SECRET:
        string_data = out.pop("stringData", None) or {}
        data = out.get("data") or {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        if data:
            out["data"] = data
        else:
            out.pop("data", None)
        out.setdefault("type", "Opaque")
    elif kind is LEASE:
        spec = out.get("spec") or {}
        for field in MICRO_TIMES:
            if spec.get(field) is not None:
                spec[field] = micro_time(spec[field])
        out["spec"] = {k: v for k, v in spec.items() if v is not None}
    return out
