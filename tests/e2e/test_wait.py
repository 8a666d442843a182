"""``wait`` against a real daemon: not ready before it runs, ready once its files hold a live token
(after a throttled first try), and a real pip gets in with what it wrote the moment ``wait`` says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import pip
from .daemon_process import DaemonProcess

pytestmark = pytest.mark.e2e


def wait(config, timeout: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "codeartifact_refresher", "wait", "--config", str(config), "--timeout", timeout]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_wait_returns_once_the_daemon_has_written_a_live_token(tmp_path, home, standin):
    config = write_config(
        tmp_path / "config.yaml",
        standin,
        "      - writer: pip\n        repository: pypi-store\n      - writer: npm\n        repository: npm-store\n",
    )
    before = wait(config, "0")
    assert before.returncode == 1 and "not ready after 0 s: no state file" in before.stderr
    standin.inject("GetAuthorizationToken", times=2)  # the daemon's first tries are throttled
    daemon = DaemonProcess(config, tmp_path / "daemon.log")
    try:
        done = wait(config, "60")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("ready: every target holds a live token; the first expires in")
        assert standin.calls["GetAuthorizationToken"] >= 3, "it waited through the throttled tries"
        got = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
        assert got.returncode == 0, got.stderr
        assert standin.calls["pypi:authorized"] > 0 and standin.calls["pypi:refused"] == 0
    finally:
        daemon.stop()
        daemon.close()
