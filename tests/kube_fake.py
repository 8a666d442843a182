"""An in-memory Secret store with server-side apply's ownership rules for data keys, for unit tests
of the secret output (the Kubernetes API stand-in proves the wire format)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from codeartifact_refresher.kube.secrets import MANAGER, Current, Desired, failure


@dataclass
class _Object:
    data: dict[str, bytes] = field(default_factory=dict)
    owners: dict[str, set[str]] = field(default_factory=dict)  # data key -> managers that applied it
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    version: int = 1


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.body = status, json.dumps({"kind": "Status", "message": message})


class FakeSecrets:
    """Secrets by (namespace, name); ``applies`` lists each apply (namespace, name, manager, keys)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], _Object] = {}
        self.applies: list[tuple[str, str, str, tuple[str, ...]]] = []

    def read(self, namespace: str, name: str) -> Current:
        obj = self.objects.get((namespace, name))
        if obj is None:
            return Current()
        ours = frozenset(k for k, managers in obj.owners.items() if MANAGER in managers)
        return Current(True, dict(obj.data), ours, dict(obj.labels), dict(obj.annotations))

    def apply(
        self, namespace: str, name: str, desired: Desired, creating: bool = False, manager: str = MANAGER
    ) -> None:
        obj = self.objects.setdefault((namespace, name), _Object())
        taken = sorted(
            (k, m)
            for k, v in desired.data.items()
            for m in obj.owners.get(k, set()) - {manager}
            if obj.data.get(k) != v
        )
        if taken:
            fields = ", ".join(f'conflict with "{m}" using v1: .data.{k}' for k, m in taken)
            raise failure(
                ApiError(409, f"Apply failed with {len(taken)} conflict(s): {fields}"), "apply", namespace, name
            )
        for key, managers in list(obj.owners.items()):
            if manager in managers and key not in desired.data:
                managers.discard(manager)
                if not managers:
                    del obj.owners[key], obj.data[key]
        for key, value in desired.data.items():
            obj.data[key] = value
            obj.owners.setdefault(key, set()).add(manager)
        obj.labels.update(desired.labels)
        obj.annotations.update(desired.annotations)
        obj.version += 1
        self.applies.append((namespace, name, manager, tuple(sorted(desired.data))))
