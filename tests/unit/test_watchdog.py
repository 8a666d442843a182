"""A refresh that runs far past its bound is reported by ``status``, ``/readyz`` and ``/livez``:
driven with the injected clock, the refresh "hanging" while the test looks at every view."""

from __future__ import annotations

import json

from codeartifact_refresher import config as configuration
from codeartifact_refresher.refresh import refresh_domain
from codeartifact_refresher.service import status, watchdog
from codeartifact_refresher.service.assessment import LIVE_WITHIN
from codeartifact_refresher.service.health import HealthServer
from codeartifact_refresher.service.watchdog import AWS_BOUND, Watchdog, bound
from codeartifact_refresher.state import State

from ..conftest import ALL_TARGETS, write_config
from .test_daemon import key_of, make


def views(health: HealthServer) -> dict[str, tuple[int, str]]:
    """What a probe gets from each route: (HTTP status, body)."""
    return {path: health.respond("GET", path)[::2] for path in ("/livez", "/readyz", "/healthz")}


def from_the_file(daemon) -> dict:
    """``status`` (in JSON) from the state file as the daemon last wrote it."""
    return status.report(daemon.config, State.load(daemon.state.path), daemon.clock.wall())


def test_a_stuck_refresh_is_reported_by_status_readyz_and_livez_then_cleared(
    tmp_path, standin, clock, monkeypatch, caplog
):
    import codeartifact_refresher.service.daemon as daemon_module

    daemon = make(tmp_path, standin, clock)
    key = key_of(daemon)
    limit = bound(daemon.domains[key])
    real, seen = refresh_domain, dict[str, tuple[object, ...]]()
    health = HealthServer(daemon.state, "127.0.0.1", 0, clock=clock.wall, loop_age=daemon.loop_age).start()

    def hangs(domain, *args, **kwargs):  # the refresh blocks (on a FIFO, a hung mount...) while time passes
        clock.run(limit - 60)
        daemon.tick()
        seen["slow"] = (views(health), from_the_file(daemon))
        clock.run(120)  # past the bound
        pings = daemon.notifier.messages.count("WATCHDOG=1")
        daemon.tick()  # every domain stuck: the loop no longer vouches
        clock.run(LIVE_WITHIN + 1)
        daemon.tick()
        seen["stuck"] = (views(health), from_the_file(daemon), daemon.notifier.messages.count("WATCHDOG=1") - pings)
        return real(domain, *args, **kwargs)

    try:
        daemon.scheduler.run_due(daemon)  # a first refresh, as usual: a live token
        monkeypatch.setattr(daemon_module, "refresh_domain", hangs)
        daemon.scheduler.at(key, clock.wall())
        assert daemon.scheduler.run_due(daemon) == [key]
        _check_views(daemon, health, limit, seen, standin.account)
        told = [r.getMessage() for r in caplog.records if "stuck?" in r.getMessage()]
        assert len(told) == 1 and told[0].startswith(f"acme ({standin.account}): refresh running for "), told
    finally:
        health.stop()


def _check_views(daemon, health, limit, seen, account):
    """What the views said while the refresh was slow, then stuck (``seen``), and after it."""
    clock = daemon.clock

    slow, slow_status = seen["slow"]
    assert slow["/readyz"][0] == 200 and slow["/livez"][0] == 200  # slow is not stuck
    [entry] = slow_status["domains"]
    assert entry["refreshing_for"] == round(limit - 60) and entry["stuck"] is False

    stuck, stuck_status, new_pings = seen["stuck"]
    line = f"acme ({account}): refresh running for"
    assert (
        stuck["/readyz"][0] == 503 and f"{line} " in stuck["/readyz"][1] and stuck["/readyz"][1].endswith(", stuck?\n")
    )
    assert stuck["/livez"][0] == 503 and stuck["/livez"][1].startswith("not alive: the loop ran ")
    assert stuck["/livez"][1].endswith(", stuck?\n")
    assert stuck["/healthz"][0] == 200  # the token still lives: builds are served
    [entry] = stuck_status["domains"]
    assert entry["stuck"] is True and entry["refreshing_for"] > limit and not stuck_status["healthy"]
    table = status.table(stuck_status, clock.wall())
    assert f"{line} " in table and ", stuck?\n" in table and "UNHEALTHY" in table
    assert new_pings == 0  # systemd's watchdog is not pinged either: it restarts us

    # the refresh ended: nothing is stuck, and the loop vouches again
    daemon.tick()
    clock.run(2)
    daemon.tick()
    after = views(health)
    assert after["/livez"][0] == 200 and after["/readyz"][0] == 200
    assert "refresh running" not in after["/readyz"][1] + after["/livez"][1]
    assert json.loads(daemon.state.path.read_text())["daemon"][watchdog.KEY] == {}
    assert from_the_file(daemon)["domains"][0]["refreshing_for"] is None


def test_status_ignores_the_refreshes_of_a_daemon_that_is_gone(tmp_path, standin, clock):
    path = write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)
    config = configuration.load(path)
    state = State(tmp_path / "state.json")
    state.get(config.domains[0])
    state.daemon = {"pid": 2**22 + 1}  # above pid_max: no such process
    Watchdog(state, clock).began(config.domains[0].key, config.domains[0])
    clock.run(AWS_BOUND * 10)
    [entry] = status.report(config, state, clock.wall())["domains"]
    assert entry["refreshing_for"] is None and entry["stuck"] is False


def test_the_process_is_wedged_only_when_stuck_refreshes_hold_every_worker_or_every_domain(tmp_path, standin, clock):
    path = write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)
    [domain] = configuration.load(path).domains
    state = State(tmp_path / "state.json")
    dog = Watchdog(state, clock)
    for key in ("a", "b"):
        dog.began(key, domain)
    clock.run(bound(domain) + 1)
    assert set(dog.stuck()) == {"a", "b"}
    assert not dog.wedged(workers=8, domains=5)  # free workers still refresh the other domains
    assert dog.wedged(workers=2, domains=5)  # no worker left
    assert dog.wedged(workers=8, domains=2)  # no domain left that could be refreshed
    dog.ended("a")
    assert list(dog.stuck()) == ["b"] and not dog.wedged(workers=2, domains=5)


def test_the_bound_counts_each_hook_timeout_and_each_target(tmp_path, standin):
    hooked = ALL_TARGETS.replace("repository: npm-store\n", "repository: npm-store\n        on_change: [/bin/true]\n")
    extra = "    on_change: [/bin/false]\n    hook_timeout: 300\n"
    [domain] = configuration.load(write_config(tmp_path / "c.yaml", standin, hooked, extra=extra)).domains
    [plain] = configuration.load(write_config(tmp_path / "p.yaml", standin, ALL_TARGETS)).domains
    assert bound(domain) == bound(plain) + 2 * 300
    assert bound(plain) > AWS_BOUND  # three targets, each with its lock wait


def test_a_one_shot_refresh_does_not_write_back_a_refresh_the_daemon_has_ended(tmp_path, standin, clock):
    """A ``refresh`` (from cron) beside the daemon read the state file while a daemon refresh ran,
    and saves after the daemon saved that refresh's end: the file must not say it still runs (which
    ``status`` would call stuck ten minutes on, until the daemon's next write, hours later)."""
    import os

    from codeartifact_refresher.writers.registry import Registry

    cfg = configuration.load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS), Registry())
    [domain] = cfg.domains
    path = tmp_path / "state.json"
    daemon = State(path)
    daemon.daemon = {"pid": os.getpid() + 1}  # the daemon is another process
    daemon.get(domain)
    dog = Watchdog(daemon, clock)
    dog.began(domain.key, domain)
    daemon.save(clock.wall())
    one_shot = State.load(path)  # reads the file while the daemon's refresh runs
    dog.ended(domain.key)
    daemon.save(clock.wall())
    one_shot.save(clock.wall())  # ends later
    clock.run(2 * AWS_BOUND)
    assert watchdog.KEY not in json.loads(path.read_text())["daemon"]
    assert watchdog.running(State.load(path), clock.wall()) == {}
