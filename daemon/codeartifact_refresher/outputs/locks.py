"""The lock that makes two instances of this program take turns on one directory.

A *lock file* is an empty ``0600`` file named by the locked directory's device and inode
(``<dev>-<ino>.lock``, in hex) in a *lock directory*: a ``0700`` directory of our user's (the
first usable of :func:`..platform.paths.lock_dirs`). No other user can open it, so no other user
can hold our lock and stop our writes (anyone may ``flock`` a directory they can open, which is
why the target's directory itself is not what we lock), and nothing is left beside the targets.
The holder removes its lock file before letting go; a waiter that then gets the lock of the
removed file sees that the name no longer leads to it, and starts again.

A home that cannot be written (a container's read-only ``HOME``) is no reason to go unlocked:
the lock directory then falls back to ``$XDG_RUNTIME_DIR``, to one of ours beside the state file
(:func:`fall_back_beside`; the daemon writes there anyway) and to one in ``$TMPDIR`` or ``/tmp``,
each named for our uid and used only when it is ours and closed to others: a directory that
another user made first under that name is passed over, so the worst they can do is make us go
unlocked, never hold our lock.

Only our own instances take this lock: an edit by anyone else is guarded by the re-read before
the rename (:mod:`.files`). Where no lock directory can be made at all, writes go unlocked with a
warning that names the variable to set, guarded the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import FileBusyError, TargetError
from ..platform import paths

logger = logging.getLogger(__name__)

LOCK_WAIT = 10.0  # seconds to wait for another instance's write in the same directory
_warned: set[tuple[str, ...]] = set()  # lock directories found unusable, each said once
_beside: list[Path] = []  # the state file's directory, once a command has said where it is


def fall_back_beside(state_file: Path) -> None:
    """Let lock files fall back to a directory of ours beside ``state_file`` (see the module's
    docstring); the commands that write (``run``, ``refresh``) call this once the config is loaded."""
    _beside[:] = [state_file.parent]


@contextlib.contextmanager
def locked(directory: Path, wait: float | None = None) -> Iterator[None]:
    """Hold our exclusive lock on ``directory``, waiting at most ``wait`` seconds
    (:data:`LOCK_WAIT`) for another instance of ours that holds it."""
    wait = LOCK_WAIT if wait is None else wait
    name = lock_name(directory)
    dir_fd = open_lock_dir()
    if dir_fd is None:
        yield
        return
    try:
        fd = _acquire(dir_fd, name, directory, wait)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)  # while still holding it: see the module's docstring
            os.close(fd)
    finally:
        os.close(dir_fd)


def lock_name(directory: Path) -> str:
    """The lock file's name for ``directory``: its device and inode, so every path to it agrees."""
    try:
        st = os.stat(directory)
    except OSError as e:
        raise TargetError(f"cannot use directory {directory}: {e.strerror}") from None
    return f"{st.st_dev:x}-{st.st_ino:x}.lock"


def open_lock_dir() -> int | None:
    """The first usable lock directory, open; None (said once) when there is none."""
    euid = os.geteuid()
    candidates = paths.lock_dirs(os.environ, euid, beside=_beside[0] if _beside else None)
    for candidate in candidates:
        fd = _private_dir(candidate, euid)
        if fd is not None:
            return fd
    tried = tuple(str(c) for c in candidates)
    if tried not in _warned:
        _warned.add(tried)
        logger.warning(
            "no private directory for lock files (tried %s): writes are not locked against another "
            "instance of this program (each is still checked against edits before it is put in place); %s",
            ", ".join(tried),
            paths.lock_dir_hint(),
        )
    return None


def _private_dir(path: Path, euid: int) -> int | None:
    """``path`` open, made ``0700`` if missing, if it is ``euid``'s own writable directory (closed
    to others if it was not); else None."""
    try:
        _make(path)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid == euid and os.access(".", os.W_OK, dir_fd=fd):
            if st.st_mode & 0o077:
                os.fchmod(fd, 0o700)
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _make(path: Path) -> None:
    """Create ``path`` and its missing parents with mode ``0700``."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory, 0o700)


def _acquire(dir_fd: int, name: str, directory: Path, wait: float) -> int:
    """The lock file ``name``, open and locked; :class:`FileBusyError` after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    fd = _open(dir_fd, name, directory)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FileBusyError(
                        f"{directory} is locked by another codeartifact-refresher for over {wait:g} s"
                    ) from None
                time.sleep(0.01)
                continue
            except OSError:
                return fd  # a file system that cannot lock: the re-read still guards
            if _still_named(dir_fd, name, fd):
                return fd
            os.close(fd)  # its holder removed it as it let go: lock the file now at that name
            fd = -1
            fd = _open(dir_fd, name, directory)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise


def _open(dir_fd: int, name: str, directory: Path) -> int:
    try:
        return os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
    except OSError as e:
        raise TargetError(f"cannot make a lock file for {directory}: {e.strerror}") from None


def _still_named(dir_fd: int, name: str, fd: int) -> bool:
    """Whether ``name`` in the lock directory is still the file open as ``fd``."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
