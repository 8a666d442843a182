"""How the daemon's loop is woken: a self-pipe, safe from signal handlers and from any thread.

A *wake-up* is a byte in a pipe: :meth:`Wakeup.set` writes one (from a refresh thread), and
after :meth:`Wakeup.attach_signals` the interpreter's C-level signal handler writes one too
(:func:`signal.set_wakeup_fd`), before any Python code runs. The loop :meth:`~Wakeup.wait`\\ s on the
pipe and :meth:`~Wakeup.clear`\\ s it. Nothing here takes a lock, so a signal arriving at any
moment, even one interrupting another signal's handler or the loop's own wait, cannot deadlock
(``threading.Event.set`` can: its lock is not re-entrant). A full pipe means the loop is already
due to wake, so a flood of signals loses nothing that matters.

The signal handlers themselves only add a word to a set (:meth:`Wakeup.on_signals`): the loop
reads the set after each wake-up and acts on it, once, however many signals came meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import weakref
from collections.abc import Mapping, MutableSet


class Wakeup:
    """The loop's alarm: ``set`` from anywhere, ``wait`` and ``clear`` in the loop (the interface
    of :class:`threading.Event`, so tests can swap in their own)."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        for fd in (self._read, self._write):
            os.set_blocking(fd, False)
            os.set_inheritable(fd, False)
        self._closer = weakref.finalize(self, _close, self._read, self._write)

    def set(self) -> None:
        """Wake the loop; never blocks (a full pipe already wakes it)."""
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._write, b"\0")

    def is_set(self) -> bool:
        return bool(select.select([self._read], [], [], 0)[0])

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until woken or ``timeout`` seconds pass; True when woken."""
        return bool(select.select([self._read], [], [], timeout)[0])

    def clear(self) -> None:
        """Forget the wake-ups so far (the loop then acts on everything they asked for)."""
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._read, 4096):
                pass

    def on_signals(self, actions: Mapping[signal.Signals, str], requests: MutableSet[str]) -> None:
        """On each signal in ``actions``, add its word to ``requests`` and wake the loop.
        Main thread only (as :func:`signal.signal` is)."""
        signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        for signum, what in actions.items():
            signal.signal(signum, lambda *_, what=what: requests.add(what))  # set.add takes no lock

    def close(self) -> None:
        self._closer()


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
