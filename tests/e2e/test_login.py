"""The laptop developer's morning, moved (issue 15): the real AWS CLI (awscli from PyPI, its
``--endpoint-url`` at the stand-in) configured pip, npm and twine, and its tokens lapsed. Then our
``login`` (the same flags), or ``refresh`` with the shipped ``configs/laptop.yaml``, takes over:
one entry per repository, and the real pip, npm and twine work with no 401 warning and no npm
warning. npm 11 refuses to write the ``always-auth`` line the AWS CLI asks for; older npm wrote it
(and npm 11 then warns about it on every run), so the seeded home has it, as an older npm left it."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from codeartifact_refresher.testing import packages

from .clients import client_env, npm, pip, run, twine
from .tools import search_path, tool

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def aws_env(home: Path) -> dict:
    """The AWS CLI's world: the temporary home's pip and npm files, fake keys, and the test venv's
    pip first on PATH (the AWS CLI runs `pip config set` and `npm config set` from PATH)."""
    env = client_env(home, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), search_path()])
    env["AWS_CONFIG_FILE"] = str(home / ".aws" / "config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(home / ".aws" / "credentials")
    return env


def flags(standin, tool_name: str, repository: str) -> list[str]:
    return [
        "--tool",
        tool_name,
        "--domain",
        "acme",
        "--domain-owner",
        standin.account,
        "--repository",
        repository,
        "--endpoint-url",
        standin.url,
    ]


@pytest.fixture
def morning(standin, home):
    """A home as `aws codeartifact login` left it for pip, npm and twine, its tokens lapsed."""
    env = aws_env(home)
    for tool_name, repository in (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store")):
        done = run([tool("aws"), "codeartifact", "login", *flags(standin, tool_name, repository)], env)
        assert done.returncode == 0, done.stderr
        assert f"Successfully configured {tool_name}" in done.stdout
    endpoint = f"{standin.url}/acme-{standin.account}/npm/npm-store/".split("://")[1]
    with open(home / ".npmrc", "a") as f:  # what an npm older than 9 wrote for the AWS CLI
        f.write(f"//{endpoint}:always-auth=true\n")
    seeded = {name: (home / name).read_text() for name in (".config/pip/pip.conf", ".npmrc", ".pypirc")}
    assert "index-url = http://aws:" in seeded[".config/pip/pip.conf"]
    assert "[codeartifact]" in seeded[".pypirc"] and "_authToken=" in seeded[".npmrc"]
    standin.expire_tokens()
    return home


def our_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = aws_env(home)
    return run([sys.executable, "-m", "codeartifact_refresher", *args], env)


def one_entry_per_repository(home: Path, standin) -> None:
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert len(re.findall(r"/pypi/pypi-store/", pip_conf)) == 1, pip_conf.replace(standin.issued_tokens()[-1], "T")
    npmrc = (home / ".npmrc").read_text()
    assert npmrc.count(":_authToken=") == 1 and "always-auth" not in npmrc
    pypirc = configparser.RawConfigParser()
    pypirc.read_string((home / ".pypirc").read_text())
    sections = [s for s in pypirc.sections() if pypirc.has_option(s, "repository")]
    assert len(sections) == 1 and pypirc.get(sections[0], "repository").endswith("/pypi/pypi-store/")


def clients_work_without_warnings(home: Path, standin, tmp_path: Path, twine_repository: str) -> None:
    before = standin.calls["pypi:authorized"]
    done = pip(home, "install", "--no-deps", "--target", str(tmp_path / "site"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert "401" not in done.stdout + done.stderr and "WARNING" not in done.stderr, done.stderr
    assert standin.calls["pypi:authorized"] > before  # from the stand-in, not from PyPI
    before = standin.calls["npm:authorized"]
    env = client_env(home, npm_config_loglevel="warn", npm_config_cache=str(tmp_path / "npm-cache"))
    done = run(["npm", "install", "--no-save", packages.DEMO_NAME], env, cwd=home)
    assert done.returncode == 0, done.stderr
    assert "npm warn" not in done.stderr.lower(), done.stderr
    assert standin.calls["npm:authorized"] > before
    dist = tmp_path / "dist"
    dist.mkdir()
    name, data = packages.wheel("ca-uploaded", "2.0.0")
    (dist / name).write_bytes(data)
    done = twine(home, "upload", "--non-interactive", "--repository", twine_repository, str(dist / name))
    assert done.returncode == 0, done.stdout + done.stderr
    assert standin.calls["pypi:refused"] == 0


def test_login_takes_over_what_the_aws_cli_left(morning, standin, tmp_path):
    home = morning
    for tool_name, repository in (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store")):
        done = our_cli(home, "login", *flags(standin, tool_name, repository))
        assert done.returncode == 0, done.stderr
        assert f"Successfully configured {tool_name} to use AWS CodeArtifact repository" in done.stdout
        assert "Login expires in" in done.stdout
        assert all(token not in done.stdout + done.stderr for token in standin.issued_tokens())
    one_entry_per_repository(home, standin)
    for name in (".config/pip/pip.conf", ".npmrc", ".pypirc"):
        assert (home / name).stat().st_mode & 0o777 == 0o600, name
    clients_work_without_warnings(home, standin, tmp_path, "codeartifact")


def test_refresh_with_the_shipped_laptop_config_takes_over_too(morning, standin, tmp_path):
    """configs/laptop.yaml (`index: extra`, an npm scope, twine) on top of the AWS CLI's files:
    the AWS CLI's index-url with its dead token goes, ours joins extra-index-url once."""
    home = morning
    laptop = yaml.safe_load((ROOT / "configs" / "laptop.yaml").read_text())
    del laptop["defaults"]["profile"]  # the stand-in takes the test's keys
    (domain,) = laptop["domains"]
    domain.update(owner=standin.account, endpoint_url=standin.url)
    domain["targets"] = [t for t in domain["targets"] if t["writer"] in ("pip", "npm", "twine")]
    assert [t.get("index") for t in domain["targets"] if t["writer"] == "pip"] == ["extra"]
    config = tmp_path / "laptop.yaml"
    config.write_text(yaml.safe_dump(laptop))
    done = our_cli(home, "refresh", "--config", str(config))
    assert done.returncode == 0, done.stderr
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert "index-url = http://aws:" not in pip_conf.replace("extra-index-url", "")
    one_entry_per_repository(home, standin)
    clients_work_without_warnings(home, standin, tmp_path, "codeartifact")


def test_keep_fresh_writes_a_config_that_refresh_keeps_fresh(morning, standin, tmp_path):
    home = morning
    for tool_name, repository in (("pip", "pypi-store"), ("npm", "npm-store")):
        done = our_cli(home, "login", *flags(standin, tool_name, repository), "--keep-fresh")
        assert done.returncode == 0, done.stderr
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    assert "Created" in done.stdout or "Added the target to" in done.stdout
    done = our_cli(home, "check", "--config", str(config))
    assert done.returncode == 0 and "2 target(s)" in done.stdout, done.stdout + done.stderr
    loaded = yaml.safe_load(config.read_text())["domains"]
    assert len(loaded) == 1 and loaded[0]["region"] == "us-east-1"  # what the shell's AWS_DEFAULT_REGION chose
    standin.expire_tokens()
    done = our_cli(home, "refresh")  # the default config: the one login wrote
    assert done.returncode == 0, done.stderr
    done = pip(home, "install", "--no-deps", "--target", str(tmp_path / "site"), packages.DEMO_NAME)
    assert done.returncode == 0 and "401" not in done.stderr, done.stderr
    done = npm(home, "install", "--no-save", packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr


def test_keep_fresh_makes_the_running_agent_reload(standin, home, tmp_path):
    """The agent of the config login adds to is told (SIGHUP) and keeps the new target from then on."""
    from .daemon_process import DaemonProcess, wait_for

    done = our_cli(home, "login", *flags(standin, "npm", "npm-store"), "--keep-fresh")
    assert done.returncode == 0, done.stderr
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    agent = DaemonProcess(config, tmp_path / "agent.log", env=aws_env(home))
    try:
        wait_for(lambda: "next refresh in" in agent.log, 30, "the agent's first round")
        done = our_cli(home, "login", *flags(standin, "pip", "pypi-store"), "--keep-fresh")
        assert done.returncode == 0, done.stderr
        assert f"The running agent (pid {agent.proc.pid}) reloaded its config" in done.stdout
        wait_for(lambda: "1 added or changed" in agent.log, 30, "the agent's reload")
        state = home / ".local" / "state" / "codeartifact-refresher" / "state.json"
        wait_for(lambda: '"writer": "pip"' in state.read_text(), 30, "the agent writing the new target")
    finally:
        agent.stop()
        agent.close()
