"""The token goes into the target files and nowhere else. Every command, and the daemon, run at
debug level through successes and failures; then every place a token could escape to is searched
for every token the stand-in ever issued (and their URL-quoted forms)."""

from __future__ import annotations

import gc
import json
import logging
import re
import signal
import sys
from pathlib import Path

import pytest

from codeartifact_refresher import cli, log
from codeartifact_refresher.aws.tokens import Clients, Token
from codeartifact_refresher.config import load
from codeartifact_refresher.refresh import refresh_all
from codeartifact_refresher.testing import StandIn
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config
from ..e2e.daemon_process import DaemonProcess, wait_for
from ..leaks import assert_no_token

# a hook that records what it was given, then fails printing the credential line of .npmrc
SPY = """
import os, pathlib, sys
out = pathlib.Path(sys.argv[1])
with out.open("a") as f:
    f.write("cmdline: " + pathlib.Path("/proc/self/cmdline").read_text() + "\\n")
    f.write("parent cmdline: " + pathlib.Path(f"/proc/{os.getppid()}/cmdline").read_text() + "\\n")
    f.write("environ: " + repr(dict(os.environ)) + "\\n")
print(next(l for l in (pathlib.Path.home() / ".npmrc").read_text().splitlines() if "_authToken" in l))
sys.exit(3)
"""


def hooked_targets(spy_out):
    hook = f"        on_change: [{sys.executable}, -c, {json.dumps(SPY)}, {spy_out}]\n"
    return ALL_TARGETS.replace("repository: npm-store\n", "repository: npm-store\n" + hook)


def recording(out: dict, capsys):
    """``run(name, *argv)``: the CLI at debug level; its stdout and stderr kept in ``out`` under ``name``."""

    def run(name, *args):
        status = cli.main(["-v", *args])
        captured = capsys.readouterr()
        out[f"{name}: stdout"], out[f"{name}: stderr"] = captured.out, captured.err
        return status

    return run


def test_every_command_through_success_and_failure(standin, tmp_path, home, capsys, monkeypatch):
    spy_out = tmp_path / "spy.txt"
    config = str(write_config(tmp_path / "config.yaml", standin, hooked_targets(spy_out)))
    out: dict[str, str] = {}

    run = recording(out, capsys)

    assert run("check", "check", "--config", config) == 0
    assert run("refresh", "refresh", "--config", config) == 1  # writes, and the hook fails: a failed run
    assert run("dry run", "refresh", "--dry-run", "--config", config) == 0  # diffs against the written token
    assert "<redacted>" in out["dry run: stdout"]
    standin.inject("GetAuthorizationToken", "ThrottlingException", 429, times=3)
    assert run("throttled", "refresh", "--config", config) == 1
    standin.key_errors["AKIDTEST"] = "AccessDeniedException"
    assert run("denied", "refresh", "--config", config) == 1
    standin.key_errors.clear()
    (home / ".pypirc").write_text("[distutils\nbroken")  # a target that cannot be parsed
    assert run("bad target", "refresh", "--config", config) == 1
    assert run("bad target dry run", "refresh", "--dry-run", "--config", config) == 1

    def boom(report, *_):
        raise RuntimeError(f"a bug holding {standin.issued_tokens()[-1]}")

    monkeypatch.setattr("codeartifact_refresher.refresh._run_hooks", boom)
    assert run("bug", "refresh", "--config", config) == 1
    monkeypatch.undo()
    assert run("status", "status", "--config", config) in (0, 1)
    assert run("status json", "status", "--json", "--config", config) in (0, 1)

    state = next((home / ".local" / "state").rglob("state.json")).read_text()
    spied = spy_out.read_text()
    assert "environ: " in spied and "exited with status 3: //" in out["refresh: stderr"]  # the hook ran and failed
    assert "<redacted>" in out["refresh: stderr"] and "<redacted>" in out["bug: stderr"]
    assert_no_token(standin.issued_tokens(), {**out, "state file": state, "hook's cmdline and environment": spied})


def test_no_token_outlives_its_refresh_in_memory(standin, tmp_path, home):
    cfg = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS))
    clients = Clients()
    reports = refresh_all(cfg, clients, Registry())
    assert all(r.ok for r in reports)
    (token,) = standin.issued_tokens()
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Token)]
    assert not log._secrets
    holders = [
        type(o).__name__ for o in gc.get_objects() if isinstance(o, (dict, list, tuple, set)) and _holds(o, token)
    ]
    assert holders == [], f"still referenced from: {holders}"
    assert token in (home / ".npmrc").read_text()  # it is in the file, where it belongs


def test_no_library_logs_a_token_even_when_the_process_logs_everything(standin, tmp_path, caplog):
    """botocore logs response bodies at DEBUG; a process (or an embedding program) that turns
    on DEBUG for every logger must still not see the token."""
    caplog.set_level(logging.DEBUG)  # the root logger, so botocore's and urllib3's lines too
    cfg = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS))
    assert all(r.ok for r in refresh_all(cfg, Clients(), Registry()))
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # the libraries did log
    assert_no_token(standin.issued_tokens(), {"every log record": "\n".join(r.getMessage() for r in caplog.records)})


def _holds(container, token) -> bool:
    try:
        values = container.values() if isinstance(container, dict) else container
        return any(isinstance(v, str) and token in v for v in values)
    except Exception:
        return False


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timing
def test_the_daemon_through_faults_and_signals(tmp_path, home):
    spy_out = tmp_path / "spy.txt"
    with StandIn(token_lifetime=2) as standin:  # a refresh every second (the daemon's MIN_DELAY)
        standin.add_repository("acme", "pypi-store", "pypi")
        standin.add_repository("acme", "npm-store", "npm")
        config = write_config(tmp_path / "config.yaml", standin, hooked_targets(spy_out))
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        try:
            wait_for(lambda: spy_out.exists() and standin.calls["GetAuthorizationToken"] >= 2, 30, "two refreshes")
            proc = Path(f"/proc/{daemon.proc.pid}")
            core = next(
                line for line in (proc / "limits").read_text().splitlines() if line.startswith("Max core file size")
            )
            assert core.split()[4:6] == ["0", "0"], core  # no core dump can hold a token
            own = {
                "daemon cmdline": (proc / "cmdline").read_text(),
                "daemon environ": (proc / "environ").read_text(errors="replace"),
            }
            standin.inject("GetAuthorizationToken", "ThrottlingException", 429, times=6)
            wait_for(lambda: "ThrottlingException" in daemon.log, 30, "a throttled call")
            (home / ".pypirc").write_text("[distutils\nbroken")
            wait_for(lambda: "cannot parse" in daemon.log, 30, "the corrupt target reported")
            daemon.signal(signal.SIGUSR1)
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reloaded" in daemon.log, 30, "the reload")
            calls = standin.calls["GetAuthorizationToken"]
            wait_for(lambda: standin.calls["GetAuthorizationToken"] >= calls + 2, 30, "more refreshes")
            status, _ = daemon.stop()
        finally:
            daemon.close()
        assert status == 0
        state = next((home / ".local" / "state").rglob("state.json")).read_text()
        assert "<redacted>" in daemon.log  # the failing hook printed a token line, and it was redacted
        assert len(standin.issued_tokens()) >= 4
        assert_no_token(
            standin.issued_tokens(),
            {
                "daemon log": daemon.log,
                "state file": state,
                "hook's cmdline and environment": spy_out.read_text(),
                **own,
            },
        )


# the user's own credentials, in the lines our entries sit beside (so in every diff's context),
# in each form the formats allow: a URL's user:password, a token alone as the user name (with and
# without a colon), every credential key
USERS_FILES = {
    ".config/pip/pip.conf": (
        "[global]\n"
        "extra-index-url = https://PIPTOKENONLY:@tokens.example.com/simple/\n"
        "    https://ghp_PIPGITHUBTOKEN@git.example.com/simple/\n"
        "    https://bob:PIPPASSWORD@other.example.com/simple/\n"
        "index-url = https://old.example.com/simple/\n"
        "find-links = https://dave:PIPFINDLINKS@links.example.com/\n"
        "proxy = http://erin:PIPPROXY@proxy.example.com:3128\n"
    ),
    ".npmrc": (
        "https-proxy=http://alice:NPMPROXYPASS@proxy.example.com:3128/\n"
        "proxy=http://NPMPROXYTOKEN:@proxy.example.com:3128/\n"
        "@other:registry=https://frank:NPMREGISTRYPASS@other.example.com/npm/\n"
        "registry=https://registry.npmjs.org/\n"
        "//other.example.com/npm/:_authToken=NPMOTHERTOKEN\n"
        "//third.example.com/:_auth=NPMBASICAUTH\n"
        "//fourth.example.com/:_password=NPMPASSWORD\n"
    ),
    ".pypirc": (
        "[distutils]\n"
        "index-servers = private\n"
        "[private]\n"
        "repository = https://carol:PYPIRCURLPASS@pypi.private.example/\n"
        "username = carol\n"
        "password = PYPIRCPASSWORD\n"
    ),
}


SECRET = r"\b(?:PIP|NPM|PYPIRC|ghp_)[A-Z_]+"


def test_dry_run_redacts_every_credential_the_users_files_hold(standin, tmp_path, home, capsys):
    for name, text in USERS_FILES.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)
    config = write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--dry-run", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    users = [w for text in USERS_FILES.values() for w in re.findall(SECRET, text)]
    assert len(users) == 13
    for line in "".join(USERS_FILES.values()).splitlines():
        secret = re.search(SECRET, line)
        if secret:  # the line was shown (as context), with the secret and nothing else redacted
            assert line.replace(secret.group(), "<redacted>") in out
    leaked = [w for w in users if w in out]
    assert not leaked, f"the user's own credentials were printed: {leaked}"
    assert_no_token(standin.issued_tokens(), {"dry run": out})


def test_the_commands_of_issue_15_show_no_token(standin, tmp_path, home, capsys):
    """login (and --dry-run, --keep-fresh), init reading files full of tokens, doctor, wait, a
    retirement's log lines, install-service and completion, at debug level: no token anywhere."""
    out: dict[str, str] = {}

    run = recording(out, capsys)

    flags = ["--domain", "acme", "--domain-owner", standin.account, "--endpoint-url", standin.url]
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    for tool_name, repository in (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store")):
        login = ["login", "--tool", tool_name, "--repository", repository, "--region", "us-east-1", *flags]
        assert run(f"login {tool_name}", *login) == 0
        assert run(f"login {tool_name} dry run", *login, "--dry-run") == 0
        assert run(f"login {tool_name} keep fresh", *login, "--keep-fresh") == 0
    assert "_authToken=" in (home / ".npmrc").read_text() and config.exists()
    assert run("init", "init", "--yes", "--region", "us-east-1", "--output", str(tmp_path / "init.yaml")) == 0, out[
        "init: stderr"
    ]
    assert run("doctor", "doctor", "--config", str(config)) in (0, 1)
    assert run("wait", "wait", "--timeout", "0", "--config", str(config)) in (0, 1)
    assert run("refresh", "refresh", "--config", str(config)) == 0  # the state file records what it wrote
    write_config(config, standin, "      - {writer: pip, repository: pypi-store}\n")  # npm and twine leave
    assert run("retire dry run", "refresh", "--dry-run", "--config", str(config)) == 0
    assert run("retire", "refresh", "--config", str(config)) == 0
    assert "left the config: its entries were removed" in out["retire: stderr"]
    assert run("install-service", "install-service", "--user", "--dry-run") == 0
    for shell in ("bash", "zsh", "fish"):
        assert run(f"completion {shell}", "completion", shell) == 0

    state = next((home / ".local" / "state").rglob("state.json")).read_text()
    configs = {"config": config.read_text(), "init's config": (tmp_path / "init.yaml").read_text()}
    assert_no_token(standin.issued_tokens(), {**out, "state file": state, **configs})
