"""Field ownership for the Kubernetes stand-in: ``managedFields`` and server-side apply.

A *path* is a field's place in an object, a tuple of names: ``("data", ".npmrc")``,
``("metadata", "labels", "app")``, ``("spec", "holderIdentity")``. An object's *leaves* map each
path a client can own to its value: every field of the kind's own top-level fields, walked down
through maps (lists are atomic, one leaf), and ``metadata.labels`` and ``metadata.annotations``
key by key. An *entry* is one ``managedFields`` record: a manager, its operation (``Apply`` for
server-side apply, ``Update`` for create, update and the other patches), the API version, the
time, and the set of paths it owns; ``fieldsV1`` renders that set as the API does
(``{"f:data": {".": {}, "f:.npmrc": {}}}``).

As on a real cluster, a key a manager applies in a Secret's ``stringData`` is owned as
``stringData.KEY`` (the Kubernetes docs warn that ``stringData`` "does not work well with
server-side apply"): it lands in ``data``, compares with it for conflicts, and is never removed
when the manager stops applying it. Apply ``data`` to have keys removed.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from typing import Any

from .kube_objects import JSON, ApiError, Kind, status

Path = tuple[str, ...]
#: maps whose own node is marked ``"."`` in fieldsV1 when a manager owns keys in them
MAPS = frozenset({("data",), ("stringData",), ("metadata", "labels"), ("metadata", "annotations")})
_OWNED_METADATA = ("labels", "annotations", "ownerReferences", "finalizers")


@dataclass
class Entry:
    manager: str
    operation: str  # Apply | Update
    api_version: str
    time: str
    paths: set[Path] = field(default_factory=set)

    def render(self) -> JSON:
        return {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
                "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": fields_v1(self.paths)}  # fmt: skip


def leaves(kind: Kind, obj: JSON) -> dict[Path, Any]:
    """Every path of ``obj`` a manager can own, with its value."""
    found: dict[Path, Any] = {}
    metadata = obj.get("metadata") or {}
    for name in _OWNED_METADATA:
        if name in metadata and metadata[name] is not None:
            _walk(("metadata", name), metadata[name], found, depth=1 if name in ("labels", "annotations") else 0)
    for name in sorted(kind.fields):
        if name in obj and obj[name] is not None:
            _walk((name,), obj[name], found, depth=8)
    return found


def _walk(path: Path, value: Any, found: dict[Path, Any], depth: int) -> None:
    if isinstance(value, dict) and depth > 0:
        for key, inner in value.items():
            if inner is not None:
                _walk((*path, str(key)), inner, found, depth - 1)
    else:
        found[path] = value


def fields_v1(paths: set[Path]) -> JSON:
    tree: JSON = {}
    for path in sorted(paths):
        node = tree
        for depth, name in enumerate(path):
            if path[:depth] in MAPS:
                node["."] = {}
            node = node.setdefault(f"f:{name}", {})
    return tree


def dotted(path: Path) -> str:
    return "." + ".".join(path)


def update(entries: list[Entry], kind: Kind, old: JSON | None, new: JSON, manager: str, now: str) -> list[Entry]:
    """The entries after ``manager`` wrote ``new`` over ``old`` by create, update or a patch: it
    owns every path it changed, which no other manager owns any more."""
    before = leaves(kind, old) if old is not None else {}
    after = leaves(kind, new)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    result = [_without(e, changed) for e in entries]
    mine = next((e for e in result if (e.manager, e.operation) == (manager, "Update")), None)
    if mine is None:
        mine = Entry(manager, "Update", kind.api_version, now)
        result.append(mine)
    mine.paths = (mine.paths & set(after)) | (changed & set(after))
    mine.time = now
    return [e for e in result if e.paths]


def _without(entry: Entry, paths: set[Path]) -> Entry:
    return Entry(entry.manager, entry.operation, entry.api_version, entry.time, entry.paths - paths)


@dataclass(frozen=True)
class Applied:
    """What an apply request made: the new object (without server metadata) and the entries."""

    obj: JSON
    entries: list[Entry]


def apply(
    kind: Kind, current: JSON | None, entries: list[Entry], config: JSON, manager: str, force: bool, now: str
) -> Applied:
    """Server-side apply of ``config`` by ``manager`` (see the module doc); a field another
    manager owns with a different value is a 409 Conflict naming it, unless ``force``."""
    base = copy.deepcopy(current) if current is not None else {"metadata": copy.deepcopy(config.get("metadata", {}))}
    live = leaves(kind, base)
    wanted = leaves(kind, config)
    differing = {p for p, v in wanted.items() if live.get(_target(p)) != _stored(p, v)}
    clashes = [(e, p) for e in entries if e.manager != manager for p in sorted(differing)
               if p in e.paths or _target(p) in e.paths]  # fmt: skip
    if clashes and not force:
        raise _conflict(kind, clashes)
    result = [_without(e, {p for p in differing} | {_target(p) for p in differing}) if e.manager != manager else e
              for e in entries]  # fmt: skip
    mine = next((e for e in result if (e.manager, e.operation) == (manager, "Apply")), None)
    dropped = (mine.paths if mine else set()) - set(wanted)
    others = set().union(*(e.paths for e in result if e is not mine))
    for path in sorted(dropped):
        if path[0] != "stringData" and path not in others:
            _remove(base, path)
    for path, value in wanted.items():
        _put(base, _target(path), _stored(path, value))
    if mine is None:
        mine = Entry(manager, "Apply", kind.api_version, now)
        result.append(mine)
    mine.paths, mine.time = set(wanted), now
    return Applied(base, [e for e in result if e.paths])


def _target(path: Path) -> Path:
    """Where a path's value is stored: ``stringData.K`` lives in ``data.K``."""
    return ("data", *path[1:]) if path[0] == "stringData" else path


def _stored(path: Path, value: Any) -> Any:
    return base64.b64encode(str(value).encode()).decode() if path[0] == "stringData" else value


def _put(obj: JSON, path: Path, value: Any) -> None:
    node = obj
    for name in path[:-1]:
        if not isinstance(node.get(name), dict):
            node[name] = {}
        node = node[name]
    node[path[-1]] = copy.deepcopy(value)


def _remove(obj: JSON, path: Path) -> None:
    node = obj
    for name in path[:-1]:
        node = node.get(name) or {}
    node.pop(path[-1], None)
    if len(path) > 1 and not node and path[:-1] != ("metadata",):
        _remove(obj, path[:-1])


def _conflict(kind: Kind, clashes: list[tuple[Entry, Path]]) -> ApiError:
    by_manager: dict[str, list[Path]] = {}
    for entry, path in clashes:
        by_manager.setdefault(f'"{entry.manager}" using {entry.api_version}', []).append(path)
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {who}", "field": dotted(p)}
              for who, paths in by_manager.items() for p in paths]  # fmt: skip
    count = len(causes)
    if count == 1:
        who, paths = next(iter(by_manager.items()))
        message = f"Apply failed with 1 conflict: conflict with {who}: {dotted(paths[0])}"
    else:
        groups = [f"conflicts with {who}:\n" + "\n".join(f"- {dotted(p)}" for p in paths)
                  for who, paths in by_manager.items()]  # fmt: skip
        message = f"Apply failed with {count} conflicts: " + "\n".join(groups)
    return ApiError(status(409, "Conflict", message, {"causes": causes}))
