"""How the domains are doing: the facts read once from the state at one moment, and each view of them.

A domain's *facts* at ``now`` are its label, when its token expires and its failures in a row.
The daemon's fact is its *loop age*: seconds since its loop last found itself running, with the
scheduler (None: never, or not a daemon).
From them, per domain:

- *live*: it holds a token that has not expired;
- *OK*: its last refresh did not fail (no failures in a row);
- *healthy*: both.

And the views, each for one consumer (the README's "Status", "systemd" and "Health endpoint"):

- :attr:`Assessment.healthy`, ``status``'s exit code: every domain healthy, no refresh stuck;
- :attr:`Assessment.serving` and :meth:`Assessment.healthz`, ``/healthz``: at least one domain,
  and every one live, even if failing (a restart would not mend an AWS outage);
- :attr:`Assessment.ready` and :meth:`Assessment.readyz`, ``/readyz``: serving, and no refresh is *stuck*
  (running far past its bound, :mod:`.watchdog`; every view lists the stuck ones);
- :attr:`Assessment.alive` and :meth:`Assessment.livez`, ``/livez`` (a liveness probe): the loop
  ran within :data:`LIVE_WITHIN` seconds, whatever AWS does (it stops vouching once stuck
  refreshes hold every worker);
- :meth:`Assessment.status_line`, systemd's ``STATUS=``: how many are OK, the soonest expiry,
  which are failing, which are stuck.

Liveness is not a fact of the state: the daemon's loop vouches for it, as it does for systemd's
watchdog, and the loop age carries it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..state import DomainState
from .planner import TICK, duration

if TYPE_CHECKING:
    from .watchdog import Refreshing


@dataclass(frozen=True)
class DomainFacts:
    label: str
    expires_at: float | None
    failures: int
    now: float

    @classmethod
    def of(cls, entry: DomainState, now: float) -> DomainFacts:
        return cls(entry.label, entry.expires_at, entry.failures, now)

    @property
    def expires_in(self) -> float | None:
        return None if self.expires_at is None else self.expires_at - self.now

    @property
    def live(self) -> bool:
        return self.expires_at is not None and self.expires_at > self.now

    @property
    def ok(self) -> bool:
        return self.failures == 0

    @property
    def healthy(self) -> bool:
        return self.ok and self.live


LIVE_WITHIN = 4 * TICK  # seconds: a loop that has not looked at the clocks for longer is stuck


@dataclass(frozen=True)
class Assessment:
    now: float
    domains: tuple[DomainFacts, ...]
    loop_age: float | None = None
    refreshing: tuple[tuple[str, Refreshing], ...] = ()  # (label, refresh) of those running now

    @classmethod
    def of(
        cls,
        entries: Iterable[DomainState],
        now: float,
        loop_age: float | None = None,
        refreshing: Iterable[tuple[str, Refreshing]] = (),
    ) -> Assessment:
        return cls(now, tuple(DomainFacts.of(e, now) for e in entries), loop_age, tuple(refreshing))

    @property
    def stuck(self) -> tuple[tuple[str, Refreshing], ...]:
        """The refreshes running far past their bound (:mod:`.watchdog`)."""
        return tuple((label, r) for label, r in self.refreshing if r.stuck)

    @property
    def healthy(self) -> bool:
        """``status`` exits 0: every domain has a live token and is not failing, and no refresh is stuck."""
        return all(d.healthy for d in self.domains) and not self.stuck

    @property
    def serving(self) -> bool:
        """``/healthz`` answers 200: there are domains, and every one holds a live token."""
        return bool(self.domains) and all(d.live for d in self.domains)

    @property
    def alive(self) -> bool:
        """``/livez`` answers 200: the daemon's loop ran within :data:`LIVE_WITHIN` seconds."""
        return self.loop_age is not None and self.loop_age <= LIVE_WITHIN

    @property
    def ready(self) -> bool:
        """``/readyz`` answers 200: serving, and no refresh is stuck."""
        return self.serving and not self.stuck

    def healthz(self) -> tuple[int, str]:
        """``/healthz``'s HTTP status and body: a verdict, then one line per domain."""
        return self._serving_view("ok", "unhealthy", self.serving)

    def readyz(self) -> tuple[int, str]:
        """``/readyz``'s HTTP status and body: as ``/healthz``, in a readiness probe's words, and
        not ready while a refresh is stuck."""
        return self._serving_view("ready", "not ready", self.ready)

    def livez(self) -> tuple[int, str]:
        """``/livez``'s HTTP status and body: whether the loop runs, and when it last did (the
        loop stops vouching when stuck refreshes hold every worker: :mod:`.watchdog`)."""
        if self.loop_age is None:
            return 503, "not alive: the loop has not run\n"
        verdict = "alive" if self.alive else "not alive"
        lines = [f"{verdict}: the loop ran {duration(self.loop_age)} ago", *self._stuck_lines()]
        return (200 if self.alive else 503), "\n".join(lines) + "\n"

    def _serving_view(self, yes: str, no: str, ok: bool) -> tuple[int, str]:
        lines = [f"{d.label}: {_expiry(d)}, {d.failures} failure(s) in a row" for d in self.domains]
        return (200 if ok else 503), "\n".join([yes if ok else no, *lines, *self._stuck_lines()]) + "\n"

    def _stuck_lines(self) -> list[str]:
        return [f"{label}: {r.describe()}" for label, r in self.stuck]

    def status_line(self) -> str:
        """systemd's ``STATUS=``: ``N of M domain(s) OK; soonest token expires in ...; failing: ...``."""
        failing = [d for d in self.domains if not d.ok]
        parts = [f"{len(self.domains) - len(failing)} of {len(self.domains)} domain(s) OK"]
        soonest = min((d for d in self.domains if d.live), key=lambda d: d.expires_in or 0.0, default=None)
        if soonest is not None:
            parts.append(f"soonest token expires in {duration(soonest.expires_in or 0.0)} ({soonest.label})")
        if failing:
            parts.append(f"failing: {', '.join(d.label for d in failing)}")
        if self.stuck:
            parts.append(f"stuck: {', '.join(label for label, _ in self.stuck)}")
        return "; ".join(parts)


def _expiry(facts: DomainFacts) -> str:
    return f"expires in {duration(facts.expires_in or 0.0)}" if facts.live else "no live token"
