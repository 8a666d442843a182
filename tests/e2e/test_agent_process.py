"""The agent in the real daemon process: served by `run`, left stale by SIGKILL and taken over by
the next `run`, asked by a real `get-token` process; no token in the daemon's log."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from codeartifact_refresher.testing import StandIn

from ..conftest import write_config
from ..leaks import assert_no_token
from .daemon_process import DaemonProcess, wait_for

pytestmark = pytest.mark.e2e

PIP_TARGET = "      - writer: pip\n        repository: pypi-store\n"


def get_token(config: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "codeartifact_refresher", "-v", "get-token", "--config", str(config)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_a_killed_daemons_socket_is_taken_over_and_get_token_asks_the_daemon(tmp_path, home):
    sock_dir = Path(tempfile.mkdtemp(prefix="age-", dir="/tmp"))
    sock = sock_dir / "agent.sock"
    with StandIn(token_lifetime=3600) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
        config.write_text(config.read_text() + f"agent:\n  socket: {sock}\n")
        first = DaemonProcess(config, tmp_path / "first.log")
        try:
            wait_for(lambda: "next refresh in" in first.log, 60, "the first daemon's first refresh")
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(10)
        finally:
            first.close()
        assert sock.exists()  # SIGKILL: nobody removed it
        second = DaemonProcess(config, tmp_path / "second.log")
        try:
            wait_for(lambda: f"agent: serving credentials on {sock}" in second.log, 60, "the second daemon's socket")
            # its files' tokens are live, so its own first refresh is spread over pacing's start_window;
            # it holds no token in memory, so the first question makes it refresh first: one call
            calls = standin.calls["GetAuthorizationToken"]
            done = get_token(config)
            assert done.returncode == 0, done.stderr
            assert done.stdout == standin.issued_tokens()[-1] + "\n"
            assert "came from the daemon" in done.stderr
            assert standin.calls["GetAuthorizationToken"] == calls + 1
            again = get_token(config)  # and then none: the live token is served
            assert again.stdout == done.stdout and standin.calls["GetAuthorizationToken"] == calls + 1
            status, _ = second.stop()
        finally:
            second.close()
        assert status == 0 and not sock.exists()
        assert_no_token(
            standin.issued_tokens(), {"first log": first.log, "second log": second.log, "stderr": done.stderr}
        )
    os.rmdir(sock_dir)
