"""exec's environment: the variables each target gives, choosing the domain, the direct source's
refresh time, the daemon's ``environment`` op, and the supervisor's exit statuses."""

from __future__ import annotations

import shutil
import signal
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from codeartifact_refresher import config as configuration
from codeartifact_refresher.agent import client
from codeartifact_refresher.agent.live import MARGIN
from codeartifact_refresher.errors import ConfigError, Error
from codeartifact_refresher.helpers import environment
from codeartifact_refresher.helpers.supervisor import exit_status
from codeartifact_refresher.helpers.variables import variables
from codeartifact_refresher.writers.registry import Registry

from ..conftest import write_config
from .test_agent_daemon import start

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
TOKEN = "tok-EN_123"
EXPIRES = datetime(2026, 12, 8, tzinfo=timezone.utc)

EVERY_KIND = """\
      - {writer: pip, repository: py, index: extra}
      - {writer: uv, repository: py, name: corp-index}
      - {writer: poetry, repository: py, name: corp}
      - {writer: twine, repository: py}
      - {writer: npm, repository: js}
      - {writer: npm, repository: js, scope: "@acme", path: ~/other/.npmrc}
      - {writer: yarn, repository: js}
      - {writer: cargo, repository: rs, name: my-reg}
      - {writer: env, repository: py, path: ~/ci.env, variables: [endpoint]}
      - {writer: maven, repository: java}
"""


@pytest.fixture
def sock_dir():
    """A short directory for the socket (a Unix socket's path is at most 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="exu-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def endpoint_of(repository: str, fmt: str) -> str:
    return f"https://{HOST}/{fmt}/{repository}/"


def load(tmp_path: Path, targets: str, standin) -> configuration.Config:
    return configuration.load(write_config(tmp_path / "config.yaml", standin, targets), Registry())


def test_each_target_gives_its_tools_variables_named_as_the_env_writer_names_them(tmp_path, standin):
    config = load(tmp_path, EVERY_KIND, standin)
    got = variables(config.domains[0], TOKEN, EXPIRES, endpoint_of, Registry())
    py, js = f"https://{HOST}/pypi/py/", f"https://{HOST}/npm/js/"
    assert got == {
        "CODEARTIFACT_AUTH_TOKEN": TOKEN,
        "PIP_EXTRA_INDEX_URL": f"https://aws:{TOKEN}@{HOST}/pypi/py/simple/",
        "UV_DEFAULT_INDEX": f"corp-index={py}simple/",
        "UV_INDEX_CORP_INDEX_USERNAME": "aws",
        "UV_INDEX_CORP_INDEX_PASSWORD": TOKEN,
        "POETRY_HTTP_BASIC_CORP_USERNAME": "aws",
        "POETRY_HTTP_BASIC_CORP_PASSWORD": TOKEN,
        "POETRY_REPOSITORIES_CORP_URL": py,
        "TWINE_REPOSITORY_URL": py,
        "TWINE_USERNAME": "aws",
        "TWINE_PASSWORD": TOKEN,
        "NPM_CONFIG_REGISTRY": js,
        f"NPM_CONFIG_//{HOST}/npm/js/:_authToken": TOKEN,
        "NPM_CONFIG_@acme:registry": js,
        "YARN_NPM_REGISTRY_SERVER": js,
        "YARN_NPM_AUTH_TOKEN": TOKEN,
        "YARN_NPM_ALWAYS_AUTH": "true",
        "CARGO_REGISTRIES_MY_REG_INDEX": f"sparse+https://{HOST}/cargo/rs/",
        "CARGO_REGISTRIES_MY_REG_TOKEN": f"Bearer {TOKEN}",
        "CARGO_REGISTRIES_MY_REG_CREDENTIAL_PROVIDER": "cargo:token",
        "CODEARTIFACT_REPOSITORY_ENDPOINT": f"https://{HOST}/generic/py/",  # an endpoint alone: generic
    }


def test_a_target_without_a_known_endpoint_is_left_out_and_a_scoped_yarn_gives_nothing(tmp_path, standin):
    targets = '      - {writer: pip, repository: py}\n      - {writer: yarn, repository: js, scope: "@acme"}\n'
    config = load(tmp_path, targets, standin)

    def only_npm(repository: str, fmt: str) -> str:
        if fmt != "npm":
            raise KeyError(repository)
        return endpoint_of(repository, fmt)

    assert variables(config.domains[0], TOKEN, EXPIRES, only_npm, Registry()) == {"CODEARTIFACT_AUTH_TOKEN": TOKEN}


def test_the_domain_is_the_configs_only_one_or_the_one_named(tmp_path, standin):
    config = load(tmp_path, "      - {writer: pip, repository: pypi-store}\n", standin)
    assert environment.select(config, None).domain == "acme"
    assert environment.select(config, "acme", standin.account).domain == "acme"
    with pytest.raises(ConfigError, match=r"no domain 'other' \(the config's domains: acme \(111122223333\)\)"):
        environment.select(config, "other")
    two = config.__class__(config.path, (*config.domains, config.domains[0].__class__("beta", ())))
    with pytest.raises(ConfigError, match="say which with --domain"):
        environment.select(two, None)


def test_a_direct_source_fetches_again_only_at_three_quarters_of_the_tokens_life(tmp_path, standin, clock):
    config = load(tmp_path, "      - {writer: pip, repository: pypi-store}\n", standin)
    source = environment.DirectSource(config, config.domains[0], Registry(), clock)
    first = source.get(clock.wall())
    assert first.token in first.variables["PIP_INDEX_URL"] and first.via == "direct"
    assert first.token not in repr(first)
    clock.run(0.75 * 900 - 5)
    assert source.get(clock.wall()) is first and standin.calls["GetAuthorizationToken"] == 1
    clock.run(10)
    second = source.get(clock.wall())
    assert second.token != first.token and standin.calls["GetAuthorizationToken"] == 2


def test_a_reply_without_variables_is_an_error_not_a_child_without_a_token():
    with pytest.raises(Error, match="no variables"):
        environment.from_reply({"v": 1, "ok": True, "expires_at": 1.0})
    with pytest.raises(Error, match="no token"):
        environment.from_reply({"v": 1, "ok": True, "expires_at": 1.0, "variables": {"PIP_INDEX_URL": "x"}})


def test_no_daemon_and_no_config_says_so(tmp_path):
    source = environment.EitherSource(environment.DaemonSource("acme", None), None)
    source.daemon.path = tmp_path / "none.sock"
    with pytest.raises(environment.NoSource, match="no daemon is listening"):
        source.get(0.0)


def test_the_environment_op_answers_from_the_live_token_and_refreshes_first_past_the_margin(
    tmp_path, standin, clock, sock_dir
):
    standin.token_lifetime = 3600
    sock = sock_dir / "agent.sock"
    daemon = start(tmp_path, standin, clock, sock, targets="      - {writer: pip, repository: pypi-store}\n")
    try:
        daemon.scheduler.run_due(daemon)
        calls = standin.calls["GetAuthorizationToken"]
        reply = client.ask({"op": "environment"}, path=sock)  # no domain: the daemon's only one
        token = reply["variables"]["CODEARTIFACT_AUTH_TOKEN"]
        assert reply["domain"] == "acme" and reply["owner"] == standin.account and "token" not in reply
        assert reply["variables"]["PIP_INDEX_URL"].endswith("/acme-111122223333/pypi/pypi-store/simple/")
        assert token in reply["variables"]["PIP_INDEX_URL"] and standin.calls["GetAuthorizationToken"] == calls
        clock.run(3600 - MARGIN + 1)
        again = client.ask({"op": "environment", "domain": "acme"}, path=sock)
        assert again["variables"]["CODEARTIFACT_AUTH_TOKEN"] != token
        assert standin.calls["GetAuthorizationToken"] == calls + 1
        with pytest.raises(client.AgentError, match="beta"):
            client.ask({"op": "environment", "domain": "beta"}, path=sock)
    finally:
        daemon.stop()


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (-signal.SIGTERM, 143), (-signal.SIGKILL, 137)])
def test_exit_status_is_the_childs_or_128_plus_its_signal(returncode, status):
    assert exit_status(returncode) == status


def test_an_unreadable_config_is_skipped_only_when_domain_names_the_domain(tmp_path):
    """A build user may not read the system service's config: with --domain the daemon still
    answers; without it the config's error stands."""
    from argparse import Namespace

    from codeartifact_refresher.commands import exec_

    missing = str(tmp_path / "missing.yaml")
    assert exec_._config(Namespace(config=missing, domain="acme"))[0] is None
    with pytest.raises(ConfigError):
        exec_._config(Namespace(config=missing, domain=None))


def test_the_session_pusher_pushes_its_domain_only_and_survives_a_failing_or_missing_systemctl(
    tmp_path, standin, caplog
):
    import subprocess

    from codeartifact_refresher.helpers.session import SessionPusher

    config = load(tmp_path, "      - {writer: npm, repository: npm-store}\n", standin)
    domain = config.domains[0]
    seen: list[tuple[list[str], dict[str, str]]] = []

    def runner(argv, env, **kwargs):
        seen.append((argv, env))
        return subprocess.CompletedProcess(argv, 1, b"", b"Failed to connect to bus: No medium found\n")

    class Token:
        value, expires_at = TOKEN, EXPIRES

    class Lookup:
        get = staticmethod(endpoint_of)

    SessionPusher("beta", Registry(), runner, environ={"PATH": "/bin"})(domain, Token(), Lookup())
    assert seen == []  # another domain's refresh
    SessionPusher("acme", Registry(), runner, environ={"PATH": "/bin", "SECRET": "x"})(domain, Token(), Lookup())
    [(argv, env)] = seen
    assert argv == ["systemctl", "--user", "import-environment", "CODEARTIFACT_AUTH_TOKEN", "NPM_CONFIG_REGISTRY"]
    assert env == {
        "PATH": "/bin",
        "CODEARTIFACT_AUTH_TOKEN": TOKEN,
        "NPM_CONFIG_REGISTRY": f"https://{HOST}/npm/npm-store/",
    }
    assert "Failed to connect to bus" in caplog.text

    def missing(argv, env, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "systemctl")

    assert SessionPusher(None, Registry(), missing).push({"A": "b"}, "acme") is False
    assert "FileNotFoundError" in caplog.text
