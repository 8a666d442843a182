"""``exec`` as users run it: the real CLI in a subprocess, a real child, real signals, the stand-in."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from codeartifact_refresher.agent.live import MARGIN
from codeartifact_refresher.testing import StandIn, packages

from ..conftest import write_config
from ..leaks import assert_no_token
from .clients import client_env
from .daemon_process import DaemonProcess, wait_for

pytestmark = pytest.mark.e2e

TARGETS = """\
      - writer: pip
        repository: pypi-store
      - writer: npm
        repository: npm-store
"""

#: the child: records its pid, token and index, then each signal it gets, one JSON line each, to
#: argv[1]; argv[2] is "record" (exits 42 on SIGTERM), "stubborn" (ignores SIGTERM for ever),
#: or "exit N" (exits N at once)
CHILD = r"""
import json, os, signal, sys, time
out, mode = sys.argv[1], sys.argv[2]
def note(**kw):
    with open(out, "a") as f:
        f.write(json.dumps({"pid": os.getpid(), **kw}) + "\n")
note(token=os.environ.get("CODEARTIFACT_AUTH_TOKEN"), pip=os.environ.get("PIP_INDEX_URL"),
     npm=os.environ.get("NPM_CONFIG_REGISTRY"),
     npm_auth=[k for k in os.environ if k.startswith("NPM_CONFIG_//")])
if mode.startswith("exit"):
    sys.exit(int(mode.split()[1]))
def on(signum, frame):
    note(signal=signum)
    if signum == signal.SIGTERM and mode == "record":
        sys.exit(42)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
    signal.signal(s, on)
note(ready=True)
while True:
    time.sleep(0.05)
"""


def exec_cmd(config: Path | None, *args: str) -> list[str]:
    where = ["--config", str(config)] if config else []
    return [sys.executable, "-m", "codeartifact_refresher", "-v", "exec", *where, *args]


def records(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []


class CmdlineWatch:
    """Reads every process's /proc/PID/cmdline every few milliseconds while the test runs."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CmdlineWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit():
                    try:
                        self.seen.add((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
                    except OSError:
                        continue
            time.sleep(0.02)

    @property
    def text(self) -> str:
        return "\n".join(sorted(self.seen))


@pytest.fixture
def child(tmp_path) -> Path:
    path = tmp_path / "child.py"
    path.write_text(CHILD)
    return path


@pytest.fixture
def short_standin():
    with StandIn(token_lifetime=4) as server:
        server.add_repository("acme", "pypi-store", "pypi")
        server.add_repository("acme", "npm-store", "npm")
        yield server


def test_without_a_daemon_the_child_gets_a_direct_fetch_and_we_exit_with_its_status(tmp_path, standin, child):
    """No daemon: one GetAuthorizationToken, the child sees the live token, pip's index with it
    and npm's registry and auth variable; exec exits with the child's own status."""
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [*exec_cmd(config), "--", sys.executable, str(child), str(out), "exit 7"], capture_output=True, text=True
    )
    assert done.returncode == 7, done.stderr
    [first] = records(out)
    [token] = standin.issued_tokens()
    assert first["token"] == token and standin.calls["GetAuthorizationToken"] == 1
    assert first["pip"].endswith("/acme-111122223333/pypi/pypi-store/simple/") and token in first["pip"]
    assert first["npm"].endswith("/acme-111122223333/npm/npm-store/")
    assert first["npm_auth"] == [f"NPM_CONFIG_{first['npm'].split(':', 1)[1]}:_authToken"]
    assert_no_token(standin.issued_tokens(), {"exec's output": done.stdout + done.stderr})


def test_a_child_ended_by_a_signal_gives_128_plus_its_number(tmp_path, standin):
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    kill_self = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    done = subprocess.run([*exec_cmd(config), "--", sys.executable, "-c", kill_self], capture_output=True, text=True)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr


FORWARDED = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTERM")


def test_signals_sent_to_exec_reach_the_child_and_its_status_is_ours(tmp_path, standin, child):
    """Each forwarded signal, sent to exec (not to its group), reaches the child in order; the
    child exits 42 on SIGTERM and so does exec."""
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([*exec_cmd(config), "--", sys.executable, str(child), str(out), "record"])
    try:
        wait_for(lambda: any(r.get("ready") for r in records(out)), 30, "the child's handlers")
        for name in FORWARDED:
            proc.send_signal(getattr(signal, name))
            wait_for(lambda n=name: getattr(signal, n) in [r.get("signal") for r in records(out)], 10, name)
        status = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    got = [r["signal"] for r in records(out) if "signal" in r]
    assert got == [getattr(signal, name) for name in FORWARDED]
    assert status == 42


@pytest.mark.timing
def test_restart_on_change_kills_a_stubborn_child_after_the_grace_and_starts_it_with_the_new_token(
    tmp_path, short_standin, child
):
    """4-second tokens, no daemon: exec fetches again at 3 s, the child ignores SIGTERM, gets
    SIGKILL after the 0.5 s grace, and a new child starts with the new token; no process's
    arguments hold a token meanwhile."""
    config = write_config(tmp_path / "config.yaml", short_standin, TARGETS)
    out = tmp_path / "out.jsonl"
    argv = ["--restart-on-change", "--poll", "0.2", "--grace", "0.5", "--"]
    with CmdlineWatch() as watch:
        proc = subprocess.Popen([*exec_cmd(config), *argv, sys.executable, str(child), str(out), "stubborn"])
        try:
            wait_for(lambda: len({r["pid"] for r in records(out) if "token" in r}) >= 3, 30, "two restarts")
            proc.send_signal(signal.SIGTERM)  # the current child ignores it: exec waits for it
            time.sleep(0.5)
            assert proc.poll() is None
            starts = [r for r in records(out) if "token" in r]
            os.kill(starts[-1]["pid"], signal.SIGKILL)
            status = proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
    starts = [r for r in records(out) if "token" in r]
    tokens = [r["token"] for r in starts]
    assert len(set(tokens)) == len(tokens) and set(tokens) <= set(short_standin.issued_tokens())
    first = starts[0]["pid"]
    assert {"pid": first, "signal": signal.SIGTERM} in records(out)  # asked first...
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # ...then killed
    assert status == 128 + signal.SIGKILL
    assert_no_token(short_standin.issued_tokens(), {"every process's arguments": watch.text})


def test_real_pip_and_npm_authenticate_with_exec_variables_alone(tmp_path, standin, home):
    """No file written: pip download and npm view through the variables exec sets."""
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    env = {**client_env(home), **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}  # exec's own
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", str(tmp_path / "dl")]
    done = subprocess.run(
        [*exec_cmd(config), "--", *pip, packages.DEMO_NAME], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    npm = ["npm", "view", packages.DEMO_NAME, "version"]
    done_npm = subprocess.run([*exec_cmd(config), "--", *npm], env=env, capture_output=True, text=True, timeout=180)
    assert done_npm.returncode == 0 and done_npm.stdout.strip() == packages.DEMO_VERSION, done_npm.stderr
    assert standin.calls["pypi:refused"] == 0 and standin.calls["npm:refused"] == 0
    assert standin.calls["pypi:authorized"] and standin.calls["npm:authorized"]  # not the public registries
    assert not (home / ".config" / "pip" / "pip.conf").exists() and not (home / ".npmrc").exists()
    assert list((tmp_path / "dl").iterdir())


@pytest.fixture
def sock_dir():
    """A short directory for the agent's socket (a Unix socket's path is at most 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="exe-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.timing
def test_with_a_daemon_exec_asks_it_and_restarts_the_child_on_each_new_token(tmp_path, sock_dir, child):
    """A real `run` with 125-second tokens, which it hands out while they outlive its 120-second
    margin: once one no longer does, exec's next look makes the daemon refresh first, and exec
    restarts the child with the new token. exec's own AWS key is refused by the stand-in, so every
    token came through the daemon's socket; no token in any process's arguments."""
    with StandIn(token_lifetime=MARGIN + 5, key_errors={"AKIDEXEC": "UnrecognizedClientException"}) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        standin.add_repository("acme", "npm-store", "npm")
        config = write_config(tmp_path / "config.yaml", standin, TARGETS)
        socket_env = {"CODEARTIFACT_REFRESHER_SOCKET": str(sock_dir / "a" / "agent.sock")}
        daemon = DaemonProcess(config, tmp_path / "daemon.log", env=socket_env)
        out = tmp_path / "out.jsonl"
        exec_env = {**os.environ, **socket_env, "AWS_ACCESS_KEY_ID": "AKIDEXEC"}
        argv = ["--restart-on-change", "--poll", "0.5", "--grace", "5", "--"]
        try:
            with CmdlineWatch() as watch:
                wait_for(lambda: "ready:" in daemon.log, 30, "the daemon's first round")
                proc = subprocess.Popen(
                    [*exec_cmd(config), *argv, sys.executable, str(child), str(out), "record"],
                    env=exec_env,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                wait_for(lambda: len([r for r in records(out) if "token" in r]) >= 3, 40, "two restarts")
                proc.send_signal(signal.SIGTERM)
                status = proc.wait(10)
                stderr = proc.stderr.read() if proc.stderr else ""
        finally:
            daemon.stop()
            daemon.close()
        tokens = [r["token"] for r in records(out) if "token" in r]
        issued = standin.issued_tokens()
    assert status == 42, stderr  # the child's status on SIGTERM
    assert len(set(tokens)) == len(tokens) and tokens == issued[-len(tokens) :], "each child got the newest token"
    assert "fetching directly" not in stderr and "UnrecognizedClientException" not in stderr
    assert_no_token(issued, {"every process's arguments": watch.text, "exec's log": stderr, "daemon log": daemon.log})


def test_a_command_not_found_is_127_and_no_command_is_a_usage_error(tmp_path, standin):
    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    missing = subprocess.run([*exec_cmd(config), "--", "no-such-program-here"], capture_output=True, text=True)
    assert missing.returncode == 127 and "cannot run no-such-program-here" in missing.stderr
    assert "Traceback" not in missing.stderr
    bare = subprocess.run([*exec_cmd(config), "--"], capture_output=True, text=True)
    assert bare.returncode == 2 and "no command given" in bare.stderr


def test_without_a_daemon_or_a_config_exec_says_so_in_one_line(tmp_path):
    env = {**os.environ, "CODEARTIFACT_REFRESHER_SOCKET": str(tmp_path / "none.sock")}
    done = subprocess.run([*exec_cmd(None), "--", "true"], capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stderr
    assert "no daemon is listening" in done.stderr and "no config to fetch a token with" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_terminals_ctrl_c_reaches_the_child_once_not_twice(tmp_path, standin, child):
    """exec and the child share the terminal's foreground group: the terminal signals both, and
    exec does not send the child a second SIGINT."""
    import fcntl
    import pty
    import termios

    config = write_config(tmp_path / "config.yaml", standin, TARGETS)
    out = tmp_path / "out.jsonl"
    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # in exec's process, a session leader (start_new_session)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [*exec_cmd(config), "--", sys.executable, str(child), str(out), "record"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=controlling_terminal,
    )
    os.close(slave)
    try:
        wait_for(lambda: any(r.get("ready") for r in records(out)), 30, "the child's handlers")
        os.write(master, b"\x03")  # ^C: the terminal sends SIGINT to its foreground group
        wait_for(lambda: signal.SIGINT in [r.get("signal") for r in records(out)], 10, "SIGINT")
        time.sleep(1)  # a second, forwarded copy would have come by now
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    got = [r["signal"] for r in records(out) if "signal" in r]
    assert got == [signal.SIGINT, signal.SIGTERM]
    assert status == 42


#: a child that uses its token: one authenticated GET of the pip index every 0.2 s, each status
#: recorded; it ends on SIGTERM
PROBER = r"""
import base64, json, os, signal, sys, time, urllib.error, urllib.request
out, url = sys.argv[1], sys.argv[2]
token = os.environ["CODEARTIFACT_AUTH_TOKEN"]
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
auth = "Basic " + base64.b64encode(f"aws:{token}".encode()).decode()
while True:
    try:
        status = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": auth})).status
    except urllib.error.HTTPError as e:
        status = e.code
    with open(out, "a") as f:
        f.write(json.dumps({"pid": os.getpid(), "token": token, "status": status, "at": time.time()}) + "\n")
    time.sleep(0.2)
"""


@pytest.mark.slow
@pytest.mark.timing
def test_a_child_that_outlives_a_token_always_holds_a_live_one_through_the_daemon(tmp_path, sock_dir):
    """A real `run` with tokens of 125 s, a child using its token five times a second for longer
    than one token's life: every request authenticated, though the first token did expire (the
    stand-in refuses it at the end); exec restarted the child with each newer token."""
    with StandIn(token_lifetime=MARGIN + 5) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        config = write_config(tmp_path / "config.yaml", standin, "      - {writer: pip, repository: pypi-store}\n")
        socket_env = {"CODEARTIFACT_REFRESHER_SOCKET": str(sock_dir / "a" / "agent.sock")}
        daemon = DaemonProcess(config, tmp_path / "daemon.log", env=socket_env)
        prober, out = tmp_path / "prober.py", tmp_path / "out.jsonl"
        prober.write_text(PROBER)
        index = f"{standin.url}/acme-{standin.account}/pypi/pypi-store/simple/"
        argv = ["--restart-on-change", "--poll", "1", "--"]
        try:
            wait_for(lambda: "ready:" in daemon.log, 30, "the daemon's first round")
            started = time.time()
            proc = subprocess.Popen(
                [*exec_cmd(config), *argv, sys.executable, str(prober), str(out), index],
                env={**os.environ, **socket_env},
            )
            while time.time() < started + MARGIN + 10:  # past the first token's end
                time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            status = proc.wait(10)
        finally:
            daemon.stop()
            daemon.close()
        probes = records(out)
        first = probes[0]["token"]
        auth = "Basic " + base64.b64encode(f"aws:{first}".encode()).decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(index, headers={"Authorization": auth}))
    assert refused.value.code == 401  # the first token is dead now...
    assert probes[-1]["at"] - probes[0]["at"] > MARGIN + 5  # ...and the child ran past its life
    assert [p for p in probes if p["status"] != 200] == []  # every request went through
    assert len({p["token"] for p in probes}) >= 3 and status == 0
