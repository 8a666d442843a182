"""Commands run after a refresh changed files: ``on_change`` on a target or a domain.

A *hook* is an argv list (no shell), started in its own process group with stdin closed. It is
*done* when its own process exits 0: a service it starts in the background may keep running, and
keep the output pipe open (:mod:`.hook_output` goes on draining it). A hook that outlives its
timeout is killed with its process group. Its environment is ours (which never holds a token)
plus ``CODEARTIFACT_REFRESHER_DOMAIN``, ``..._OWNER``, ``..._EXPIRES_AT`` (ISO 8601) and
``..._FILES`` (the changed files, joined with ``os.pathsep``).

The program that runs is the one checked: the config's check (:func:`..config.trust.program_problem`)
is made again just before each start, on the file found then (``PATH`` looked up again), and the
process is started from that very path; a program that another user could have changed or put
earlier in ``PATH`` since the config was loaded is not run, and the hook fails saying why.

A *job* is a hook to run with the files it is told about. A hook that fails (cannot start, exits
non-zero, is killed) is logged with its last output line, fails its domain's refresh, and stays
*pending* (:class:`Pending`): it runs again on the domain's next refresh, changed files or not,
until it succeeds. :class:`Running` holds the hooks running now, so that a stopping program can
end them (SIGTERM to the group, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import output as hook_output

if TYPE_CHECKING:
    from ..config import Domain, Target

logger = logging.getLogger(__name__)
PREFIX = "CODEARTIFACT_REFRESHER_"
DRAIN = 0.5  # seconds to wait, once a hook has exited, for the end of its output
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for the hooks running when we stop
ARGV_CHARS = 120  # the most of a hook's command line that a log line shows

Argv = tuple[str, ...]
Jobs = dict[Argv, list[str]]  # hook -> the files it is told about, in the order they run


def environment(domain: Domain, expires_at: datetime | None, paths: Iterable[str | Path]) -> dict[str, str]:
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


def describe(argv: Sequence[str]) -> str:
    """The command line as a shell would show it, credentials redacted, at most
    :data:`ARGV_CHARS` characters: a long absolute path shown by its last part (``.../fail.py``),
    what still does not fit cut from the middle, so that the program and its last arguments,
    which tell two hooks apart, stay in view whatever directory they live in."""
    text = hook_output.redact(shlex.join(_short(arg) for arg in argv))
    if len(text) <= ARGV_CHARS:
        return text
    head = ARGV_CHARS // 3
    return text[:head] + "..." + text[len(text) - (ARGV_CHARS - head - 3) :]


PATH_CHARS = 40  # an absolute path longer than this is shown by its last part


def _short(arg: str) -> str:
    if len(arg) <= PATH_CHARS or not arg.startswith("/") or any(c.isspace() for c in arg):
        return arg
    return ".../" + arg.rstrip("/").rsplit("/", 1)[-1]


def jobs(domain: Domain, changed: Iterable[Target], pending: Jobs) -> Jobs:
    """Each changed target's hook, then the domain's, then those ``pending``: each command once,
    told about every file it is run for."""
    changed = list(changed)
    wanted: list[tuple[Argv, list[str]]] = [(t.on_change, [str(t.path)]) for t in changed if t.on_change]
    if changed and domain.on_change:
        wanted.append((domain.on_change, [str(t.path) for t in changed]))
    wanted.extend(pending.items())
    out: Jobs = {}
    for argv, paths in wanted:
        known = out.setdefault(argv, [])
        known.extend(p for p in paths if p not in known)
    return out


class Pending:
    """The hooks each domain still owes: they failed, and run again on its next refresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owed: dict[str, Jobs] = {}  # domain key -> jobs

    def take(self, domain: Domain) -> Jobs:
        """The jobs ``domain`` owes (forgotten here), leaving out hooks its config no longer has."""
        with self._lock:
            owed: Jobs = self._owed.pop(domain.key, {})
        configured = {domain.on_change, *(t.on_change for t in domain.targets)}
        return {argv: paths for argv, paths in owed.items() if argv in configured}

    def owe(self, domain: Domain, argv: Argv, paths: list[str]) -> None:
        with self._lock:
            self._owed.setdefault(domain.key, {})[argv] = list(paths)

    def owed(self, domain: Domain) -> Jobs:
        with self._lock:
            return dict(self._owed.get(domain.key, {}))


class Running:
    """The hooks running now. :meth:`stop` ends them and lets no other start."""

    def __init__(self) -> None:
        self._lock, self.stopped = threading.Lock(), False
        self._procs: set[subprocess.Popen[bytes]] = set()

    def start(
        self, argv: Argv, env: Mapping[str, str], program: str | None = None
    ) -> tuple[subprocess.Popen[bytes], hook_output.Reader] | None:
        """Start a hook (from ``program``, the file found for ``argv[0]``, when given); None when
        stopping. Raises OSError when it cannot start."""
        with self._lock:
            if self.stopped:
                return None
            read, write = os.pipe()
            try:
                # the config's own command: its file and program passed the ownership checks (trust)
                proc = subprocess.Popen(  # noqa: S603
                    argv,
                    executable=program,
                    stdin=subprocess.DEVNULL,
                    stdout=write,
                    stderr=write,
                    env=env,
                    start_new_session=True,
                    close_fds=True,
                )
            except BaseException:
                os.close(read)
                raise
            finally:
                os.close(write)
            self._procs.add(proc)
        return proc, hook_output.Reader(read)

    def done(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM to each running hook's process group; SIGKILL to those still there after ``grace``."""
        with self._lock:
            self.stopped, procs = True, list(self._procs)
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)


def run(
    argv: Argv,
    timeout: float,
    env: Mapping[str, str],
    label: str,
    running: Running,
    finders: Iterable[hook_output.SecretFinder] = (),
) -> str | None:
    """Run one hook; None when it succeeded, else one line that names it, says how it failed and
    shows its last output line (redacted, with ``finders`` too), as logged after ``label``. Never
    raises for the hook's own failure."""
    name = f"hook {describe(argv)}"
    program, untrusted = checked_program(argv[0], env)
    if untrusted is not None:
        return _failed(label, f"{name}: not run: {untrusted}")
    try:
        started = running.start(argv, env, program)
    except OSError as e:
        return _failed(label, f"{name}: cannot start: {e.strerror or e}")
    if started is None:
        return _failed(label, f"{name}: not run: stopping")
    proc, reader = started
    try:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
            return _failed(label, f"{name}: killed after {timeout:g}s without finishing" + _last(reader, finders))
    finally:
        running.done(proc)
    if proc.returncode == 0:
        if not reader.finish(DRAIN):
            reader.linger()
        logger.info("%s: %s: done", label, name)
        return None
    how = f"exited with status {proc.returncode}"
    if proc.returncode < 0:
        how = "stopped with the daemon" if running.stopped else f"killed by {_signal_name(-proc.returncode)}"
    return _failed(label, f"{name}: {how}" + _last(reader, finders))


def checked_program(name: str, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The file that ``name`` runs now (looked up in ``env``'s ``PATH`` when it has no ``/``; None
    when there is none: starting it fails), and why it may not run (None when it may)."""
    from ..config import trust

    found = name if "/" in name else shutil.which(name, path=env.get("PATH", os.defpath))
    if found is None:
        return None, None
    problem = trust.program_problem(Path(found), os.geteuid())
    if problem is None:
        return found, None
    where = "" if str(problem.target) == found else f" ({problem.target})"
    return found, f"its program {found}{where} {trust.program_refusal(problem, os.geteuid())}"


def _last(reader: hook_output.Reader, finders: Iterable[hook_output.SecretFinder]) -> str:
    """': ' and the last line the hook printed, or nothing."""
    if not reader.finish(DRAIN):
        reader.linger()
    line = hook_output.shown_line(reader.tail, finders)
    return f": {line}" if line else ""


def _failed(label: str, message: str) -> str:
    logger.error("%s: %s", label, message)
    return message


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    if proc.returncode is not None:
        return
    try:
        os.killpg(proc.pid, signum)
    except OSError:
        with contextlib.suppress(OSError):
            proc.send_signal(signum)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
