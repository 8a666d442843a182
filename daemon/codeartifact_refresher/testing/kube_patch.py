"""Reading lists and patches for the Kubernetes stand-in: label and field selectors, JSON merge
patches (RFC 7386; for Secrets and Leases a strategic merge patch is the same, having no lists
with merge keys) and JSON patches (RFC 6902, on object members).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import kube_objects
from .kube_objects import JSON, ApiError, bad_request


def selector(labels: str, fields: str) -> Callable[[JSON], bool]:
    """A predicate for ``labelSelector`` (``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k``, comma-separated)
    and ``fieldSelector`` (``metadata.name=N`` / ``!=``); a term it cannot read is a 400."""
    tests: list[Callable[[JSON], bool]] = []
    for term in filter(None, (t.strip() for t in labels.split(","))):
        tests.append(_label_test(term))
    for term in filter(None, (t.strip() for t in fields.split(","))):
        key, negated, value = _split(term)
        if key not in ("metadata.name", "metadata.namespace") or value is None:
            raise bad_request(f'"{key}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        tests.append(_field_test(key.split(".")[1], value, negated))
    return lambda obj: all(test(obj) for test in tests)


def _field_test(attribute: str, value: str, negated: bool) -> Callable[[JSON], bool]:
    return lambda obj: (obj["metadata"].get(attribute) == value) != negated


def _split(term: str) -> tuple[str, bool, str | None]:
    for operator, negated in (("!=", True), ("==", False), ("=", False)):
        if operator in term:
            key, _, value = term.partition(operator)
            return key.strip(), negated, value.strip()
    return term, False, None


def _label_test(term: str) -> Callable[[JSON], bool]:
    def labels(obj: JSON) -> dict[str, str]:
        return obj["metadata"].get("labels") or {}

    if term.startswith("!"):
        return lambda o: term[1:] not in labels(o)
    if " in " in term or " notin " in term:
        raise bad_request(f"the stand-in reads only equality and existence label selectors, not {term!r}")
    key, negated, value = _split(term)
    if value is None:
        return lambda o: key in labels(o)
    return lambda o: (labels(o).get(key) == value) != negated


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: a JSON merge patch (for Secrets and Leases, a strategic merge patch is the same)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json_patch(target: JSON, operations: Any) -> JSON:
    """RFC 6902's ``add``, ``replace``, ``remove`` and ``test``, on object members."""
    doc = copy.deepcopy(target)
    if not isinstance(operations, list):
        raise bad_request("a JSON patch must be a list of operations")
    for op in operations:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in str(op.get("path", "")).split("/")[1:]]
        if not parts:
            raise bad_request(f"unsupported JSON patch path {op.get('path')!r}")
        node: Any = doc
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if op.get("op") == "add" else node.get(part)
            if not isinstance(node, dict):
                raise ApiError(kube_objects.status(422, "Invalid", f"the path {op.get('path')!r} does not exist"))
        last = parts[-1]
        if op.get("op") in ("add", "replace"):
            if op["op"] == "replace" and last not in node:
                raise ApiError(kube_objects.status(422, "Invalid", f"the path {op.get('path')!r} does not exist"))
            node[last] = copy.deepcopy(op.get("value"))
        elif op.get("op") == "remove":
            if node.pop(last, None) is None:
                raise ApiError(kube_objects.status(422, "Invalid", f"the path {op.get('path')!r} does not exist"))
        elif op.get("op") == "test":
            if node.get(last) != op.get("value"):
                raise ApiError(kube_objects.status(422, "Invalid", f"testing value {op.get('path')!r} failed"))
        else:
            raise bad_request(f"unsupported JSON patch operation {op.get('op')!r}")
    return doc
