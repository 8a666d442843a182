"""The daemon's decisions, driven by hand: fake clocks, a scheduler that runs jobs when told,
a notifier that records messages, and the real refresh path against the stand-in."""

import itertools
import json
import os
import random
import signal
import threading

import pytest

from codeartifact_refresher import config as configuration
from codeartifact_refresher import refresh as refresh_module
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.hooks import Pending
from codeartifact_refresher.refresh import DomainReport
from codeartifact_refresher.service import daemon as daemon_module
from codeartifact_refresher.service.assessment import LIVE_WITHIN
from codeartifact_refresher.service.daemon import OVERDUE, Daemon
from codeartifact_refresher.service.health import healthz, metrics
from codeartifact_refresher.service.notify import Notifier
from codeartifact_refresher.service.planner import MANUAL_EVERY, RETRY_CAP, RETRY_FIRST, URGENT_CAP
from codeartifact_refresher.state import State
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config


class FakeScheduler:
    def __init__(self) -> None:
        self.pending: dict[str, float] = {}
        self.running = False

    def start(self) -> None:
        self.running = True

    def at(self, key: str, when: float) -> None:
        self.pending[key] = when

    def remove(self, key: str) -> None:
        self.pending.pop(key, None)

    def shutdown(self) -> None:
        self.running = False

    def run_due(self, daemon: Daemon) -> list[str]:
        due = sorted(k for k, when in self.pending.items() if when <= daemon.clock.wall())
        for key in due:
            del self.pending[key]
            daemon.refresh_job(key)
        return due


class FakeNotifier(Notifier):
    def __init__(self) -> None:
        super().__init__({})  # no NOTIFY_SOCKET, no watchdog
        self.messages: list[str] = []

    def send(self, *lines):
        self.messages.extend(lines)
        return True

    def ready(self, status):
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status):
        return self.send(f"STATUS={status}")

    def watchdog(self):
        return self.send("WATCHDOG=1")

    def stopping(self):
        return self.send("STOPPING=1")


@pytest.fixture
def clocks(clock):
    return clock


@pytest.fixture
def server(standin):
    """The shared stand-in, with hour-long tokens and a second domain."""
    standin.token_lifetime = 3600
    standin.add_repository("beta", "pypi-store", "pypi")
    return standin


def build(path, state_path, clocks, clients, seed) -> Daemon:
    """A daemon on the config at ``path``, as ``service.daemon.run`` loads it, with fakes around it."""
    registry = Registry()
    config = configuration.load(path, registry)
    state = State.load(state_path)
    state.keep_only(config)
    return Daemon(
        config,
        state,
        registry,
        clients,
        loader=lambda: configuration.load(path, registry),
        clock=clocks,
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
        rng=random.Random(seed),
    )


def make(tmp_path, server, clocks, targets=ALL_TARGETS, extra=""):
    path = write_config(tmp_path / "config.yaml", server, targets, extra=extra)
    daemon = build(path, tmp_path / "state.json", clocks, Clients(clock=clocks.utcnow, attempts=1), seed=7)
    daemon.start()
    return daemon


def key_of(daemon, name="acme"):
    return next(k for k, d in daemon.domains.items() if d.domain == name)


def test_start_refreshes_every_domain_then_plans_from_the_expiry(tmp_path, server, clocks, home):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    assert daemon.scheduler.pending == {key: clocks.wall()}
    assert daemon.scheduler.run_due(daemon) == [key]
    assert (home / ".npmrc").exists() and (home / ".pypirc").exists()
    planned = daemon.scheduler.pending[key] - clocks.wall()
    assert 0.70 * 3600 <= planned <= 0.80 * 3600
    assert daemon.dirty and daemon.wake.is_set()  # the loop writes the state file when it wakes
    daemon.tick()
    assert not daemon.dirty
    state = json.loads((tmp_path / "state.json").read_text())
    entry = state["domains"][key]
    assert entry["failures"] == 0 and entry["last_error"] is None and entry["expires_at"]


def test_ready_comes_after_the_first_round_with_a_status_then_the_watchdog(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    daemon.tick()
    assert daemon.notifier.messages == ["WATCHDOG=1"]  # alive, but no round yet: not ready
    daemon.scheduler.run_due(daemon)
    daemon.tick()
    messages = daemon.notifier.messages[1:]
    assert messages == [
        "READY=1",
        "STATUS=1 of 1 domain(s) OK; soonest token expires in 1h 00m (acme (111122223333))",
        "WATCHDOG=1",
    ]
    daemon.scheduler.shutdown()
    sent = len(daemon.notifier.messages)
    daemon.tick()
    assert "WATCHDOG=1" not in daemon.notifier.messages[sent:]  # the scheduler died: let systemd restart us
    daemon.stop()
    assert daemon.notifier.messages[-1] == "STOPPING=1"


def test_the_loop_vouches_for_liveness_while_it_runs_with_its_scheduler(tmp_path, server, clocks):
    """What /livez reads: the loop's age, reset by each tick while the scheduler runs."""
    daemon = make(tmp_path, server, clocks)
    assert daemon.loop_age() == 0 and daemon.assessment().alive  # from the start
    clocks.run(LIVE_WITHIN + 1)
    assert not daemon.assessment().alive  # no tick for too long: stuck
    daemon.tick()
    assert daemon.loop_age() == 0 and daemon.assessment().alive
    daemon.scheduler.shutdown()  # the scheduler died: the loop no longer vouches
    clocks.run(LIVE_WITHIN + 1)
    daemon.tick()
    assert not daemon.assessment().alive


def test_the_daemon_never_widens_a_file_mode_and_tightens_a_wide_one(tmp_path, server, clocks, home):
    (home / ".npmrc").write_text("fund=false\n")
    (home / ".npmrc").chmod(0o400)  # the user made it read-only for themselves
    (home / ".pypirc").write_text("[distutils]\n")
    (home / ".pypirc").chmod(0o666)
    daemon = make(
        tmp_path,
        server,
        clocks,
        targets=ALL_TARGETS.replace("repository: npm-store\n", 'repository: npm-store\n        mode: "0640"\n'),
    )
    for _ in range(2):
        daemon.scheduler.run_due(daemon)
        clocks.run(daemon.scheduler.pending[key_of(daemon)] - clocks.wall())
    assert (home / ".npmrc").stat().st_mode & 0o777 == 0o400 and "_authToken=" in (home / ".npmrc").read_text()
    assert (home / ".pypirc").stat().st_mode & 0o777 == 0o600


def test_refreshes_follow_each_token_through_several_lifetimes(tmp_path, server, clocks, home):
    daemon = make(tmp_path, server, clocks)
    tokens = set()
    for _ in range(5):
        daemon.scheduler.run_due(daemon)
        tokens.add((home / ".npmrc").read_text())
        assert server.live_tokens() >= 1
        clocks.run(daemon.scheduler.pending[key_of(daemon)] - clocks.wall())
        assert server.live_tokens() >= 1, "the token lapsed before its refresh was due"
    assert len(tokens) == 5 and server.calls["GetAuthorizationToken"] == 5


def test_failures_back_off_and_keep_the_old_files(tmp_path, server, clocks, home):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    before = (home / ".npmrc").read_bytes()
    clocks.run(daemon.scheduler.pending[key] - clocks.wall())
    server.inject("GetAuthorizationToken", times=6)
    delays = []
    for _ in range(6):
        daemon.scheduler.run_due(daemon)
        delays.append(daemon.scheduler.pending[key] - clocks.wall())
        clocks.run(delays[-1])
    assert (home / ".npmrc").read_bytes() == before
    assert delays[0] <= 1 and all(b > a for a, b in itertools.pairwise(delays))
    assert daemon.state.get(daemon.domains[key]).failures == 6
    daemon.scheduler.run_due(daemon)  # the API answers again
    assert (home / ".npmrc").read_bytes() != before
    assert daemon.state.get(daemon.domains[key]).failures == 0


def test_a_permanent_error_is_not_retried_in_a_storm_while_a_live_token_serves(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks, extra="")
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)  # a token; its files written
    clocks.run(daemon.scheduler.pending[key] - clocks.wall())
    server.key_errors["AKIDTEST"] = "AccessDeniedException"
    daemon.scheduler.run_due(daemon)
    assert daemon.scheduler.pending[key] - clocks.wall() >= 0.8 * RETRY_CAP
    entry = daemon.state.get(daemon.domains[key])
    assert "was denied" in entry.last_error and entry.failures == 1


def test_without_a_live_token_a_permanent_error_is_retried_urgently_but_backs_off(tmp_path, server, clocks):
    """Nothing works until it is mended (issue 15: with IRSA's token file missing, `run` waited over
    4 minutes): tries back off from a second to URGENT_CAP, never faster, never a storm."""
    daemon = make(tmp_path, server, clocks, extra="")
    key = key_of(daemon)
    server.key_errors["AKIDTEST"] = "AccessDeniedException"
    delays: list[float] = []
    start = clocks.wall()
    while clocks.wall() < start + 3600 and len(delays) < 1000:
        daemon.scheduler.run_due(daemon)
        delays.append(daemon.scheduler.pending[key] - clocks.wall())
        clocks.run(delays[-1])
    assert delays[0] <= RETRY_FIRST and max(delays) <= URGENT_CAP
    assert all(d >= URGENT_CAP / 2 for d in delays[6:]), delays  # backed off to the cap within a minute
    assert server.calls["GetAuthorizationToken"] <= 3600 / (URGENT_CAP / 2) + 10


def test_waking_from_a_long_sleep_refreshes_at_once(tmp_path, server, clocks, caplog):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    daemon.tick()
    planned = daemon.scheduler.pending[key]
    clocks.sleep(8 * 3600)  # lid closed overnight; the token died meanwhile
    daemon.scheduler.pending[key] = planned + 9 * 3600  # as if APScheduler had not noticed yet
    daemon.tick()
    assert daemon.scheduler.pending[key] == clocks.wall()
    assert "the machine slept for about 8h 00m; checking every token now" in caplog.text
    assert daemon.scheduler.run_due(daemon) == [key]
    daemon.tick()  # kicked once, not again while it is being handled
    assert daemon.scheduler.pending[key] > clocks.wall() + 600


def test_a_wall_clock_set_back_cannot_postpone_a_refresh(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    delay = daemon.scheduler.pending[key] - clocks.wall()
    clocks.set_wall_back(2 * 3600)
    clocks.run(delay - 10)
    daemon.tick()
    assert daemon.scheduler.pending[key] > clocks.wall()  # not yet due by elapsed time
    clocks.run(10 + OVERDUE + 0.5)
    daemon.tick()
    assert daemon.scheduler.pending[key] == clocks.wall()  # due by elapsed time, whatever the wall says


def test_a_wall_clock_set_forward_past_the_expiry_refreshes_at_once(tmp_path, server, clocks, caplog, home):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    before = (home / ".npmrc").read_bytes()
    daemon.tick()
    clocks.jump_wall(3 * 3600)  # NTP corrects a clock that was hours slow: every token looks expired
    daemon.tick()
    assert "the wall clock jumped forward by 3h 00m; checking every token now" in caplog.text
    assert daemon.scheduler.pending[key] == clocks.wall()
    daemon.scheduler.run_due(daemon)
    assert (home / ".npmrc").read_bytes() != before and server.live_tokens() >= 1
    assert 0.7 * 3600 <= daemon.scheduler.pending[key] - clocks.wall() <= 0.8 * 3600  # planned from the new expiry
    daemon.tick()
    assert daemon.scheduler.pending[key] > clocks.wall()  # and not kicked again


def test_a_suspend_of_a_day_during_a_backoff_retries_on_waking(tmp_path, server, clocks, home):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    server.inject("GetAuthorizationToken", times=3)
    for _ in range(3):
        clocks.run(daemon.scheduler.pending[key] - clocks.wall())
        assert daemon.scheduler.run_due(daemon) == [key]
    assert daemon.state.get(daemon.domains[key]).failures == 3
    clocks.sleep(24 * 3600)  # the lid closes a moment before the next retry
    daemon.tick()
    assert daemon.scheduler.pending[key] == clocks.wall()
    daemon.scheduler.run_due(daemon)
    assert daemon.state.get(daemon.domains[key]).failures == 0 and (home / ".npmrc").exists()


def test_nothing_is_kicked_while_apscheduler_is_on_time(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    planned = daemon.scheduler.pending[key]
    clocks.run(planned - clocks.wall() + OVERDUE / 2)
    daemon.tick()
    assert daemon.scheduler.pending[key] == planned


def test_reload_adds_removes_and_refuses_a_bad_config(tmp_path, server, clocks, caplog):
    daemon = make(tmp_path, server, clocks)
    acme = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    path = tmp_path / "config.yaml"
    good = write_config(
        path, server, "      - writer: pip\n        repository: pypi-store\n", domain="beta"
    ).read_text()
    path.write_text(good.replace("targets:", "targtes:"))
    daemon.reload()
    assert "reload refused, still running the previous config" in caplog.text
    assert list(daemon.domains) == [acme]
    where = f'owner: "{server.account}"\n    region: us-east-1\n    endpoint_url: {server.url}\n    targets:\n'
    path.write_text(
        f"domains:\n  - domain: acme\n    {where}      - {{writer: pip, repository: pypi-store}}\n"
        f"  - domain: beta\n    {where}      - {{writer: pip, repository: pypi-store, path: {tmp_path / 'b.conf'}}}\n"
    )
    daemon.reload()  # beta added, not yet refreshed: /healthz does not vouch for it
    assert healthz(daemon.state, clocks.wall())[0] == 503
    assert f"beta ({server.account}): no live token" in healthz(daemon.state, clocks.wall())[1]
    path.write_text(good)
    daemon.reload()
    beta = key_of(daemon, "beta")
    assert list(daemon.domains) == [beta] and acme not in daemon.scheduler.pending
    assert daemon.scheduler.pending[beta] == clocks.wall()
    assert acme not in json.loads((tmp_path / "state.json").read_text())["domains"]
    daemon.scheduler.run_due(daemon)
    assert daemon.state.get(daemon.domains[beta]).last_success is not None


def test_reload_leaves_an_unchanged_domain_alone(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    planned = daemon.scheduler.pending[key]
    path = tmp_path / "config.yaml"
    path.write_text("# a comment moves every line down\n" + path.read_text())
    daemon.reload()
    assert daemon.scheduler.pending[key] == planned


def test_refresh_now_schedules_every_domain(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    daemon.scheduler.run_due(daemon)
    clocks.run(MANUAL_EVERY)
    daemon.request("refresh")
    daemon.request("stop")
    daemon.loop()  # handles the stop first and returns
    assert daemon.scheduler.pending[key_of(daemon)] > clocks.wall()
    daemon.request("refresh")
    daemon.loop_once()
    assert daemon.scheduler.pending[key_of(daemon)] == clocks.wall()


def test_a_flood_of_refresh_requests_makes_one_refresh_per_domain_every_few_seconds(tmp_path, server, clocks):
    """SIGUSR1 in a loop: each domain is refreshed at once, then at most once every MANUAL_EVERY
    seconds, however many signals come; a request within that time is put off, not lost."""
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)  # the first round
    clocks.run(MANUAL_EVERY)
    for _second in range(4 * int(MANUAL_EVERY)):
        for _ in range(50):  # fifty signals a second, each handled by the loop on its own
            daemon.request("refresh")
            daemon.loop_once()
            daemon.scheduler.run_due(daemon)
        clocks.run(1)
    manual = server.calls["GetAuthorizationToken"] - 1
    assert 4 <= manual <= 5, f"{manual} refreshes for {200 * MANUAL_EVERY:g} signals in {4 * MANUAL_EVERY:g} s"
    daemon.request("refresh")
    daemon.loop_once()
    planned = daemon.scheduler.pending[key] - clocks.wall()
    assert 0 <= planned <= MANUAL_EVERY  # the last request is kept, for a few seconds on


def test_signals_only_wake_the_loop_and_a_flood_of_them_is_one_request(tmp_path, server, clocks):
    """The handlers take no lock (they may interrupt anything, themselves included): a signal adds
    its word to the requests, and the interpreter wakes the loop through the self-pipe."""
    daemon = make(tmp_path, server, clocks)
    saved = {s: signal.getsignal(s) for s in (signal.SIGHUP, signal.SIGUSR1, signal.SIGTERM, signal.SIGINT)}
    saved_fd = signal.set_wakeup_fd(-1)
    try:
        daemon.install_signals()
        assert not daemon.wake.is_set()
        for _ in range(2000):
            os.kill(os.getpid(), signal.SIGUSR1)
            os.kill(os.getpid(), signal.SIGHUP)
        assert daemon.wake.wait(5) and daemon.requests == {"refresh", "reload"}
    finally:
        signal.set_wakeup_fd(saved_fd)
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    daemon.loop_once()
    assert not daemon.wake.is_set() and not daemon.requests


class ClockedWake(threading.Event):
    """The loop's event on the test's clocks: ``on_wait(timeout)`` lets time pass instead of waiting."""

    def __init__(self, on_wait) -> None:
        super().__init__()
        self.on_wait = on_wait

    def wait(self, timeout=None) -> bool:
        self.on_wait(timeout)
        return self.is_set()


def test_a_sleep_during_the_wait_is_noticed_within_a_minute_of_waking(tmp_path, server, clocks, caplog):
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)
    daemon.loop_once()
    daemon.scheduler.pending[key] += 9 * 3600  # APScheduler will not notice the sleep by itself
    timeouts: list[float] = []
    woke_at: list[float] = []

    def on_wait(timeout):
        timeouts.append(timeout)
        if daemon.scheduler.pending[key] == clocks.wall():  # the loop's last look kicked the refresh
            daemon.request("stop")
            return
        if not woke_at:  # the lid closes as the loop starts to wait; then the wait runs its course
            clocks.sleep(8 * 3600)
            woke_at.append(clocks.wall())
        clocks.run(timeout)

    daemon.wake = ClockedWake(on_wait)
    daemon.loop()
    assert "the machine slept for about 8h 00m; checking every token now" in caplog.text
    assert clocks.wall() - woke_at[0] <= 60, "the sleep was noticed more than a minute after waking"
    assert all(0 < t <= 60 for t in timeouts), timeouts


PIP_AND_TWINE = ALL_TARGETS.replace("      - writer: npm\n        repository: npm-store\n", "")
UNWRITABLE_NPMRC = ALL_TARGETS.replace("npm-store\n", "npm-store\n        path: /dev/null/npmrc\n")


@pytest.mark.parametrize(
    ("targets", "fault", "within", "outcomes"),
    [
        # cannot be mended soon: the long backoff, still not the token's time
        (UNWRITABLE_NPMRC, None, RETRY_CAP, ["failed", "written", "written"]),
        # the first, short backoff; pip and twine share the one endpoint lookup, which failed (one
        # lookup only: with npm's beside it, which of the two meets the fault would be a race)
        (
            PIP_AND_TWINE,
            ("GetRepositoryEndpoint", "InternalServerException", 500),
            RETRY_FIRST,
            ["failed", "failed"],
        ),
    ],
    ids=["unwritable file", "endpoint error"],
)
def test_a_failing_target_with_a_new_token_is_retried_after_the_backoff(
    tmp_path, server, clocks, targets, fault, within, outcomes
):
    daemon = make(tmp_path, server, clocks, targets=targets)
    key = key_of(daemon)
    if fault:
        server.inject(*fault)
    daemon.scheduler.run_due(daemon)
    entry = daemon.state.get(daemon.domains[key])
    assert entry.failures == 1 and entry.expires_at > clocks.wall() + 3000  # the token was had; a target failed
    assert sorted(t["outcome"] for t in entry.targets.values()) == outcomes
    assert daemon.scheduler.pending[key] - clocks.wall() <= within  # the backoff, not 75% of the token's hour


def test_stop_waits_for_the_write_in_flight_and_then_refuses_writes(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    with daemon.gate.hold():
        stopper = threading.Thread(target=daemon.stop)
        stopper.start()
        stopper.join(0.2)
        assert stopper.is_alive(), "stop returned while a write was in flight"
    stopper.join(5)
    assert not stopper.is_alive()
    daemon.stopping = False  # the job would not even start when stopping; check the gate itself
    daemon.scheduler.run_due(daemon)
    entry = daemon.state.get(daemon.domains[key_of(daemon)])
    assert {t["outcome"] for t in entry.targets.values()} == {"skipped"}


def test_a_domain_changed_by_a_reload_while_it_refreshes_runs_again_with_the_new_settings(
    tmp_path, server, clocks, monkeypatch
):
    import codeartifact_refresher.service.daemon as daemon_module

    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    path = tmp_path / "config.yaml"
    real = refresh_module.refresh_domain

    def reload_midway(domain, *args, **kwargs):
        report = real(domain, *args, **kwargs)
        path.write_text(path.read_text().replace("    targets:", "    refresh_at: 0.5\n    targets:"))
        daemon.reload()  # SIGHUP arrives while this domain is being refreshed
        assert key not in daemon.scheduler.pending  # not now: APScheduler would overlap the runs
        return report

    monkeypatch.setattr(daemon_module, "refresh_domain", reload_midway)
    daemon.scheduler.run_due(daemon)
    assert daemon.scheduler.pending[key] == clocks.wall()  # the old run asked for a new one at once
    monkeypatch.setattr(daemon_module, "refresh_domain", real)
    daemon.scheduler.run_due(daemon)
    planned = daemon.scheduler.pending[key] - clocks.wall()
    assert 0.45 * 3600 <= planned <= 0.55 * 3600  # the new refresh_at is in force


def test_a_second_run_of_a_domain_never_overlaps_the_first(tmp_path, server, clocks, monkeypatch):
    import codeartifact_refresher.service.daemon as daemon_module

    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    real, calls = refresh_module.refresh_domain, []

    def nested(domain, *args, **kwargs):
        calls.append(domain.key)
        daemon.refresh_job(key)  # APScheduler starting the same job again meanwhile
        return real(domain, *args, **kwargs)

    monkeypatch.setattr(daemon_module, "refresh_domain", nested)
    daemon.scheduler.run_due(daemon)
    assert calls == [key] and server.calls["GetAuthorizationToken"] == 1


def test_after_a_restart_the_backoff_starts_again_from_seconds(tmp_path, server, clocks):
    server.token_lifetime = 12 * 3600  # a live token all through: the backoff is not urgent
    first = make(tmp_path, server, clocks)
    key = key_of(first)
    first.scheduler.run_due(first)
    clocks.run(first.scheduler.pending[key] - clocks.wall())
    server.inject("GetAuthorizationToken", times=8)
    for _ in range(8):
        first.scheduler.run_due(first)
        wait = first.scheduler.pending[key] - clocks.wall()
        clocks.run(wait)
    assert wait >= 64  # the eighth failure waits a minute or two
    first.stop()
    server.inject("GetAuthorizationToken")  # still failing when the new process starts
    second = make(tmp_path, server, clocks)
    second.scheduler.run_due(second)
    assert second.scheduler.pending[key] - clocks.wall() <= 1  # not the 2-minute wait it had reached
    assert second.state.get(second.domains[key]).failures == 9  # status still counts them all


def test_a_restarted_daemon_asks_only_for_tokens_and_a_changed_domain_looks_its_endpoints_up(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    daemon.scheduler.run_due(daemon)
    daemon.stop()
    assert server.calls == {"GetAuthorizationToken": 1, "GetRepositoryEndpoint": 2}
    restarted = make(tmp_path, server, clocks)  # the same state file: its endpoints are remembered
    clocks.run(max(restarted.scheduler.pending.values()) - clocks.wall())  # its token is live: spread (pacing)
    restarted.scheduler.run_due(restarted)
    assert server.calls == {"GetAuthorizationToken": 2, "GetRepositoryEndpoint": 2}
    write_config(tmp_path / "config.yaml", server, ALL_TARGETS, extra="    duration: 3600\n")
    restarted.reload()
    restarted.scheduler.run_due(restarted)
    assert server.calls == {"GetAuthorizationToken": 3, "GetRepositoryEndpoint": 4}


def test_a_domain_added_while_the_daemon_was_down_is_not_vouched_for_before_its_refresh(tmp_path, server, clocks):
    daemon = make(tmp_path, server, clocks)
    daemon.scheduler.run_due(daemon)
    daemon.stop()
    where = f'owner: "{server.account}"\n    region: us-east-1\n    endpoint_url: {server.url}\n    targets:\n'
    (tmp_path / "config.yaml").write_text(
        f"domains:\n  - domain: acme\n    {where}      - {{writer: pip, repository: pypi-store}}\n"
        f"  - domain: beta\n    {where}      - {{writer: pip, repository: pypi-store, path: {tmp_path / 'b.conf'}}}\n"
    )
    restarted = build(tmp_path / "config.yaml", tmp_path / "state.json", clocks, Clients(clock=clocks.utcnow), seed=7)
    assert healthz(restarted.state, clocks.wall())[0] == 503  # acme's token is live; beta has none yet


def test_metrics_counters_start_at_zero_with_each_process(tmp_path, server, clocks):
    """Prometheus counters belong to the process: a restarted daemon counts from zero (the state
    file keeps no totals), and a one-shot refresh's news merged in does not add to them."""
    first = make(tmp_path, server, clocks)
    key = key_of(first)
    for _ in range(2):
        first.scheduler.run_due(first)
        clocks.run(first.scheduler.pending[key] - clocks.wall())
    first.tick()
    assert 'refresh_success_total{domain="acme"' in metrics(first.state, clocks.wall())
    assert first.state.get(first.domains[key]).successes_total == 2
    first.stop()
    assert "successes_total" not in (tmp_path / "state.json").read_text()
    second = make(tmp_path, server, clocks)
    counters = [line for line in metrics(second.state, clocks.wall()).splitlines() if "_total{" in line]
    assert counters and all(line.endswith(" 0") for line in counters), counters


def test_started_during_an_outage_the_daemon_keeps_trying_every_few_seconds(tmp_path, server, clocks, home):
    """No token has been had yet (nothing is configured): however many passing failures in a row,
    the next try is tens of seconds away at most, so the files appear soon after AWS answers."""
    daemon = make(tmp_path, server, clocks)
    key = key_of(daemon)
    server.inject("GetAuthorizationToken", times=12)
    waits = []
    for _ in range(12):
        clocks.run(daemon.scheduler.pending[key] - clocks.wall())
        assert daemon.scheduler.run_due(daemon) == [key]
        waits.append(daemon.scheduler.pending[key] - clocks.wall())
    assert max(waits) <= URGENT_CAP and waits[-1] >= URGENT_CAP / 2, waits
    clocks.run(waits[-1])
    daemon.scheduler.run_due(daemon)
    assert (home / ".npmrc").exists()


def test_a_domain_removed_by_a_reload_leaves_nothing_behind(tmp_path, server, clocks):
    """The daemon's per-domain knowledge is one record per domain: a reload that removes a domain
    removes all of it (when it was kept in parallel collections, `started` and `kicked` kept it)."""
    where = f'owner: "{server.account}"\n    region: us-east-1\n    endpoint_url: {server.url}\n    targets:\n'
    acme_entry = (
        f"  - domain: acme\n    on_change: [/bin/false]\n    {where}      - {{writer: pip, repository: pypi-store}}\n"
    )
    beta_entry = (
        f"  - domain: beta\n    {where}      - {{writer: pip, repository: pypi-store, path: {tmp_path / 'b.conf'}}}\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text("domains:\n" + acme_entry + beta_entry)
    daemon = build(path, tmp_path / "state.json", clocks, Clients(clock=clocks.utcnow, attempts=1), seed=7)
    daemon.start()
    acme, beta = key_of(daemon), key_of(daemon, "beta")
    daemon.scheduler.run_due(daemon)  # acme's hook fails: it is owed
    clocks.run(3600 + OVERDUE)  # both overdue: the loop kicks them
    daemon.tick()

    def holding(key: str) -> list[str]:
        found = [name for name, value in vars(daemon).items() if isinstance(value, (dict, set)) and key in value]
        found += [name for name, value in vars(daemon).items() if isinstance(value, Pending) and value.owed(domain)]
        return found

    domain = daemon.domains[acme]
    assert holding(acme) and holding(beta)  # what the checks below look for is there to find
    path.write_text("domains:\n" + beta_entry)
    daemon.reload()
    assert holding(acme) == [] and acme not in daemon.domains
    assert holding(beta)  # the domain kept keeps its record


def test_a_domain_removed_while_it_refreshes_is_waited_for_and_not_run_twice(tmp_path, server, clocks, monkeypatch):
    daemon = make(tmp_path, server, clocks)
    acme, path = key_of(daemon), tmp_path / "config.yaml"
    kept = path.read_text()
    calls: list[str] = []

    def refreshing(domain, *args, **kwargs):  # while acme's refresh runs: removed, then put back
        calls.append(domain.key)
        path.write_text(kept.replace("domain: acme", "domain: beta"))
        daemon.reload()
        assert acme not in daemon.domains and daemon._running() == {acme}  # stop() would wait for it
        path.write_text(kept)
        daemon.reload()
        daemon.refresh_job(acme)  # back in the config, but still running: not run a second time
        return DomainReport(domain)

    monkeypatch.setattr(daemon_module, "refresh_domain", refreshing)
    daemon.scheduler.pending.clear()
    daemon.refresh_job(acme)
    assert calls == [acme] and daemon.leaving == {} and daemon._running() == set()


def test_a_stuck_refresh_of_a_domain_a_reload_removed_does_not_fail_liveness_alone(
    tmp_path, server, clocks, monkeypatch
):
    """A domain removed while its refresh hangs holds one worker: the domain the reload put in its
    place still refreshes on the others, so the loop keeps vouching (one stuck domain beside free
    workers is not a wedged process)."""
    from codeartifact_refresher.service.watchdog import AWS_BOUND

    daemon = make(tmp_path, server, clocks)
    acme, path = key_of(daemon), tmp_path / "config.yaml"
    seen: list[bool] = []

    def hanging(domain, *args, **kwargs):
        path.write_text(path.read_text().replace("domain: acme", "domain: beta"))
        daemon.reload()  # acme leaves the config while its refresh hangs
        clocks.run(2 * AWS_BOUND + 3600)
        seen.append(daemon.alive())
        return DomainReport(domain)

    monkeypatch.setattr(daemon_module, "refresh_domain", hanging)
    daemon.scheduler.pending.clear()
    daemon.refresh_job(acme)
    assert seen == [True]
