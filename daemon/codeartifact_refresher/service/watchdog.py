"""Refreshes that run far too long: when each domain's refresh began, and which are *stuck*.

A refresh is *stuck* once it has run longer than its domain's *bound* (:func:`bound`): longer than
every wait it may make added up, so that a refresh that is merely slow is never called stuck. A
stuck refresh holds one of the daemon's workers for as long as it lasts, and its domain gets no
new token meanwhile.

The :class:`Watchdog` (the daemon's) records each refresh's start and end with the daemon's clock,
and keeps the refreshes running now in the state, under :data:`KEY` of its ``daemon`` part
(``{domain key: {"since": wall time, "bound": seconds}}``), so that ``status`` (another process)
and the health endpoint read them from one place. Each view says of a stuck one "refresh running
for 12m, stuck?":

- the log: a warning when a refresh becomes stuck;
- ``status``: on the domain's line (and ``stuck`` in its JSON); the domain is not healthy;
- ``/readyz``: not ready, while any refresh is stuck (``/healthz`` lists it and keeps to tokens);
- ``/livez`` and systemd's watchdog: failing once stuck refreshes hold every worker, or every
  domain is stuck (:meth:`Watchdog.wedged`): no refresh at all can run any more, and a restart
  (the kubelet's, systemd's) is what mends a wedged process. One stuck domain beside free workers
  is not that: the others are still refreshed, and a restart would only start the stuck one
  again into whatever holds it (a hung mount, a file that blocks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..outputs.locks import LOCK_WAIT
from .planner import Clocks, duration

if TYPE_CHECKING:
    from ..config import Domain
    from ..state import State

logger = logging.getLogger(__name__)
KEY = "refreshing"

#: Seconds a refresh may take without hooks before it is called stuck. Its AWS calls end within
#: about 100 s (botocore's 3 tries of 5 s to connect and 15 s to read each, with its backoff), the
#: endpoint lookups, queued behind a busy pool, as long again; each target adds :data:`LOCK_WAIT`
#: (see :func:`bound`). Ten minutes is far past all of that, and far below a token's life.
AWS_BOUND = 10 * 60.0


def bound(domain: Domain) -> float:
    """Seconds after which ``domain``'s refresh is stuck: :data:`AWS_BOUND`, each target's lock
    wait, and each of its hooks' timeout (they run one after another)."""
    hooks = {domain.on_change, *(t.on_change for t in domain.targets)} - {None}
    return AWS_BOUND + len(domain.targets) * LOCK_WAIT + len(hooks) * domain.hook_timeout


@dataclass(frozen=True)
class Refreshing:
    """A refresh running now: for how long, and past which it is stuck."""

    seconds: float
    bound: float

    @property
    def stuck(self) -> bool:
        return self.seconds > self.bound

    def describe(self) -> str:
        return describe(self.seconds, self.stuck)


def describe(seconds: float, stuck: bool) -> str:
    """``refresh running for 12m, stuck?``"""
    return f"refresh running for {duration(seconds)}" + (", stuck?" if stuck else "")


def running(state: State, now: float) -> dict[str, Refreshing]:
    """The refreshes that the state says run at ``now`` (wall time), by domain key."""
    found: dict[str, Refreshing] = {}
    recorded = state.daemon.get(KEY)
    for key, value in (recorded if isinstance(recorded, Mapping) else {}).items():
        try:
            found[str(key)] = Refreshing(max(0.0, now - float(value["since"])), float(value["bound"]))
        except (TypeError, KeyError, ValueError):
            continue  # not ours, or from another version: nothing to show
    return found


def refreshing(state: State, now: float) -> list[tuple[str, Refreshing]]:
    """:func:`running`, each named by its domain's label (as the state knows it), for
    :class:`~.assessment.Assessment`."""
    labels = {key: entry.label for key, entry in state.domains.items()}
    return [(labels.get(key, key), found) for key, found in sorted(running(state, now).items())]


class Watchdog:
    """The refreshes the daemon runs now, kept in ``state`` (see the module's docstring);
    ``changed`` is called when they change (the daemon writes the state file soon after)."""

    def __init__(self, state: State, clock: Clocks, changed: Callable[[], None] = lambda: None) -> None:
        self.state, self.clock, self._changed = state, clock, changed
        self._lock = threading.Lock()
        self._running: dict[str, dict[str, float]] = {}
        self._told: set[str] = set()  # the stuck refreshes already logged

    def began(self, key: str, domain: Domain) -> None:
        with self._lock:
            self._running[key] = {"since": self.clock.wall(), "bound": bound(domain)}
            self._publish()

    def ended(self, key: str) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._told.discard(key)
            self._publish()

    def stuck(self) -> dict[str, Refreshing]:
        """The refreshes running now past their bound, by domain key."""
        return {k: r for k, r in running(self.state, self.clock.wall()).items() if r.stuck}

    def wedged(self, workers: int, domains: int) -> bool:
        """Whether no refresh can run any more: stuck ones hold every one of the ``workers``, or
        every one of the ``domains`` is stuck. Each refresh that is newly stuck is logged once
        (the daemon's loop asks at every tick)."""
        stuck = self.stuck()
        with self._lock:
            new = [key for key in stuck if key not in self._told and key in self._running]
            self._told.update(new)
        labels = {key: entry.label for key, entry in self.state.domains.items()}
        for key in new:
            logger.warning(
                "%s: %s (%d of %d workers held)", labels.get(key, key), stuck[key].describe(), len(stuck), workers
            )
        return len(stuck) >= max(1, min(workers, domains))

    def _publish(self) -> None:
        # a new dict each time: the state's JSON is made from it in another thread
        self.state.daemon[KEY] = {k: dict(v) for k, v in self._running.items()}
        self._changed()
