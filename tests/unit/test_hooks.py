import ast
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from codeartifact_refresher import cli, config, refresh
from codeartifact_refresher import hooks as hooks_module
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.hooks import output as hook_output
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
    env = dict(ast.literal_eval(domain_lines[1]))
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


def script(tmp_path, name: str, code: str, *args) -> str:
    """A Python hook as a YAML flow list: the script ``code`` in a file, then ``args``."""
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    return "[" + ", ".join([PY, str(path), *map(str, args)]) + "]"


def test_a_failing_hook_fails_the_refresh_with_its_last_line(standin, tmp_path, home, capsys):
    code = "import sys; print('first'); print('reload failed: no such unit'); sys.exit(3)\n"
    hook = f"        on_change: {script(tmp_path, 'fail', code)}\n"
    path = write_config(tmp_path / "c.yaml", standin, targets(hook))
    assert cli.main(["refresh", "--config", str(path)]) == 1  # as certbot fails a run whose deploy hook failed
    command = hooks_module.describe((PY, f"{tmp_path}/fail.py"))
    assert command.endswith("fail.py")  # however long the directories: the script stays in view
    shown = f"acme ({standin.account}): hook {command}: exited with status 3: reload failed: no such unit"
    err = capsys.readouterr().err
    assert shown in err and "1 hook(s) failed; 1 of 1 domains had failures" in err
    state = json.loads(next((home / ".local" / "state").rglob("state.json")).read_text())
    [entry] = state["domains"].values()
    assert entry["last_error"] == shown.split("): ", 1)[1] and entry["failures"] == 1


def test_two_hooks_of_one_program_are_told_apart_in_the_log(standin, tmp_path, home, caplog):
    hooks = targets("        on_change: [/bin/sh, -c, 'exit 3']\n", "        on_change: [/bin/sh, -c, 'exit 4']\n")
    [_report] = run(write_config(tmp_path / "c.yaml", standin, hooks))
    assert "hook /bin/sh -c 'exit 3': exited with status 3" in caplog.text
    assert "hook /bin/sh -c 'exit 4': exited with status 4" in caplog.text
    long = hooks_module.describe(("/bin/sh", "-c", "x" * 5000))
    assert len(long) == hooks_module.ARGV_CHARS and long.startswith("/bin/sh -c") and "..." in long
    deep = "/" + "/".join(["d" * 30] * 6)
    shown = hooks_module.describe((deep + "/python3", deep + "/hook-a.py", "--name", "x"))
    assert shown == ".../python3 .../hook-a.py --name x"  # long paths by their last part


def test_a_hook_that_hangs_is_killed_with_its_children_and_its_last_output_shown(standin, tmp_path, home, caplog):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "print('waiting for the lock', flush=True)\n"
        "time.sleep(60)\n"
    )
    hook = f"        on_change: {script(tmp_path, 'hang', code)}\n"
    path = write_config(tmp_path / "c.yaml", standin, targets(hook), extra="    hook_timeout: 1\n")
    started = time.monotonic()
    [report] = run(path)
    assert not report.ok and time.monotonic() - started < 10
    assert "hang.py: killed after 1s without finishing: waiting for the lock" in caplog.text
    assert_gone(int(pidfile.read_text()))


def assert_gone(pid: int) -> None:
    for _ in range(250):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)  # the kernel reaps the orphan; poll briefly
    raise AssertionError(f"process {pid} is still there")


def test_a_hook_that_leaves_a_service_running_is_done_and_the_service_lives(standin, tmp_path, home, caplog):
    """The service inherits the output pipe and keeps printing: the hook is still done when its
    own process exits, and the service's writes do not fail."""
    pidfile = tmp_path / "service.pid"
    service = "import time\nwhile True:\n    print('serving', flush=True)\n    time.sleep(0.01)\n"
    (tmp_path / "service.py").write_text(service)
    code = (
        "import subprocess\n"
        f"p = subprocess.Popen([{PY!r}, {str(tmp_path / 'service.py')!r}])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "print('started')\n"
    )
    hook = f"        on_change: {script(tmp_path, 'start', code)}\n"
    path = write_config(tmp_path / "c.yaml", standin, targets(hook), extra="    hook_timeout: 5\n")
    caplog.set_level(logging.INFO, "codeartifact_refresher")
    started = time.monotonic()
    [report] = run(path)
    pid = int(pidfile.read_text())
    try:
        assert report.ok and time.monotonic() - started < 4, caplog.text
        assert "start.py: done" in caplog.text and "killed" not in caplog.text
        time.sleep(0.3)  # the service prints a few more lines into the pipe we still drain
        assert _alive(pid), "the hook's service was killed"
    finally:
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not): /proc on Linux, ``ps`` where there is no /proc (macOS)."""
    if not os.path.isdir("/proc/self"):
        done = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, timeout=30)
        return done.returncode == 0 and done.stdout.strip()[:1] not in ("", "Z")
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_a_hook_that_keeps_printing_is_kept_to_a_bounded_tail(tmp_path, caplog):
    """20 MB of output, then a last line: memory stays bounded, and the last line is shown."""
    code = "import sys\nfor _ in range(20 * 1024):\n    sys.stdout.write('y' * 1023 + '\\n')\nprint('the end')\nsys.exit(1)\n"
    (tmp_path / "yes.py").write_text(code)
    tracemalloc.start()
    try:
        failure = hooks_module.run((PY, str(tmp_path / "yes.py")), 30, dict(os.environ), "t", hooks_module.Running())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failure is not None and failure.endswith("exited with status 1: the end")
    assert peak < 4 * hook_output.TAIL_BYTES + 1024 * 1024, f"{peak} bytes at the peak"


def test_a_hook_that_cannot_start_fails_the_refresh(standin, tmp_path, home, caplog):
    program = tmp_path / "reload-me"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    registry = Registry()
    cfg = config.load(
        write_config(tmp_path / "c.yaml", standin, targets(f"        on_change: [{program}]\n")), registry
    )
    program.unlink()  # removed after the config was checked
    [report] = refresh.refresh_all(cfg, Clients(), registry)
    assert not report.ok and f"hook {hooks_module.describe((str(program),))}: cannot start: No such file" in caplog.text


def test_a_failed_hook_runs_again_on_the_next_refresh_until_it_succeeds(standin, tmp_path, home, monkeypatch):
    log, marker = tmp_path / "runs.log", tmp_path / "fixed"
    code = (
        "import os, sys\n"
        f"open({str(log)!r}, 'a').write(os.environ['CODEARTIFACT_REFRESHER_FILES'] + '\\n')\n"
        f"sys.exit(0 if os.path.exists({str(marker)!r}) else 5)\n"
    )
    hook = f"        on_change: {script(tmp_path, 'flaky', code)}\n"
    registry = Registry()
    cfg = config.load(write_config(tmp_path / "c.yaml", standin, targets(hook)), registry)
    [domain], clients, pending = cfg.domains, Clients(), hooks_module.Pending()
    assert not refresh.refresh_domain(domain, clients, registry, pending=pending).ok
    monkeypatch.setattr(refresh, "_apply", lambda d, t, *a: refresh.TargetResult(t, refresh.UNCHANGED))
    assert not refresh.refresh_domain(domain, clients, registry, pending=pending).ok  # nothing changed: owed still
    marker.touch()
    assert refresh.refresh_domain(domain, clients, registry, pending=pending).ok
    assert refresh.refresh_domain(domain, clients, registry, pending=pending).ok  # paid: not run again
    pip_conf = str(home / ".config" / "pip" / "pip.conf")
    assert log.read_text().splitlines() == [pip_conf] * 3 and not pending.owed(domain)


def _started(argv: tuple[str, ...], gate: refresh.Gate, pidfile: Path) -> tuple[threading.Thread, list[str | None]]:
    """The hook ``argv`` running under ``gate`` on a thread of its own (its result, once it ends, in
    the list), once it has written its pid to ``pidfile``."""
    result: list[str | None] = []
    worker = threading.Thread(
        target=lambda: result.append(hooks_module.run(argv, 60, dict(os.environ), "t", gate.hooks))
    )
    worker.start()
    for _ in range(250):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.02)  # the hook starts in another process: wait for it to say so
    return worker, result


def test_a_stopping_program_ends_a_hook_that_ignores_sigterm(tmp_path):
    pidfile = tmp_path / "hook.pid"
    argv = ("/bin/sh", "-c", f"trap '' TERM; echo $$ > {pidfile}; echo waiting; exec sleep 60")
    gate = refresh.Gate(hook_grace=0.5)
    worker, result = _started(argv, gate, pidfile)
    started = time.monotonic()
    assert gate.close(5)
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - started < 4
    assert result[0].endswith("stopped with the daemon: waiting")
    assert_gone(int(pidfile.read_text()))
    assert hooks_module.run(argv, 60, dict(os.environ), "t", gate.hooks).endswith("not run: stopping")


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.timing
def test_a_stopping_program_kills_the_group_of_a_hook_whose_own_process_obeyed_sigterm(tmp_path):
    """The hook's own process exits on SIGTERM; its child ignores SIGTERM and would outlive it:
    SIGKILL after the grace reaches the group all the same, leader gone."""
    pidfile = tmp_path / "hook.pid"
    argv = ("/bin/sh", "-c", f"(trap '' TERM; exec sleep 1000) & echo $$ > {pidfile}; echo waiting; wait")
    gate = refresh.Gate(hook_grace=0.3)
    worker, result = _started(argv, gate, pidfile)
    pgid = int(pidfile.read_text())
    time.sleep(0.1)  # let the shell reach `wait` (the child has trapped TERM by then)
    try:
        started = time.monotonic()
        assert gate.close(5)
        worker.join(5)
        assert not worker.is_alive() and result[0].endswith("stopped with the daemon: waiting")
        for _ in range(100):
            if _group_gone(pgid):
                break
            time.sleep(0.02)  # the orphaned child is reaped by init once killed
        assert _group_gone(pgid), "a process of the hook's group outlived the stop"
        assert time.monotonic() - started < 0.3 + 10, "the grace, not the hook's 60 s timeout, bounds the stop"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def test_a_hook_owed_across_a_reload_is_told_of_the_targets_as_the_config_has_them_now():
    """A reload that moved a target's line, or removed a target, while a hook was owed: the hook
    is told of each target once, and not of one the config no longer has."""
    import dataclasses
    from pathlib import Path

    from codeartifact_refresher.config import Domain, Target
    from codeartifact_refresher.outputs import FileOutput
    from codeartifact_refresher.writers.base import MAIN

    hook = ("/bin/true",)
    pip = Target("pip", "r1", ((MAIN, FileOutput(Path("/x/pip.conf"))),), line=5)
    npm = Target("npm", "r2", ((MAIN, FileOutput(Path("/x/.npmrc"))),), line=8)
    pending = hooks_module.Pending()
    pending.owe(Domain("acme", (pip, npm), on_change=hook), hook, [pip, npm])
    moved = dataclasses.replace(pip, line=6)  # a line added above it; the npm target removed
    reloaded = Domain("acme", (moved,), on_change=hook)
    jobs = hooks_module.jobs(reloaded, [moved], pending.take(reloaded))
    env = hooks_module.environment(reloaded, None, jobs[hook])
    assert env["CODEARTIFACT_REFRESHER_TARGETS"] == "pip r1 /x/pip.conf"
    assert env["CODEARTIFACT_REFRESHER_FILES"] == "/x/pip.conf"
