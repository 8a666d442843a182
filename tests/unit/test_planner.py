import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from codeartifact_refresher.config import Domain, Target
from codeartifact_refresher.outputs import FileOutput
from codeartifact_refresher.refresh import FAILED, DomainReport, TargetResult
from codeartifact_refresher.service.planner import (
    JUMP,
    MIN_DELAY,
    RETRY_CAP,
    RETRY_FIRST,
    URGENT_CAP,
    Plan,
    Watch,
    bare_target,
    duration,
    failures_after,
    next_delay,
    refresh_delay,
    retry_delay,
    tick_seconds,
)
from codeartifact_refresher.state import DomainState
from codeartifact_refresher.writers.base import MAIN
from tests.clocks import Clocks


@pytest.mark.parametrize("seed", range(50))
def test_an_eight_second_token_is_refreshed_after_about_six(seed):
    delay = refresh_delay(8, 8, 0.75, 0.05, random.Random(seed))
    assert 5.5 <= delay <= 6.5


@pytest.mark.parametrize("seed", range(50))
def test_a_twelve_hour_token_is_refreshed_at_three_quarters_give_or_take_the_jitter(seed):
    lifetime = 12 * 3600
    delay = refresh_delay(lifetime, lifetime, 0.75, 0.05, random.Random(seed))
    assert 0.70 * lifetime <= delay <= 0.80 * lifetime


def test_jitter_spreads_a_fleet():
    delays = {round(refresh_delay(43200, 43200, 0.75, 0.05, random.Random(seed))) for seed in range(20)}
    assert len(delays) >= 15
    no_jitter = {refresh_delay(43200, 43200, 0.75, 0.0, random.Random(seed)) for seed in range(20)}
    assert no_jitter == {0.75 * 43200}


def test_time_already_spent_is_taken_off():
    # issued 100 s ago (remaining 800 of 900): due at 675 s after issue, so 575 from now
    assert refresh_delay(800, 900, 0.75, 0.0) == pytest.approx(575)


@pytest.mark.parametrize(("refresh_at", "jitter"), [(0.95, 0.25), (0.9, 0.2)])
def test_the_refresh_always_comes_before_expiry(refresh_at, jitter):
    for seed in range(100):
        for lifetime in (2, 8, 60, 900, 43200):
            delay = refresh_delay(lifetime, lifetime, refresh_at, jitter, random.Random(seed))
            assert MIN_DELAY <= delay < lifetime or lifetime <= MIN_DELAY


def test_a_tiny_or_nearly_expired_token_never_makes_a_busy_loop():
    assert refresh_delay(0.2, 8, 0.75, 0.05) == MIN_DELAY
    assert refresh_delay(0.5, 0.5, 0.75, 0.05) == MIN_DELAY


def test_retries_back_off_exponentially_to_a_cap():
    rng = random.Random(1)
    ceilings = [retry_delay(n, True, rng) for n in range(1, 15)]
    assert ceilings[0] <= RETRY_FIRST
    for n, delay in enumerate(ceilings, start=1):
        assert delay <= min(RETRY_CAP, RETRY_FIRST * 2 ** (n - 1))
        assert delay >= min(RETRY_CAP, RETRY_FIRST * 2 ** (n - 1)) / 2
    assert max(ceilings) <= RETRY_CAP and ceilings[-1] >= RETRY_CAP / 2


def test_a_permanent_error_waits_the_cap_from_the_first_failure():
    for seed in range(20):
        assert RETRY_CAP * 0.8 <= retry_delay(1, False, random.Random(seed)) <= RETRY_CAP


def test_a_plan_is_due_by_either_clock():
    clocks = Clocks()
    plan = Plan.after(clocks, 60)
    assert not plan.due(clocks)
    assert (plan.wall, plan.elapsed) == (clocks.wall() + 60, clocks.elapsed() + 60)
    clocks.set_wall_back(3600)  # wall clock says it is an hour earlier: elapsed still counts
    clocks.run(61)
    assert plan.due(clocks)
    clocks2 = Clocks()
    plan2 = Plan.after(clocks2, 60)
    clocks2.jump_wall(120)  # wall clock forward, elapsed not
    assert plan2.due(clocks2) and plan2.due(clocks2, late_by=60) and not plan2.due(clocks2, late_by=61)


def test_the_watch_sees_a_sleep_and_clock_jumps_but_not_normal_time():
    clocks = Clocks()
    watch = Watch.start(clocks)
    clocks.run(15)
    assert watch.look(clocks) == []
    clocks.sleep(8 * 3600)
    assert watch.look(clocks) == ["the machine slept for about 8h 00m"]
    clocks.jump_wall(JUMP + 60)
    assert watch.look(clocks) == ["the wall clock jumped forward by 1m 30s"]
    clocks.set_wall_back(7200)
    assert watch.look(clocks) == ["the wall clock jumped back by 2h 00m"]


def test_durations_read_well():
    assert [duration(s) for s in (0, 7.4, 61, 3599, 3600, 11 * 3600 + 5 * 60)] == [
        "0s",
        "7s",
        "1m 01s",
        "59m 59s",
        "1h 00m",
        "11h 05m",
    ]


@pytest.mark.parametrize("failures", [1, 2, 5, 9, 20])
@pytest.mark.parametrize("retryable", [True, False], ids=["retryable", "permanent"])
def test_retries_are_spread_by_jitter_within_their_bounds(failures, retryable):
    ceiling = min(RETRY_CAP, RETRY_FIRST * 2 ** (failures - 1)) if retryable else RETRY_CAP
    floor = ceiling / 2 if retryable else RETRY_CAP * 0.8
    delays = [retry_delay(failures, retryable, random.Random(seed)) for seed in range(20)]
    assert all(floor <= d <= ceiling for d in delays), delays
    assert len(set(delays)) >= 15, "a fleet failing together would retry in lock-step"


def report(ok: bool, expires_in: float | None, retryable: bool = True) -> DomainReport:
    domain = Domain("acme", ())
    target = Target("pip", "store", ((MAIN, FileOutput(Path("/nonexistent/pip.conf"))),))
    targets = [] if ok else [TargetResult(target, FAILED, "cannot write", retryable=retryable)]
    expires_at = None if expires_in is None else datetime.fromtimestamp(NOW + expires_in, timezone.utc)
    return DomainReport(domain, expires_at, lifetime=expires_in, targets=targets, retryable=retryable)


NOW = 1_800_000_000.0


def test_the_next_delay_after_a_success_follows_the_token():
    assert 0.70 * 3600 <= next_delay(report(True, 3600), 0, NOW, random.Random(1)) <= 0.80 * 3600


def test_the_next_delay_after_a_failed_target_is_the_backoff_when_that_is_sooner():
    for seed in range(20):
        assert next_delay(report(False, 3600), 1, NOW, random.Random(seed)) <= RETRY_FIRST
        assert next_delay(report(False, 3600, retryable=False), 1, NOW, random.Random(seed)) <= RETRY_CAP
        assert next_delay(report(False, None), 3, NOW, random.Random(seed)) <= 4 * RETRY_FIRST  # no token at all


def test_the_next_delay_after_a_failed_target_never_outlives_the_token():
    # a token with a minute left: its own schedule (before expiry) comes before a five-minute backoff
    assert next_delay(report(False, 60, retryable=False), 1, NOW, random.Random(1)) < 60


@pytest.mark.parametrize("held_until", [None, NOW - 60], ids=["no token yet", "expired"])
def test_while_no_live_token_exists_a_passing_error_is_retried_within_tens_of_seconds(held_until):
    """Urgency: a tenth failure in a row, nothing configured yet: tens of seconds, jittered."""
    delays = [next_delay(report(False, None), 10, NOW, random.Random(seed), held_until) for seed in range(20)]
    assert all(URGENT_CAP / 2 <= d <= URGENT_CAP for d in delays), delays
    assert URGENT_CAP <= 60 and len(set(delays)) >= 15


@pytest.mark.parametrize("held_until", [None, NOW - 60], ids=["no token yet", "expired"])
def test_while_no_live_token_exists_even_an_error_retrying_cannot_mend_is_retried_urgently(held_until):
    """A missing web identity token file, an unknown repository: someone is fixing it now, and
    nothing works until then (issue 15: `run` used to wait over 4 minutes). Within URGENT_CAP,
    backing off from a second: never a storm."""
    first = [next_delay(report(False, None, retryable=False), 1, NOW, random.Random(s), held_until) for s in range(20)]
    assert all(d <= RETRY_FIRST for d in first), first
    tenth = [next_delay(report(False, None, retryable=False), 10, NOW, random.Random(s), held_until) for s in range(20)]
    assert all(URGENT_CAP / 2 <= d <= URGENT_CAP for d in tenth), tenth


def test_an_error_retrying_cannot_mend_keeps_its_long_wait_while_a_live_token_serves():
    delays = [next_delay(report(False, None, retryable=False), 1, NOW, random.Random(s), NOW + 3600) for s in range(20)]
    assert all(d >= 0.8 * RETRY_CAP for d in delays), delays


def test_a_failed_target_that_holds_no_live_token_is_urgent_beside_a_new_token():
    """A new token, but one target's repository is unknown (never written): urgent for it; a
    target that failed after being written keeps the long wait while its token lives."""
    failed = report(False, 3600, retryable=False)
    delays = [next_delay(failed, 10, NOW, random.Random(s), NOW + 3600, bare=True) for s in range(20)]
    assert all(d <= URGENT_CAP for d in delays), delays
    delays = [next_delay(failed, 10, NOW, random.Random(s), NOW + 3600, bare=False) for s in range(20)]
    assert all(d >= 0.8 * RETRY_CAP for d in delays), delays


def test_a_target_is_bare_when_it_was_never_written_or_the_domains_token_has_expired(tmp_path):
    target = Target("pip", "pypi-store", ((MAIN, FileOutput(tmp_path / "pip.conf")),))
    failed = DomainReport(Domain("acme", (target,)), targets=[TargetResult(target, FAILED, "not found")])

    def previous(outcome: str | None) -> DomainState:
        return DomainState("acme", targets={target.identity: {"outcome": outcome}} if outcome else {})

    written = previous("written").outcome
    assert bare_target(failed, previous(None).outcome, NOW + 3600, NOW)  # never written
    assert bare_target(failed, previous("failed").outcome, NOW + 3600, NOW)
    assert not bare_target(failed, written, NOW + 3600, NOW)  # its file holds a live token
    assert bare_target(failed, written, NOW - 1, NOW)  # ... no longer
    assert not bare_target(DomainReport(Domain("acme", (target,))), written, None, NOW)  # nothing failed


def test_a_live_token_keeps_the_long_backoff_but_not_past_its_expiry_by_more_than_the_urgent_wait():
    hours = [next_delay(report(False, None), 10, NOW, random.Random(s), NOW + 3600) for s in range(20)]
    assert all(d > URGENT_CAP * 4 for d in hours), hours  # minutes apart: the token still serves
    minute = [next_delay(report(False, None), 10, NOW, random.Random(s), NOW + 60) for s in range(20)]
    assert all(d <= 60 + URGENT_CAP for d in minute), minute


def test_failures_count_in_a_row():
    assert [failures_after(n, ok) for n, ok in [(0, False), (1, False), (5, True), (0, True)]] == [1, 2, 0, 0]


def test_the_loop_looks_at_the_clocks_within_a_minute_and_twice_per_watchdog_interval():
    assert 0 < tick_seconds(None) <= 60
    assert tick_seconds(10.0) == 5.0


@pytest.mark.parametrize("module", ["service/planner.py", "state.py", "service/status.py", "outcomes.py"])
def test_what_reads_a_refresh_report_does_not_import_refresh(module):
    """The planner, the state file and status read reports in :mod:`.outcomes`' words, below
    :mod:`.refresh`: no import of it, not even one for type checking."""
    import ast
    from pathlib import Path

    import codeartifact_refresher

    path = Path(codeartifact_refresher.__file__).parent / module
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(f"{node.module or ''}.{a.name}".lstrip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert imported and not {
        name for name in imported if name.split(".")[-1] == "refresh" or name.startswith("refresh")
    }
