"""Safe reads and atomic writes of target files.

A write goes to a temporary file in the target's directory (a random name, created 0600, given its
final mode and the old file's owner and group before the first byte: :mod:`.owners`, which also
says whom root may give a token), flushed and fsynced, then moved over the target with
``os.replace``, and the directory fsynced: a crash at any moment leaves the old file or the new
one. Targets that are symlinks are refused unless the target allows following them; then the file
the link points to is replaced and the link stays, unless the link leads into a directory that
belongs to someone else. Missing parent directories are created 0700.

:func:`update` is the whole cycle, read, render, write, under our lock on the target's
directory (:mod:`.locks`: a lock file of ours, in a directory only our user can open), so that two
instances of this program take turns. A person editing the file takes no lock, so just before
the replace the file is read again and compared with what was rendered from; if it changed, the
cycle starts again from the new text. An edit written into the old file in place during the
replace itself is seen afterwards (its inode is still open) and is carried into a second write.
Temporary files that a killed writer left behind are removed under the lock.

A file is read and written in its *encoding*, which the writer tells from its bytes (an
:data:`Encoding`: Java's properties are ISO 8859-1, an XML file says its own); UTF-8 by default. The
user's bytes must come back exactly from the text they decode to, or the file is refused.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from ..errors import FileBusyError, TargetError, UnsafeFileError, WriterError
from ..platform import linux
from .base import Guard
from .locks import locked as locked  # handed on: files.locked is the lock update takes
from .modes import DEFAULT_MODE as DEFAULT_MODE  # handed on, as target_mode
from .modes import lost_access
from .modes import target_mode as target_mode
from .owners import check_path as check_path  # handed on, as check_recipient
from .owners import check_recipient as check_recipient
from .owners import keep_owner

logger = logging.getLogger(__name__)

BOM = "\ufeff"
MAX_BYTES = 16 * 1024 * 1024  # a package manager's config is a few KiB; anything this big is not one
ATTEMPTS = 5  # read-render-write cycles before giving up on a file that keeps changing
UTF8 = "UTF-8"
#: A file's encoding from its bytes (b"" when it is missing): a codec name Python knows, as the
#: file's tool names it ("ISO-8859-1"); raises WriterError, saying why, for one the tool cannot read.
Encoding = Callable[[bytes], str]


@dataclass(frozen=True)
class Current:
    """A target file as found: its text (None when missing) and what a rewrite must keep."""

    path: Path  # the file to replace (the link's destination when following a symlink)
    text: str | None
    bom: bool = False
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    raw: bytes | None = None  # the bytes read, to tell whether the file changed before the replace
    ino: int | None = None
    encoding: str = UTF8  # what the bytes are read and written in


class FileChanged(FileBusyError):
    """The file changed between the read and the replace. ``lost`` holds an edit that went into
    the old file during the replace (our write is in place without it), else None."""

    def __init__(self, path: Path, lost: bytes | None = None) -> None:
        super().__init__(f"{path} changed while it was being rewritten")
        self.lost = lost


def resolve(path: Path, follow_symlinks: bool | None) -> Path:
    """The path to read and replace, refusing links we were not told to follow. ``None``: the file
    has no ``follow_symlinks`` setting (the state file), so the refusal does not suggest one."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as e:
        raise TargetError(f"cannot use {path}: {e.strerror}") from None
    if not stat.S_ISLNK(st.st_mode):
        return path
    if not follow_symlinks:
        advice = (
            "give the path of the file itself, not of a link to it"
            if follow_symlinks is None
            else "set follow_symlinks: true on the target to write through it"
        )
        raise UnsafeFileError(f"{path} is a symlink; refusing to replace it ({advice})")
    real = Path(os.path.realpath(path))
    trusted = {st.st_uid, os.geteuid()}  # the link's owner and us: never a third user's directory
    for place in (real.parent, real):
        try:
            owner = os.stat(place).st_uid
        except OSError:
            continue  # missing: checked by the read, or created by us
        if owner not in trusted:
            raise UnsafeFileError(
                f"{path} is a symlink to {real}, in a place owned by another user (uid {owner}); refusing to write there"
            )
    return real


def decode(real: Path, data: bytes, encoding: str = UTF8) -> tuple[str, bool]:
    """A file's bytes as text in ``encoding`` without its BOM, and whether it had one; refused when
    they are not text in it, or when that text would not encode back to the very same bytes."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise TargetError(f"{real} is not {encoding} text (byte {e.start}); left as it is") from None
    except LookupError:
        raise TargetError(f"{real} is in {encoding}, an encoding this program cannot read; left as it is") from None
    if text.encode(encoding) != data:
        raise TargetError(f"{real}: its {encoding} text would not be written back byte for byte; left as it is")
    return (text[1:], True) if text.startswith(BOM) else (text, False)


def encoding_of(real: Path, data: bytes, encoding: Encoding | None) -> str:
    """The encoding of the file at ``real`` holding ``data``, as ``encoding`` tells (else UTF-8)."""
    if encoding is None:
        return UTF8
    try:
        return encoding(data)
    except WriterError as e:
        raise TargetError(f"{real}: {e}; left as it is") from None


def encode(current: Current, text: str) -> bytes:
    """``text`` (with the BOM the file had) in the file's encoding; refused, naming the first
    character it cannot hold (by code point: it may be part of a secret), when it cannot."""
    try:
        return ((BOM if current.bom else "") + text).encode(current.encoding)
    except UnicodeEncodeError as e:
        where = f"U+{ord(e.object[e.start]):04X}"
        raise TargetError(
            f"cannot write {current.path} in its encoding, {current.encoding}: it cannot hold the character {where}; "
            "left as it is"
        ) from None


def check_bom(current: Current, breaks: str) -> None:
    """Raise TargetError when ``current`` begins with a byte-order mark that ``breaks`` (a tool's
    name; empty: none) cannot read: whatever we wrote, the tool would fail on the file."""
    if current.bom and breaks:
        raise TargetError(
            f"{current.path} begins with a UTF-8 byte-order mark, which {breaks} cannot read: "
            "remove it (the file's first 3 bytes, EF BB BF); left as it is"
        )


class NotRegularFile(UnsafeFileError):
    """A path names something other than a regular file: ``kind`` says what ("a FIFO")."""

    def __init__(self, path: Path, kind: str) -> None:
        what = "a directory, not a file" if kind == "a directory" else f"{kind}, not a regular file"
        super().__init__(f"{path} is {what}")
        self.kind = kind


KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def open_regular(path: Path, follow: bool = False) -> BinaryIO:
    """The regular file at ``path``, open for reading. Opened ``O_NONBLOCK``, so that a FIFO or a
    device that someone put at the path cannot hang us, and refused (:class:`NotRegularFile`)
    before any read; ``O_NOFOLLOW`` unless ``follow`` (a final symlink: ELOOP). Raises OSError as
    :func:`os.open` does. Every file we read that another user may name or replace (targets,
    templates, the config, the state file) is opened through here."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, KINDS.get(stat.S_IFMT(mode), "not a regular file"))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int, follow: bool = False) -> tuple[bytes, os.stat_result]:
    """At most ``limit`` + 1 bytes of the regular file at ``path`` (more than ``limit``: too big
    for the caller) and its status as opened (:func:`open_regular`)."""
    with open_regular(path, follow) as f:
        return f.read(limit + 1), os.fstat(f.fileno())


def read(path: Path, follow_symlinks: bool | None = None, encoding: Encoding | None = None) -> Current:
    """The file at ``path`` as found (see :class:`Current`), read in its ``encoding``."""
    real = resolve(path, follow_symlinks)
    try:
        # O_NOFOLLOW: a link swapped in since resolve() is refused; O_NONBLOCK: a FIFO can't hang us
        data, st = read_regular(real, MAX_BYTES)
    except FileNotFoundError:
        return Current(real, None, encoding=encoding_of(real, b"", encoding))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafeFileError(f"{real} became a symlink; refusing to follow it") from None
        raise TargetError(f"cannot read {real}: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise TargetError(f"{real} is larger than {MAX_BYTES // 2**20} MiB, too big for a config file; left as it is")
    name = encoding_of(real, data, encoding)
    text, bom = decode(real, data, name)
    return Current(real, text, bom, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, data, st.st_ino, name)


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


def update(
    path: Path,
    render: Callable[[str | None], str],
    wanted: int | None = DEFAULT_MODE,
    follow_symlinks: bool | None = None,
    guard: Guard = contextlib.nullcontext,
    bom_breaks: str = "",
    encoding: Encoding | None = None,
) -> bool:
    """Rewrite ``path`` as ``render(its text)`` under our lock on its directory; True if it changed.

    ``render`` must be pure: it runs again when the file changed under us. ``guard`` wraps each
    write (a stopping program uses it to refuse new ones). ``bom_breaks``: see :func:`check_bom`;
    ``encoding``: see :data:`Encoding`.
    """
    return update_current(
        path, lambda current: render(current.text), wanted, follow_symlinks, guard, bom_breaks, encoding
    )


def update_current(
    path: Path,
    render: Callable[[Current], str],
    wanted: int | None = DEFAULT_MODE,
    follow_symlinks: bool | None = None,
    guard: Guard = contextlib.nullcontext,
    bom_breaks: str = "",
    encoding: Encoding | None = None,
) -> bool:
    """:func:`update`, with ``render`` given the file as read (:class:`Current`: its owner too), for
    a caller whose trust in the text depends on who wrote it (the state file's)."""
    check_path(path)
    real = resolve(path, follow_symlinks)
    make_parents(real)
    with locked(real.parent):
        remove_stale(real)
        lost = None
        for _ in range(ATTEMPTS):
            current = read(path, follow_symlinks, encoding)
            if lost is not None:  # our last write is in place, but without an edit made during it
                name = encoding_of(current.path, lost, encoding)
                text, bom = decode(current.path, lost, name)
                current = replace(current, text=text, bom=bom, encoding=name)
            check_recipient(current.path, current.uid)
            check_bom(current, bom_breaks)
            new = render(current)
            mode = target_mode(current, wanted)
            if lost is None and new == current.text and mode == current.mode:
                return False
            try:
                with guard():
                    write_atomic(current, new, mode)
                if current.mode is not None and mode != current.mode:
                    logger.warning("%s", lost_access(current.path, current.mode, mode, current.gid))
                return True
            except FileChanged as e:
                lost = e.lost
        raise FileBusyError(f"{path} kept changing while it was being rewritten; left as it is, will try again")


def write_atomic(current: Current, text: str, mode: int) -> None:
    """Replace ``current.path`` with ``text`` (re-adding a BOM the file had), atomically.

    Raises :class:`FileChanged` (with the temporary file removed) if the file no longer holds
    what ``current`` read, and after the replace if an edit went into the old file meanwhile.
    Call it as :func:`update` does: under :func:`locked`, with the directory in place.
    """
    path = current.path
    data = encode(current, text)
    try:  # a random name, O_EXCL | O_NOFOLLOW, mode 0600: nothing else can be there or see it
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise TargetError(f"cannot create a temporary file beside {path}: {e.strerror}") from None
    tmp = Path(name)
    lost = None
    try:
        with os.fdopen(fd, "wb") as f:
            keep_owner(fd, current.uid, current.gid)  # while empty: the old file's owner and group
            os.fchmod(fd, mode)  # 0600 so far; the final mode is set while the file is still empty
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with _old_file(current) as old:
            if not _swap(tmp, path, current):
                os.replace(tmp, path)
            _fsync_dir(path.parent)  # also gives a writer that had the old file open time to finish
            if old is not None and _contents(old) != current.raw:
                lost = _contents(old)
    except OSError as e:
        _unlink_quietly(tmp)
        raise TargetError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if lost is not None:
        raise FileChanged(path, lost)


def _swap(tmp: Path, path: Path, current: Current) -> bool:
    """Put ``tmp`` at ``path`` with no window at all, where the system can: ``renameat2`` either
    exchanges the two (then what was swapped out is checked to be the file we read, and swapped
    back if someone replaced it an instant before) or, for a new file, refuses to replace one
    that appeared. False when the system cannot; the caller then renames as usual."""
    renameat2 = linux.renameat2()
    if renameat2 is None:
        return False
    import ctypes

    flags = linux.RENAME_EXCHANGE if current.raw is not None else linux.RENAME_NOREPLACE
    if renameat2(linux.AT_FDCWD, os.fsencode(tmp), linux.AT_FDCWD, os.fsencode(path), flags) != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            return False  # this kernel or file system cannot: fall back to os.replace
        if err in (errno.EEXIST, errno.ENOENT):
            raise FileChanged(path)  # created, or removed, since we read it
        raise OSError(err, os.strerror(err))
    if current.raw is None:
        return True
    try:  # ``tmp`` now names the file that was at ``path``
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            unchanged = os.fstat(fd).st_ino == current.ino and _contents(fd) == current.raw
        finally:
            os.close(fd)
    except OSError:
        unchanged = False
    if not unchanged:  # replaced just before our swap: give it back, and start again from it
        if renameat2(linux.AT_FDCWD, os.fsencode(tmp), linux.AT_FDCWD, os.fsencode(path), linux.RENAME_EXCHANGE) != 0:
            os.replace(tmp, path)  # ours left ``path`` meanwhile: theirs goes back all the same
        raise FileChanged(path)  # the caller removes ``tmp``, which is ours again (or gone)
    os.unlink(tmp)
    return True


@contextlib.contextmanager
def _old_file(current: Current) -> Iterator[int | None]:
    """The file about to be replaced, open, once it is checked to hold what ``current`` read."""
    try:
        fd = os.open(current.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        if current.raw is not None:
            raise FileChanged(current.path) from None
        yield None
        return
    except OSError:
        raise FileChanged(current.path) from None
    try:
        if os.fstat(fd).st_ino != current.ino or _contents(fd) != current.raw:
            raise FileChanged(current.path)
        yield fd
    finally:
        os.close(fd)


def _contents(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 16, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def remove_stale(path: Path) -> None:
    """Remove temporary files of ``path`` that a killed writer left (call under :func:`locked`)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    try:
        names = [n for n in os.listdir(path.parent) if pattern.fullmatch(n)]
    except OSError:
        return
    for name in names:
        stale = path.parent / name
        with contextlib.suppress(OSError):
            st = os.lstat(stale)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                os.unlink(stale)


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
