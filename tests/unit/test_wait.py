"""``wait``: ready once every target holds a live token, by the state file; the clocks and the
pause are the test's, so nothing sleeps."""

from __future__ import annotations

import pytest

from codeartifact_refresher import cli, config, refresh
from codeartifact_refresher.commands import wait
from codeartifact_refresher.errors import Error
from codeartifact_refresher.service import waiting
from codeartifact_refresher.state import DomainState, State

from ..clocks import Clocks

NOW = 1_900_000_000.0


@pytest.fixture
def setup(tmp_path):
    """A config of two targets with its state file in the test's directory."""
    path = tmp_path / "config.yaml"
    path.write_text(
        f"state_file: {tmp_path / 'state.json'}\n"
        "domains:\n"
        "  - domain: acme\n"
        '    owner: "111122223333"\n'
        "    region: us-east-1\n"
        "    targets:\n"
        f"      - {{writer: pip, repository: pypi-store, path: {tmp_path / 'pip.conf'}}}\n"
        f"      - {{writer: npm, repository: npm-store, path: {tmp_path / 'npmrc'}}}\n"
    )
    return path, config.load(path)


def record(cfg, expires_at: float | None, outcomes: dict[str, str], error: str | None = None) -> None:
    """The state file as a daemon leaves it: the domain's expiry, each target's last outcome."""
    domain = cfg.domains[0]
    state = State(cfg.state_file)
    state.domains[domain.key] = DomainState(
        domain.label,
        domain.domain,
        domain.owner,
        expires_at=expires_at,
        targets={
            str(t.path): {"writer": t.writer, "outcome": outcomes[t.writer], "error": error} for t in domain.targets
        },
    )
    state.save(NOW)


class Waiter:
    """``wait.run`` with the test's clocks; ``sleep`` moves them, and may change the world."""

    def __init__(self, on_sleep=None) -> None:
        self.clocks = Clocks(NOW)
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clocks.run(seconds)
        if self.on_sleep:
            self.on_sleep(len(self.slept))

    def __call__(self, config_path, *argv: str) -> int:
        args = cli.build_parser().parse_args(["wait", "--config", str(config_path), *argv])
        return wait.run(args, self.clocks.wall, sleep=self.sleep, monotonic=self.clocks.monotonic)


def test_ready_at_once_when_every_target_was_written_or_unchanged(setup, capsys):
    path, cfg = setup
    record(cfg, NOW + 3600, {"pip": "written", "npm": "unchanged"})
    waiter = Waiter()
    assert waiter(path) == 0
    assert waiter.slept == []
    assert capsys.readouterr().out == "ready: every target holds a live token; the first expires in 1h 00m\n"


def test_waits_until_the_daemon_has_written_every_target(setup):
    path, cfg = setup
    record(cfg, None, {"pip": "failed", "npm": "failed"}, error="AWS said no")

    def daemon_catches_up(sleeps: int) -> None:
        if sleeps == 2:
            record(cfg, NOW + 3600, {"pip": "written", "npm": "failed"}, error="cannot parse")
        if sleeps == 5:
            record(cfg, NOW + 3600, {"pip": "written", "npm": "written"})

    waiter = Waiter(daemon_catches_up)
    assert waiter(path, "--timeout", "10") == 0
    assert waiter.slept == [wait.POLL] * 5, "it looked after every pause, and stopped at the first good look"


def test_gives_up_at_the_timeout_with_the_first_reason_and_how_many_more(setup):
    path, cfg = setup
    record(cfg, NOW + 3600, {"pip": "failed", "npm": "failed"}, error="cannot parse /x/pip.conf")
    waiter = Waiter()
    with pytest.raises(Error) as raised:
        waiter(path, "--timeout", "2.2")
    assert sum(waiter.slept) == pytest.approx(2.2) and max(waiter.slept) <= wait.POLL, "never past the deadline"
    assert str(raised.value) == (
        f"not ready after 2.2 s: acme (111122223333): pip target {cfg.domains[0].targets[0].path}: "
        "failed (cannot parse /x/pip.conf) (and 1 more)"
    )


def test_timeout_zero_looks_once(setup):
    path, cfg = setup
    record(cfg, NOW - 90, {"pip": "written", "npm": "written"})
    waiter = Waiter()
    with pytest.raises(Error, match=r"^not ready after 0 s: acme \(111122223333\): its token expired 1m 30s ago$"):
        waiter(path, "--timeout", "0")
    assert waiter.slept == []


def test_without_a_state_file_it_says_the_daemon_may_not_run(setup):
    path, cfg = setup
    with pytest.raises(
        Error, match=f"no state file {cfg.state_file} yet \\(does the daemon run with this config\\?\\)"
    ):
        Waiter()(path, "--timeout", "0")


def test_a_target_the_state_file_does_not_know_is_pending(setup, tmp_path):
    path, cfg = setup
    record(cfg, NOW + 3600, {"pip": "written", "npm": "written"})
    with path.open("a") as f:  # a target added since the daemon's last refresh
        f.write(f"      - {{writer: twine, repository: pypi-store, path: {tmp_path / 'pypirc'}}}\n")
    lines = waiting.pending(config.load(path), State.load(cfg.state_file), NOW)
    assert lines == [f"acme (111122223333): twine target {tmp_path / 'pypirc'}: not written yet"]


def test_a_domain_never_refreshed_has_no_token_yet(setup):
    _, cfg = setup
    assert waiting.pending(cfg, State(cfg.state_file), NOW) == ["acme (111122223333): no token yet"]


def test_the_served_outcomes_are_the_refreshes_written_and_unchanged():
    assert waiting.SERVED == (refresh.WRITTEN, refresh.UNCHANGED)


@pytest.mark.parametrize("value", ["-1", "soon", "inf", "nan"])
def test_a_timeout_that_is_not_seconds_is_a_usage_error(setup, value, capsys):
    path, _ = setup
    with pytest.raises(SystemExit) as raised:
        cli.main(["wait", "--config", str(path), "--timeout", value])
    assert raised.value.code == 2
    assert f"expected a number of seconds, 0 or more, not '{value}'" in capsys.readouterr().err


def test_the_cli_exits_1_with_one_line_when_not_ready(setup, capsys):
    path, _ = setup
    assert cli.main(["wait", "--config", str(path), "--timeout", "0"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not ready after 0 s: no state file" in err
