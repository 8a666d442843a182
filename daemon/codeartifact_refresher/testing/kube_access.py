"""Who may use the Kubernetes stand-in, what they may do, and what goes wrong on purpose.

A *user* is known by a bearer token (:meth:`Access.token`); a request with none or an unknown one
is 401. A user given *rules* (:meth:`Access.allow`: a verb on a resource, optionally limited to
names, as an RBAC Role's ``resourceNames``) may do only what they allow; the rest is 403
Forbidden, worded as the API words it. A user without rules may do anything. A *fault*
(:meth:`Access.inject`) is the answer the next matching request gets instead of its own.
"""

from __future__ import annotations

import collections
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .kube_objects import ApiError, Kind, qualified, status


@dataclass(frozen=True)
class Rule:
    verb: str  # get | list | create | update | patch | delete | *
    resource: str  # secrets | leases | *
    names: frozenset[str]  # empty: any name

    def allows(self, verb: str, kind: Kind, name: str | None) -> bool:
        return (
            self.verb in (verb, "*")
            and self.resource in (kind.resource, "*")
            and (not self.names or name in self.names)
        )


@dataclass(frozen=True)
class Fault:
    code: int | None  # None: no answer; the connection is closed after ``delay``
    delay: float
    verb: str | None
    resource: str | None

    def matches(self, verb: str, resource: str | None) -> bool:
        return self.verb in (None, verb) and self.resource in (None, resource)


class Access:
    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}  # token -> user
        self._rules: dict[str, list[Rule]] = {}
        self._faults: collections.deque[Fault] = collections.deque()
        self._lock = threading.Lock()

    def token(self, user: str) -> str:
        """``user``'s bearer token (made on first use)."""
        with self._lock:
            for token, owner in self._tokens.items():
                if owner == user:
                    return token
            token = f"{user}.{secrets.token_urlsafe(16)}"
            self._tokens[token] = user
            return token

    def user(self, authorization: str) -> str | None:
        """Who sent an ``Authorization`` header (None: nobody known)."""
        if not authorization.startswith("Bearer "):
            return None
        with self._lock:
            return self._tokens.get(authorization[7:].strip())

    def allow(self, user: str, verb: str, resource: str, names: Iterable[str] = ()) -> None:
        with self._lock:
            self._rules.setdefault(user, []).append(Rule(verb, resource, frozenset(names)))

    def authorize(self, user: str, verb: str, kind: Kind, name: str | None, namespace: str) -> None:
        """Raise 403 Forbidden unless ``user`` may do ``verb`` on the object."""
        with self._lock:
            rules = self._rules.get(user)
        if rules is None or any(rule.allows(verb, kind, name) for rule in rules):
            return
        what = f'{qualified(kind)} "{name}"' if name else qualified(kind)
        message = (f'{what} is forbidden: User "{user}" cannot {verb} resource "{kind.resource}" in API group '
                   f'"{kind.group}" in the namespace "{namespace}"')  # fmt: skip
        details = {"group": kind.group, "kind": kind.resource, **({"name": name} if name else {})}
        raise ApiError(status(403, "Forbidden", message, details))

    def inject(self, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, verb: str, resource: str | None) -> Fault | None:
        """The first fault waiting for this request, used up (None: none)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(verb, resource):
                    self._faults.remove(fault)
                    return fault
        return None
