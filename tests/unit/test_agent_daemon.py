"""The daemon's credential socket, end to end in one process: a real socket, the real refresh
path against the stand-in, the daemon's clocks moved by hand."""

import os
import tempfile
from pathlib import Path

import pytest

from codeartifact_refresher.agent import client
from codeartifact_refresher.agent.live import MARGIN
from codeartifact_refresher.aws.tokens import Clients

from ..conftest import write_config
from .test_daemon import build

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
        for url in (pip_url(server), f"sparse+{server.url}/acme-{server.account}/cargo/cargo-store/"):
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
