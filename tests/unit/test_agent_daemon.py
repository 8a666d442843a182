"""The daemon's credential socket, end to end in one process: a real socket, the real refresh
path against the stand-in, the daemon's clocks moved by hand."""

import json
import os
import tempfile
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.agent import client
from codeartifact_refresher.agent.live import MARGIN
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.service.credentials import RETRY_EVERY

from ..conftest import write_config
from .test_daemon import build, key_of

GET_TOKEN = "GetAuthorizationToken"


@pytest.fixture
def sock_dir():
    """A short directory for sockets (a Unix socket's path is at most 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="agt-", dir="/tmp"))
    yield path
    for child in sorted(path.rglob("*"), reverse=True):
        child.unlink() if not child.is_dir() else child.rmdir()
    path.rmdir()


@pytest.fixture
def server(standin):
    standin.token_lifetime = 3600
    standin.add_repository("acme", "cargo-store", "cargo")
    return standin


def start(tmp_path, server, clocks, sock, targets="      - writer: pip\n        repository: pypi-store\n", extra=""):
    config = write_config(tmp_path / "config.yaml", server, targets)
    text = config.read_text() + f"agent:\n  socket: {sock}\n{extra}"
    config.write_text(text)
    daemon = build(config, tmp_path / "state.json", clocks, Clients(clock=clocks.utcnow, attempts=1), seed=7)
    daemon.start()
    return daemon


def pip_url(server):
    return f"{server.url}/acme-{server.account}/pypi/pypi-store/simple/pkg/"


def test_a_live_token_is_served_by_url_with_no_aws_call(tmp_path, server, clock, sock_dir):
    sock = sock_dir / "a" / "agent.sock"
    daemon = start(tmp_path, server, clock, sock)
    try:
        daemon.scheduler.run_due(daemon)  # the first refresh
        before = server.calls[GET_TOKEN]
        aws_host = f"acme-{server.account}.d.codeartifact.us-east-1.amazonaws.com"
        dualstack = f"acme-{server.account}.codeartifact.us-east-1.on.aws"
        for url in (
            pip_url(server),
            f"sparse+{server.url}/acme-{server.account}/cargo/cargo-store/",
            f"https://aws@{aws_host.upper()}:443/pypi/pypi-store/simple/pkg/",
            f"sparse+https://{aws_host}/cargo/cargo-store/",
            f"https://{dualstack}/pypi/pypi-store/simple/pkg/",
        ):
            got = client.credentials(url=url, path=sock)
            assert got.domain == "acme"
            assert got.owner == server.account
            assert got.username == "aws"
            assert got.token not in repr(got)
            assert got.expires_at == pytest.approx(clock.wall() + 3600, abs=2)
        assert server.calls[GET_TOKEN] == before
        assert os.stat(sock).st_mode & 0o777 == 0o600
        assert os.stat(sock.parent).st_mode & 0o777 == 0o700
    finally:
        daemon.stop()
    assert not sock.exists()


def test_an_expired_token_is_refreshed_first(tmp_path, server, clock, sock_dir):
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, server, clock, sock)
    try:
        daemon.scheduler.run_due(daemon)
        first = client.credentials(domain="acme", path=sock)
        clock.run(3600 - MARGIN + 1)  # within the margin: not handed out
        before = server.calls[GET_TOKEN]
        second = client.credentials(domain="acme", path=sock)
        assert server.calls[GET_TOKEN] == before + 1
        assert second.token != first.token
        assert second.expires_at > clock.wall() + MARGIN
    finally:
        daemon.stop()


def test_a_refresh_that_fails_is_the_answer_and_is_not_retried_at_once(tmp_path, server, clock, sock_dir):
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, server, clock, sock)
    try:
        server.inject("GetAuthorizationToken", "AccessDeniedException", 403, times=2)
        daemon.scheduler.run_due(daemon)  # the first refresh fails
        before = server.calls[GET_TOKEN]
        with pytest.raises(
            client.AgentError, match=r"^no live token: domain acme \(111122223333\): GetAuthorizationToken was denied"
        ):
            client.credentials(domain="acme", path=sock)
        assert server.calls[GET_TOKEN] == before  # it failed just now: its error is the answer
        clock.run(RETRY_EVERY + 1)
        with pytest.raises(client.AgentError, match="no live token"):
            client.credentials(domain="acme", path=sock)
        assert server.calls[GET_TOKEN] == before + 1  # tried again, failed again
        clock.run(RETRY_EVERY + 1)
        got = client.credentials(domain="acme", path=sock)
        assert server.calls[GET_TOKEN] == before + 2
        assert got.token in server.issued_tokens()
    finally:
        daemon.stop()


def test_a_refresh_slower_than_the_timeout_is_refused_in_time(tmp_path, server, clock, sock_dir):
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, server, clock, sock)
    try:
        server.latency = 3.0
        with pytest.raises(client.AgentError, match=r"its refresh did not finish within 0.5 s"):
            client.credentials(domain="acme", path=sock, timeout=1.0)
    finally:
        server.latency = 0
        daemon.stop()


def test_a_domain_without_targets_is_refreshed_planned_and_served(tmp_path, server, clock, sock_dir):
    sock = sock_dir / "agent.sock"
    config = tmp_path / "config.yaml"
    config.write_text(
        f'domains:\n  - domain: acme\n    owner: "{server.account}"\n    region: us-east-1\n'
        f"    endpoint_url: {server.url}\nagent:\n  socket: {sock}\n"
    )
    daemon = build(config, tmp_path / "state.json", clock, Clients(clock=clock.utcnow, attempts=1), seed=7)
    daemon.start()
    try:
        assert daemon.scheduler.run_due(daemon) == [key_of(daemon)]
        entry = daemon.state.get(daemon.domains[key_of(daemon)])
        assert entry.last_error is None and entry.expires_at == pytest.approx(clock.wall() + 3600, abs=2)
        assert entry.next_refresh == pytest.approx(clock.wall() + 0.75 * 3600, abs=0.05 * 3600 + 2)
        assert daemon.assessment().healthy
        before = server.calls[GET_TOKEN]
        url = f"https://acme-{server.account}.d.codeartifact.us-east-1.amazonaws.com/pypi/pypi-store/simple/"
        assert client.credentials(url=url, path=sock).domain == "acme"
        assert server.calls[GET_TOKEN] == before
        clock.run(0.8 * 3600)  # its planned refresh keeps the token hot
        assert daemon.scheduler.run_due(daemon) == [key_of(daemon)]
        assert server.calls[GET_TOKEN] == before + 1
    finally:
        daemon.stop()
    assert json.loads((tmp_path / "state.json").read_text())["daemon"]["agent"] == {
        "socket": str(sock),
        "served": True,
        "group": None,
    }


def test_status_shows_the_socket_and_whether_it_is_served(tmp_path, server, clock, sock_dir, capsys):
    sock = sock_dir / "agent.sock"
    config = tmp_path / "config.yaml"
    config.write_text(
        f'domains:\n  - domain: acme\n    owner: "{server.account}"\n    region: us-east-1\n'
        f"    endpoint_url: {server.url}\nstate_file: {tmp_path / 'state.json'}\nagent:\n  socket: {sock}\n"
    )
    daemon = build(config, tmp_path / "state.json", clock, Clients(clock=clock.utcnow, attempts=1), seed=7)
    daemon.start()
    try:
        daemon.scheduler.run_due(daemon)
        daemon.saver.save()
        cli.main(["status", "--config", str(config)], clock=clock)
        out = capsys.readouterr().out
        assert f"agent socket: {sock} (served)" in out
        assert "acme targets: none (served through the agent socket)" in out
        cli.main(["status", "--json", "--config", str(config)], clock=clock)
        assert json.loads(capsys.readouterr().out)["agent"] == {"socket": str(sock), "served": True, "why": None}
    finally:
        daemon.stop()
    cli.main(["status", "--json", "--config", str(config)], clock=clock)
    agent = json.loads(capsys.readouterr().out)["agent"]
    assert agent["served"] is False and agent["why"] == f"no daemon is listening at {sock}"


def test_doctor_says_whether_the_socket_is_served(tmp_path, server, clock, sock_dir, capsys):
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, server, clock, sock, extra=f"state_file: {tmp_path / 'state.json'}\n")
    config = str(tmp_path / "config.yaml")
    try:
        daemon.scheduler.run_due(daemon)
        daemon.saver.save()
        cli.main(["doctor", "--config", config], clock=clock)
        assert f"ok: agent socket {sock}: a daemon serves credentials there" in capsys.readouterr().out
    finally:
        daemon.stop()
    cli.main(["doctor", "--config", config], clock=clock)
    assert f"note: agent socket {sock}: not served (no daemon is listening at {sock})" in capsys.readouterr().out


def test_a_reload_drops_a_removed_domains_token_and_warns_that_the_socket_moves_at_restart(
    tmp_path, server, clock, sock_dir, caplog
):
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, server, clock, sock)
    try:
        daemon.scheduler.run_due(daemon)
        assert client.credentials(domain="acme", path=sock).domain == "acme"
        acme = key_of(daemon)
        assert daemon.live.live(acme, clock.wall()) is not None
        config = tmp_path / "config.yaml"
        moved = sock_dir / "moved.sock"
        config.write_text(config.read_text().replace("domain: acme", "domain: beta").replace(str(sock), str(moved)))
        daemon.reload()
        assert "reload: agent changed; it takes effect when the daemon restarts" in caplog.text
        with pytest.raises(
            client.AgentError, match=r"domain acme is not in the daemon's config \(domains served: beta"
        ):
            client.credentials(domain="acme", path=sock)
        assert daemon.live.live(acme, clock.wall()) is None  # forgotten with its domain
    finally:
        daemon.stop()
