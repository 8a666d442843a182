"""Who is at the other end of a Unix socket (the *peer*), by the kernel's word, and who may ask.

Linux answers ``SO_PEERCRED`` with a ``struct ucred`` (pid, uid, gid). macOS has no
``socket.getpeereid``: its ``getpeereid(3)`` reads ``LOCAL_PEERCRED`` (level ``SOL_LOCAL``), a
``struct xucred`` (version, uid, number of groups, groups), which :func:`parse_xucred` reads. The
peer's credentials are those it had when it connected; nothing the client sends is believed.

*Allowed* (:func:`allowed`): this process's own uid, root, and, when a group is given, members of
it (its gid as the peer's primary group, or the group listing the peer's user).
"""

from __future__ import annotations

import grp
import os
import pwd
import socket
import struct
import sys
from dataclasses import dataclass

_UCRED = struct.Struct("=iII")  # pid_t, uid_t, gid_t
#: ``struct xucred``: u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]
_XUCRED = struct.Struct("=IIh2x16I")
XUCRED_VERSION = 0
SOL_LOCAL, LOCAL_PEERCRED = 0, 1  # macOS <sys/un.h>


@dataclass(frozen=True)
class Peer:
    uid: int
    gid: int | None = None  # primary group (Linux); None where the kernel does not say
    pid: int | None = None
    groups: tuple[int, ...] = ()  # macOS: the groups the kernel lists


def parse_ucred(data: bytes) -> Peer:
    """Linux's ``struct ucred``."""
    pid, uid, gid = _UCRED.unpack(data[: _UCRED.size])
    return Peer(uid, gid, pid)


def parse_xucred(data: bytes) -> Peer:
    """macOS's ``struct xucred`` (``LOCAL_PEERCRED``); ValueError for another version or a short one."""
    if len(data) < _XUCRED.size:
        raise ValueError(f"struct xucred is {_XUCRED.size} bytes, got {len(data)}")
    version, uid, count, *groups = _XUCRED.unpack(data[: _XUCRED.size])
    if version != XUCRED_VERSION:
        raise ValueError(f"struct xucred version {version}, expected {XUCRED_VERSION}")
    listed = tuple(groups[: max(0, min(count, len(groups)))])
    return Peer(uid, listed[0] if listed else None, None, listed)


def of(sock: socket.socket) -> Peer:
    """The peer of a connected Unix socket; OSError when the kernel will not say."""
    if sys.platform == "darwin":
        return parse_xucred(sock.getsockopt(SOL_LOCAL, LOCAL_PEERCRED, _XUCRED.size))
    return parse_ucred(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))


def allowed(peer: Peer, euid: int, gid: int | None = None) -> bool:
    """Whether ``peer`` may have our tokens: our own uid, root, or (``gid`` given) a member of that group."""
    if peer.uid in (euid, 0):
        return True
    return gid is not None and in_group(peer, gid)


def in_group(peer: Peer, gid: int) -> bool:
    """Whether the peer's user is in group ``gid``: as its primary group (the kernel's word or the
    password database's), among the groups the kernel listed, or listed by the group database."""
    if gid == peer.gid or gid in peer.groups:
        return True
    try:
        entry = pwd.getpwuid(peer.uid)
    except KeyError:
        return False
    if entry.pw_gid == gid:
        return True
    try:
        return gid in os.getgrouplist(entry.pw_name, entry.pw_gid)
    except OSError:
        return entry.pw_name in grp.getgrgid(gid).gr_mem
