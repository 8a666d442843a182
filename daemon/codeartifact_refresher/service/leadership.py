"""The daemon's side of leader election: an elector (:mod:`..kube.election`) on its own thread,
and what the rest of the daemon reads of it.

A *leader-only* target is one with an output that only the leader may write
(:attr:`..outputs.base.Output.leader_only`: a Kubernetes Secret). The daemon elects a leader only
when its config has one and ``kubernetes.lease`` names a Lease; then a replica that does not lead
is a *follower*: it refreshes its other targets as before and skips its leader-only ones
(:data:`NOT_LEADER`), fetching no token for a domain that has nothing else. Its *view*, kept in
the state file's ``daemon.leadership`` (for ``status``, ``/readyz`` and ``/metrics``, which read
only the state), is our identity, the leader, the *term* (the Lease's ``leaseTransitions``) and
whether we lead. A domain *followed* is one whose every target was last skipped for not leading:
the health views leave it out (it holds no token here, and needs none), and say whom we follow.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from ..outcomes import NOT_LEADER, SKIPPED
from ..redaction import escape_controls

if TYPE_CHECKING:
    from ..config import Config
    from ..kube.election import Elector
    from ..state import DomainState

logger = logging.getLogger(__name__)

JOIN = 5.0  # seconds to wait at stop for the elector to release the Lease


class Leader(Protocol):
    """What the daemon asks of an election: the real :class:`Leadership`, or a test's fake."""

    identity: str

    @property
    def leader(self) -> str | None: ...

    @property
    def term(self) -> int | None: ...

    def leading(self) -> bool: ...

    def start(self, listener: Callable[[], None]) -> None:
        """Begin electing; ``listener`` is called (on any thread) whenever leading, the leader or
        the term changes."""

    def stop(self) -> None:
        """Stop electing, releasing the Lease if we lead."""


class Leadership:
    """An :class:`~..kube.election.Elector` run on a thread of its own."""

    def __init__(self, elector: Elector) -> None:
        self.elector, self.identity = elector, elector.identity
        self._thread = threading.Thread(target=self._run, name="leader-election", daemon=True)

    @property
    def leader(self) -> str | None:
        return self.elector.leader

    @property
    def term(self) -> int | None:
        return self.elector.term

    def leading(self) -> bool:
        return self.elector.leading()

    def start(self, listener: Callable[[], None]) -> None:
        self.elector.listener = lambda _: listener()
        self._thread.start()

    def stop(self) -> None:
        """Stop electing; the elector releases the Lease if we lead (a clean stop)."""
        self.elector.stop()
        if self._thread.is_alive():
            self._thread.join(JOIN)

    def _run(self) -> None:
        try:
            self.elector.run()
        except Exception:  # a bug: leadership is lost with it, and the daemon goes on as a follower
            logger.exception("leader election: internal error (please report this bug)")
            self.elector.valid_until = None


def wanted(config: Config) -> str | None:
    """The Lease to elect a leader on: when some target is leader-only and ``kubernetes.lease``
    names one; else None."""
    from ..refresh import leader_only

    lease = config.kubernetes.lease if config.kubernetes else None
    if not lease:
        return None
    return lease if any(leader_only(t) for d in config.domains for t in d.targets) else None


def for_config(config: Config) -> Leadership | None:
    """The election ``config`` asks for (:func:`wanted`), not started; None when it asks for none."""
    name = wanted(config)
    if name is None or config.kubernetes is None:
        return None
    from ..kube import connection, lease
    from ..kube.election import Elector
    from ..kube.lease_api import KubeLeaseApi

    settings = config.kubernetes
    api = KubeLeaseApi(connection.client(settings), settings.namespace, name)
    return Leadership(Elector(api, lease.identity()))


def view(leader: Leader) -> dict[str, Any]:
    """What the state file keeps of the election (``daemon.leadership``)."""
    return {"identity": leader.identity, "leader": leader.leader, "term": leader.term, "leading": leader.leading()}


def of_state(daemon: dict[str, Any]) -> dict[str, Any] | None:
    """The election's view in a state file's ``daemon`` part; None when there is none (or it is not one)."""
    found = daemon.get("leadership")
    return found if isinstance(found, dict) and isinstance(found.get("identity"), str) else None


def followed(entry: DomainState) -> bool:
    """Whether every target of the domain was last skipped for not leading."""
    outcomes = entry.targets.values()
    return bool(outcomes) and all(
        o.get("outcome") == SKIPPED and (o.get("error") or "").startswith(NOT_LEADER) for o in outcomes
    )


def led(entries: Iterable[DomainState], daemon: dict[str, Any]) -> list[DomainState]:
    """The entries the health views judge: all of them, but on a follower not the domains it follows."""
    found = of_state(daemon)
    following = found is not None and not found.get("leading")
    return [e for e in entries if not (following and followed(e))]


def describe(found: dict[str, Any]) -> str:
    """One line: whom we follow, or that we lead, and the term. The names are shown with their
    control characters escaped: a Lease's holder is whatever a client of the API wrote there."""
    term = found.get("term")
    of_term = f" (term {term})" if isinstance(term, int) else ""
    identity = escape_controls(str(found["identity"]))
    if found.get("leading"):
        return f"leading as {identity}{of_term}"
    leader = escape_controls(str(found.get("leader") or "nobody yet"))
    return f"following {leader}{of_term} as {identity}, ready to take over"
