"""The daemon and its hooks: a failed hook is retried with the domain's backoff until it
succeeds, and stopping ends a hook that ignores SIGTERM."""

import logging
import os
import sys
import threading
import time

import pytest

from codeartifact_refresher import refresh
from codeartifact_refresher.service.planner import RETRY_CAP

from .test_daemon import key_of, make
from .test_hooks import assert_gone, targets

FLAKY = """
import os, sys
with open(sys.argv[1], "a") as f:
    f.write(os.environ["CODEARTIFACT_REFRESHER_FILES"] + "\\n")
sys.exit(0 if os.path.exists(sys.argv[2]) else 5)
"""


@pytest.fixture
def clocks(clock):
    return clock


@pytest.fixture
def server(standin):
    standin.token_lifetime = 3600
    return standin


def test_a_failed_hook_is_retried_with_the_backoff_until_it_succeeds(tmp_path, server, clocks, home, monkeypatch):
    runs, fixed, hook = tmp_path / "runs.log", tmp_path / "fixed", tmp_path / "flaky.py"
    hook.write_text(FLAKY)
    daemon = make(
        tmp_path, server, clocks, targets(f"        on_change: [{sys.executable}, {hook}, {runs}, {fixed}]\n")
    )
    key = key_of(daemon)
    daemon.scheduler.run_due(daemon)  # writes the files; the hook fails
    entry = daemon.state.get(daemon.domains[key])
    assert entry.failures == 1 and "flaky.py" in entry.last_error and "exited with status 5" in entry.last_error
    delay = daemon.scheduler.pending[key] - clocks.wall()
    assert delay < RETRY_CAP / 2  # the backoff, not 75% of the token's hour
    # the retries find the files as they are: the hook runs because it is owed, not for a change
    monkeypatch.setattr(refresh, "_apply", lambda d, t, *a: refresh.TargetResult(t, refresh.UNCHANGED))
    clocks.run(delay)
    assert daemon.scheduler.run_due(daemon) == [key]
    assert entry.failures == 2 and daemon.scheduler.pending[key] - clocks.wall() < RETRY_CAP
    fixed.touch()
    clocks.run(daemon.scheduler.pending[key] - clocks.wall())
    daemon.scheduler.run_due(daemon)
    assert entry.failures == 0 and entry.last_error is None
    assert daemon.scheduler.pending[key] - clocks.wall() > 0.7 * 3600  # back on the token's schedule
    clocks.run(daemon.scheduler.pending[key] - clocks.wall())
    daemon.scheduler.run_due(daemon)  # nothing owed, nothing changed: the hook does not run
    assert runs.read_text().splitlines() == [str(home / ".config" / "pip" / "pip.conf")] * 3


def test_stop_ends_a_hook_that_ignores_sigterm_and_blames_nobody(tmp_path, server, clocks, home, caplog):
    pidfile = tmp_path / "hook.pid"
    hook = f"        on_change: [/bin/sh, -c, 'trap \"\" TERM; echo $$ > {pidfile}; exec sleep 60']\n"
    daemon = make(tmp_path, server, clocks, targets(hook))
    caplog.set_level(logging.INFO, "codeartifact_refresher")
    job = threading.Thread(target=daemon.scheduler.run_due, args=(daemon,))
    job.start()
    for _ in range(500):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.02)  # the refresh writes its files, then starts the hook
    started = time.monotonic()
    assert daemon.stop(), "a refresh was left running"
    job.join(5)
    assert not job.is_alive() and time.monotonic() - started < 5
    assert_gone(int(pidfile.read_text()))
    assert "stopped with the daemon" in caplog.text and "waiting on AWS" not in caplog.text
    assert os.path.exists(home / ".npmrc")
