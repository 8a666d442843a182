import os
import sys
import time

from codeartifact_refresher import config, refresh
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.writers.registry import Registry

from ..conftest import write_config

PY = sys.executable
RECORD = """\
import os, sys
with open(sys.argv[1], "a") as f:
    f.write(os.environ["CODEARTIFACT_REFRESHER_FILES"] + "\\n" + repr(sorted(os.environ.items())) + "\\n")
"""


def recorder(tmp_path, log) -> str:
    script = tmp_path / "record.py"
    script.write_text(RECORD)
    return f"[{PY}, {script}, {log}]"


def run(path):
    registry = Registry()
    return refresh.refresh_all(config.load(path, registry), Clients(), registry)


def targets(hook_for_pip: str = "", hook_for_npm: str = "") -> str:
    return (
        "      - writer: pip\n        repository: pypi-store\n"
        + hook_for_pip
        + "      - writer: npm\n        repository: npm-store\n"
        + hook_for_npm
    )


def test_target_and_domain_hooks_run_after_a_change_only(standin, tmp_path, home):
    log = tmp_path / "hooks.log"
    pip_hook = f"        on_change: {recorder(tmp_path, log)}\n"
    domain_hook = f"    on_change: {recorder(tmp_path, str(log) + '.domain')}\n"
    path = write_config(tmp_path / "c.yaml", standin, targets(pip_hook), extra=domain_hook)
    [report] = run(path)
    assert report.ok
    lines = log.read_text().splitlines()
    assert lines[0] == str(home / ".config" / "pip" / "pip.conf")
    domain_lines = (tmp_path / "hooks.log.domain").read_text().splitlines()
    assert domain_lines[0] == os.pathsep.join([str(home / ".config/pip/pip.conf"), str(home / ".npmrc")])
    env = dict(eval(domain_lines[1]))
    assert env["CODEARTIFACT_REFRESHER_DOMAIN"] == "acme" and env["CODEARTIFACT_REFRESHER_OWNER"] == standin.account
    token = (home / ".npmrc").read_text().rsplit("_authToken=", 1)[1].strip()
    assert token not in domain_lines[1] and token not in lines[1]


def test_a_hook_is_not_run_when_nothing_changed(standin, tmp_path, home, monkeypatch):
    log = tmp_path / "hooks.log"
    hook = f"        on_change: {recorder(tmp_path, log)}\n"
    path = write_config(tmp_path / "c.yaml", standin, targets(hook))
    run(path)
    # same token again: nothing changes
    token_file = home / ".config" / "pip" / "pip.conf"
    before = token_file.read_text()
    monkeypatch.setattr(refresh, "_apply", lambda d, t, *a: refresh.TargetResult(t, refresh.UNCHANGED))
    run(path)
    assert token_file.read_text() == before and len(log.read_text().splitlines()) == 2


def test_a_failing_hook_is_logged_with_its_last_line_and_is_not_fatal(standin, tmp_path, home, caplog):
    hook = f"        on_change: [{PY}, -c, \"import sys; print('first'); print('reload failed: no such unit'); sys.exit(3)\"]\n"
    [report] = run(write_config(tmp_path / "c.yaml", standin, targets(hook)))
    assert report.ok
    assert f"acme ({standin.account}): hook {PY}: exited with status 3: reload failed: no such unit" in caplog.text


def test_a_hook_that_hangs_is_killed_with_its_children(standin, tmp_path, home, caplog):
    pidfile = tmp_path / "child.pid"
    script = (
        f"import subprocess, time; p = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    hook = f'        on_change: [{PY}, -c, "{script}"]\n'
    path = write_config(tmp_path / "c.yaml", standin, targets(hook), extra="    hook_timeout: 1\n")
    started = time.monotonic()
    [report] = run(path)
    assert report.ok and time.monotonic() - started < 10
    assert f"hook {PY}: killed after 1s without finishing" in caplog.text
    child = int(pidfile.read_text())
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)  # the kernel reaps the orphan; poll briefly
    else:
        raise AssertionError("the hook's child outlived the timeout")


def test_a_hook_that_cannot_start_is_logged(standin, tmp_path, home, caplog):
    hook = "        on_change: [/nonexistent/reload-me]\n"
    [report] = run(write_config(tmp_path / "c.yaml", standin, targets(hook)))
    assert report.ok and "hook /nonexistent/reload-me: cannot start: No such file or directory" in caplog.text
