"""One daemon per state file: the *daemon lock*.

``run`` holds an exclusive ``flock`` on the *lock file*, ``<state file>.lock`` beside the state
file, for as long as it runs, and writes its pid into it. A second ``run`` for the same state file
finds the lock taken and refuses to start, naming the first by that pid: two daemons would
refresh every token twice and overwrite each other's news, and ``status`` would report one of
them as not running. The kernel drops the lock when the process ends, however it ends, so a lock
file left behind holds nothing and is never removed (removing it would let two holders in).
The file is created 0600 and must be our own: no other user can open it, so no other user can
take the lock to keep the daemon from starting.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..errors import Error
from ..outputs.files import make_parents

SUFFIX = ".lock"


def lock_path(state_path: Path) -> Path:
    """Where the daemon lock of the state file at ``state_path`` lives."""
    return state_path.with_name(state_path.name + SUFFIX)


class DaemonLock:
    """The daemon lock, held while this object's descriptor is open."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    @contextlib.contextmanager
    def hold(cls, state_path: Path) -> Iterator[DaemonLock]:
        """Hold the lock of ``state_path`` for the ``with`` block; :class:`~.errors.Error` when
        another daemon holds it."""
        lock = cls.take(state_path)
        try:
            yield lock
        finally:
            lock.release()

    @classmethod
    def take(cls, state_path: Path) -> DaemonLock:
        path = lock_path(state_path)
        fd = _open_own(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid_in(fd)
            os.close(fd)
            raise Error(
                f"another codeartifact-refresher daemon ({holder}) already runs for the state file "
                f"{state_path}; stop it first, or give this config a state_file of its own"
            ) from None
        except OSError as e:
            os.close(fd)
            raise Error(f"{path}: cannot lock it: {e.strerror}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)  # closing the descriptor drops the lock; the file stays


def _open_own(path: Path) -> int:
    """The lock file, opened read-write (created 0600 if missing); refused unless a regular file
    of our own, since whoever can open it can take the lock."""
    try:
        make_parents(path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise Error(f"{path}: cannot open the daemon lock: {e.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        os.close(fd)
        raise Error(f"{path}: the daemon lock is not a file of our own (owner uid {st.st_uid}); remove it")
    return fd


def _pid_in(fd: int) -> str:
    """``pid N`` as the holder wrote it, or words saying it is not known yet."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    return f"pid {text}" if text.isdigit() else "pid not known yet"
