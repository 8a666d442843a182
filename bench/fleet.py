"""A fleet on a simulated clock: 10,000 hosts starting or waking in the same second, then a day of
normal running, with the default config, through the program's own pacing (:mod:`aws.pacing`),
planner (:func:`first_delay`, :func:`next_delay`) and jitter; the peak and mean
GetAuthorizationToken rate per second against the 40/s quota of one account and Region.

    python3 bench/fleet.py                       # 10,000 hosts, one domain each, 12-hour tokens
    python3 bench/fleet.py --hosts 2000 --domains 3 --retry-after 2

What it models: each host is a separate daemon with its own pacer and random source (as in
reality: hosts do not coordinate; the fleet's rate comes from the jitter), all its domains in the
fleet's one account and Region. Each call is instantaneous and, within the quota, succeeds with a
token of ``--lifetime`` seconds. AWS's throttling is modelled as a fixed one-second window admitting
``--quota`` calls and answering the rest 429 with ``retryAfterSeconds = --retry-after`` (AWS does
not document its algorithm nor the value it sends). A throttled call is retried as the program
does: botocore's standard mode (3 attempts, a random 0..2^n second backoff), each attempt paced and
held until Retry-After by the host's pacer; then the daemon's planner. Not modelled: network
latency, endpoint lookups (another quota), hosts' clocks drifting, APScheduler's own timing.

Scenarios: *start*: every host (re)starts in the same second holding a live token from normal
running (issued at a uniformly random moment of its refresh cycle), then runs a day; *wake*: every
host wakes in the same second after ``--slept`` seconds asleep (tokens it held may have expired
meanwhile: those are refreshed at once, as the program does by default, or spread over
``--expired-window``: the config's ``pacing.expired_window``), then runs a day; *cold*: every host
starts in the same second with no token at all.
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from codeartifact_refresher.aws.pacing import Pacer, pace_key
from codeartifact_refresher.config import Domain, Pacing
from codeartifact_refresher.config.model import JITTER, REFRESH_AT
from codeartifact_refresher.errors import ThrottledError
from codeartifact_refresher.outcomes import DomainReport
from codeartifact_refresher.service.planner import first_delay, next_delay

DAY = 86400.0
ATTEMPTS = 3  # botocore's tries per call, as the daemon's Clients asks


@dataclass
class Host:
    """One daemon: its pacer on the simulated clock, its random source, its domains' tokens."""

    pacer: Pacer
    rng: random.Random
    expires: list[float | None]
    failures: list[int]
    waited: list[float] = field(default_factory=list)


class Aws:
    """The quota: at most ``quota`` calls admitted in each whole second; calls counted by second."""

    def __init__(self, quota: int, retry_after: float) -> None:
        self.quota, self.retry_after = quota, retry_after
        self.admitted: Counter[int] = Counter()
        self.offered: Counter[int] = Counter()

    def call(self, at: float) -> bool:
        second = int(at)
        self.offered[second] += 1
        if self.admitted[second] >= self.quota:
            return False
        self.admitted[second] += 1
        return True


PACE, SEND = 0, 1  # a refresh attempt asks its host's pacer for a slot, then sends at that slot


class Fleet:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args, self.now = args, 0.0
        self.pacing = Pacing(expired_window=args.expired_window)  # the defaults, but for that
        self.aws = Aws(args.quota, args.retry_after)
        self.events: list[tuple[float, int, int, int, int, int]] = []  # (when, seq, kind, host, domain, attempt)
        self.sequence = 0
        self.domain = Domain("fleet", (), owner="111122223333", region="us-east-1", duration=int(args.lifetime))
        self.key = pace_key(self.domain)
        self.hosts = [self._host(i) for i in range(args.hosts)]
        self.rescued: list[float] = []  # how long each domain without a live token waited for one

    def _host(self, i: int) -> Host:
        host = Host(Pacer(self.pacing, clock=lambda: self.now), random.Random(i), [], [])  # noqa: S311 - a simulation
        host.pacer.sleep = host.waited.append  # the pacer "sleeps": the attempt is sent that much later
        return host

    def at(self, when: float, kind: int, host: int, domain: int, attempt: int = 0) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (when, self.sequence, kind, host, domain, attempt))

    def run(self, until: float) -> None:
        while self.events and self.events[0][0] <= until:
            when, _, kind, h, d, attempt = heapq.heappop(self.events)
            self.now = when
            if kind == PACE:
                self.pace(h, d, attempt)
            else:
                self.send(h, d, attempt)

    def pace(self, h: int, d: int, attempt: int) -> None:
        host = self.hosts[h]
        host.waited.clear()
        try:
            host.pacer.wait(self.key)  # the host's own bucket, and any Retry-After hold
        except ThrottledError as e:  # held too long: the daemon plans the refresh for then
            return self.plan_retry(h, d, e.retry_after)
        self.at(self.now + sum(host.waited), SEND, h, d, attempt)
        return None

    def send(self, h: int, d: int, attempt: int) -> None:
        host = self.hosts[h]
        if self.aws.call(self.now):
            return self.succeed(h, d)
        host.pacer.hold(self.key, self.aws.retry_after)
        if attempt + 1 < ATTEMPTS:  # botocore's standard mode: a random backoff, then a paced attempt
            self.at(self.now + host.rng.uniform(0, 2**attempt), PACE, h, d, attempt + 1)
            return None
        return self.plan_retry(h, d, self.aws.retry_after)

    def plan_retry(self, h: int, d: int, retry_after: float | None) -> None:
        host = self.hosts[h]
        report = DomainReport(self.domain, error="throttled", retryable=True, retry_after=retry_after)
        host.failures[d] += 1
        self.at(self.now + next_delay(report, host.failures[d], self.now, host.rng, host.expires[d]), PACE, h, d)

    def succeed(self, h: int, d: int) -> None:
        host, lifetime = self.hosts[h], self.args.lifetime
        held = host.expires[d]
        if held is None or held <= self.now:
            self.rescued.append(self.now)
        host.expires[d], host.failures[d] = self.now + lifetime, 0
        expires = datetime.fromtimestamp(self.now + lifetime, timezone.utc)
        report = DomainReport(self.domain, expires_at=expires, lifetime=lifetime)
        self.at(self.now + next_delay(report, 0, self.now, host.rng), PACE, h, d)


def steady_issue(rng: random.Random, lifetime: float) -> float:
    """How long ago a host in normal running got its token: a uniform moment of its cycle."""
    cycle = lifetime * (REFRESH_AT + rng.uniform(-JITTER, JITTER))
    return rng.uniform(0, cycle)


def setup(fleet: Fleet, scenario: str) -> None:
    """Every host's domains at time 0, when the whole fleet starts or wakes (within one second)."""
    args, pacing = fleet.args, fleet.pacing
    for h, host in enumerate(fleet.hosts):
        woke = host.rng.uniform(0, 1)  # the same second
        for _ in range(args.domains):
            if scenario == "cold":
                expires: float | None = None
            else:
                age = steady_issue(host.rng, args.lifetime) + (args.slept if scenario == "wake" else 0)
                expires = woke - age + args.lifetime
            host.expires.append(expires)
            host.failures.append(0)
        for d, expires in enumerate(host.expires):
            # start: every domain's first refresh is spread; wake: those whose plan passed asleep
            planned = None if expires is None else expires - args.lifetime * (1 - REFRESH_AT)
            due = scenario != "wake" or planned is None or planned <= woke
            spread = first_delay(expires, woke, pacing.start_window, host.rng, pacing.expired_window)
            when = woke + spread if due else planned
            fleet.at(when if when is not None else woke, PACE, h, d)


def rates(counts: Counter[int], start: int, end: int) -> tuple[int, float, int]:
    """(peak calls in one second, mean calls a second, calls) over ``[start, end)``."""
    seconds = [counts.get(s, 0) for s in range(start, end)]
    return max(seconds, default=0), statistics.fmean(seconds) if seconds else 0.0, sum(seconds)


def report(fleet: Fleet, scenario: str) -> None:
    args, aws = fleet.args, fleet.aws
    day = int(DAY)
    print(f"\n{scenario}: {args.hosts} hosts x {args.domains} domain(s), {args.lifetime / 3600:g}-hour tokens")
    rows = [("first 10 minutes", 0, 600), ("first hour", 0, 3600), ("the day after", 3600, day), ("whole day", 0, day)]
    print(
        f"  {'window':<18} {'peak/s':>7} {'mean/s':>7} {'calls':>7} {'throttled':>9}   (calls sent; quota {args.quota}/s)"
    )
    for name, start, end in rows:
        peak, mean, calls = rates(aws.offered, start, end)
        throttled = calls - rates(aws.admitted, start, end)[2]
        print(f"  {name:<18} {peak:>7} {mean:>7.2f} {calls:>7} {throttled:>9}")
    over = sum(1 for s, n in aws.offered.items() if n > args.quota)
    print(f"  seconds above the quota: {over}")
    first = [t for t in fleet.rescued if t < 3600]  # those without a live token at the start or wake
    if first:
        print(
            f"  domains without a live token at the start: {len(first)}; they got one within "
            f"{max(first):.0f}s (mean {statistics.fmean(first):.0f}s)"
        )
    print(f"  tokens expired later in the day: {len(fleet.rescued) - len(first)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1, help="domains per host, all in the one account")
    parser.add_argument("--lifetime", type=float, default=43200.0, help="seconds a token lives")
    parser.add_argument("--quota", type=int, default=40, help="GetAuthorizationToken calls a second admitted")
    parser.add_argument("--retry-after", type=float, default=1.0, help="retryAfterSeconds in a 429 answer")
    parser.add_argument("--slept", type=float, default=8 * 3600.0, help="seconds the fleet slept (wake)")
    parser.add_argument("--expired-window", type=float, default=0.0, help="pacing.expired_window (default 0: at once)")
    parser.add_argument("--scenario", choices=("start", "wake", "cold"), action="append")
    args = parser.parse_args()
    print(f"pace per host: {Pacing(expired_window=args.expired_window)}")
    print(f"quota: {args.quota}/s per account and Region; a 429 says retryAfterSeconds={args.retry_after:g}")
    for scenario in args.scenario or ["start", "wake", "cold"]:
        fleet = Fleet(args)
        setup(fleet, scenario)
        fleet.run(DAY)
        report(fleet, scenario)


if __name__ == "__main__":
    main()
