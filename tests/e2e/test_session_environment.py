"""``run --session-environment``: a real daemon pushing to a fake ``systemctl`` on PATH that records
its arguments and environment; macOS refused before anything reaches ``launchctl``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.testing import StandIn

from ..conftest import write_config
from ..leaks import assert_no_token
from .daemon_process import DaemonProcess, wait_for
from .test_exec import TARGETS, CmdlineWatch

pytestmark = pytest.mark.e2e

#: a stand-in for systemctl or launchctl: one JSON line per call with its argv and environment,
#: then a pause, so that a watch of /proc sees it running
RECORDER = """#!{python}
import json, os, sys, time
with open({out!r}, "a") as f:
    f.write(json.dumps({{"argv": sys.argv, "env": dict(os.environ)}}) + "\\n")
time.sleep(0.3)
"""


def fake(bin_dir: Path, name: str, out: Path) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(RECORDER.format(python=sys.executable, out=str(out)))
    path.chmod(0o755)


def calls(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


@pytest.mark.timing
def test_each_refresh_imports_the_fresh_variables_with_no_token_in_systemctls_arguments(tmp_path):
    """8-second tokens: systemctl --user import-environment is called after each refresh with
    names only; its environment holds the new token and pip's index; npm's ``//`` name, which
    systemd refuses, is left out."""
    out, bin_dir = tmp_path / "systemctl.jsonl", tmp_path / "bin"
    fake(bin_dir, "systemctl", out)
    with StandIn(token_lifetime=8) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        standin.add_repository("acme", "npm-store", "npm")
        config = write_config(tmp_path / "config.yaml", standin, TARGETS)
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        daemon = DaemonProcess(config, tmp_path / "daemon.log", env=env, run_args=("--session-environment",))
        with CmdlineWatch() as watch:
            try:
                wait_for(lambda: len(calls(out)) >= 2, 40, "two pushes")
            finally:
                daemon.stop()
                daemon.close()
        tokens = standin.issued_tokens()
    pushed = calls(out)
    for call in pushed:
        assert call["argv"][1:3] == ["--user", "import-environment"]
        names = call["argv"][3:]
        assert {"CODEARTIFACT_AUTH_TOKEN", "PIP_INDEX_URL", "NPM_CONFIG_REGISTRY"} <= set(names)
        assert not [n for n in names if "/" in n], names
        assert call["env"]["CODEARTIFACT_AUTH_TOKEN"] in call["env"]["PIP_INDEX_URL"]
    assert [c["env"]["CODEARTIFACT_AUTH_TOKEN"] for c in pushed] == tokens[: len(pushed)]
    assert len(set(tokens[: len(pushed)])) == len(pushed) >= 2
    assert_no_token(
        tokens,
        {
            "systemctl's arguments": json.dumps([c["argv"] for c in pushed]),
            "every process's arguments": watch.text,
            "the daemon's log": daemon.log,
        },
    )


def test_macos_is_refused_before_launchctl_gets_a_token(tmp_path, standin, monkeypatch, capsys):
    """launchctl setenv would put the token in its arguments: run refuses (exit 2), saying why and
    what to do instead, and never calls it."""
    out, bin_dir = tmp_path / "launchctl.jsonl", tmp_path / "bin"
    fake(bin_dir, "launchctl", out)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(sys, "platform", "darwin")
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    assert cli.main(["run", "--config", str(config), "--session-environment"]) == 2
    err = capsys.readouterr().err
    assert "launchctl's arguments" in err and "codeartifact-refresher exec" in err
    assert not out.exists() and standin.calls["GetAuthorizationToken"] == 0
