"""``exec``'s process supervisor: one *child* command, run with a domain's environment.

The child inherits stdin, stdout and stderr and stays in our process group. Each of
:data:`FORWARDED` that we receive is sent on to it, except a terminal's own (:data:`TERMINAL`
while our group is the terminal's foreground group: the terminal sent the child its copy, and a
second ^C would be one too many). We exit with the child's status, ``128 + N`` when signal N
ended it (as shells report it).

With ``restart_on_change`` the source is asked again every ``poll`` seconds; when the variables
changed (a new token), the child gets SIGTERM, SIGKILL after ``grace`` seconds, and is started
again with the new ones. A child that ends on its own ends the supervisor, restart or not.

Signal handlers do nothing but wake the loop (:func:`signal.set_wakeup_fd` writes each signal's
number to a pipe the loop reads), so every decision is taken in one place.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .environment import Environment, Source

logger = logging.getLogger(__name__)

FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)
TERMINAL = frozenset({signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH})
STOPPING = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT})
GRACE, POLL = 10.0, 30.0  # seconds


@dataclass(frozen=True)
class Settings:
    restart_on_change: bool = False
    grace: float = GRACE  # seconds between SIGTERM and SIGKILL when restarting
    poll: float = POLL  # seconds between two looks at the source


def exit_status(returncode: int) -> int:
    """A child's status as a shell reports it: ``128 + N`` for signal N."""
    return 128 - returncode if returncode < 0 else returncode


def cannot_run(program: str, e: OSError) -> int:
    """Say why ``program`` did not start; the status a shell gives: 127 not found, 126 not runnable."""
    logger.error("cannot run %s: %s", program, e.strerror or e)
    return 127 if isinstance(e, FileNotFoundError) else 126


def child_environment(base: Mapping[str, str], env: Environment) -> dict[str, str]:
    return {**base, **env.variables}


class Supervisor:
    def __init__(
        self,
        argv: Sequence[str],
        source: Source,
        settings: Settings = Settings(),
        base_env: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.argv, self.source, self.settings, self.base_env, self.clock = list(argv), source, settings, base_env, clock
        self.child: subprocess.Popen[bytes] | None = None
        self.env: Environment | None = None
        self._wake_r = self._wake_w = -1
        self.stop_signal: int | None = None  # a stopping signal that came while restarting

    def run(self, env: Environment) -> int:
        """Start the child with ``env`` and supervise it until it ends; its exit status."""
        with self._signals():
            try:
                self.child = self._start(env)
            except OSError as e:
                return cannot_run(self.argv[0], e)
            next_look = time.monotonic() + self.settings.poll
            while True:
                timeout = max(0.0, next_look - time.monotonic()) if self.settings.restart_on_change else None
                self._forward(self._wait(timeout))
                if self.child.poll() is not None:
                    return exit_status(self.child.returncode)
                if self.settings.restart_on_change and time.monotonic() >= next_look:
                    next_look = time.monotonic() + self.settings.poll
                    status = self._look()
                    if status is not None:
                        return status

    def _start(self, env: Environment) -> subprocess.Popen[bytes]:
        from .environment import expiry

        child = subprocess.Popen(self.argv, env=child_environment(self.base_env, env))  # noqa: S603 - the user's command
        restart, self.env = self.env is not None, env
        (logger.info if restart else logger.debug)(  # a restart is news; the start is not
            "started %s (pid %d) with a token of %s that expires at %s",
            self.argv[0],
            child.pid,
            env.domain,
            expiry(env),
        )
        return child

    def _look(self) -> int | None:
        """Ask the source; restart the child if the variables changed. An exit status when a
        stopping signal came meanwhile (the child is then not started again)."""
        try:
            new = self.source.get(self.clock())
        except Exception as e:  # the daemon stopped, AWS failed...: keep the child, try again
            logger.warning("cannot look for a new token (%s); trying again in %gs", e, self.settings.poll)
            return None
        if self.env is not None and new.variables == self.env.variables:
            return None
        logger.info("the token changed: restarting %s", self.argv[0])
        old = self._stop_child(self.child)
        if self.stop_signal is not None:
            return exit_status(old)
        try:
            self.child = self._start(new)
        except OSError as e:  # the program went away meanwhile
            return cannot_run(self.argv[0], e)
        return None

    def _stop_child(self, child: subprocess.Popen[bytes] | None) -> int:
        """SIGTERM, then SIGKILL after the grace period; the child's returncode."""
        if child is None:
            return 0
        self.stop_signal = None  # only one that comes while the child stops keeps it from starting again
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.grace
        while child.poll() is None and time.monotonic() < deadline:
            self._forward(self._wait(max(0.0, deadline - time.monotonic())))
        if child.poll() is None:
            logger.warning(
                "%s (pid %d) outlived %gs after SIGTERM: SIGKILL", self.argv[0], child.pid, self.settings.grace
            )
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        return child.wait()

    # -- signals -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        wanted = (*FORWARDED, signal.SIGCHLD)
        before = {s: signal.signal(s, _wake) for s in wanted}
        old_fd = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        try:
            yield
        finally:
            signal.set_wakeup_fd(old_fd)
            for s, handler in before.items():
                signal.signal(s, handler)
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _wait(self, timeout: float | None) -> list[int]:
        """The signals received, waiting up to ``timeout`` seconds (None: until one comes)."""
        ready, _, _ = select.select([self._wake_r], [], [], timeout)
        if not ready:
            return []
        try:
            return list(os.read(self._wake_r, 512))
        except BlockingIOError:
            return []

    def _forward(self, received: list[int]) -> None:
        for number in received:
            if number == signal.SIGCHLD or self.child is None:
                continue
            sig = signal.Signals(number)
            if sig in STOPPING:
                self.stop_signal = sig
            if sig in TERMINAL and _terminal_sent_it():
                continue
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(sig)


def _wake(signum: int, frame: object) -> None:
    """Nothing: the wakeup fd carries the signal to the loop."""


def _terminal_sent_it() -> bool:
    """Whether a terminal's foreground group is ours (then it signalled the child too)."""
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            return os.tcgetpgrp(fd) == os.getpgrp()
    return False
