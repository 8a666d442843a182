"""The daemon with leader election (a fake elector): a follower skips leader-only targets (a
Secret) and fetches no token for a domain of only those, refreshes them at once on becoming the
leader, never starts a write after leadership ended, and says whom it follows in status, /readyz
and /metrics; a clean stop releases."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from codeartifact_refresher import config as configuration
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.outcomes import SKIPPED, WRITTEN
from codeartifact_refresher.outputs.secret import SecretOutput
from codeartifact_refresher.refresh import NOT_LEADER
from codeartifact_refresher.service import leadership, status
from codeartifact_refresher.service.daemon import FOLLOWING, Daemon
from codeartifact_refresher.service.health import HealthServer, metrics
from codeartifact_refresher.state import State
from codeartifact_refresher.testing.standin import StandIn
from codeartifact_refresher.writers.registry import Registry

from ..kube_fake import FakeSecrets
from .test_daemon import FakeNotifier, FakeScheduler

SECRETS_ONLY = """\
      - {writer: token, repository: pypi-store, secret: codeartifact-token}
      - {writer: npm, repository: npm-store, secret: npm-credentials}
"""
MIXED = """\
      - {writer: pip, repository: pypi-store}
      - {writer: token, repository: pypi-store, secret: codeartifact-token}
"""


class FakeLeader:
    """An election decided by the test: ``leading`` may be a function, to end leadership mid-refresh."""

    identity = "refresher-b_1f2e"

    def __init__(self) -> None:
        self.is_leading: bool | Callable[[], bool] = False
        self.leader: str | None = "refresher-a_9c0d"
        self.term: int | None = 3
        self.listener: Callable[[], None] | None = None
        self.stopped = False

    def leading(self) -> bool:
        return self.is_leading() if callable(self.is_leading) else self.is_leading

    def start(self, listener: Callable[[], None]) -> None:
        self.listener = listener

    def stop(self) -> None:
        self.stopped = True

    def become(self, leading: bool, leader: str | None, term: int) -> None:
        self.is_leading, self.leader, self.term = leading, leader, term
        assert self.listener is not None
        self.listener()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeSecrets:
    fake = FakeSecrets()
    monkeypatch.setattr(SecretOutput, "_store", lambda self: fake)
    return fake


def write(path: Path, standin: StandIn, targets: str, top: str = "kubernetes:\n  namespace: ci\n") -> Path:
    path.write_text(
        f"{top}domains:\n  - domain: acme\n    owner: '{standin.account}'\n    region: us-east-1\n"
        f"    endpoint_url: {standin.url}\n    targets:\n{targets}"
    )
    return path


def make(tmp_path: Path, standin: StandIn, clock: object, targets: str) -> tuple[Daemon, FakeLeader]:
    path = write(tmp_path / "config.yaml", standin, targets)
    registry = Registry()
    config = configuration.load(path, registry)
    fake = FakeLeader()
    daemon = Daemon(
        config,
        State.load(tmp_path / "state.json"),
        registry,
        Clients(clock=clock.utcnow, attempts=1),  # type: ignore[attr-defined]
        loader=lambda: configuration.load(path, registry),
        clock=clock,  # type: ignore[arg-type]
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
        leadership=fake,
    )
    daemon.start()
    return daemon, fake


def run_due(daemon: Daemon) -> list[str]:
    scheduler = daemon.scheduler
    assert isinstance(scheduler, FakeScheduler)
    return scheduler.run_due(daemon)


def outcomes(daemon: Daemon) -> dict[str, tuple[str | None, str | None]]:
    """Each target's last outcome and error, by writer."""
    entry = next(iter(daemon.state.domains.values()))
    return {v["writer"] or "": (v.get("outcome"), v.get("error")) for v in entry.targets.values()}


def test_a_follower_skips_a_domain_of_secrets_and_fetches_no_token(tmp_path, standin, clock, home, store):
    daemon, _ = make(tmp_path, standin, clock, SECRETS_ONLY)
    run_due(daemon)
    assert standin.calls["GetAuthorizationToken"] == 0
    assert store.applies == []
    why = f"{NOT_LEADER} (leader: refresher-a_9c0d)"
    assert set(outcomes(daemon).values()) == {(SKIPPED, why)}
    entry = next(iter(daemon.state.domains.values()))
    assert entry.next_refresh == pytest.approx(clock.wall() + FOLLOWING)
    assert daemon.assessment().healthy  # it follows that domain: nothing of its own is missing


def test_a_follower_still_writes_its_files_and_skips_the_secret(tmp_path, standin, clock, home, store):
    daemon, _ = make(tmp_path, standin, clock, MIXED)
    run_due(daemon)
    assert standin.calls["GetAuthorizationToken"] == 1
    assert store.applies == []
    assert (home / ".config/pip/pip.conf").exists()
    found = outcomes(daemon)
    assert found["pip"] == (WRITTEN, None)
    assert found["token"] == (SKIPPED, f"{NOT_LEADER} (leader: refresher-a_9c0d)")


def test_becoming_the_leader_refreshes_the_secrets_at_once(tmp_path, standin, clock, home, store):
    daemon, fake = make(tmp_path, standin, clock, SECRETS_ONLY)
    run_due(daemon)
    clock.advance(5)
    fake.become(True, fake.identity, 4)
    daemon.loop_once()  # the elector's thread asked; the loop schedules
    assert run_due(daemon)  # now, not in FOLLOWING seconds
    assert standin.calls["GetAuthorizationToken"] == 1
    assert {name for _, name, _, _ in store.applies} == {"codeartifact-token", "npm-credentials"}
    assert {o for o, _ in outcomes(daemon).values()} == {WRITTEN}
    assert daemon.state.daemon["leadership"] == {
        "identity": fake.identity,
        "leader": fake.identity,
        "term": 4,
        "leading": True,
    }


def test_no_write_starts_once_leadership_has_ended(tmp_path, standin, clock, home, store, monkeypatch):
    """The renew deadline passes while the refresh runs (between reading the Secret and applying):
    the write is refused as it starts, and the target says why."""
    daemon, fake = make(tmp_path, standin, clock, SECRETS_ONLY)
    fake.is_leading = True
    read = store.read

    def read_then_lose(namespace: str, name: str):
        fake.is_leading = False
        return read(namespace, name)

    monkeypatch.setattr(store, "read", read_then_lose)
    run_due(daemon)
    assert standin.calls["GetAuthorizationToken"] == 1  # it led when the refresh began
    assert store.applies == []
    assert {o for o, _ in outcomes(daemon).values()} == {SKIPPED}
    assert all(e.startswith(NOT_LEADER) for _, e in outcomes(daemon).values() if e)


def test_without_the_guard_the_write_would_have_happened(tmp_path, standin, clock, home, store):
    """The control for the test above: leading throughout, the same refresh applies both Secrets."""
    daemon, fake = make(tmp_path, standin, clock, SECRETS_ONLY)
    fake.is_leading = True
    run_due(daemon)
    assert len(store.applies) == 2


def test_readyz_healthz_and_metrics_of_a_follower(tmp_path, standin, clock, home, store):
    daemon, _ = make(tmp_path, standin, clock, SECRETS_ONLY)
    run_due(daemon)
    server = HealthServer(daemon.state, "127.0.0.1", 0, clock=clock.wall, loop_age=lambda: 1.0).start()
    try:
        code, _, body = server.respond("GET", "/readyz")
        assert code == 200
        assert "following refresher-a_9c0d (term 3) as refresher-b_1f2e, ready to take over" in body
        assert server.respond("GET", "/healthz")[0] == 200
        text = metrics(daemon.state, clock.wall())
        assert "codeartifact_refresher_leader 0" in text
        assert "codeartifact_refresher_leader_term 3" in text
        assert 'codeartifact_refresher_leader_info{leader="refresher-a_9c0d",identity="refresher-b_1f2e"} 1' in text
        del daemon.state.daemon["leadership"]  # the same state without the election: no token, not ready
        assert server.respond("GET", "/readyz")[0] == 503
    finally:
        server.stop()


def test_status_shows_the_leader_our_identity_and_the_term(tmp_path, standin, clock, home, store):
    daemon, fake = make(tmp_path, standin, clock, MIXED)
    run_due(daemon)
    daemon.saver.save()
    config = configuration.load(tmp_path / "config.yaml", Registry())
    data = status.report(config, State.load(tmp_path / "state.json"), clock.wall())
    assert data["daemon"]["leadership"] == {
        "identity": fake.identity,
        "leader": "refresher-a_9c0d",
        "term": 3,
        "leading": False,
    }
    json.dumps(data)
    table = status.table(data, clock.wall())
    assert "leader election: following refresher-a_9c0d (term 3) as refresher-b_1f2e, ready to take over" in table
    assert "skipped: not the leader (leader: refresher-a_9c0d)" in table


def test_a_clean_stop_stops_the_election_after_the_writes(tmp_path, standin, clock, home, store):
    daemon, fake = make(tmp_path, standin, clock, SECRETS_ONLY)
    fake.is_leading = True
    run_due(daemon)
    assert daemon.stop()
    assert fake.stopped


@pytest.mark.parametrize(
    ("top", "targets", "lease"),
    [
        ("kubernetes:\n  namespace: ci\n", SECRETS_ONLY, "codeartifact-refresher"),
        ("kubernetes:\n  namespace: ci\n  lease: elect-here\n", MIXED, "elect-here"),
        ("kubernetes:\n  namespace: ci\n  lease: false\n", SECRETS_ONLY, None),
        ("kubernetes:\n  namespace: ci\n", "      - {writer: pip, repository: pypi-store}\n", None),
    ],
    ids=["default-lease", "named-lease", "lease-off", "no-secret-target"],
)
def test_an_election_only_for_a_leader_only_target_with_a_lease(tmp_path, standin, home, top, targets, lease):
    config = configuration.load(write(tmp_path / "c.yaml", standin, targets, top), Registry())
    assert leadership.wanted(config) == lease


def test_status_and_the_health_views_load_neither_refresh_nor_kubernetes():
    """What they read of the election comes from the state file: ``status`` starts as fast as before."""
    code = (
        "import sys; import codeartifact_refresher.service.status, codeartifact_refresher.service.health; "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(done.stdout.split())
    assert "codeartifact_refresher.service.leadership" in loaded  # the check can see what it looks for
    heavy = {"kubernetes", "codeartifact_refresher.refresh", "botocore", "apscheduler"}
    heavy |= {f"codeartifact_refresher.kube.{m}" for m in ("election", "lease", "lease_api", "connection")}
    assert loaded & heavy == set()


def test_a_reload_that_adds_the_first_secret_target_starts_the_election(
    tmp_path, standin, clock, home, store, monkeypatch
):
    path = write(tmp_path / "config.yaml", standin, "      - {writer: pip, repository: pypi-store}\n")
    registry = Registry()
    fake = FakeLeader()
    monkeypatch.setattr(leadership, "for_config", lambda config: fake if leadership.wanted(config) else None)
    daemon = Daemon(
        configuration.load(path, registry),
        State.load(tmp_path / "state.json"),
        registry,
        Clients(clock=clock.utcnow, attempts=1),
        loader=lambda: configuration.load(path, registry),
        clock=clock,
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
    )
    daemon.start()
    assert daemon.leadership is None and fake.listener is None
    write(tmp_path / "config.yaml", standin, MIXED)
    daemon.reload()
    assert daemon.leadership is fake and fake.listener is not None
    run_due(daemon)
    assert store.applies == []  # a follower: the new Secret is the leader's to write
