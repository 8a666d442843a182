"""Leader election (client-go's algorithm) against a fake Lease API and fake clocks."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from codeartifact_refresher.kube import lease
from codeartifact_refresher.kube.election import Elector
from codeartifact_refresher.kube.lease import Conflict, LeaseError, Record, Timings

EPOCH = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


class FakeLeaseApi:
    """One Lease, with resourceVersions and 409s as the API server gives them."""

    name = "codeartifact-refresher"

    def __init__(self) -> None:
        self.record: Record | None = None
        self.versions = 0
        self.failing = False  # every call raises LeaseError (the API server is unreachable)
        self.after_get: Callable[[], object] | None = None  # another candidate acts between our read and write
        self.writes: list[Record] = []

    def _check(self) -> None:
        if self.failing:
            raise LeaseError("cannot reach the API server")

    def get(self, timeout: float) -> Record | None:
        self._check()
        found = self.record
        if self.after_get is not None:
            hook, self.after_get = self.after_get, None
            hook()
        return found

    def create(self, record: Record, timeout: float) -> Record:
        self._check()
        if self.record is not None:
            raise Conflict("exists")
        return self._store(record)

    def update(self, record: Record, timeout: float) -> Record:
        self._check()
        if self.record is None or record.version != self.record.version:
            raise Conflict("changed meanwhile")
        return self._store(record)

    def _store(self, record: Record) -> Record:
        self.versions += 1
        self.record = dataclasses.replace(record, version=str(self.versions))
        self.writes.append(self.record)
        return self.record


class Machine:
    """One replica's clocks: monotonic seconds and a wall clock that may be skewed."""

    def __init__(self, skew: float = 0.0) -> None:
        self.mono, self.skew = 100.0, skew

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> datetime:
        return EPOCH + timedelta(seconds=self.mono + self.skew)


def elector(api: FakeLeaseApi, name: str, machine: Machine, **kwargs: object) -> Elector:
    return Elector(api, name, monotonic=machine.monotonic, wall=machine.wall, **kwargs)  # type: ignore[arg-type]


def advance(seconds: float, *machines: Machine) -> None:
    for m in machines:
        m.mono += seconds


def test_the_defaults_are_client_gos() -> None:
    t = Timings()
    assert (t.lease_duration, t.renew_deadline, t.retry_period, t.jitter_factor) == (15.0, 10.0, 2.0, 1.2)


@pytest.mark.parametrize(("lease_s", "renew_s", "retry_s"), [(10, 10, 2), (15, 10, 9), (15, 2, 2), (15, 10, 0)])
def test_timings_that_would_let_two_lead_are_refused(lease_s: float, renew_s: float, retry_s: float) -> None:
    with pytest.raises(ValueError, match="lease_duration > renew_deadline"):
        Timings(lease_s, renew_s, retry_s)


def test_the_first_candidate_creates_the_lease_and_leads() -> None:
    api, m = FakeLeaseApi(), Machine()
    a = elector(api, "a", m)
    assert a.try_acquire_or_renew()
    assert api.record is not None
    assert (api.record.holder, api.record.duration, api.record.transitions) == ("a", 15, 0)
    assert api.record.acquired == api.record.renewed == m.wall()
    assert a.leading() and a.leader == "a" and a.term == 0


def test_renewing_keeps_the_acquire_time_and_the_term() -> None:
    api, m = FakeLeaseApi(), Machine()
    a = elector(api, "a", m)
    a.try_acquire_or_renew()
    acquired = api.record.acquired if api.record else None
    advance(2, m)
    assert a.try_acquire_or_renew()
    assert api.record is not None
    assert api.record.acquired == acquired
    assert api.record.renewed == m.wall()
    assert api.record.transitions == 0 and api.versions == 2


@pytest.mark.parametrize("skew", [-3600.0, 3600.0], ids=["leader-clock-behind", "leader-clock-ahead"])
def test_a_follower_judges_expiry_by_its_own_clock_not_the_records_times(skew: float) -> None:
    """The leader's wall clock is an hour off: its renewTime looks ancient (or far in the future)
    to the follower, which still waits the full lease from when it saw the record change."""
    api, ma, mb = FakeLeaseApi(), Machine(skew=skew), Machine()
    a, b = elector(api, "a", ma), elector(api, "b", mb)
    a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()  # sees it for the first time: its own clock starts now
    assert b.leader == "a" and not b.leading()
    advance(14.9, mb)  # the leader has died: no more renewals
    assert not b.try_acquire_or_renew()
    advance(0.2, mb)
    assert b.try_acquire_or_renew()
    assert api.record is not None
    assert (api.record.holder, api.record.transitions) == ("b", 1)
    assert b.leading() and b.term == 1


def test_each_renewal_the_follower_sees_restarts_its_wait() -> None:
    api, ma, mb = FakeLeaseApi(), Machine(), Machine()
    a, b = elector(api, "a", ma), elector(api, "b", mb)
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    for _ in range(10):  # 100 s with the leader renewing every 10 s: never expired for b
        advance(10, ma, mb)
        a.try_acquire_or_renew()
        assert not b.try_acquire_or_renew()
    advance(14, mb)
    assert not b.try_acquire_or_renew()
    advance(1.5, mb)
    assert b.try_acquire_or_renew()


def test_two_candidates_racing_for_an_expired_lease_one_gets_a_409() -> None:
    api, ma, mb, mc = FakeLeaseApi(), Machine(), Machine(), Machine()
    a, b, c = elector(api, "a", ma), elector(api, "b", mb), elector(api, "c", mc)
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    c.try_acquire_or_renew()
    advance(16, mb, mc)
    api.after_get = lambda: c.try_acquire_or_renew()  # c reads and takes it between b's read and b's write
    assert not b.try_acquire_or_renew()
    assert not b.leading()
    assert api.record is not None
    assert (api.record.holder, api.record.transitions) == ("c", 1)  # one transition, not two
    assert c.leading()


def test_transitions_count_every_change_of_holder() -> None:
    api = FakeLeaseApi()
    machines = [Machine() for _ in range(3)]
    electors = [elector(api, name, m) for name, m in zip("abc", machines, strict=True)]
    holders = []
    for turn in range(6):
        for e in electors[turn % 3 :] + electors[: turn % 3]:  # the one after the last leader first
            e.try_acquire_or_renew()
        holders.append(api.record.holder if api.record else None)
        assert api.record is not None and api.record.transitions == turn
        leader = next(e for e in electors if e.leader == e.identity and e.leading())
        leader.release()
    assert holders == list("abcabc")


def test_release_clears_the_holder_and_a_follower_takes_over_at_once() -> None:
    api, ma, mb = FakeLeaseApi(), Machine(), Machine()
    a, b = elector(api, "a", ma), elector(api, "b", mb)
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    assert a.release()
    assert not a.leading()
    assert api.record is not None
    assert (api.record.holder, api.record.duration, api.record.transitions) == ("", 1, 0)
    advance(0.1, mb)  # not 15 s: nobody holds it
    assert b.try_acquire_or_renew()
    assert (api.record.holder, api.record.transitions) == ("b", 1)


def test_a_follower_releases_nothing() -> None:
    api, ma, mb = FakeLeaseApi(), Machine(), Machine()
    a, b = elector(api, "a", ma), elector(api, "b", mb)
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    writes = api.versions
    assert not b.release()
    assert api.versions == writes


class Script:
    """A ``wait`` that moves a machine's clock instead of sleeping, runs ``each`` after each wait,
    and says stop after ``limit`` waits."""

    def __init__(self, machine: Machine, limit: int, each: Callable[[float], None] = lambda _: None) -> None:
        self.machine, self.limit, self.each, self.waits = machine, limit, each, list[float]()

    def __call__(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.machine.mono += seconds
        self.each(self.machine.mono)
        return len(self.waits) >= self.limit


def test_renewals_failing_past_the_renew_deadline_end_leadership() -> None:
    api, m = FakeLeaseApi(), Machine()
    seen: list[tuple[bool, float]] = []
    script = Script(m, limit=100)
    a = elector(api, "a", m, wait=script, listener=lambda e: seen.append((e.leading(), m.mono)))
    assert a.try_acquire_or_renew()
    last_renewal = m.mono
    api.failing = True
    a._renew()  # returns when leadership is lost
    assert not a.leading()
    assert seen == [(True, 100.0), (False, last_renewal + 10)]  # lost at the deadline, not before
    assert script.waits == [2.0] * 5


def test_leading_ends_at_the_deadline_even_before_the_loop_notices() -> None:
    """What guards a write: a renewal stuck in flight does not extend leadership."""
    api, m = FakeLeaseApi(), Machine()
    a = elector(api, "a", m)
    a.try_acquire_or_renew()
    advance(9.99, m)
    assert a.leading()
    advance(0.01, m)
    assert not a.leading()


def test_a_leader_that_sees_another_holder_stops_at_once() -> None:
    api, ma = FakeLeaseApi(), Machine()
    a = elector(api, "a", ma, wait=Script(ma, limit=100))
    a.try_acquire_or_renew()
    api.record = dataclasses.replace(api.record, holder="b", transitions=1) if api.record else None  # someone forced it
    a._renew()
    assert not a.leading()
    assert ma.mono == 102.0  # after one renew period, not the whole deadline


def test_acquire_retries_are_jittered_between_retry_and_jitter_factor_times_more() -> None:
    api, ma, mb = FakeLeaseApi(), Machine(), Machine()
    a = elector(api, "a", ma)
    a.try_acquire_or_renew()
    script = Script(mb, limit=200)
    b = elector(api, "b", mb, wait=script, rng=random.Random(17))
    b.run()  # a never renews: b takes it, then renews until the script stops it, and releases
    acquiring = script.waits[: script.waits.index(2.0)] if 2.0 in script.waits else script.waits
    assert all(2.0 <= w <= 2.0 * 2.2 for w in acquiring)
    assert len({round(w, 6) for w in acquiring}) == len(acquiring) > 1  # random, not one fixed period
    low, high = random.Random(), random.Random()
    low.random, high.random = (lambda: 0.0), (lambda: 0.999999)  # type: ignore[method-assign]
    assert elector(api, "c", mb, rng=low).acquire_delay() == 2.0
    assert elector(api, "c", mb, rng=high).acquire_delay() == pytest.approx(4.4)


def test_run_acquires_after_the_lease_expires_renews_and_releases_on_stop() -> None:
    api, ma, mb = FakeLeaseApi(), Machine(), Machine()
    elector(api, "a", ma).try_acquire_or_renew()
    script = Script(mb, limit=30)
    b = elector(api, "b", mb, wait=script, rng=random.Random(3))
    b.run()
    holders = [r.holder for r in api.writes]
    first = holders.index("b")
    taken_at = mb.mono - sum(script.waits[script.waits.index(2.0) :]) if 2.0 in script.waits else None
    assert taken_at is not None and 115 <= taken_at <= 115 + 4.4  # the lease, then within one jittered retry
    assert holders[first:-1] == ["b"] * (len(holders) - first - 1)  # renewed while it ran
    assert api.record is not None and api.record.holder == "" and api.record.transitions == 1  # released


def test_an_unreachable_api_is_a_lost_round_not_a_crash() -> None:
    api, m = FakeLeaseApi(), Machine()
    api.failing = True
    a = elector(api, "a", m)
    assert not a.try_acquire_or_renew()
    assert a.leader is None and not a.leading()


def test_identity_is_the_pod_name_and_a_random_suffix() -> None:
    one, two = lease.identity({"POD_NAME": "refresher-7d9f"}), lease.identity({"POD_NAME": "refresher-7d9f"})
    assert one.startswith("refresher-7d9f_") and two.startswith("refresher-7d9f_")
    assert one != two


def test_a_failure_is_warned_about_once_until_it_changes(caplog: pytest.LogCaptureFixture) -> None:
    api, m = FakeLeaseApi(), Machine()
    api.failing = True
    a = elector(api, "a", m)
    with caplog.at_level("DEBUG", logger="codeartifact_refresher.kube.election"):
        for _ in range(5):
            a.try_acquire_or_renew()
    warned = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "cannot reach the API server" in warned[0].getMessage()
