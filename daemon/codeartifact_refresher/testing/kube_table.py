"""Server-side printing: the ``Table`` that ``kubectl get`` asks for (``Accept: ...;as=Table;v=v1;
g=meta.k8s.io``), with the columns the API server prints for Secrets (Name, Type, Data, Age) and
Leases (Name, Holder, Age). A row's object is the object's metadata only
(``PartialObjectMetadata``), as the server sends it by default.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from .kube_objects import JSON, LEASE, SECRET, Kind

#: kind -> its columns after Name: (name, type, description, cell from the object)
COLUMNS: dict[str, list[tuple[str, str, str, Callable[[JSON], object]]]] = {
    SECRET.name: [
        ("Type", "string", "The Secret's type", lambda o: o.get("type", "")),
        ("Data", "string", "How many keys it holds", lambda o: len(o.get("data") or {})),
    ],
    LEASE.name: [
        ("Holder", "string", "The lease's holder", lambda o: (o.get("spec") or {}).get("holderIdentity") or ""),
    ],
}


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def table(kind: Kind, objects: list[JSON], resource_version: str, now: float) -> JSON:
    """``objects`` as a ``meta.k8s.io/v1`` Table."""
    extra = COLUMNS[kind.name]
    definitions = [
        {"name": "Name", "type": "string", "format": "name", "description": "The object's name", "priority": 0}
    ]
    definitions += [{"name": n, "type": t, "format": "", "description": d, "priority": 0} for n, t, d, _ in extra]
    definitions.append({"name": "Age", "type": "string", "format": "", "description": "Since creation", "priority": 0})
    rows = []
    for obj in objects:
        meta = obj["metadata"]
        cells = [meta["name"], *(cell(obj) for *_, cell in extra), age(meta.get("creationTimestamp"), now)]
        partial = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
        rows.append({"cells": cells, "object": partial})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": definitions, "rows": rows}  # fmt: skip


def age(created: str | None, now: float) -> str:
    """Like the API server's human durations: ``42s``, ``3m5s``, ``25m``, ``2h10m``, ``30h``, ``4d``."""
    if not created:
        return "<unknown>"
    then = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    seconds = max(0, int(now - then.timestamp()))
    minutes, hours = seconds // 60, seconds // 3600
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"
