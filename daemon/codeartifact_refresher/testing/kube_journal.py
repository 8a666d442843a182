"""What the Kubernetes stand-in was asked to write: every accepted write (a :class:`Write`), and
each Lease's history (a :class:`LeaseChange` per write), for tests that check who wrote what and
when (no two leaders in one term, a standby taking over in time). Times are ``time.monotonic()``.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass

from .kube_objects import JSON, LEASE
from .kube_store import APPLY, Outcome, Request


@dataclass(frozen=True)
class Write:
    """One write the stand-in accepted (a dry run is not one)."""

    time: float  # time.monotonic() when it was made
    verb: str  # create | update | patch | apply | delete
    kind: str  # Secret | Lease
    namespace: str
    name: str
    user: str
    field_manager: str
    resource_version: str  # the object's after the write (a deleted object's last one)


@dataclass(frozen=True)
class LeaseChange:
    """A Lease as one write left it."""

    time: float  # time.monotonic()
    user: str
    resource_version: str
    spec: JSON  # empty when the write deleted it
    deleted: bool = False


class Journal:
    def __init__(self) -> None:
        self.writes: list[Write] = []
        self._leases: dict[tuple[str, str], list[LeaseChange]] = collections.defaultdict(list)
        self._lock = threading.Lock()

    def record(self, verb: str, user: str, request: Request, outcome: Outcome) -> None:
        if outcome.written is None:  # a dry run
            return
        meta = outcome.written.get("metadata") or {}
        name = str(meta.get("name") or request.name)
        now = time.monotonic()
        write = Write(now, "apply" if verb == "patch" and request.content_type == APPLY else verb, request.kind.name,
                      request.namespace, name, user, request.manager, str(meta.get("resourceVersion", "")))  # fmt: skip
        with self._lock:
            self.writes.append(write)
            if request.kind is LEASE:
                deleted = verb == "delete"
                spec = {} if deleted else dict(outcome.written.get("spec") or {})
                change = LeaseChange(now, user, write.resource_version, spec, deleted)
                self._leases[(request.namespace, name)].append(change)

    def lease_history(self, namespace: str, name: str) -> list[LeaseChange]:
        with self._lock:
            return list(self._leases[(namespace, name)])

    def writes_to(self, kind: str, namespace: str, name: str) -> list[Write]:
        with self._lock:
            return [w for w in self.writes if (w.kind, w.namespace, w.name) == (kind, namespace, name)]
