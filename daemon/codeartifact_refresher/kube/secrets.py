"""A Secret's data keys read and written by server-side apply, for the ``secret:`` output.

*Ours* are the data keys our field manager (:data:`MANAGER`, the same name on every replica) owns
by its applies, as the Secret's ``managedFields`` say. An *apply* is a ``PATCH`` with
``application/apply-patch+yaml`` and ``fieldManager``, never ``force``: the API server then removes
each field we stop applying and refuses (409) to take a field another manager owns, which
:class:`ConflictError` reports by that manager's name. A :class:`Store` does both; :class:`ApiStore`
through the ``kubernetes`` package's ``ApiClient``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import log
from .connection import KubernetesError, bounded, content

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

MANAGER = "codeartifact-refresher"
APPLY = "application/apply-patch+yaml"
TIMEOUT = 30.0  # seconds for one request: an unreachable API fails the target, it does not hang it
SECRET_TEXT = 16  # characters a decoded value needs to be redacted from an error as itself
_MANAGER_IN = re.compile(r'conflicts? with "([^"]+)"')


class ConflictError(KubernetesError):
    """Another field manager owns a key we apply: we do not force it."""

    retryable = False


@dataclass(frozen=True)
class Current:
    """A Secret as read: ``data`` decoded to bytes, ``ours`` the data keys our manager owns."""

    exists: bool = False
    data: dict[str, bytes] = field(default_factory=dict, repr=False)
    ours: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str | None:
        """The key's value as text (None: no such key; a value that is not UTF-8 is refused)."""
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise KubernetesError(f"the value of key {key!r} is not UTF-8 text; left as it is") from None


@dataclass(frozen=True)
class Desired:
    """What one apply says: every data key we own, our label and annotations."""

    data: dict[str, bytes] = field(repr=False)
    labels: dict[str, str]
    annotations: dict[str, str]

    def holds(self, current: Current) -> bool:
        """Whether ``current`` is already this: applying would change nothing."""
        return (
            current.exists
            and all(current.data.get(k) == v for k, v in self.data.items())
            and current.ours <= set(self.data)
            and all(current.labels.get(k) == v for k, v in self.labels.items())
            and all(current.annotations.get(k) == v for k, v in self.annotations.items())
        )


class Store(Protocol):
    def read(self, namespace: str, name: str) -> Current: ...

    def apply(self, namespace: str, name: str, desired: Desired, creating: bool = False) -> None: ...


def body(namespace: str, name: str, desired: Desired) -> dict[str, Any]:
    """The apply's object: only the fields we own (never ``type``, which stays the default)."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if desired.labels:
        metadata["labels"] = dict(desired.labels)
    if desired.annotations:
        metadata["annotations"] = dict(desired.annotations)
    found: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata}
    if desired.data:  # none: a retirement, which owns nothing
        found["data"] = {k: base64.b64encode(v).decode("ascii") for k, v in sorted(desired.data.items())}
    return found


def parse(secret: Mapping[str, Any]) -> Current:
    """A Secret as the API returns it (JSON)."""
    metadata = secret.get("metadata") or {}
    raw = secret.get("data") or {}
    data = {k: base64.b64decode(v or "") for k, v in raw.items()}
    return Current(
        True,
        data,
        owned_keys(metadata.get("managedFields") or ()),
        dict(metadata.get("labels") or {}),
        dict(metadata.get("annotations") or {}),
    )


def owned_keys(managed: Any) -> frozenset[str]:
    """The data keys :data:`MANAGER`'s applies own (``f:data`` of its ``fieldsV1``)."""
    keys: set[str] = set()
    for entry in managed:
        if entry.get("manager") != MANAGER or entry.get("operation") != "Apply":
            continue
        fields = (entry.get("fieldsV1") or {}).get("f:data") or {}
        keys.update(k[2:] for k in fields if k.startswith("f:"))
    return frozenset(keys)


class ApiStore:
    """A :class:`Store` on the Kubernetes API."""

    def __init__(self, api: ApiClient) -> None:
        from kubernetes.client import CoreV1Api  # optional: only for secret targets

        self.core = CoreV1Api(api)

    def read(self, namespace: str, name: str) -> Current:
        def get() -> bytes:
            # the raw JSON: managedFields as the server wrote them, not the generated model's view
            response: Any = self.core.read_namespaced_secret(
                name, namespace, _preload_content=False, _request_timeout=TIMEOUT
            )
            return content(response)

        try:
            data = bounded(get, TIMEOUT)
        except Exception as e:
            if getattr(e, "status", None) == 404:
                return Current()
            raise failure(e, "read", namespace, name) from None
        try:
            return parse(json.loads(data))
        except (ValueError, TypeError, AttributeError, RecursionError) as e:  # binascii's and json's are ValueErrors
            raise KubernetesError(
                f"cannot read secret {namespace}/{name}: the Kubernetes API answered what is not a Secret "
                f"({type(e).__name__})"
            ) from None

    def apply(self, namespace: str, name: str, desired: Desired, creating: bool = False) -> None:
        """``creating``: the Secret did not exist when read (the API then also checks ``create``)."""
        try:
            bounded(
                lambda: self.core.patch_namespaced_secret(
                    name,
                    namespace,
                    body(namespace, name, desired),
                    field_manager=MANAGER,
                    _content_type=APPLY,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                ),
                TIMEOUT,
            )
        except Exception as e:
            raise failure(e, "create" if creating else "apply", namespace, name, sent(desired)) from None


def sent(desired: Desired) -> list[str]:
    """What an error echoing our apply could hold of its values: each as the body has it (base64)
    and, when long enough to be no common word (not ``aws``), decoded."""
    found = [base64.b64encode(v).decode("ascii") for v in desired.data.values() if v]
    found += [t for v in desired.data.values() if len(t := v.decode("utf-8", "replace")) >= SECRET_TEXT]
    return found


def failure(e: Exception, verb: str, namespace: str, name: str, values: Iterable[str] = ()) -> KubernetesError:
    """An API error as one line: a conflict names the other manager; a refusal what RBAC must allow.
    The server's message is shown with ``values`` (:func:`sent`) and the tokens in use redacted:
    a webhook's message may quote the object we sent."""
    status = getattr(e, "status", None)
    what = f"secret {namespace}/{name}"
    if isinstance(e, (TimeoutError, KubernetesError)):  # ours: bounded() or content()
        return KubernetesError(f"cannot {verb} {what}: {e}")
    if status is None:
        return KubernetesError(f"cannot {verb} {what}: the Kubernetes API is unreachable ({type(e).__name__})")
    message = _status_message(getattr(e, "body", None), values)
    if status == 409:
        managers = sorted(set(_MANAGER_IN.findall(message)))
        if managers:
            return ConflictError(
                f"cannot apply {what}: a key we write is managed by {', '.join(repr(m) for m in managers)}; "
                "remove it from that manager's object or give this target another key or Secret"
            )
    if status == 403 and verb == "create":
        return KubernetesError(
            f"cannot create {what}: forbidden; create it empty beforehand (as deploy/kubernetes/secret does), "
            "or let the Role create secrets"
        )
    if status == 403:
        return KubernetesError(f"cannot {verb} {what}: forbidden; the Role must allow get and patch on it")
    return KubernetesError(f"cannot {verb} {what}: HTTP {status}: {message or getattr(e, 'reason', '')}")


def _status_message(text: object, values: Iterable[str] = ()) -> str:
    """The ``message`` of a ``Status`` body, redacted (see :func:`failure`), on one line."""
    try:
        message = json.loads(text).get("message", "") if isinstance(text, (str, bytes)) else ""
    except (ValueError, AttributeError):
        message = ""
    return " ".join(log.redact(str(message), values).split())
