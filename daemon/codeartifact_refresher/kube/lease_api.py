"""The :class:`~.lease.LeaseApi` of one Lease through the official client's ``CoordinationV1Api``
(``read_namespaced_lease``, ``create_namespaced_lease``, ``replace_namespaced_lease`` with the
``resourceVersion`` read), each ended within its timeout in all (:func:`.connection.bounded`: a
server dripping its answer would stall the election). The ``kubernetes`` package is imported here,
and this module only when a config elects a leader."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from .connection import bounded
from .lease import Conflict, LeaseError, Record


class KubeLeaseApi:
    """The Lease ``name`` in ``namespace``, reached with ``api_client`` (a ``kubernetes.client.ApiClient``)."""

    def __init__(self, api_client: Any, namespace: str, name: str) -> None:
        self.api, self.namespace, self.name = client.CoordinationV1Api(api_client), namespace, name

    def get(self, timeout: float) -> Record | None:
        try:
            lease = bounded(
                lambda: self.api.read_namespaced_lease(self.name, self.namespace, _request_timeout=timeout), timeout
            )
        except ApiException as e:
            if e.status == 404:
                return None
            raise self._error("read", e) from None
        except Exception as e:  # the client's transport errors (urllib3's) have no common base worth naming
            raise LeaseError(f"cannot read the Lease {self.namespace}/{self.name}: {type(e).__name__}") from None
        return _record(lease)

    def create(self, record: Record, timeout: float) -> Record:
        return self._write("create", record, timeout)

    def update(self, record: Record, timeout: float) -> Record:
        return self._write("update", record, timeout)

    def _write(self, verb: str, record: Record, timeout: float) -> Record:
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(name=self.name, resource_version=record.version or None),
            spec=client.V1LeaseSpec(
                holder_identity=record.holder or None,
                lease_duration_seconds=record.duration,
                acquire_time=micro(record.acquired),
                renew_time=micro(record.renewed),
                lease_transitions=record.transitions,
            ),
        )
        try:
            if verb == "create":
                call = lambda: self.api.create_namespaced_lease(self.namespace, body, _request_timeout=timeout)  # noqa: E731
            else:
                call = lambda: self.api.replace_namespaced_lease(  # noqa: E731
                    self.name, self.namespace, body, _request_timeout=timeout
                )
            lease = bounded(call, timeout)
        except ApiException as e:
            raise self._error(verb, e) from None
        except Exception as e:  # the client's transport errors (urllib3's) have no common base worth naming
            raise LeaseError(f"cannot {verb} the Lease {self.namespace}/{self.name}: {type(e).__name__}") from None
        return _record(lease)

    def _error(self, verb: str, e: ApiException) -> LeaseError:
        what = f"cannot {verb} the Lease {self.namespace}/{self.name}: HTTP {e.status} {e.reason or ''}".rstrip()
        if e.status == 409:
            return Conflict(f"{what} (changed meanwhile)")
        if e.status in (401, 403):
            return LeaseError(f"{what}: the service account needs get, create and update on this Lease")
        return LeaseError(what)


def _record(lease: Any) -> Record:
    """The record of a Lease as read; one without a spec (a broken or hostile API: the real one
    always answers ``spec: {}``) is held by nobody, rather than an error that ends the election."""
    spec = lease.spec or client.V1LeaseSpec()
    return Record(
        holder=spec.holder_identity or "",
        duration=spec.lease_duration_seconds or 0,
        acquired=spec.acquire_time,
        renewed=spec.renew_time,
        transitions=spec.lease_transitions or 0,
        version=(lease.metadata.resource_version if lease.metadata else None) or "",
    )


def micro(when: datetime | None) -> datetime | None:
    """``when`` as the client will send it: the client writes ``isoformat()``, which leaves out the
    fraction when it is zero, and the API server parses a MicroTime with exactly six digits of it
    (RFC 3339 with microseconds): one microsecond more than nothing keeps them there."""
    return when if when is None or when.microsecond else when.replace(microsecond=1)
