"""Commands run after a refresh changed files: ``on_change`` on a target or a domain.

A hook is an argv list (no shell), started in its own process group with stdin closed, and
killed with its children when it outlives its timeout. Its environment is ours (which never holds
a token) plus ``CODEARTIFACT_REFRESHER_DOMAIN``, ``..._OWNER``, ``..._EXPIRES_AT`` (ISO 8601)
and ``..._FILES`` (the changed files, joined with ``os.pathsep``). Its failure is logged, with the
last line it printed, and never stops the daemon.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
from collections.abc import Iterable

from .. import log

logger = logging.getLogger(__name__)
PREFIX = "CODEARTIFACT_REFRESHER_"


def environment(domain, expires_at, paths: Iterable) -> dict:
    env = dict(os.environ)
    env.update(
        {
            PREFIX + "DOMAIN": domain.domain,
            PREFIX + "OWNER": domain.owner or "",
            PREFIX + "EXPIRES_AT": expires_at.isoformat() if expires_at else "",
            PREFIX + "FILES": os.pathsep.join(str(p) for p in paths),
        }
    )
    return env


def run(argv: tuple[str, ...], timeout: float, env: dict, label: str) -> bool:
    """Run one hook; True when it exited 0. Never raises for the hook's own failure."""
    name = f"{label}: hook {argv[0]}"
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as e:
        logger.error("%s: cannot start: %s", name, e.strerror or e)
        return False
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        logger.error("%s: killed after %gs without finishing", name, timeout)
        return False
    last = _last_line(output)
    if proc.returncode != 0:
        logger.error("%s: exited with status %s%s", name, proc.returncode, f": {last}" if last else "")
        return False
    logger.info("%s: done", name)
    return True


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # a grandchild left the group, holding the pipe
        proc.communicate(timeout=5)


def _last_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return log.redact(lines[-1][:200]) if lines else ""
