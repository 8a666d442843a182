"""The laptop developer's move: the real AWS CLI configured pip, npm and twine against the stand-in
(as `aws codeartifact login` does every morning), its tokens lapsed; `init --yes` makes a config
from those files that `check` accepts, `refresh` writes, and the real pip, npm and twine work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codeartifact_refresher.testing import packages

from .clients import client_env, npm, pip, refresher, run, twine
from .tools import tool

pytestmark = pytest.mark.e2e


def aws_login(home: Path, standin, which: str, repository: str) -> subprocess.CompletedProcess:
    """``aws codeartifact login``; it runs ``pip config set`` and ``npm config set`` from PATH: the
    test venv's pip comes first, and both write the temporary home's files (client_env)."""
    env = client_env(
        home,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
        AWS_ACCESS_KEY_ID="AKIDTEST",
        AWS_SECRET_ACCESS_KEY="test-secret",
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    argv = ["codeartifact", "login", "--tool", which, "--domain", "acme", "--domain-owner", standin.account]
    argv += ["--repository", repository, "--endpoint-url", standin.url, "--region", "us-east-1"]
    return run([tool("aws"), *argv], env)


def cli(*args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "codeartifact_refresher", *args], dict(os.environ))


@pytest.fixture
def logged_in(standin, home):
    """A home as the AWS CLI leaves it, for pip, npm and twine; its tokens."""
    for which, repository in (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store")):
        done = aws_login(home, standin, which, repository)
        assert done.returncode == 0, done.stdout + done.stderr
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert "index-url = http://aws:" in pip_conf and f"/acme-{standin.account}/pypi/pypi-store/simple/" in pip_conf
    npmrc = (home / ".npmrc").read_text()
    assert f"registry={standin.url}/acme-{standin.account}/npm/npm-store/" in npmrc and ":_authToken=" in npmrc
    assert "[codeartifact]" in (home / ".pypirc").read_text()
    tokens = standin.issued_tokens()
    assert len(tokens) == 3
    return tokens


def test_init_yes_after_the_aws_cli_then_refresh_and_the_real_clients_work(standin, home, tmp_path, logged_in):
    standin.expire_tokens()  # the morning after: what the AWS CLI wrote no longer works
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "stale"), packages.DEMO_NAME)
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1

    done = cli("init", "--yes", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    text = config.read_text()
    assert not any(token in text + done.stdout + done.stderr for token in logged_in)
    assert f"endpoint_url: {standin.url}\n" in text and "codeartifact-refresher install-service --user" in done.stdout

    checked = cli("check", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "1 domain(s), 3 target(s)" in checked.stdout
    refreshed = refresher(config)
    assert refreshed.returncode == 0, refreshed.stderr
    files = {name: (home / name).read_text() for name in (".config/pip/pip.conf", ".npmrc", ".pypirc")}
    assert not any(token in text for token in logged_in for text in files.values())  # taken over, not added to
    assert files[".config/pip/pip.conf"].count("index-url") == 1 and files[".npmrc"].count("registry=") == 1

    authorized = standin.calls["pypi:authorized"]
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0 and "401" not in done.stderr, done.stderr
    assert standin.calls["pypi:authorized"] > authorized  # from the stand-in, with the new token

    done = npm(home, "install", "--prefix", "proj", packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert standin.calls["npm:authorized"] >= 1 and standin.calls["npm:refused"] == 0

    dist = tmp_path / "dist"
    dist.mkdir()
    name, data = packages.wheel("ca-after-init", "1.0.0")
    (dist / name).write_bytes(data)
    done = twine(home, "upload", "--non-interactive", "--repository", "codeartifact", str(dist / name))
    assert done.returncode == 0, done.stdout + done.stderr
    assert standin.calls["pypi:POST"] >= 1


def test_init_refuses_to_replace_the_config_it_wrote(standin, home, logged_in):
    assert cli("init", "--yes", "--region", "us-east-1").returncode == 0
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    before = config.read_text()
    done = cli("init", "--yes", "--region", "us-east-1")
    assert done.returncode == 1 and "already exists: give --output FILE" in done.stderr
    assert config.read_text() == before
