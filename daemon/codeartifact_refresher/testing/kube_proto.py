"""Reading the protobuf bodies kubectl sends: ``kubectl create secret`` (client-go's typed clients)
posts ``application/vnd.kubernetes.protobuf``, and client-go does not fall back to JSON on a 415.

The *envelope* is the magic ``k8s\\0`` then a ``runtime.Unknown`` message (1: TypeMeta with
apiVersion 1 and kind 2; 2: the raw object). A *schema* below maps a message's field numbers to
JSON names and value types, for the fields of Secret, Lease and ObjectMeta the stand-in keeps
(numbers from the published ``generated.proto`` of ``k8s.io/api``; written here, not copied).
Empty strings and zero numbers, which gogo-protobuf writes for every non-pointer field, are left
out, as JSON's ``omitempty`` would. Answers are always JSON, which client-go accepts too.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from .kube_objects import JSON, bad_request

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

Schema = dict[
    int, tuple[str, Any]
]  # field number -> (JSON name, type: "string" | "bytes" | "int" | "bool" | schema | ("map", kind) | ("list", kind) | "time" | "microtime")

OBJECT_META: Schema = {
    1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
    5: ("uid", "string"), 6: ("resourceVersion", "string"),
    11: ("labels", ("map", "string")), 12: ("annotations", ("map", "string")), 14: ("finalizers", ("list", "string")),
}  # fmt: skip
SECRET: Schema = {
    1: ("metadata", OBJECT_META), 2: ("data", ("map", "bytes")), 3: ("type", "string"),
    4: ("stringData", ("map", "string")), 5: ("immutable", "bool"),
}  # fmt: skip
LEASE_SPEC: Schema = {
    1: ("holderIdentity", "string"), 2: ("leaseDurationSeconds", "int"), 3: ("acquireTime", "microtime"),
    4: ("renewTime", "microtime"), 5: ("leaseTransitions", "int"), 6: ("strategy", "string"),
    7: ("preferredHolder", "string"),
}  # fmt: skip
LEASE: Schema = {1: ("metadata", OBJECT_META), 2: ("spec", LEASE_SPEC)}
DELETE_OPTIONS: Schema = {2: ("preconditions", {1: ("uid", "string"), 2: ("resourceVersion", "string")})}
SCHEMAS = {"Secret": SECRET, "Lease": LEASE, "DeleteOptions": DELETE_OPTIONS}


def decode(body: bytes) -> JSON:
    """The JSON form of a protobuf-encoded Secret, Lease or DeleteOptions."""
    if not body.startswith(MAGIC):
        raise bad_request("a protobuf body must start with the k8s\\0 envelope")
    envelope = _fields(body[len(MAGIC) :])
    type_meta = _fields(_one(envelope, 1))
    api_version, kind = _one(type_meta, 1).decode(), _one(type_meta, 2).decode()
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise bad_request(f"the stand-in reads no protobuf {kind}")
    return {"apiVersion": api_version, "kind": kind, **_message(_one(envelope, 2), schema)}


def _one(fields: dict[int, list[Any]], number: int) -> bytes:
    values = fields.get(number) or [b""]
    value = values[-1]
    return value if isinstance(value, bytes) else b""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise bad_request("truncated protobuf varint")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> dict[int, list[Any]]:
    """Each field number's values, in order: ints for varints, bytes for length-delimited ones."""
    found: dict[int, list[Any]] = {}
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value, at = data[at : at + length], at + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, at = int.from_bytes(data[at : at + size], "little"), at + size
        else:
            raise bad_request(f"unsupported protobuf wire type {wire}")
        if at > len(data):
            raise bad_request("truncated protobuf field")
        found.setdefault(number, []).append(value)
    return found


def _message(data: bytes, schema: Schema) -> JSON:
    out: JSON = {}
    for number, values in _fields(data).items():
        if number not in schema:
            continue
        name, kind = schema[number]
        value = _value(values, kind)
        if value not in (None, "", 0, False, {}, []):
            out[name] = value
    return out


def _value(values: list[Any], kind: Any) -> Any:
    last = values[-1]
    if kind == "string":
        return last.decode() if isinstance(last, bytes) else None
    if kind == "bytes":
        return base64.b64encode(last).decode() if isinstance(last, bytes) else None
    if kind in ("int", "bool"):
        return (bool(last) if kind == "bool" else _signed(last)) if isinstance(last, int) else None
    if kind in ("time", "microtime"):
        return _time(_fields(last), micro=kind == "microtime")
    if isinstance(kind, dict):
        return _message(last, kind)
    container, item = kind
    if container == "list":
        return [_value([v], item) for v in values]
    entries = (_fields(v) for v in values)
    return {_one(e, 1).decode(): _value([_one(e, 2)], item) for e in entries}


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(fields: dict[int, list[Any]], micro: bool) -> str | None:
    seconds = _signed((fields.get(1) or [0])[-1])
    nanos = (fields.get(2) or [0])[-1]
    if not seconds and not nanos:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(microsecond=nanos // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")
