"""The socket's directory and the socket file: made safe before the daemon listens.

The *socket directory* is the daemon user's own: owned by it (root's will not do for a user's
daemon), a real directory (not a symlink), open to nobody else (0700), or with an allowed group to
that group alone and read-only (0750, group-owned). It is made so when missing; one that someone
else owns, or that is wider, is refused (nothing is chmod-ed behind the user's back), and so is a
path on the way that others could write (:func:`..ownership.path_problem`). A file already at the
socket's path is replaced only when it is a socket nobody answers on (a *stale* socket, left by a
daemon that was killed); a live one belongs to another daemon, and anything else is not ours.
"""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import socket
import stat
from pathlib import Path

from .. import ownership
from ..errors import Error
from ..platform.accounts import group_name


class SocketError(Error):
    """The socket cannot be served safely; one line naming the path and the fix."""


def group_id(name: str | None) -> int | None:
    if name is None:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise SocketError(f"agent: group: there is no group {name!r} on this host") from None


def prepare(directory: Path, gid: int | None, euid: int | None = None) -> None:
    """Make ``directory`` (0700, or 0750 and group ``gid``'s) unless it is there; refuse it when it
    is not this user's alone (see the module doc)."""
    euid = os.geteuid() if euid is None else euid
    mode = 0o700 if gid is None else 0o750
    if not os.path.lexists(directory):
        parent_problem = ownership.path_problem(directory.parent, euid)
        if parent_problem is not None:
            raise SocketError(_problem(parent_problem))
        directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass  # made meanwhile: judged below like any other
        else:
            if gid is not None:
                os.chown(directory, -1, gid)
                os.chmod(directory, mode)
    check(directory, gid, euid)


def check(directory: Path, gid: int | None, euid: int) -> None:
    """Refuse ``directory`` unless it is a directory of ``euid``'s open to no one else (``gid``: to that group, read-only)."""
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise SocketError(f"agent: {directory} is not a directory; remove it or set agent: socket: elsewhere")
    if info.st_uid != euid:
        raise SocketError(
            f"agent: {directory} is owned by {ownership.user(info.st_uid)}, not this daemon's user; "
            f"remove it or set agent: socket: elsewhere"
        )
    wider = info.st_mode & (0o077 if gid is None else 0o027)
    if gid is not None and info.st_mode & 0o070 and info.st_gid != gid:
        raise SocketError(
            f"agent: {directory} is open to group {group_name(info.st_gid)}, not the agent's group; "
            f"run: chgrp {grp.getgrgid(gid).gr_name} {directory}"
        )
    if wider and not (gid is None and not info.st_mode & 0o007 and not ownership.others_in_group(info.st_gid, (euid,))):
        expected = "0700" if gid is None else "0750"
        raise SocketError(
            f"agent: {directory} has mode {stat.S_IMODE(info.st_mode):04o}, wider than {expected}; "
            f"run: chmod {expected} {directory} (or set agent: socket: elsewhere)"
        )
    found = ownership.path_problem(directory, euid)
    if found is not None:
        raise SocketError(_problem(found))


def _problem(found: ownership.Problem) -> str:
    return f"agent: {found.target} {found.problem}, so others could replace the socket; run: {found.fix}"


def clear_stale(path: Path) -> None:
    """Remove a stale socket at ``path``; refuse a live one or anything that is not a socket."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise SocketError(f"agent: {path} exists and is not a socket; remove it or set agent: socket: elsewhere")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError as e:
            if e.errno not in (errno.ECONNREFUSED, errno.ENOENT):
                raise SocketError(f"agent: cannot tell whether {path} is in use: {e.strerror or e}") from None
        else:
            raise SocketError(f"agent: another daemon already serves {path}; stop it or set agent: socket: elsewhere")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def bind(sock: socket.socket, path: Path, gid: int | None) -> os.stat_result:
    """Bind ``sock`` at ``path`` (its directory prepared, a stale socket removed), mode 0600 (0660
    and group ``gid``'s); the socket file's stat, by which :func:`remove` knows it is still ours."""
    prepare(path.parent, gid)
    clear_stale(path)
    sock.bind(str(path))
    os.chmod(path, 0o600 if gid is None else 0o660)
    if gid is not None:
        os.chown(path, -1, gid)
    return os.lstat(path)


def remove(path: Path, bound: os.stat_result) -> None:
    """Remove the socket at ``path`` if it is still the one bound (another daemon may have taken the name since)."""
    try:
        info = os.lstat(path)
        if (info.st_dev, info.st_ino) == (bound.st_dev, bound.st_ino):
            os.unlink(path)
    except OSError:
        pass
