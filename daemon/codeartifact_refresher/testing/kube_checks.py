"""What the Kubernetes stand-in refuses, as the API server's validation does: 422 Invalid with a
cause per field (a name that is not a DNS subdomain; label and annotation keys, label values; a
Secret key outside ``[-._a-zA-Z0-9]+`` or data over 1 MiB; a Lease duration under a second or
negative transitions; a Secret's ``type`` changed, or its data changed once ``immutable``), and
400 for what cannot be decoded (bad base64, a MicroTime that is not one, an unknown field under
``fieldValidation=Strict``).
"""

from __future__ import annotations

import base64
import binascii
import re

from .kube_objects import (
    DNS_SUBDOMAIN,
    JSON,
    LEASE,
    LEASE_SPEC,
    MAX_SECRET_BYTES,
    MICRO_TIMES,
    SECRET,
    SECRET_KEY,
    Kind,
    bad_request,
    invalid,
    parse_time,
)  # fmt: skip

Cause = tuple[str, str, str]  # (reason, field, message)
_NAME_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = re.compile(rf"^({_NAME_PART})?$")
QUALIFIED_NAME = re.compile(rf"^(?:(?P<prefix>[^/]+)/)?(?P<name>{_NAME_PART})$")
MAX_ANNOTATIONS_BYTES = 256 * 1024


def check(kind: Kind, obj: JSON, strict: bool, old: JSON | None = None) -> None:
    """Refuse ``obj`` (replacing ``old``, when it does) as the API would (see the module doc)."""
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name") or "")
    if strict:
        check_known(kind, obj)
    causes: list[Cause] = []
    if not DNS_SUBDOMAIN.match(name) or len(name) > 253:
        causes.append(("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {_DNS_RULE}'))
    causes += _metadata_causes(metadata)
    if kind is SECRET and old is not None:
        causes += _secret_change_causes(old, obj)
    if kind is SECRET:
        causes += _secret_causes(obj)
    elif kind is LEASE:
        causes += _lease_causes(obj.get("spec") or {})
    if causes:
        raise invalid(kind, name, causes)


def check_known(kind: Kind, obj: JSON) -> None:
    """``fieldValidation=Strict``: a field the kind does not have is a 400 naming it."""
    unknown = sorted(set(obj) - kind.fields - {"apiVersion", "kind", "metadata"})
    if kind is LEASE:
        unknown += sorted(f"spec.{f}" for f in set(obj.get("spec") or {}) - LEASE_SPEC)
    if unknown:
        raise bad_request("strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))


_DNS_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
    "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_KEY_RULE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def _secret_causes(obj: JSON) -> list[Cause]:
    causes: list[Cause] = []
    total = 0
    for key, value in (obj.get("data") or {}).items():
        if not SECRET_KEY.match(key):
            causes.append(("FieldValueInvalid", f"data[{key}]", f'Invalid value: "{key}": {_KEY_RULE}'))
        try:
            total += len(base64.b64decode(str(value), validate=True))
        except (binascii.Error, ValueError):
            raise bad_request(f"illegal base64 data in Secret data[{key}]") from None
    if total > MAX_SECRET_BYTES:
        causes.append(("FieldValueTooLong", "data", f"Too long: may not be more than {MAX_SECRET_BYTES} bytes"))
    return causes


def _lease_causes(spec: JSON) -> list[Cause]:
    causes: list[Cause] = []
    for field, least in (("leaseDurationSeconds", 1), ("leaseTransitions", 0)):
        value = spec.get(field)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request(
                f"json: cannot unmarshal {type(value).__name__} into Go struct field LeaseSpec.spec.{field} of type int32"
            )
        if value < least:
            rule = "must be greater than 0" if least else "must be greater than or equal to 0"
            causes.append(("FieldValueInvalid", f"spec.{field}", f"Invalid value: {value}: {rule}"))
    for field in MICRO_TIMES:
        value = spec.get(field)
        if value is not None and parse_time(value) is None:
            raise bad_request(f'parsing time "{value}" as a MicroTime in spec.{field}: bad format')
    return causes


_NAME_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _metadata_causes(metadata: JSON) -> list[Cause]:
    causes: list[Cause] = []
    for field in ("labels", "annotations"):
        for key, value in (metadata.get(field) or {}).items():
            causes += _key_causes(f"metadata.{field}", str(key))
            if field == "labels" and (not LABEL_VALUE.match(str(value)) or len(str(value)) > 63):
                causes.append(("FieldValueInvalid", "metadata.labels", f'Invalid value: "{value}": {_LABEL_RULE}'))
    size = sum(len(k) + len(str(v)) for k, v in (metadata.get("annotations") or {}).items())
    if size > MAX_ANNOTATIONS_BYTES:
        causes.append(("FieldValueTooLong", "metadata.annotations",
                       f"Too long: must have at most {MAX_ANNOTATIONS_BYTES} bytes"))  # fmt: skip
    return causes


def _key_causes(field: str, key: str) -> list[Cause]:
    """A label or annotation key: an optional DNS-subdomain prefix and ``/``, then a name of at most 63."""
    found = QUALIFIED_NAME.match(key)
    prefix_ok = found is not None and (
        found["prefix"] is None or (DNS_SUBDOMAIN.match(found["prefix"]) and len(found["prefix"]) <= 253)
    )
    if found is None or not prefix_ok or len(found["name"]) > 63:
        return [("FieldValueInvalid", field, f'Invalid value: "{key}": {_NAME_RULE}')]
    return []


def _secret_change_causes(old: JSON, new: JSON) -> list[Cause]:
    causes: list[Cause] = []
    if old.get("type", "Opaque") != new.get("type", "Opaque"):
        causes.append(("FieldValueInvalid", "type", f'Invalid value: "{new.get("type")}": field is immutable'))
    if old.get("immutable"):
        if (old.get("data") or {}) != (new.get("data") or {}):
            causes.append(("FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set"))
        if not new.get("immutable"):
            causes.append(("FieldValueForbidden", "immutable", "Forbidden: field is immutable when `immutable` is set"))
    return causes
