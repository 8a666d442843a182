"""A ``coordination.k8s.io`` Lease as leader election reads and writes it.

A *record* is what a Lease's spec says about leadership: the *holder* (empty when nobody holds it),
the lease *duration* it announces, when it was *acquired* and last *renewed* (wall-clock times,
written for people: electors never compare them with their own clocks), and the number of
*transitions* (the *term*: it grows by one each time the holder changes). ``version`` is the
object's ``resourceVersion``, for optimistic concurrency: an update names the version it read and
the API server refuses it (HTTP 409, :class:`Conflict`) if the object changed since.

The election talks to the API through the small :class:`LeaseApi` protocol: :mod:`.lease_api`
implements it with the official client's ``CoordinationV1Api``; unit tests use a fake. Each call
takes a ``timeout`` in seconds. Failures other than a conflict raise :class:`LeaseError`.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..errors import Error

#: client-go's defaults (``leaderelection.LeaderElectionConfig`` as kube-controller-manager sets it)
LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD, JITTER_FACTOR = 15.0, 10.0, 2.0, 1.2
#: what a clean stop leaves in the record (client-go's ``release``): no holder, a one-second lease
RELEASED_DURATION = 1


class LeaseError(Error):
    """The Lease could not be read or written (not a conflict): the round is lost, the next tries again."""


class Conflict(LeaseError):
    """HTTP 409: the Lease changed since it was read, or was created meanwhile."""


@dataclass(frozen=True)
class Record:
    """A Lease's leadership record; ``version`` (its ``resourceVersion``) takes no part in equality."""

    holder: str
    duration: int
    acquired: datetime | None
    renewed: datetime | None
    transitions: int
    version: str = field(default="", compare=False)


class LeaseApi(Protocol):
    """One named Lease in one namespace."""

    name: str

    def get(self, timeout: float) -> Record | None:
        """The Lease's record; None when there is no such Lease (HTTP 404)."""

    def create(self, record: Record, timeout: float) -> Record:
        """Create the Lease; :class:`Conflict` if it exists already."""

    def update(self, record: Record, timeout: float) -> Record:
        """Replace the Lease's spec, only if it is still at ``record.version``; else :class:`Conflict`."""


@dataclass(frozen=True)
class Timings:
    """client-go's three durations and the jitter of its acquire retries, in seconds."""

    lease_duration: float = LEASE_DURATION
    renew_deadline: float = RENEW_DEADLINE
    retry_period: float = RETRY_PERIOD
    jitter_factor: float = JITTER_FACTOR

    def __post_init__(self) -> None:
        # client-go refuses the same: a leader must give up before a follower may take over
        if not self.lease_duration > self.renew_deadline > self.jitter_factor * self.retry_period > 0:
            raise ValueError(
                "leader election needs lease_duration > renew_deadline > jitter_factor * retry_period > 0, "
                f"not {self.lease_duration} > {self.renew_deadline} > {self.jitter_factor} * {self.retry_period}"
            )


def identity(environ: dict[str, str] | None = None) -> str:
    """This replica's name in the Lease: the pod's name (``$POD_NAME``, else the host name, which a
    pod's is) and a random suffix, so that a restarted process is a new candidate."""
    env = os.environ if environ is None else environ
    return f"{env.get('POD_NAME') or socket.gethostname()}_{secrets.token_hex(4)}"
