"""``get-token``: from the daemon's socket when one answers (no AWS call), else fetched directly;
the token on stdout alone, never in a log line or an error."""

import os
import tempfile
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.aws.tokens import Clients

from ..conftest import write_config
from .test_daemon import build

GET_TOKEN = "GetAuthorizationToken"
PIP = "      - writer: pip\n        repository: pypi-store\n"


@pytest.fixture
def sock(monkeypatch):
    directory = Path(tempfile.mkdtemp(prefix="agg-", dir="/tmp"))
    path = directory / "a" / "agent.sock"
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(path))
    yield path
    for child in sorted(directory.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    directory.rmdir()


@pytest.fixture
def config(tmp_path, standin):
    standin.token_lifetime = 3600
    return write_config(tmp_path / "config.yaml", standin, PIP)


def test_from_the_daemon_with_no_aws_call(config, standin, clock, sock, tmp_path, capsys):
    daemon = build(config, tmp_path / "state.json", clock, Clients(clock=clock.utcnow, attempts=1), seed=7)
    daemon.start()
    try:
        daemon.scheduler.run_due(daemon)
        before = standin.calls[GET_TOKEN]
        assert cli.main(["get-token", "-v", "--config", str(config)], clock=clock) == 0
        out, err = capsys.readouterr()
        assert standin.calls[GET_TOKEN] == before
        token = out.removesuffix("\n")
        assert out.count("\n") == 1 and token == standin.issued_tokens()[-1]
        assert "the token of acme came from the daemon at" in err
        assert token not in err
    finally:
        daemon.stop()


def test_without_a_daemon_it_is_fetched_directly(config, standin, clock, sock, capsys):
    assert cli.main(["get-token", "-v", "--config", str(config), "--domain", "acme"], clock=clock) == 0
    out, err = capsys.readouterr()
    assert standin.calls[GET_TOKEN] == 1
    assert out == standin.issued_tokens()[-1] + "\n"
    assert f"no daemon is listening at {sock}: fetching the token directly" in err
    assert out.strip() not in err


def test_a_failure_is_one_line_without_the_token(config, standin, clock, sock, capsys):
    standin.inject(GET_TOKEN, "AccessDeniedException", 403, times=3)
    assert cli.main(["get-token", "--config", str(config)], clock=clock) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "GetAuthorizationToken was denied" in err


def test_the_domain_must_be_said_when_the_config_has_several_and_must_exist(tmp_path, standin, clock, sock, capsys):
    path = write_config(tmp_path / "config.yaml", standin, PIP)
    path.write_text(  # a second domain, served through the socket alone
        path.read_text() + f'  - domain: beta\n    owner: "{standin.account}"\n    endpoint_url: {standin.url}\n'
    )
    assert cli.main(["get-token", "--config", str(path)], clock=clock) == 2
    assert "the config has 2 domains (acme (111122223333), beta (111122223333)); say which with --domain" in (
        capsys.readouterr().err
    )
    assert cli.main(["get-token", "--config", str(path), "--domain", "zeta"], clock=clock) == 2
    assert "domain zeta is not in the daemon's config" in capsys.readouterr().err
    assert standin.calls[GET_TOKEN] == 0


def test_a_daemon_that_refuses_is_an_error_not_a_fallback(config, standin, clock, sock, tmp_path, capsys):
    daemon = build(config, tmp_path / "state.json", clock, Clients(clock=clock.utcnow, attempts=1), seed=7)
    daemon.start()
    try:
        standin.inject(GET_TOKEN, "AccessDeniedException", 403, times=2)
        daemon.scheduler.run_due(daemon)  # fails: no live token, and no retry within RETRY_EVERY
        before = standin.calls[GET_TOKEN]
        assert cli.main(["get-token", "--config", str(config)], clock=clock) == 1
        err = capsys.readouterr().err
        assert f"the daemon at {sock}: no live token: domain acme" in err and err.count("\n") == 1
        assert standin.calls[GET_TOKEN] == before
    finally:
        daemon.stop()
    assert os.path.exists(sock) is False
