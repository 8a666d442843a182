"""The daemon as users run it: a real process, real signals, real pip, the stand-in's real clock."""

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from codeartifact_refresher.service.planner import MANUAL_EVERY
from codeartifact_refresher.testing import StandIn, packages

from ..conftest import write_config
from ..leaks import assert_no_token
from .clients import pip
from .daemon_process import DaemonProcess, NotifySocket, wait_for

pytestmark = pytest.mark.e2e

PIP_TARGET = "      - writer: pip\n        repository: pypi-store\n"


ROTATIONS = 3  # new tokens after the first that pip must ride across


@pytest.mark.slow
@pytest.mark.timing
def test_pip_keeps_working_across_many_short_lived_tokens(tmp_path, home):
    """8-second tokens, a real `pip download` every second until the token has been replaced
    three times and two more downloads used the newest one: never refused."""
    with StandIn(token_lifetime=8) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        try:
            pip_conf = home / ".config" / "pip" / "pip.conf"
            wait_for(pip_conf.exists, 30, "the first pip.conf")
            started, on_newest = time.monotonic(), 0
            results: list[subprocess.CompletedProcess[str]] = []
            while on_newest < 2:
                tick = time.monotonic()
                assert tick - started < 60, (
                    f"{standin.calls['GetAuthorizationToken']} token(s) in 60 s of 8-second tokens"
                )
                rotated = standin.calls["GetAuthorizationToken"] > ROTATIONS
                out = tmp_path / f"dl{len(results)}"
                results.append(pip(home, "download", "--no-deps", "-d", str(out), packages.DEMO_NAME))
                on_newest += rotated
                time.sleep(max(0.0, 1 - (time.monotonic() - tick)))  # pacing the client: one run a second
            span = time.monotonic() - started
            status, took = daemon.stop()
        finally:
            daemon.close()
        failed = [r.stdout + r.stderr for r in results if r.returncode != 0]
        assert not failed, failed[0]
        assert len(results) >= 10 and standin.calls["pypi:refused"] == 0
        tokens = standin.calls["GetAuthorizationToken"]
        # refreshed at about 6 s of each 8: never more often than every 5 s
        assert ROTATIONS + 1 <= tokens <= span // 5 + 2, (
            f"{tokens} token calls in {span:.0f} seconds of 8-second tokens"
        )
        print(f"{len(results)} pip downloads in {span:.0f} s, all succeeded, across {tokens} tokens")
        assert status == 0 and took < 5
        assert_no_token(standin.issued_tokens(), {"daemon log": daemon.log})


@pytest.mark.slow
@pytest.mark.timing
def test_an_outage_at_start_is_ridden_out_with_backoff(tmp_path, home):
    """Nothing answers, then the endpoint comes back throttling: three failed attempts at least
    (two refused connections, one throttled), each wait longer, then pip.conf and a working pip."""
    standin = StandIn(token_lifetime=900)
    standin.add_repository("acme", "pypi-store", "pypi")
    standin.start()
    standin.stop()  # the port is now known and nothing answers on it
    config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
    daemon = DaemonProcess(config, tmp_path / "daemon.log")
    pip_conf = home / ".config" / "pip" / "pip.conf"
    try:
        wait_for(lambda: "2 failure(s) in a row" in daemon.log, 30, "two failed attempts")
        assert daemon.proc.poll() is None and not pip_conf.exists()
        standin.inject("GetAuthorizationToken", times=3)  # it comes back throttling: one attempt's tries
        standin.start()
        answering = time.monotonic()
        wait_for(pip_conf.exists, 60, "pip.conf after the endpoint answered", interval=0.2)
        recovered = time.monotonic() - answering
        downloaded = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
        status, _ = daemon.stop()
    finally:
        daemon.close()
        standin.stop()
    assert recovered < 60 and status == 0 and downloaded.returncode == 0, downloaded.stderr
    delays = [float(s) for s in re.findall(r"failure\(s\) in a row; trying again in (\d+)s", daemon.log)]
    assert len(delays) >= 3 and delays[-1] > delays[0], delays  # the waits grow
    print(f"recovered {recovered:.1f}s after the endpoint answered; waits {delays}; calls {standin.calls}")
    # each of our attempts is at most 3 tries by botocore: the throttled stretch made few calls
    assert standin.calls["GetAuthorizationToken"] <= 3 + 3 + 1
    assert_no_token(standin.issued_tokens(), {"daemon log": daemon.log})


def read_state(path):
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.mark.timing
def test_signals_notify_health_and_status(tmp_path, home):
    notify = NotifySocket(tmp_path / "notify.sock")
    state_file = tmp_path / "state.json"
    extra = f"    on_change: [{sys.executable}, -c, \"open('{tmp_path}/hooked', 'a').write('x')\"]\n"
    with StandIn(token_lifetime=900) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        standin.add_repository("beta", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET, extra=extra)
        config.write_text(f"state_file: {state_file}\nhealth: {{port: 0}}\n" + config.read_text())
        daemon = DaemonProcess(
            config,
            tmp_path / "daemon.log",
            "--log-format",
            "json",
            env={"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "2000000"},
        )
        try:
            wait_for(lambda: notify.has("READY=1"), 30, "READY=1")
            assert any(
                m.startswith("STATUS=1 of 1 domain(s) OK; soonest token expires in 15m") for m in notify.messages
            )
            wait_for(lambda: notify.has("WATCHDOG=1"), 10, "WATCHDOG=1")
            assert (tmp_path / "hooked").read_text() == "x"

            address = read_state(state_file)["daemon"]["health"]
            for probe in ("/healthz", "/livez", "/readyz"):
                with urllib.request.urlopen(f"http://{address}{probe}", timeout=5) as r:
                    assert r.status == 200, probe
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as r:
                metrics = r.read().decode()
            assert re.search(r'codeartifact_refresher_token_expiry_seconds\{domain="acme",.*\} 8\d\d\.', metrics)
            assert re.search(r'codeartifact_refresher_refresh_success_total\{domain="acme",.*\} 1$', metrics, re.M)

            shown = subprocess.run(
                [sys.executable, "-m", "codeartifact_refresher", "status", "--json", "--config", str(config)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert shown.returncode == 0, shown.stdout + shown.stderr
            data = json.loads(shown.stdout)
            assert data["daemon"]["running"] and data["daemon"]["pid"] == daemon.proc.pid and data["healthy"]

            daemon.signal(signal.SIGUSR1)  # refresh now
            wait_for(lambda: standin.calls["GetAuthorizationToken"] == 2, 15, "a refresh after SIGUSR1")

            good = config.read_text()
            config.write_text(good.replace("targets:", "targtes:"))
            daemon.signal(signal.SIGHUP)  # a broken config is refused; the old one keeps running
            wait_for(lambda: "reload refused" in daemon.log, 15, "the refused reload")
            assert daemon.proc.poll() is None

            beta = good + good[good.index("  - domain: acme") :].replace("domain: acme", "domain: beta").replace(
                PIP_TARGET,
                "      - writer: pip\n        repository: pypi-store\n        path: "
                + str(tmp_path / "beta.conf")
                + "\n",
            )
            config.write_text(beta)
            daemon.signal(signal.SIGHUP)
            wait_for((tmp_path / "beta.conf").exists, 15, "the added domain's file")
            wait_for(lambda: len(read_state(state_file).get("domains", {})) == 2, 10, "two domains in the state")
            status, took = daemon.stop()
            assert status == 0 and took < 5
            assert notify.has("STOPPING=1")
        finally:
            daemon.close()
            notify.close()
        lines = daemon.log.splitlines()
        entries = [json.loads(line) for line in lines]  # every line is one JSON object
        assert any(e["level"] == "error" and "reload refused" in e["message"] for e in entries)
        assert_no_token(
            standin.issued_tokens(),
            {"daemon log": daemon.log, "state file": state_file.read_text(), "metrics": metrics},
        )


def test_a_bad_config_at_start_exits_2(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("domains: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "codeartifact_refresher", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("expected 'domains:', a list of at least one domain")


@pytest.mark.timing
def test_sigterm_does_not_wait_for_a_hanging_aws_call(tmp_path, home):
    with StandIn(token_lifetime=900, latency=60) as standin:  # every API call hangs for a minute
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        try:
            wait_for(lambda: standin.received["GetAuthorizationToken"], 30, "the first call to hang")
            status, took = daemon.stop()
        finally:
            daemon.close()
    assert status == 0 and took < 10, (status, took)
    assert "left 1 refresh(es) waiting on AWS; no file write was in progress" in daemon.log
    assert not (home / ".config" / "pip" / "pip.conf").exists()


@pytest.mark.timing
def test_a_flood_of_sighup_and_sigusr1_neither_kills_the_daemon_nor_floods_aws(tmp_path, home):
    """Signals as fast as one process can send them for two seconds (a handler interrupting
    another, and the loop's wait): the daemon lives on, refreshes each domain at most once every
    few seconds, and stops cleanly on SIGTERM."""
    with StandIn(token_lifetime=900) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        try:
            wait_for(lambda: "ready:" in daemon.log, 30, "the first round")
            sent, started = 0, time.monotonic()
            while time.monotonic() - started < 2 and daemon.proc.poll() is None:
                daemon.signal(signal.SIGUSR1 if sent % 2 else signal.SIGHUP)
                sent += 1
            alive = daemon.proc.poll() is None
            assert alive, f"the daemon died after {sent} signals:\n{daemon.log[-2000:]}"
            wait_for(lambda: standin.calls["GetAuthorizationToken"] >= 2, 15, "the refresh SIGUSR1 asked for")
            calls, span = standin.calls["GetAuthorizationToken"], time.monotonic() - started
            status, _ = daemon.stop()
        finally:
            daemon.close()
    assert status == 0 and "Traceback" not in daemon.log and "reloaded" in daemon.log
    assert calls <= 2 + span // MANUAL_EVERY, f"{calls} token calls for {sent} signals in {span:.1f} s"


@pytest.mark.timing
def test_a_second_daemon_for_the_same_state_file_refuses_to_start_naming_the_first(tmp_path, home):
    with StandIn(token_lifetime=900) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, PIP_TARGET)
        first = DaemonProcess(config, tmp_path / "first.log")
        try:
            wait_for(lambda: "ready:" in first.log, 30, "the first daemon's first round")
            second = subprocess.run(
                [sys.executable, "-m", "codeartifact_refresher", "run", "--config", str(config)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 1 and len(second.stderr.strip().splitlines()) == 1, second.stderr
            assert f"another codeartifact-refresher daemon (pid {first.proc.pid}) already runs" in second.stderr
            assert first.proc.poll() is None and first.stop()[0] == 0
        finally:
            first.close()
        again = DaemonProcess(config, tmp_path / "again.log")  # the lock went with the first process
        try:
            wait_for(lambda: "ready:" in again.log, 30, "a daemon after the first stopped")
            assert again.stop()[0] == 0
        finally:
            again.close()
    # the token the first left is live: the second is ready at once and spreads its refresh (pacing)
    assert standin.calls["GetAuthorizationToken"] == 1
