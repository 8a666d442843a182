"""Safe reads and atomic writes of target files.

A write goes to a temporary file in the target's directory (a random name, created 0600, given its
final mode and owner before the first byte), flushed and fsynced, then moved over the target with
``os.replace``, and the directory fsynced: a crash at any moment leaves the old file or the new
one. Targets that are symlinks are refused unless the target allows following them; then the file
the link points to is replaced and the link stays. Missing parent directories are created 0700.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UnsafeFileError, TargetError

DEFAULT_MODE = 0o600
BOM = "\ufeff"


@dataclass(frozen=True)
class Current:
    """A target file as found: its text (None when missing) and what a rewrite must keep."""

    path: Path  # the file to replace (the link's destination when following a symlink)
    text: str | None
    bom: bool = False
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None


def resolve(path: Path, follow_symlinks: bool) -> Path:
    """The path to read and replace, refusing links we were not told to follow."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as e:
        raise TargetError(f"cannot use {path}: {e.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        if not follow_symlinks:
            raise UnsafeFileError(
                f"{path} is a symlink; refusing to replace it "
                "(set follow_symlinks: true on the target to write through it)"
            )
        return Path(os.path.realpath(path))
    return path


def read(path: Path, follow_symlinks: bool = False) -> Current:
    real = resolve(path, follow_symlinks)
    try:
        # O_NOFOLLOW: a link swapped in since resolve() is refused; O_NONBLOCK: a FIFO can't hang us
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return Current(real, None)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafeFileError(f"{real} became a symlink; refusing to follow it") from None
        raise TargetError(f"cannot read {real}: {e.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = "a directory, not a file" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise UnsafeFileError(f"{real} is {kind}")
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TargetError(f"{real} is not UTF-8 text (byte {e.start}); left as it is") from None
    bom = text.startswith(BOM)
    return Current(real, text[1:] if bom else text, bom, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)


def target_mode(current: Current, wanted: int = DEFAULT_MODE) -> int:
    """The wanted mode for a new file; for an existing one, never wider than it was or wanted."""
    return wanted if current.mode is None else current.mode & wanted


def make_parents(path: Path) -> None:
    """Create missing parent directories with mode 0700, whatever the umask."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        except OSError as e:
            raise TargetError(f"cannot create directory {directory}: {e.strerror}") from None
        os.chmod(directory, 0o700)


def write_atomic(current: Current, text: str, mode: int) -> None:
    """Replace ``current.path`` with ``text`` (re-adding a BOM the file had), atomically."""
    path = current.path
    make_parents(path)
    data = ((BOM if current.bom else "") + text).encode("utf-8")
    try:  # a random name, O_EXCL | O_NOFOLLOW, mode 0600: nothing else can be there or see it
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise TargetError(f"cannot create a temporary file beside {path}: {e.strerror}") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(fd, mode)  # 0600 so far; the final mode is set while the file is still empty
            if os.geteuid() == 0 and current.uid not in (None, 0):
                os.fchown(fd, current.uid, current.gid)  # keep a user's file theirs
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        _unlink_quietly(tmp)
        raise TargetError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(path.parent)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
