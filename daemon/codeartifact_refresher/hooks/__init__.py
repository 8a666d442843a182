"""Commands run after a refresh changed files: ``on_change`` on a target or a domain.

A *hook* is an argv list (no shell), started in its own process group with stdin closed. It is
*done* when its own process exits 0: a service it starts in the background may keep running, and
keep the output pipe open (:mod:`.hook_output` goes on draining it). A hook that outlives its
timeout is killed with its process group. When the program stops, each hook still running has its
group sent SIGTERM, then SIGKILL after a grace period if any process of it is left, its own
process gone or not. Its environment is ours (which never holds a token) plus
``CODEARTIFACT_REFRESHER_DOMAIN``, ``..._OWNER``, ``..._EXPIRES_AT`` (ISO 8601) and
``..._FILES`` (where the changed targets write: their files, joined with ``os.pathsep``) and
``..._TARGETS`` (their identities, :attr:`..config.Target.identity`, one a line).

The program that runs is the one checked: the config's check (:func:`..config.trust.program_problem`)
is made again just before each start, on the file found then (``PATH`` looked up again), and the
process is started from that very path; a program that another user could have changed or put
earlier in ``PATH`` since the config was loaded is not run, and the hook fails saying why.

A *job* is a hook to run with the targets it is told about. A hook that fails (cannot start, exits
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

from ..config import Domain, Target
from . import output as hook_output

if TYPE_CHECKING:
    from ..config import Domain, Target

logger = logging.getLogger(__name__)
PREFIX = "CODEARTIFACT_REFRESHER_"
DRAIN = 0.5  # seconds to wait, once a hook has exited, for the end of its output
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for the hooks running when we stop
ARGV_CHARS = 120  # the most of a hook's command line that a log line shows

Argv = tuple[str, ...]
Jobs = dict[Argv, list[Target]]  # hook -> the targets it is told about, in the order they run


def environment(domain: Domain, expires_at: datetime | None, targets: Iterable[Target]) -> dict[str, str]:
    targets = list(targets)
    env = dict(os.environ)
    env.update(
        {
            PREFIX + "DOMAIN": domain.domain,
            PREFIX + "OWNER": domain.owner or "",
            PREFIX + "EXPIRES_AT": expires_at.isoformat() if expires_at else "",
            PREFIX + "FILES": os.pathsep.join(dict.fromkeys(t.where for t in targets)),
            PREFIX + "TARGETS": "\n".join(t.identity for t in targets),
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
    told about every target it is run for."""
    changed = list(changed)
    wanted: list[tuple[Argv, list[Target]]] = [(t.on_change, [t]) for t in changed if t.on_change]
    if changed and domain.on_change:
        wanted.append((domain.on_change, changed))
    wanted.extend(pending.items())
    out: Jobs = {}
    for argv, targets in wanted:
        known = out.setdefault(argv, [])
        for target in targets:  # once each, by identity (an owed one may be of an older load)
            if all(t.identity != target.identity for t in known):
                known.append(target)
    return out


class Pending:
    """The hooks each domain still owes: they failed, and run again on its next refresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owed: dict[str, Jobs] = {}  # domain key -> jobs

    def take(self, domain: Domain) -> Jobs:
        """The jobs ``domain`` owes (forgotten here), leaving out hooks its config no longer has;
        each told about the targets it was owed for as ``domain`` has them now (by identity: a
        reload may have moved a target's line or removed it)."""
        with self._lock:
            owed: Jobs = self._owed.pop(domain.key, {})
        configured = {domain.on_change, *(t.on_change for t in domain.targets)}
        current = {t.identity: t for t in domain.targets}
        return {
            argv: [current[t.identity] for t in targets if t.identity in current]
            for argv, targets in owed.items()
            if argv in configured
        }

    def owe(self, domain: Domain, argv: Argv, targets: list[Target]) -> None:
        with self._lock:
            self._owed.setdefault(domain.key, {})[argv] = list(targets)

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
        """SIGTERM to each running hook's process group; after ``grace``, SIGKILL to each of those
        groups that still has a process, whether or not the hook's own process is still there (a
        child that ignores SIGTERM outlives a hook that obeys it)."""
        with self._lock:
            self.stopped, procs = True, list(self._procs)
        end_groups(procs, grace)


GROUP_POLL = 0.02  # seconds between looks at whether a stopped hook's process group is gone


def end_groups(procs: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """End the process groups that ``procs`` lead (each hook's group id is its own pid): SIGTERM,
    then SIGKILL to those with any process left after ``grace``. A group id names the group for
    as long as any of its processes lives, its leader gone or not; ESRCH means all are gone."""
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = [proc for proc in procs if _group_alive(proc)]
    while left and time.monotonic() < deadline:
        time.sleep(GROUP_POLL)
        left = [proc for proc in left if _group_alive(proc)]
    for proc in left:
        _signal_group(proc, signal.SIGKILL)


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    """Whether any process of the group ``proc`` leads is left (a leader that exited is reaped
    first: as a zombie it would count)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a member that changed its user: still there
    return True


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
    """``signum`` to the process group ``proc`` leads, its leader gone or not (nothing when the
    whole group is gone); to ``proc`` alone when it left the group and still runs."""
    try:
        os.killpg(proc.pid, signum)
    except OSError:
        if proc.returncode is None:
            with contextlib.suppress(OSError):
                proc.send_signal(signum)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
