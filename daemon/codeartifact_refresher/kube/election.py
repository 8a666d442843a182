"""Leader election on a Lease: client-go's algorithm (``tools/leaderelection``), our own code.

An *elector* is one candidate. It *acquires* (tries every ``retry_period``, each wait stretched by
up to ``jitter_factor`` of it at random, as client-go's ``wait.JitterUntil``), then *renews* every
``retry_period`` while it leads. Each try (:meth:`Elector.try_acquire_or_renew`) reads the Lease:
- none: create it, holding it (term 0);
- held by another whose record we have not seen change for the ``leaseDurationSeconds`` it
  announces, by our OWN monotonic clock since we last *observed* a change (never its
  ``renewTime`` against our wall clock: clocks of two machines disagree), or held by nobody (a
  released Lease): take it, one more transition; held by another and fresh: not ours this round;
- held by us: renew it, keeping the acquire time and the term;
- every write names the ``resourceVersion`` read: a 409 means another candidate won the race.

Leadership is *valid* until ``renew_deadline`` after the last successful renewal was SENT (by the
monotonic clock): past that, with no renewal, it is lost. A follower waits ``lease_duration`` from
no earlier than that same moment, so the old leader stops writing at least ``lease_duration -
renew_deadline`` (5 s by default) before anyone else may start. Where client-go gives up
``renew_deadline`` after its renew round *started* (a round starts ``retry_period`` after the last
success), this elector counts from the last success: at most ``retry_period`` sooner, never later.
A clean stop *releases* the Lease (client-go's ``ReleaseOnCancel``): holder cleared, lease one
second, so a follower takes over on its next try. The kubernetes client's own ``LeaseLock`` (37.x)
neither counts transitions nor releases, hence this module.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from .lease import RELEASED_DURATION, Conflict, LeaseApi, LeaseError, Record, Timings

logger = logging.getLogger(__name__)

#: called with the elector whenever what it knows changes: leading or not, the leader, the term
Listener = Callable[["Elector"], None]


class Elector:
    """One candidate for the Lease behind ``api``. ``monotonic`` and ``wall`` are its clocks;
    ``wait(seconds)`` sleeps and answers True when asked to stop (a :class:`threading.Event`'s
    ``wait`` in the daemon, a fake clock's in tests)."""

    def __init__(
        self,
        api: LeaseApi,
        identity: str,
        timings: Timings | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        wait: Callable[[float], bool] | None = None,
        rng: random.Random | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.api, self.identity, self.timings = api, identity, timings or Timings()
        self.monotonic, self.wall = monotonic, wall
        self.stopped = threading.Event()
        self.wait = wait or self.stopped.wait
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.listener = listener or (lambda _: None)
        self.observed: Record | None = None  # the record last seen
        self.observed_at = 0.0  # monotonic: when it was seen to change
        self.valid_until: float | None = None  # monotonic: leadership ends then unless renewed
        self._last_error: str | None = None  # the last failure warned about
        self._lock = threading.Lock()

    # -- what others ask -----------------------------------------------------------------------

    @property
    def leader(self) -> str | None:
        """Who holds the Lease, as last observed (None: nobody, or not known yet)."""
        return (self.observed.holder or None) if self.observed else None

    @property
    def term(self) -> int | None:
        """The Lease's transitions, as last observed."""
        return self.observed.transitions if self.observed else None

    def leading(self) -> bool:
        """Whether we lead now: we hold the Lease and the renew deadline has not passed."""
        with self._lock:
            return self.valid_until is not None and self.monotonic() < self.valid_until

    # -- one try ---------------------------------------------------------------------------------

    def try_acquire_or_renew(self) -> bool:
        """One round: True when we hold the Lease afterwards (acquired or renewed)."""
        t = self.timings
        sent, now = self.monotonic(), self.wall()
        try:
            old = self.api.get(t.renew_deadline)
            if old is None:
                mine = Record(self.identity, round(t.lease_duration), now, now, 0)
                return self._held(self.api.create(mine, t.renew_deadline), sent)
            if old != self.observed:
                self._observe(old)
            if old.holder and old.holder != self.identity and self.monotonic() < self.observed_at + old.duration:
                return False  # another holds it and has renewed it within its lease, by our clock
            ours = old.holder == self.identity
            mine = Record(
                self.identity,
                round(t.lease_duration),
                old.acquired if ours else now,
                now,
                old.transitions if ours else old.transitions + 1,
                old.version,
            )
            return self._held(self.api.update(mine, t.renew_deadline), sent)
        except LeaseError as e:
            self._failed(e)
            return False

    def _failed(self, e: LeaseError) -> None:
        """A lost round: a conflict is the election working (logged quietly); another failure is
        a warning, once until it changes (a missing permission would otherwise fill the log)."""
        text = str(e)
        if isinstance(e, Conflict) or text == self._last_error:
            logger.debug("lease %s: %s", self.api.name, text)
        else:
            logger.warning("lease %s: %s", self.api.name, text)
        self._last_error = None if isinstance(e, Conflict) else text

    def _view(self) -> tuple[bool, str | None, int | None]:
        return self.valid_until is not None, self.leader, self.term

    def _observe(self, record: Record) -> None:
        before = self._view()
        self.observed, self.observed_at = record, self.monotonic()
        self._changed(before)

    def _held(self, record: Record, sent: float) -> bool:
        """We wrote ``record`` (holding the Lease) with a request sent at ``sent``."""
        before = self._view()
        with self._lock:
            self.valid_until = sent + self.timings.renew_deadline
        self.observed, self.observed_at = record, self.monotonic()
        if not before[0]:
            logger.info("lease %s: acquired by %s (term %d)", self.api.name, self.identity, record.transitions)
        self._changed(before)
        return True

    def _lose(self, why: str) -> None:
        before = self._view()
        with self._lock:
            self.valid_until = None
        if before[0]:
            logger.warning("lease %s: %s no longer leads: %s", self.api.name, self.identity, why)
        self._changed(before)

    def _changed(self, before: tuple[bool, str | None, int | None]) -> None:
        """Tell the listener when leading, the leader or the term changed."""
        if self._view() != before:
            self.listener(self)

    # -- the loops -------------------------------------------------------------------------------

    def run(self) -> None:
        """Acquire, renew while leading, acquire again after a loss; until :meth:`stop`, which
        releases the Lease if we lead."""
        while not self.stopped.is_set():
            if self._acquire():
                self._renew()
        if self.valid_until is not None:
            self.release()

    def stop(self) -> None:
        self.stopped.set()

    def acquire_delay(self) -> float:
        """client-go's ``wait.Jitter(retry_period, jitter_factor)``: retry_period to (1 + jitter) times it."""
        t = self.timings
        return t.retry_period * (1 + self.rng.random() * t.jitter_factor)

    def _acquire(self) -> bool:
        """Try until we hold the Lease (True) or are stopped (False)."""
        while True:
            if self.try_acquire_or_renew():
                return True
            if self._stopping(self.acquire_delay()):
                return False

    def _renew(self) -> None:
        """Renew every ``retry_period`` while we lead; return when stopped or leadership is lost."""
        while not self._stopping(self.timings.retry_period):
            while not self.try_acquire_or_renew():  # retried every retry_period, up to the deadline
                if self.leader != self.identity:
                    self._lose(f"the Lease is held by {self.leader or 'nobody'} now")
                    return
                if self._stopping(self.timings.retry_period):
                    return
                if not self.leading():
                    self._lose(f"not renewed within the renew deadline ({self.timings.renew_deadline:g}s)")
                    return

    def _stopping(self, seconds: float) -> bool:
        """Wait ``seconds``; True when asked to stop (by :meth:`stop`, or by ``wait`` itself)."""
        if self.wait(seconds):
            self.stopped.set()
        return self.stopped.is_set()

    def release(self) -> bool:
        """Give the Lease up (holder cleared, lease one second, term kept); True if it was ours and
        the API took it. Leading ends first, so that no write starts during the release."""
        self._lose("stopping")
        old = self.observed
        if old is None or old.holder != self.identity:
            return False
        now = self.wall()
        released = dataclasses.replace(old, holder="", duration=RELEASED_DURATION, acquired=now, renewed=now)
        try:
            record = self.api.update(released, self.timings.renew_deadline)
        except LeaseError as e:
            logger.warning("lease %s: not released: %s", self.api.name, e)
            return False
        logger.info("lease %s: released by %s", self.api.name, self.identity)
        self._observe(record)
        return True
