"""Pacing GetAuthorizationToken (issue 17): the token bucket's bound, the pace key, Retry-After
held and honoured, and 100 domains in one account and Region through the daemon's real refresh
path on a fake clock (the stand-in timestamps each call by it), never above the default pace."""

import bisect
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeartifact_refresher import config as configuration
from codeartifact_refresher.aws.pacing import MAX_WAIT, Bucket, Pacer, pace_key, retry_after
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.config import Domain, Pacing
from codeartifact_refresher.errors import ConfigError, ThrottledError
from codeartifact_refresher.outcomes import DomainReport
from codeartifact_refresher.service.planner import first_delay, next_delay
from codeartifact_refresher.state import State
from codeartifact_refresher.writers.registry import Registry

from .test_daemon import FakeNotifier, FakeScheduler


def most_in_a_window(times: list[float], width: float = 1.0) -> int:
    """The most of ``times`` in any closed window ``width`` long (one starts at some call)."""
    times = sorted(times)
    return max((bisect.bisect_right(times, t + width) - i for i, t in enumerate(times)), default=0)


# -- the bucket ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    rate=st.floats(0.1, 100),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 3), min_size=1, max_size=300),
    width=st.sampled_from([0.25, 1.0, 2.5]),
)
def test_the_bucket_never_grants_more_than_burst_plus_rate_in_any_window(rate, burst, gaps, width):
    bucket, now, granted = Bucket(rate, burst), 0.0, []
    for gap in gaps:  # callers arriving at any moments, bunched or not
        now += gap
        at = bucket.slot(now)
        assert at is not None and at >= now  # never before it was asked for
        granted.append(at)
    assert granted == sorted(granted)  # first come, first served
    assert most_in_a_window(granted, width) <= burst + rate * width + 1e-9


def test_a_quiet_bucket_lets_a_burst_through_then_the_rate():
    bucket = Bucket(10.0, 10)
    slots = [at for _ in range(30) if (at := bucket.slot(100.0)) is not None]
    assert slots[:10] == [100.0] * 10
    assert slots[10:] == pytest.approx([100.0 + 0.1 * (i + 1) for i in range(20)])
    assert most_in_a_window(slots) == 20  # the default: rate + burst = 20 in a second, half the quota


def test_a_held_bucket_grants_nothing_before_the_hold_ends_and_a_far_slot_is_not_reserved():
    bucket = Bucket(10.0, 10)
    bucket.hold(131.0)
    assert bucket.slot(100.0, limit=MAX_WAIT) is None  # 31 seconds away: not waited for, nor reserved
    assert bucket.slot(100.0) == 131.0
    assert bucket.slot(131.0) == pytest.approx(131.1)  # after a hold, the rate: no burst


def test_pace_keys_are_the_account_and_region_or_what_stands_for_the_account():
    assert pace_key(Domain("a", (), owner="111122223333", region="eu-west-1")) == ("111122223333", "eu-west-1")
    role = "arn:aws:iam::444455556666:role/build"
    assert pace_key(Domain("a", (), role_arn=role, profile="p")) == ("444455556666", "default region")
    assert pace_key(Domain("a", (), profile="build", region="us-east-1")) == ("profile build", "us-east-1")
    assert pace_key(Domain("a", ())) == ("default credentials", "default region")
    # two domains of one owner share one pace whatever their profiles
    assert pace_key(Domain("a", (), owner="111122223333", profile="x")) == pace_key(
        Domain("b", (), owner="111122223333", profile="y")
    )


class FakeTime:
    """A monotonic clock whose sleep moves it, and records each sleep."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, list[float]()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_slot_too_far_away_is_a_throttled_error_saying_when():
    time = FakeTime()
    pacer = Pacer(Pacing(rate=1.0, burst=1), clock=time, sleep=time.sleep)
    key = ("111122223333", "us-east-1")
    pacer.hold(key, 90)
    with pytest.raises(ThrottledError, match=r"paced .* for 90s more") as caught:
        pacer.wait(key)
    assert caught.value.retry_after == pytest.approx(90)
    assert time.slept == []
    pacer.hold(key, 0)  # nothing changes: the hold stands
    time.now += 80
    pacer.wait(key)  # ten seconds away now: waited for
    assert time.slept == [pytest.approx(10)]


def test_retry_after_reads_a_429_answer_and_nothing_else():
    class Http:
        def __init__(self, status, headers):
            self.status_code, self.headers = status, headers

    assert retry_after((Http(429, {}), {"retryAfterSeconds": 7})) == 7
    assert retry_after((Http(429, {"Retry-After": "3"}), {})) == 3
    assert retry_after((Http(429, {"Retry-After": "soon"}), {})) is None
    assert retry_after((Http(500, {"Retry-After": "3"}), {})) is None
    assert retry_after((Http(429, {"Retry-After": "99999"}), {})) == 3600  # bounded
    assert retry_after(None) is None


# -- Retry-After from the stand-in ---------------------------------------------------------------


def domain_on(server, name="acme"):
    return Domain(name, (), owner=server.account, region="us-east-1", endpoint_url=server.url)


def test_a_throttling_answer_holds_the_account_and_region_and_says_when_to_retry(standin, home):
    time = FakeTime()
    clients = Clients(attempts=1)
    clients.pacer = Pacer(clock=time, sleep=time.sleep)
    standin.inject("GetAuthorizationToken", retry_after=120)
    with pytest.raises(ThrottledError, match=r"ThrottlingException \(retry after 120s\)") as caught:
        clients.token(domain_on(standin))
    assert caught.value.retry_after == 120
    standin.add_repository("other", "pypi-store", "pypi")  # same owner and Region: the same quota
    with pytest.raises(ThrottledError, match="paced"):
        clients.token(domain_on(standin, "other"))
    assert standin.calls["GetAuthorizationToken"] == 1  # the second never went
    time.now += 120
    assert clients.token(domain_on(standin, "other")).value


def test_botocores_own_retry_after_a_throttle_waits_the_retry_after(standin, home):
    time = FakeTime()
    clients = Clients(attempts=3)
    clients.pacer = Pacer(clock=time, sleep=time.sleep)
    standin.inject("GetAuthorizationToken", retry_after=20)
    assert clients.token(domain_on(standin)).value
    assert standin.calls["GetAuthorizationToken"] == 2
    assert sum(time.slept) >= 20  # the second attempt went after the hold, by our clock


@pytest.mark.parametrize("failures", [1, 5, 12])
def test_the_planners_retry_is_never_sooner_than_retry_after(failures):
    report = DomainReport(Domain("acme", ()), error="throttled", retryable=True, retry_after=250.0)
    for seed in range(20):
        assert next_delay(report, failures, 0.0, random.Random(seed), held_until=None) >= 250.0
    quick = DomainReport(Domain("acme", ()), error="throttled", retryable=True)
    assert next_delay(quick, 1, 0.0, random.Random(1), held_until=None) < 2  # without it: seconds


# -- spreading first refreshes ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(left=st.floats(-1e5, 1e5), window=st.floats(0, 3600), seed=st.integers(0, 2**32))
def test_a_first_refresh_is_spread_over_the_window_but_never_past_the_token_life(left, window, seed):
    held_until, now = 1e6 + left, 1e6
    delay = first_delay(held_until, now, window, random.Random(seed))
    if held_until <= now:
        assert delay == 0  # expired: at once
        assert 0 <= first_delay(held_until, now, window, random.Random(seed), expired_window=90) <= 90
    else:
        assert 0 <= delay <= min(window, (held_until - now) / 2)
        assert first_delay(held_until, now, window, random.Random(seed), expired_window=90) == delay


def test_the_spread_covers_the_window():
    rng = random.Random(3)
    delays = [first_delay(50_000.0, 0.0, 600.0, rng) for _ in range(2000)]
    assert min(delays) < 10 and max(delays) > 590
    assert most_in_a_window(delays) < 20  # 2000 over 600 s: about 3.3 a second, not 2000 at once


# -- the daemon: 100 domains in one account and Region -------------------------------------------


def hundred_domains(tmp_path, server, pacing=""):
    for i in range(100):
        server.add_repository(f"d{i:03d}", "pypi-store", "pypi")
    where = f'owner: "{server.account}"\n    region: us-east-1\n    endpoint_url: {server.url}\n'
    body = "".join(
        f"  - domain: d{i:03d}\n    {where}    targets:\n"
        f"      - {{writer: pip, repository: pypi-store, path: {tmp_path / f'pip{i}.conf'}}}\n"
        for i in range(100)
    )
    path = tmp_path / "config.yaml"
    path.write_text(f"{pacing}domains:\n{body}")
    return path


def daemon_on(path, tmp_path, clocks):
    from codeartifact_refresher.service.daemon import Daemon

    registry = Registry()
    config = configuration.load(path, registry)
    clients = Clients(clock=clocks.utcnow, attempts=1)
    clients.pacer = Pacer(clock=clocks.monotonic, sleep=clocks.run)  # waiting moves the fake clocks
    state = State.load(tmp_path / "state.json")
    return Daemon(
        config,
        state,
        registry,
        clients,
        loader=lambda: configuration.load(path, registry),
        clock=clocks,
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
        rng=random.Random(5),
    )


def token_calls(server) -> list[float]:
    return [t for t, operation in server.clocked if operation == "GetAuthorizationToken"]


def run_for(daemon, clocks, seconds):
    end = clocks.wall() + seconds
    while daemon.scheduler.pending and (next_at := min(daemon.scheduler.pending.values())) <= end:
        clocks.run(max(0.0, next_at - clocks.wall()))
        daemon.scheduler.run_due(daemon)


def test_a_hundred_domains_in_one_account_and_region_never_exceed_the_default_pace(tmp_path, standin, clock, home):
    standin.token_lifetime = 3600
    daemon = daemon_on(hundred_domains(tmp_path, standin), tmp_path, clock)
    daemon.start()
    assert set(daemon.scheduler.pending.values()) == {clock.wall()}  # no token yet: all due at once
    run_for(daemon, clock, 4 * 3600)  # the first round, then four token lifetimes
    calls = token_calls(standin)
    assert len(calls) >= 400
    assert all(state.failures == 0 for state in daemon.state.domains.values())
    assert most_in_a_window(calls) <= 20  # rate + burst of the default pace
    first_round = sorted(calls)[:100]
    assert first_round[-1] - first_round[0] >= (100 - 20) / 10  # paced: 10 a second after a burst


def test_a_configured_pace_is_the_one_kept(tmp_path, standin, clock, home):
    daemon = daemon_on(hundred_domains(tmp_path, standin, "pacing: {rate: 2, burst: 3}\n"), tmp_path, clock)
    daemon.start()
    run_for(daemon, clock, 600)
    assert len(token_calls(standin)) == 100
    assert most_in_a_window(token_calls(standin)) <= 5


def test_a_restart_spreads_live_tokens_and_refreshes_the_others_at_once(tmp_path, standin, clock, home):
    standin.token_lifetime = 12 * 3600
    path = hundred_domains(tmp_path, standin)
    first = daemon_on(path, tmp_path, clock)
    first.start()
    run_for(first, clock, 60)
    first.stop()
    clock.run(3600)
    standin.add_repository("new", "pypi-store", "pypi")
    where = f'owner: "{standin.account}"\n    region: us-east-1\n    endpoint_url: {standin.url}\n'
    path.write_text(
        path.read_text()
        + f"  - domain: new\n    {where}    targets:\n      - {{writer: pip, repository: pypi-store, path: {tmp_path / 'new.conf'}}}\n"
    )
    second = daemon_on(path, tmp_path, clock)
    second.start()
    now = clock.wall()
    delays = {second.domains[k].domain: when - now for k, when in second.scheduler.pending.items()}
    assert delays.pop("new") == 0  # no token yet: at once
    assert all(0 <= d <= 600 for d in delays.values()) and max(delays.values()) > 500
    assert most_in_a_window(list(delays.values())) <= 5  # not 100 in the same second
    second.tick()
    assert "READY=1" not in second.notifier.messages  # "new" holds no token yet
    assert len(second.scheduler.run_due(second)) == 1  # "new" alone, at once
    second.tick()
    assert "READY=1" in second.notifier.messages  # the others' live tokens serve: ready, not in 10 minutes


def test_a_fleet_may_spread_domains_without_a_live_token_too(tmp_path, standin, clock, home):
    daemon = daemon_on(hundred_domains(tmp_path, standin, "pacing: {expired_window: 300}\n"), tmp_path, clock)
    daemon.start()
    now = clock.wall()
    delays = [when - now for when in daemon.scheduler.pending.values()]
    assert all(0 <= d <= 300 for d in delays) and max(delays) > 250
    run_for(daemon, clock, 400)
    assert all(e.expires_at for e in daemon.state.domains.values())


def test_waking_spreads_what_came_due_within_each_token_life(tmp_path, standin, clock, home, caplog):
    standin.token_lifetime = 3600
    daemon = daemon_on(hundred_domains(tmp_path, standin), tmp_path, clock)
    daemon.start()
    run_for(daemon, clock, 60)
    daemon.tick()
    clock.sleep(2900)  # past every plan (about 45 minutes of the hour), before any token expires
    daemon.tick()
    assert "the machine slept" in caplog.text
    now = clock.wall()
    delays = [when - now for when in daemon.scheduler.pending.values()]
    for key, when in daemon.scheduler.pending.items():  # spread, within half each token's life left
        assert now <= when <= now + (daemon.state.domains[key].expires_at - now) / 2
    assert max(delays) > 60
    assert most_in_a_window(delays) <= 10


def test_pacing_in_the_config_is_checked(tmp_path, standin):
    registry = Registry()
    path = hundred_domains(tmp_path, standin)
    text = path.read_text()
    assert configuration.load(path, registry).pacing == Pacing(10.0, 10, 600.0, 0.0)  # the defaults
    for bad, message in [
        ("pacing: {rate: 0}\n", "rate: expected a number from 0.1 to 1000"),
        ("pacing: {burst: 2.5}\n", "burst: expected a whole number"),
        ("pacing: {start_window: -1}\n", "start_window: expected a number from 0"),
        ("pacing: {expired_window: 7200}\n", "expired_window: expected a number from 0 to 3600"),
        ("pacing: {rat: 3}\n", "rat"),
        ("pacing: 5\n", "pacing"),
    ]:
        path.write_text(f"{bad}{text}")
        with pytest.raises(ConfigError, match=message) as caught:
            configuration.load(path, registry)
        assert ":1:" in str(caught.value)
    path.write_text(f"pacing: {{rate: 5, burst: 15, start_window: 120, expired_window: 300}}\n{text}")
    assert configuration.load(path, registry).pacing == Pacing(5.0, 15, 120.0, 300.0)


def test_the_daemon_plans_a_throttled_refresh_no_sooner_than_retry_after(tmp_path, standin, clock, home):
    daemon = daemon_on(hundred_domains(tmp_path, standin), tmp_path, clock)
    daemon.start()
    standin.inject("GetAuthorizationToken", retry_after=250)
    daemon.scheduler.run_due(daemon)
    now = clock.wall()
    errors = [e.last_error or "" for e in daemon.state.domains.values()]
    assert "ThrottlingException (retry after 250s)" in errors[0]
    # the account's other domains waited for the hold: none called AWS, each is planned after it
    assert all("paced (or was throttled) for 25" in e for e in errors[1:])
    assert standin.calls["GetAuthorizationToken"] == 1
    assert all(when - now >= 250 for when in daemon.scheduler.pending.values())
    run_for(daemon, clock, 600)
    assert all(e.failures == 0 and e.expires_at for e in daemon.state.domains.values())
    assert most_in_a_window(token_calls(standin)) <= 20


def test_the_fleet_simulation_runs_the_programs_code_and_a_fleet_starting_together_stays_under_the_quota(
    monkeypatch,
):
    import argparse
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("fleet", Path(__file__).parents[2] / "bench" / "fleet.py")
    assert spec is not None and spec.loader is not None
    fleet_module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fleet", fleet_module)  # its dataclasses look their module up
    spec.loader.exec_module(fleet_module)
    args = argparse.Namespace(
        hosts=2000, domains=1, lifetime=43200.0, quota=40, retry_after=1.0, slept=0.0, expired_window=0.0
    )
    fleet = fleet_module.Fleet(args)
    fleet_module.setup(fleet, "start")
    fleet.run(fleet_module.DAY)
    peak, _, calls = fleet_module.rates(fleet.aws.offered, 0, int(fleet_module.DAY))
    assert calls >= 2 * 2000 and peak <= 40 and fleet.aws.offered == fleet.aws.admitted  # never throttled
    cold = fleet_module.Fleet(args)
    fleet_module.setup(cold, "cold")
    cold.run(3600)
    assert max(cold.aws.offered.values()) == 2000  # no token: all at once, by default
    assert len(cold.rescued) == 2000  # and every host got one within the hour, throttled or not
