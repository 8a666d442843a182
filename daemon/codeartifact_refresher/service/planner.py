"""When to refresh: pure functions of the token, the clocks and a random source.

Two clocks are read. *Wall* time (``time.time``) is what the API's ``expiration`` is measured in.
*Elapsed* time counts seconds that really passed, including time asleep, and is never set back:
``CLOCK_BOOTTIME`` on Linux and ``CLOCK_MONOTONIC`` on macOS (both count suspend), else
``time.monotonic``. A :class:`Plan` holds a domain's next refresh in both clocks and is *due*
when either says so: a laptop waking from sleep, or a clock set forward, makes tokens due at
once, and a clock set back cannot postpone a refresh past its real time.

After start, and after a sleep or a clock jump, a domain's first refresh is *spread*
(:func:`first_delay`) over the config's ``pacing.start_window``, within its token's life.

The daemon's loop looks at the clocks every *tick* (:func:`tick_seconds`), so a sleep or a jump
is noticed within a minute; :func:`next_delay` and :func:`failures_after` decide, from a
refresh's report, when the domain runs next.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..outcomes import FAILED, SERVED
from ..platform.linux import elapsed_clock_id

if TYPE_CHECKING:
    from ..config import Target
    from ..outcomes import DomainReport

RETRY_FIRST, RETRY_CAP = 1.0, 300.0  # seconds: first retry within seconds, at most five minutes apart
URGENT_CAP = 30.0  # seconds: the longest wait between tries of a passing error while no live token exists
MANUAL_EVERY = 5.0  # seconds: at most one manual refresh (SIGUSR1) of a domain this often
MIN_DELAY = 1.0  # never refresh more often than this, whatever the token's lifetime
JUMP = 30.0  # seconds of disagreement between clocks that count as a sleep or a clock jump
TICK = 15.0  # seconds between looks at the clocks: a sleep is noticed well within a minute
OVERDUE = 2.0  # seconds late before the loop kicks a run APScheduler should have started


class Uniform(Protocol):
    """A random source: :class:`random.Random`, or the :mod:`random` module itself."""

    def uniform(self, a: float, b: float) -> float: ...


class Clocks(Protocol):
    """The three clocks :class:`Clock` reads; tests pass their own."""

    def wall(self) -> float: ...

    def elapsed(self) -> float: ...

    def monotonic(self) -> float: ...


class Clock:
    """The real clocks. Tests pass an object with the same three methods."""

    _elapsed_id = elapsed_clock_id()

    def wall(self) -> float:
        return time.time()

    def elapsed(self) -> float:
        return time.clock_gettime(self._elapsed_id) if self._elapsed_id is not None else time.monotonic()

    def monotonic(self) -> float:
        """Stops while the machine sleeps (on Linux): the difference from elapsed() is time asleep."""
        return time.monotonic()


@dataclass
class Plan:
    """A domain's next refresh, by both clocks."""

    wall: float
    elapsed: float

    @classmethod
    def after(cls, clock: Clocks, seconds: float) -> Plan:
        return cls(clock.wall() + seconds, clock.elapsed() + seconds)

    def due(self, clock: Clocks, late_by: float = 0.0) -> bool:
        """Whether either clock has passed the plan by ``late_by`` seconds or more."""
        return clock.wall() >= self.wall + late_by or clock.elapsed() >= self.elapsed + late_by


def refresh_delay(remaining: float, lifetime: float, refresh_at: float, jitter: float, rng: Uniform = random) -> float:
    """Seconds from now until the next refresh of a token that has ``remaining`` seconds left.

    The target is ``refresh_at`` of the lifetime, moved by up to ``jitter`` of it either way,
    and always before the token expires: a token that lives 8 seconds is refreshed after about
    6, and never sooner than :data:`MIN_DELAY`.
    """
    lifetime = max(lifetime, remaining, 0.0)
    spread = rng.uniform(-jitter, jitter) * lifetime
    target = lifetime * refresh_at + spread - (lifetime - remaining)  # measured from issue time
    latest = remaining - max(MIN_DELAY, 0.05 * lifetime)  # a margin before expiry
    return max(MIN_DELAY, min(target, latest))


def retry_delay(failures: int, retryable: bool, rng: Uniform = random, cap: float = RETRY_CAP) -> float:
    """Exponential backoff with jitter after the ``failures``-th failure in a row (1, 2, ...),
    at most ``cap`` seconds.

    A failure that retrying cannot mend soon (access denied, an unknown domain, a file we may
    not write) waits the full :data:`RETRY_CAP` from the start, so a permanent error never makes
    a storm, however urgent.
    """
    if not retryable:
        return RETRY_CAP * rng.uniform(0.8, 1.0)
    ceiling: float = min(cap, RETRY_FIRST * 2 ** max(0, failures - 1))
    return max(RETRY_FIRST / 2, ceiling * rng.uniform(0.5, 1.0))


def first_delay(
    held_until: float | None, now: float, window: float, rng: Uniform = random, expired_window: float = 0.0
) -> float:
    """Seconds from ``now`` until a domain's first refresh after start or wake, spread over
    ``window`` so that a fleet starting (or waking) in the same second does not call AWS in the
    same second: uniform in ``[0, window]``, but within half the time its token (live until
    ``held_until``) has left, so that no token expires for the spread. A domain with no live
    token (none, or expired) has nothing to lose but time: uniform in ``[0, expired_window]``
    (by default 0, at once)."""
    if held_until is None or held_until <= now:
        return rng.uniform(0.0, expired_window) if expired_window > 0 else 0.0
    return rng.uniform(0.0, min(window, (held_until - now) / 2))


def failures_after(previous: int, ok: bool) -> int:
    """Failures in a row once a refresh ended: none after a success, one more after a failure."""
    return 0 if ok else previous + 1


def next_delay(
    report: DomainReport,
    failures: int,
    now: float,
    rng: Uniform = random,
    held_until: float | None = None,
    bare: bool = False,
) -> float:
    """Seconds from ``now`` until a domain's next refresh, after the refresh that ``report`` tells of
    (its ``failures``-th failure in a row, or a success); ``held_until`` is when the token the
    domain held before it expires (None: it had none); ``bare``, that a target which failed holds no
    live token (it was never written, or its token has expired).

    After a success, the token's own schedule (:func:`refresh_delay`). After a failure, the
    backoff (:func:`retry_delay`), but never later than the token's schedule when a new token
    was had and only a target failed: the sooner of the two. While no live token exists (none
    yet, or expired: for the domain, or for a ``bare`` target) the matter is *urgent*: whatever the
    error, even one retrying will not mend soon (a missing credential file, an unknown repository:
    a person is fixing it now), it is tried again within :data:`URGENT_CAP`; and a live token's
    backoff never runs more than that past its expiry. A failure that says when to try again
    (throttling's ``retryAfterSeconds``, our own pace: ``report.retry_after``) is never retried sooner.
    """
    delay = _next_delay(report, failures, now, rng, held_until, bare)
    return delay if report.ok or report.retry_after is None else max(delay, report.retry_after)


def _next_delay(
    report: DomainReport, failures: int, now: float, rng: Uniform, held_until: float | None, bare: bool
) -> float:
    domain, normal = report.domain, None
    if report.expires_at is not None:
        remaining = report.expires_at.timestamp() - now
        normal = refresh_delay(remaining, report.lifetime or remaining, domain.refresh_at, domain.jitter, rng)
    if report.ok and normal is not None:
        return normal
    retry = retry_delay(failures, report.retryable, rng)
    urgent = retry_delay(failures, True, rng, URGENT_CAP)
    if normal is not None:  # a new token; a target failed
        return min(retry, normal, urgent) if bare else min(retry, normal)
    lives = max(0.0, held_until - now) if held_until is not None else 0.0  # the old token decides the urgency
    return min(retry, lives + urgent)


def bare_target(
    report: DomainReport, previous: Callable[[Target], Mapping[str, object]], held_until: float | None, now: float
) -> bool:
    """Whether a target that failed in ``report`` holds no live token: the domain's token (until
    ``held_until``) has expired, or the target's ``previous`` outcome (the state file's,
    :meth:`..state.DomainState.outcome`) was not a write."""
    failed = [t for t in report.targets if t.outcome == FAILED and t.target is not None]
    if not failed:
        return False
    if held_until is None or held_until <= now:
        return True
    return any(previous(t.target).get("outcome") not in SERVED for t in failed)


def tick_seconds(watchdog_seconds: float | None) -> float:
    """How long the loop may wait between looks at the clocks: :data:`TICK`, or half systemd's
    watchdog interval when that is shorter."""
    return min(TICK, (watchdog_seconds or TICK * 2) / 2)


def overdue(plans: Mapping[str, Plan], busy: Collection[str], clock: Clocks) -> list[str]:
    """The domains whose planned refresh is :data:`OVERDUE` by either clock, leaving out ``busy``
    ones (running, or already kicked)."""
    return [key for key, plan in plans.items() if key not in busy and plan.due(clock, late_by=OVERDUE)]


@dataclass
class Watch:
    """Notices sleeps and wall-clock jumps by comparing how far each clock moved since last look."""

    wall: float
    elapsed: float
    monotonic: float

    @classmethod
    def start(cls, clock: Clocks) -> Watch:
        return cls(clock.wall(), clock.elapsed(), clock.monotonic())

    def look(self, clock: Clocks) -> list[str]:
        """What happened since the last look, in words (empty when nothing did)."""
        now = Watch.start(clock)
        slept = (now.elapsed - self.elapsed) - (now.monotonic - self.monotonic)
        jumped = (now.wall - self.wall) - (now.elapsed - self.elapsed)
        self.wall, self.elapsed, self.monotonic = now.wall, now.elapsed, now.monotonic
        events = []
        if slept > JUMP:
            events.append(f"the machine slept for about {duration(slept)}")
        if abs(jumped) > JUMP:
            events.append(f"the wall clock jumped {'forward' if jumped > 0 else 'back'} by {duration(abs(jumped))}")
        return events


def duration(seconds: float) -> str:
    """``3h 05m``, ``4m 10s``, ``7s``: how a person reads a span of time."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"
